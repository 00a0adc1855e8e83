#pragma once
// A procedural textured 3D scene whose true depth and appearance are known:
// a long hall (floor, walls, ceiling, end walls) with a crate and a pillar,
// coloured by smooth procedural textures baked into a finely tessellated mesh.
// Used as the built-in demo's starting image and as the ground truth of the
// oracle back end (backends/oracle/oracle.h).
//
// World frame: the default camera sits at the origin looking down +z, +y is
// down (floor at y = floor_y > 0), units are metres-like.

#include "scenescape/geometry/camera.h"
#include "scenescape/mesh/mesh.h"

namespace scenescape {

struct RoomOptions {
  double half_width = 2.0;  // walls at x = +-half_width
  double floor_y = 1.2;     // floor plane (y down)
  double ceiling_y = -1.8;  // ceiling plane
  double z_front = 9.0;     // far end wall, in front of the start camera
  double z_back = -30.0;    // end wall behind the start camera
  double spacing = 0.05;    // tessellation step of the true mesh
  bool props = true;        // add the crate and the pillar (depth discontinuities)
};

// The true scene as a mesh (vertices in world, colours in [0,1]).
Mesh MakeProceduralRoom(const RoomOptions& options = {});

// Renders the true scene at `camera` (2x supersampled), giving the image and depth
// a perfect model would produce there: rgb [H,W,3], depth [H,W] (-1 where empty).
struct TrueView {
  at::Tensor rgb;
  at::Tensor depth;
};
TrueView RenderTruth(const Mesh& scene, const Camera& camera);

}  // namespace scenescape
