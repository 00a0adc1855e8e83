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
//
// Coverage: a pixel centre on an edge shared by two faces is covered by exactly
// one of them (a top-left style tie rule on edge functions evaluated so that a
// shared edge gives bit-identical values in both faces), so closed meshes have
// no cracks and no double hits. Depth is 1/z interpolated linearly in screen
// space (exactly the perspective-correct camera z of the planar face).
// The depth test compares the float32 depth; equal depths go to the smaller
// face id, so results are bit-identical for any thread count and face order
// within the mesh does not matter except for exact ties.
// Threads: LibTorch's intra-op pool (at::set_num_threads). Cost: about 18 ms
// for 1M faces at 1024x1024 on 2 cores (docs/benchmarks.md, "Rendering").

#include <ATen/core/Tensor.h>

#include "scenescape/geometry/camera.h"
#include "scenescape/mesh/mesh.h"

namespace scenescape {

struct RasterOptions {
  // Faces with a vertex at camera z <= near_plane (scene units) are dropped.
  // Must be > 0.
  double near_plane = 1e-6;
  // Coverage tolerance in pixels added to the edge test (0 = exact). A tiny
  // positive value closes cracks between faces that do not share vertices,
  // like the reference's blur_radius (about 0.16 px at 2x). Must be >= 0. With
  // a positive value, shared edges may be covered by both faces (the depth test
  // and then the face id decide), and the barycentrics of a centre admitted by
  // the widening are clamped onto the face before interpolation.
  double coverage_epsilon_px = 0.0;
};

struct RasterResult {
  at::Tensor rgb;       // [H,W,3] float32 in [0,1]; 1 (white) where no face
  at::Tensor depth;     // [H,W] float32 camera z; -1 where no face
  at::Tensor face_ids;  // [H,W] int32 face index; -1 where no face
};

// Renders `mesh` (CPU tensors) with `camera` at camera.intrinsics' resolution.
// Throws scenescape::Error on bad shapes/dtypes, non-CPU tensors, vertex ids
// out of range or invalid options.
RasterResult Rasterize(const Mesh& mesh, const Camera& camera, const RasterOptions& options = {});

// As Rasterize, but only the z-buffer and face ids (no colour resolve): the
// result's depth and face_ids equal Rasterize's, its rgb is left undefined and
// mesh.colors is not read.
RasterResult RasterizeGeometry(const Mesh& mesh, const Camera& camera, const RasterOptions& options = {});

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
// supersample = 1 gives the plain Rasterize result with valid = depth > 0.
ViewRender RenderView(const Mesh& mesh, const Camera& camera, int supersample = 2, const RasterOptions& options = {});

// The masked downsample on its own (exposed for tests).
// rgb [sH,sW,3] float32, depth [sH,sW] float32 (-1 = invalid), face_ids [sH,sW]
// int32, all CPU, sH and sW multiples of `factor` -> ViewRender at [H,W] =
// [sH/factor, sW/factor]. A sub-pixel is valid when its depth is > 0 (so -1 and
// NaN are not). rgb and depth average the valid sub-pixels of each block; the
// face id is that of the valid sub-pixel with the smallest depth ("nearest" to
// the camera; ties go to the first in row-major order within the block).
ViewRender MaskedDownsample(const at::Tensor& rgb, const at::Tensor& depth, const at::Tensor& face_ids, int factor);

}  // namespace scenescape
