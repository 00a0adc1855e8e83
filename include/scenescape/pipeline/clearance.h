#pragma once
// Keeping the camera path out of the mesh.
//
// Clearance of a camera: the smallest mesh depth (camera z) it renders in the
// central half of its image (the middle half of the rows and of the columns),
// i.e. how far the nearest surface ahead is; +inf when it sees no mesh there.
// The border is left out on purpose: the ground just below a walking camera and
// the walls beside it are near but not in its way.
//
// The built-in motions are planned before any surface is known (geometry/
// trajectory.h); the generator checks them against frame 0's mesh and, where
// a camera would come closer than trajectory.min_clearance x frame 0's median
// depth, shortens the path: the camera centres move along the planned
// polyline as planned up to half the safe length, then slow down smoothly
// (tanh) and stop short of it, while the orientations keep turning as planned.
// Keyframe files are the user's own: they are not changed; the frames that
// come too close get a warning that names them.

#include <ATen/core/Tensor.h>

#include <vector>

#include "scenescape/geometry/camera.h"
#include "scenescape/geometry/trajectory.h"
#include "scenescape/mesh/mesh.h"

namespace scenescape {

// The clearance of `camera` to `mesh` (see above), rendered at 1/4 of the
// camera's resolution (at least 32 pixels a side).
double CameraClearance(const Mesh& mesh, const Camera& camera);

// The arc length along the camera centres of `path` (cameras from
// `intrinsics`) up to which every camera keeps `min_clearance` to `mesh`,
// checked at every frame and, where a frame fails, by bisection between it and
// the previous one; +inf when every frame keeps it.
double SafePathLength(const std::vector<PathFrame>& path,
                      const Intrinsics& intrinsics,
                      const Mesh& mesh,
                      double min_clearance);

// `path` with its camera centres moved back along the path's own polyline so
// that the travelled arc length s becomes s (s <= limit / 2), then
// limit / 2 + limit / 2 * tanh((s - limit / 2) / (limit / 2)), which never
// reaches `limit`. Orientations, fov and prompts are kept. limit = +inf
// returns the path unchanged.
std::vector<PathFrame> LimitPathLength(const std::vector<PathFrame>& path, double limit);

}  // namespace scenescape
