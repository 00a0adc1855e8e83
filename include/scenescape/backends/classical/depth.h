#pragma once
// Box-model depth ("Tour Into the Picture", Horry, Anjyo & Arai, SIGGRAPH 1997):
// one of the scene models of the classical back end (classical/layout.h).
//
// Model. The scene is a box seen from inside. Its depth axis d points at the
// central vanishing point v (d = K^-1 v): the finite VP inside or near the image
// that the most segment length converges to (classical/vanishing.h); when there
// is none, the image centre (logged). In the box frame (d, right r, down u) the
// back wall is the plane d.X = D (back_wall_depth) and the side walls, floor
// and ceiling are the planes r.X = a_r, r.X = -a_l, u.X = b_d, u.X = -b_u,
// parallel to d. A pixel's ray w = K^-1 (u+0.5, v+0.5, 1) hits the nearest of
// these faces; its depth is camera z of that hit:
//     z = min(D / d.w, a_r / r.w [r.w > 0], a_l / -r.w [r.w < 0], ...)
// which is continuous (the minimum of continuous functions) and piecewise
// smooth, with creases on the box edges.
//
// The back-wall rectangle. Its image is a rectangle around v that spans
// back_wall_fraction of the distance from v to each image border (so the box
// edges run from v towards the image corners, the TIP default). With
// estimate_back_wall, each side's fraction is measured instead, from where the
// converging edges stop: walls, floor and ceiling carry edges along d, which
// point at v from many directions, while the back wall has at most a line or
// two through v. Per side, the number of directions around v that carry
// radial (v-pointing) gradient energy is profiled along the distance from v,
// and a two-level step fit puts the back-wall edge where it jumps. Sides
// without a clear step take the median of the measured sides (or the
// default). Fractions are clamped to [0.05, 0.9]. Depth is finally clamped to
// [D / max_depth_ratio, D * max_depth_ratio] (rays that meet no face).
//
// Alignment with the scene (frames >= 1, mesh_depth defined). Policy:
//  1. Scale. s = median(mesh_depth / estimate) over pixels with mesh_depth > 0
//     (needs min_aligned_pixels of them, else the estimate is used as is and
//     this is logged); the whole estimate is multiplied by s. The box model has
//     no meaningful shift, so only a scale is fitted (median of ratios: robust to
//     the parts of the scene the box does not explain).
//  2. Pixels with mesh_depth > 0 return mesh_depth itself (keep_mesh_depth),
//     so the output agrees with the geometry already built.
//  3. Seam blending (blend_band_px > 0). The log-ratio residual
//     log(mesh_depth / (s * estimate)), lightly smoothed over the known pixels,
//     is carried into each hole pixel from its background-side neighbours
//     (classical/background_side.h: the known pixels nearest along the 8 grid
//     directions, at least 0.75 x as deep as the farthest of them, weighted
//     by 1 / squared distance) with weight max(0, 1 - distance / blend_band_px), distance to
//     the nearest of them: the new geometry starts at the depth of the surface
//     behind the hole's depth edge and relaxes to the model within the band.
//     The correction is multiplicative, so the depth stays > 0.
// Frame 0 (mesh_depth undefined): the box depth, optionally rescaled so its
// median is target_median_depth.

#include <ATen/core/Tensor.h>
#include <Eigen/Core>
#include <opencv2/core.hpp>

#include <optional>
#include <string>
#include <vector>

#include "scenescape/backends/classical/vanishing.h"
#include "scenescape/geometry/camera.h"

namespace scenescape {

struct BoxDepthOptions {
  LineSegmentOptions segments;
  VanishingPointOptions vanishing;
  // A VP counts as central when it lies within the image grown by this fraction
  // of its size on every side (0..1).
  double central_margin = 0.25;
  double back_wall_depth = 1.0;     // D, depth units (> 0)
  double back_wall_fraction = 0.4;  // default extent of the back wall, 0.05..0.9
  bool estimate_back_wall = true;   // measure the extent per side (see above)
  double max_depth_ratio = 50.0;    // depth >= D / max_depth_ratio
  // Frame 0 only: if > 0, scale the depth so that its median is this.
  double target_median_depth = 0.0;
  // Alignment with mesh_depth (see the policy above).
  int min_aligned_pixels = 64;
  bool keep_mesh_depth = true;
  double blend_band_px = 24.0;  // 0 = no seam blending
};

// The box model's geometry for one image (all in camera coordinates).
struct BoxModel {
  Eigen::Vector2d vanishing_point = Eigen::Vector2d::Zero();  // continuous pixels
  bool from_detection = false;                                // false: the image-centre fallback was used
  Eigen::Matrix3d box_in_cam = Eigen::Matrix3d::Identity();   // columns r, u, d
  double back_depth = 1.0;                                    // D along d
  double right = 1.0, left = 1.0, down = 1.0, up = 1.0;       // a_r, a_l, b_d, b_u
};

// `in` for an image of width x height: scaled per axis if the intrinsics were
// made for another resolution (continuous coordinates scale linearly).
Intrinsics IntrinsicsForSize(const Intrinsics& in, int width, int height);

// The best-supported finite VP inside the image grown by `central_margin` of
// its size on every side, or null.
const VanishingPoint* FindCentralVanishingPoint(const std::vector<VanishingPoint>& vps,
                                                cv::Size size,
                                                double central_margin);

// Builds the box for `image` (CV_8UC1/3 BGR or CV_32F in [0,1]) seen with `intrinsics`
// (rescaled to the image size if it differs).
BoxModel FitBoxModel(const cv::Mat& image, const Intrinsics& intrinsics, const BoxDepthOptions& options = {});
// The same around a given central VP (null: the image-centre fallback).
BoxModel FitBoxModelAround(const cv::Mat& image,
                           const Intrinsics& intrinsics,
                           const VanishingPoint* central,
                           const BoxDepthOptions& options = {});

// Renders the box's depth (camera z) for `intrinsics`' image grid.
// Returns [H,W] float32 > 0, CPU.
at::Tensor RenderBoxDepth(const BoxModel& box, const Intrinsics& intrinsics, double max_depth_ratio = 50.0);

// Median of mesh_depth / depth over pixels with mesh_depth > 0 and depth > 0
// (nullopt when fewer than `min_pixels`). depth, mesh_depth: [H,W] float32 CPU.
std::optional<double> FitDepthScale(const at::Tensor& depth, const at::Tensor& mesh_depth, int min_pixels = 64);

// Steps 1-3 of the alignment policy above. depth: [H,W] float32 > 0;
// mesh_depth: [H,W] float32, -1 (any value <= 0) where there is no geometry.
// Returns [H,W] float32 > 0, CPU.
at::Tensor AlignDepthToMesh(const at::Tensor& depth, const at::Tensor& mesh_depth, const BoxDepthOptions& options = {});

}  // namespace scenescape
