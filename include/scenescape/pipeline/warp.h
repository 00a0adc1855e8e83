#pragma once
// Moving to the next camera: render the global mesh there and work out which
// pixels must be generated (reference sections 1.1b-g and 8).

#include <ATen/core/Tensor.h>

#include "scenescape/geometry/camera.h"
#include "scenescape/mesh/mesh.h"

namespace scenescape {

// render.*: how the mesh is rendered at the next camera and the holes found.
struct WarpOptions {
  int supersample = 2;
  bool fix_floating_artifacts = true;
  int frustum_margin_px = 128;
  int mask_opening_kernel = 3;

  template <class Self, class V>
  static void List(Self& o, V& v) {
    v.Number("supersample",
             o.supersample,
             Range::Closed(1, 4),
             "render at this factor and reduce with the masked downsample");
    v.Flag(
        "fix_floating_artifacts", o.fix_floating_artifacts, "pixels outside the previous view's frustum become holes");
    v.Number("frustum_margin_px",
             o.frustum_margin_px,
             Range::Closed(1, 1024),
             "width of the ring used by that test (output pixels)");
    v.Number("mask_opening_kernel",
             o.mask_opening_kernel,
             Range::Closed(1, 31).Odd(),
             "opening of the hole mask (odd, 1 = off); removed specks are filled with Telea instead of inpainted");
  }
};

struct WarpResult {
  at::Tensor rgb;               // [H,W,3] float32 mesh render; 1 (white) in holes
  at::Tensor depth;             // [H,W] float32 mesh depth; -1 in holes
  at::Tensor face_ids;          // [H,W] int32 face seen, -1 in holes
  at::Tensor holes;             // [H,W] bool: no geometry, or outside the previous frustum
  at::Tensor opened;            // [H,W] bool: holes after the opening (what is inpainted)
  at::Tensor specks;            // [H,W] bool: holes - opened (filled by the small-hole filler)
  at::Tensor outside_previous;  // [H,W] bool: pixels the frustum fix marked
};

// Renders `mesh` at `camera` and builds the hole masks. `previous` is the last
// frame's camera and `previous_depth` ([h,w] float32, -1 = none) what the mesh
// shows there, for the floating-artifact fix. The reference re-renders the mesh
// at the previous camera; the last frame's final depth is the same surface (its
// known pixels came from the mesh, its holes became mesh), so one render is saved.
// CPU tensors.
WarpResult WarpToCamera(const Mesh& mesh,
                        const Camera& previous,
                        const at::Tensor& previous_depth,
                        const Camera& camera,
                        const WarpOptions& options);

// [H,W] bool: pixels of `camera` that see the "picture frame" just outside the
// previous camera's view: a ring `margin_px` wide around the previous image,
// unprojected at the depth of the previous view's edge (replicated outwards).
// previous_depth: [h,w] float32 depth of the previous view (-1 = none).
// Reference 8.4, rendered without regard to occlusion by the real mesh.
at::Tensor OutsidePreviousFrustum(
    const Camera& previous, const at::Tensor& previous_depth, const Camera& camera, int margin_px, int supersample);

}  // namespace scenescape
