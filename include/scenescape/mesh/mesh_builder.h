#pragma once
// Merging RGB-D frames into the global mesh (reference section 7).
//
// Every function here takes CPU tensors:
//   image:  [H,W,3] float32 in [0,1]
//   depth:  [H,W]   float32 camera z > 0 (may be -1 where unused)
//   masks:  [H,W]   bool
//   ids:    [H,W]   int32 vertex ids, -1 = none

#include <ATen/core/Tensor.h>
#include <Eigen/Core>

#include <array>
#include <cstdint>

#include "scenescape/core/options.h"
#include "scenescape/geometry/camera.h"
#include "scenescape/mesh/mesh.h"

namespace scenescape {

// mesh.keep: what the global mesh holds after each frame.
enum class MeshKeep {
  kAll,        // every frame (SceneScape)
  kLastFrame,  // the latest frame alone: only the previous frame is warped (the "w/o mesh" ablation)
};

template <>
struct EnumTable<MeshKeep> {
  static constexpr std::array<std::pair<MeshKeep, const char*>, 2> kNames = {
      {{MeshKeep::kAll, "all"}, {MeshKeep::kLastFrame, "last_frame"}}};
};

// mesh.*: how a frame's depth becomes mesh.
struct MeshingOptions {
  // Discontinuity detector on the min-max normalised disparity of the new frame:
  // a pixel is a discontinuity when exp(-sobel_beta * |sobel gradient|) < sobel_threshold.
  double sobel_beta = 12.0;
  double sobel_threshold = 0.3;
  int discontinuity_dilation = 5;
  // New faces touching a discontinuity are removed when n . view_dir >= this
  // (n = unit face normal, view_dir = unit ray from the camera centre to the
  // centroid). -0.05 drops faces seen within ~87 degrees of edge-on.
  double normal_filter_threshold = -0.05;
  bool connect_to_existing = true;
  MeshKeep keep = MeshKeep::kAll;  // used by the generator, not by AddFrameToMesh

  template <class Self, class V>
  static void List(Self& o, V& v) {
    v.Number("sobel_beta",
             o.sobel_beta,
             Range::OpenClosed(0, 1000),
             "discontinuity test on normalised disparity: exp(-beta * \\|Sobel\\|) < threshold");
    v.Number("sobel_threshold", o.sobel_threshold, Range::Open(0, 1), "threshold of that test");
    v.Number("discontinuity_dilation",
             o.discontinuity_dilation,
             Range::Closed(1, 31).Odd(),
             "dilation of the discontinuity mask (odd kernel size, 1 = none)");
    v.Number("normal_filter_threshold",
             o.normal_filter_threshold,
             Range::Closed(-1, 1),
             "new faces at discontinuities with n . view >= this are dropped (1 disables)");
    v.Flag("connect_to_existing",
           o.connect_to_existing,
           "stitch new geometry to the existing vertices along the hole boundary");
    v.Choice("keep",
             o.keep,
             "`all`: one global mesh (SceneScape); `last_frame`: only the previous frame is warped (the \"w/o "
             "mesh\" ablation)");
  }
};

struct MeshUpdateStats {
  int64_t new_vertices = 0;
  int64_t new_faces = 0;           // faces kept
  int64_t removed_stretched = 0;   // dropped by the discontinuity + normal test
  int64_t removed_degenerate = 0;  // dropped for repeated vertex ids
};

// Points of every pixel centre: [H,W,3] float32 points_in_world.
at::Tensor UnprojectDepth(const at::Tensor& depth, const Camera& camera);

// [H,W] bool: pixels at depth discontinuities of `depth` (see MeshingOptions).
at::Tensor DiscontinuityMask(const at::Tensor& depth, const MeshingOptions& options);

// Existing vertex ids for stitching (reference 7.3). For every pixel that is not
// a hole but has a hole among its 8 neighbours, the id of the vertex of the face
// seen there (face_ids, [H,W] int32) that is closest to `camera_centre_in_world`.
// Returns [H,W] int32, -1 elsewhere.
at::Tensor StitchVertexIds(const Mesh& mesh,
                           const at::Tensor& face_ids,
                           const at::Tensor& holes,
                           const Eigen::Vector3d& camera_centre_in_world);

// Adds the pixels where `new_pixels` is true as vertices (unprojected with
// `camera`, coloured from `image`), and two triangles per 2x2 pixel quad whose
// corners all have ids (new, or the stitched existing ids in `stitch_ids`,
// which may be undefined) and at least one corner is new. Then drops new faces
// at discontinuities seen edge-on and faces with repeated ids.
// Frame 0 passes an all-true `new_pixels`.
MeshUpdateStats AddFrameToMesh(Mesh& mesh,
                               const at::Tensor& image,
                               const at::Tensor& depth,
                               const at::Tensor& new_pixels,
                               const at::Tensor& stitch_ids,
                               const Camera& camera,
                               const MeshingOptions& options);

// Binary morphology on [H,W] bool masks with a k x k square (k odd). Pixels
// outside the image do not take part.
at::Tensor Dilate(const at::Tensor& mask, int k);
at::Tensor Erode(const at::Tensor& mask, int k);
inline at::Tensor Open(const at::Tensor& mask, int k) { return Dilate(Erode(mask, k), k); }

// Triangulates a dense grid of points (two triangles per quad whose four
// corners are all in `keep`), without any filtering. Returns a standalone mesh.
// points: [H,W,3] float32; colors: [H,W,3] float32; keep: [H,W] bool.
Mesh GridMesh(const at::Tensor& points, const at::Tensor& colors, const at::Tensor& keep);

}  // namespace scenescape
