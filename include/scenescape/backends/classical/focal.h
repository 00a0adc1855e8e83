#pragma once
// Focal length from a single image, assuming a Manhattan world (three mutually
// orthogonal dominant line directions), square pixels and the principal point
// at the image centre.
//
// Method:
//  1. LSD segments and up to VanishingPointOptions::max_vanishing_points VPs
//     (classical/vanishing.h).
//  2. Candidates (f, R) for every pair of detected VPs. Two finite VPs i, j that
//     are images of orthogonal directions give f^2 = -(v_i - c).(v_j - c)
//     (c = principal point). Because that single pair can be badly conditioned
//     (or one VP can be at infinity), each pair is also tried over a grid of
//     focal lengths: R = [K^-1 v_i, K^-1 v_j orthogonalised, their cross].
//     Every candidate triad is scored by the length of the segments that point
//     at one of its three projected VPs.
//  3. The best triad is refined jointly: f and R minimise the length-weighted
//     squared sine of the segment-to-VP angle over the segments assigned to the
//     three VPs (Gauss-Newton / Levenberg-Marquardt, 4 unknowns); with three
//     finite VPs this is the classical "orthocentre" calibration, with two it
//     reduces to the f^2 formula above.
//  4. The estimate is accepted only when the structure determines f: at least
//     two of the triad's VPs are finite (within max_vp_angle_deg of the optical
//     axis) and each has min_inliers segments, the triad explains
//     min_support_fraction of the segment length, the relative standard error
//     of f from the refinement is below max_relative_std, and f gives a
//     horizontal field of view inside [min_fov_deg, max_fov_deg].
// Refs: Caprile & Torre, "Using vanishing points for camera calibration",
// IJCV 1990; Coughlan & Yuille, "Manhattan World", ICCV 1999.

#include <Eigen/Core>
#include <opencv2/core.hpp>

#include <optional>
#include <string>
#include <vector>

#include "scenescape/backends/classical/vanishing.h"

namespace scenescape {

struct FocalOptions {
  LineSegmentOptions segments;
  VanishingPointOptions vanishing;
  double inlier_angle_deg = 1.5;      // segment-to-VP angle for the triad's support
  double min_support_fraction = 0.3;  // of the total segment length, explained by the triad
  int min_segments = 12;              // fewer LSD segments: "not enough structure"
  int min_inliers = 6;                // segments per finite VP used for f
  double max_vp_angle_deg = 84.0;     // a VP farther from the axis carries no focal information
  double max_relative_std = 0.03;     // accepted standard error of f / f
  double min_fov_deg = 15.0;          // plausible horizontal field of view
  double max_fov_deg = 130.0;
  int focal_grid_steps = 60;  // grid over [min_fov, max_fov] per VP pair
};

struct FocalEstimate {
  std::optional<double> focal_px;  // fx = fy in pixels; nullopt when not determined
  std::string reason;              // why not (or a one-line summary when found)
  // Manhattan directions in camera coordinates (columns, unit); valid when found.
  Eigen::Matrix3d manhattan_in_cam = Eigen::Matrix3d::Identity();
  int num_segments = 0;                          // LSD segments used
  int num_finite_vps = 0;                        // finite VPs of the triad with enough support
  double support_fraction = 0.0;                 // segment length explained by the triad
  double relative_std = 0.0;                     // standard error of f / f from the refinement
  std::vector<VanishingPoint> vanishing_points;  // as detected (before the triad fit)
};

// Full result. `image`: CV_8UC3 BGR, CV_8UC1, or CV_32F with values in [0,1].
FocalEstimate EstimateFocal(const cv::Mat& image, const FocalOptions& options = {});

// fx = fy in pixels with the principal point at the image centre, or nullopt
// when the image lacks the structure (then `reason`, if given, says why; the
// caller falls back to the default 54.22 degree field of view).
std::optional<double> EstimateFocalLength(const cv::Mat& bgr_image,
                                          const FocalOptions& options = {},
                                          std::string* reason = nullptr);

}  // namespace scenescape
