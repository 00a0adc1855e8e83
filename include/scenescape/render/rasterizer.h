#pragma once
// Triangle rasterizer over LibTorch tensors (CPU; parallel through LibTorch's
// own intra-op thread pool).
//
// What it computes, per pixel centre (u + 0.5, v + 0.5) of the camera's image:
//  * the nearest face that covers the pixel centre (z-buffer on camera z),
//  * perspective-correct barycentric interpolation of vertex colour and depth.
// Faces with any vertex at z <= near_plane are skipped (no clipping), faces are
// never culled by orientation (the reference renders both sides), and the
// background is white with depth -1, as in the reference.

#include <ATen/core/Tensor.h>

#include "scenescape/geometry/camera.h"
#include "scenescape/mesh/mesh.h"

namespace scenescape {

struct RasterOptions {
  // Faces with a vertex closer than this (camera z, scene units) are dropped.
  double near_plane = 1e-6;
  // Coverage tolerance in pixels added to the edge test (0 = exact). A tiny
  // positive value closes cracks between faces that do not share vertices,
  // like the reference's blur_radius (about 0.16 px at 2x).
  double coverage_epsilon_px = 0.0;
};

struct RasterResult {
  at::Tensor rgb;       // [H,W,3] float32 in [0,1]; 1 (white) where no face
  at::Tensor depth;     // [H,W] float32 camera z; -1 where no face
  at::Tensor face_ids;  // [H,W] int32 face index; -1 where no face
};

// Renders `mesh` (CPU tensors) with `camera` at camera.intrinsics' resolution.
RasterResult Rasterize(const Mesh& mesh, const Camera& camera, const RasterOptions& options = {});

// As Rasterize, but only the z-buffer and face ids (no colour resolve).
RasterResult RasterizeGeometry(const Mesh& mesh, const Camera& camera,
                               const RasterOptions& options = {});

struct ViewRender {
  at::Tensor rgb;       // [H,W,3] float32 in [0,1]; 1 where not valid
  at::Tensor depth;     // [H,W] float32 camera z; -1 where not valid
  at::Tensor valid;     // [H,W] bool: the mesh covers the pixel
  at::Tensor face_ids;  // [H,W] int32: the face seen at the pixel, -1 where not valid
};

// Renders at `supersample` x the camera's resolution and reduces with the masked
// downsample: each output pixel averages the valid sub-pixels of its
// supersample x supersample block (whose mean centre is exactly the output pixel
// centre), and is valid when at least half of them are valid (the reference's
// alpha >= 0.5 rule). face_ids take the nearest valid sub-pixel's face.
// Departure from the reference, which averages a 3x3 window centred on
// high-res pixel (2i, 2j) and so shifts the image by a quarter pixel.
ViewRender RenderView(const Mesh& mesh, const Camera& camera, int supersample = 2,
                      const RasterOptions& options = {});

// The masked downsample on its own (exposed for tests).
// rgb [sH,sW,3], depth [sH,sW] (-1 = invalid), face_ids [sH,sW] -> ViewRender at [H,W].
ViewRender MaskedDownsample(const at::Tensor& rgb, const at::Tensor& depth,
                            const at::Tensor& face_ids, int factor);

}  // namespace scenescape
