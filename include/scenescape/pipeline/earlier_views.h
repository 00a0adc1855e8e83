#pragma once
// New geometry must not hide what earlier cameras saw.
//
// A frame's new faces come from its own camera's depth. Seen from an earlier
// camera they can land in front of surfaces that camera saw (on the way back of
// the default path, new border geometry lands in front of the photo's own
// content, and the mesh no longer shows the photo from the photo's camera).
// So after each merge, every new vertex that an earlier camera sees in front of
// the surface it saw there (nearer than (1 - kOcclusionMargin) x that depth) is
// pushed back along its own camera's ray, to just behind that surface: the
// frame that made it still sees it at the same pixel, the earlier ones no
// longer do. Three passes settle vertices that several earlier views see. New
// faces whose centroid an earlier view still sees in front of its surface
// (faces stretched between pushed and unpushed vertices) are dropped.
// The earlier views are kept as depth maps min-pooled by kViewPool (a block's
// nearest surface: a vertex counts as hiding something only when it is nearer
// than all of the block), so memory stays small on long runs.

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "scenescape/geometry/camera.h"
#include "scenescape/mesh/mesh.h"

namespace scenescape {

constexpr int kViewPool = 4;
constexpr double kOcclusionMargin = 0.02;

struct SeenView {
  Camera camera;     // at full resolution
  at::Tensor depth;  // [ceil(H/4), ceil(W/4)] float32 min-pooled camera z, -1 = nothing seen
};

// depth: [H,W] float32 (-1 = none), the frame's final depth at `camera`.
SeenView MakeSeenView(const Camera& camera, const at::Tensor& depth);

struct EarlierViewStats {
  int64_t pushed_vertices = 0;
  int64_t dropped_faces = 0;
};

// Applies the rule above to the vertices from `first_vertex` and the faces from
// `first_face` on (what the frame seen by `camera` just added). Dropped faces
// are removed from the end of mesh.faces (the order of the kept ones is kept).
EarlierViewStats KeepEarlierViewsVisible(
    Mesh& mesh, int64_t first_vertex, int64_t first_face, const Camera& camera, const std::vector<SeenView>& views);

}  // namespace scenescape
