#pragma once
// Line segments and vanishing points for the classical (weight-free) back end.
//
// Coordinates: continuous pixel coordinates as in geometry/camera.h (the
// top-left image corner is (0,0), pixel (row v, col u) has its centre at
// (u+0.5, v+0.5)); x = column direction, y = row direction (down).
//
// A vanishing point (VP) is kept homogeneous, (x, y, w) in pixels, so that a
// VP at infinity (lines that stay parallel in the image) is (dx, dy, 0).
//
// Method: LSD segments (OpenCV createLineSegmentDetector, von Gioi et al.,
// "LSD: a Line Segment Detector", IPOL 2012), then sequential RANSAC. A
// hypothesis is the intersection of two segment lines (drawn with probability
// proportional to length); a segment supports a VP when the angle between the
// segment and the line from its midpoint to the VP is below a threshold, and
// each supporter scores its length times (1 - (angle/threshold)^2) (MSAC).
// The winner is refined by iteratively reweighted least squares on exactly
// that angle (sin(angle) = n.(v - w m) / |v - w m| for unit normal n and
// midpoint m), its supporters are removed, and the next VP is searched for.

#include <Eigen/Core>
#include <opencv2/core.hpp>

#include <cstdint>
#include <vector>

namespace scenescape {

struct LineSegment {
  Eigen::Vector2d p0 = Eigen::Vector2d::Zero();  // endpoints, continuous pixels
  Eigen::Vector2d p1 = Eigen::Vector2d::Zero();
  double Length() const { return (p1 - p0).norm(); }
  Eigen::Vector2d Midpoint() const { return 0.5 * (p0 + p1); }
};

struct LineSegmentOptions {
  // Segments shorter than this fraction of the image diagonal are dropped
  // (short LSD segments have poor angular accuracy). Range 0..0.1.
  double min_length_fraction = 0.02;
  // Images whose longer side exceeds this are downscaled before LSD (speed);
  // the segments are returned in the input's pixel coordinates. 0 = never.
  int max_side = 640;
  // LSD's internal Gaussian subsampling factor (OpenCV's default is 0.8).
  // 1.0 keeps full resolution: at 0.8 the segment angles of synthetic rooms
  // came out biased by ~0.1 degree, enough for a 1-2% focal error.
  double lsd_scale = 1.0;
  // Keep at most this many segments, the longest first. 0 = all.
  int max_segments = 800;
};

// LSD segments of `image` (CV_8UC1, CV_8UC3 BGR or CV_32FC1/3 in [0,1]).
std::vector<LineSegment> DetectLineSegments(const cv::Mat& image, const LineSegmentOptions& options = {});

struct VanishingPoint {
  // Homogeneous position in continuous pixel coordinates, unit norm.
  Eigen::Vector3d homogeneous = Eigen::Vector3d::UnitZ();
  // True when the VP is a point (|position - image centre| below
  // VanishingPointOptions::max_finite_distance image diagonals).
  bool is_finite = true;
  // Pixel position; meaningful only when is_finite.
  Eigen::Vector2d point = Eigen::Vector2d::Zero();
  // Unit image direction from the image centre towards the VP (for a VP at
  // infinity: the direction of its parallel lines, sign arbitrary).
  Eigen::Vector2d direction = Eigen::Vector2d::UnitX();
  int num_inliers = 0;       // supporting segments
  double support = 0.0;      // summed length of the supporting segments, pixels
  std::vector<int> inliers;  // indices into the segment list
};

struct VanishingPointOptions {
  int max_vanishing_points = 4;        // VPs searched for, strongest first
  int ransac_iterations = 600;         // hypotheses per VP
  double inlier_angle_deg = 1.5;       // segment-to-VP angle threshold, degrees (0.5..5)
  int min_inliers = 6;                 // a VP needs at least this many segments...
  double min_support_fraction = 0.04;  // ...and this fraction of the total length
  // VPs farther than this many image diagonals from the centre are reported as
  // directions at infinity.
  double max_finite_distance = 200.0;
  uint64_t seed = 1;  // RANSAC sampling (the result is deterministic)
};

// Dominant VPs of `segments` in an image of `image_size`, strongest first.
std::vector<VanishingPoint> DetectVanishingPoints(const std::vector<LineSegment>& segments,
                                                  cv::Size image_size,
                                                  const VanishingPointOptions& options = {});

// Angle in radians between `segment` and the line from its midpoint to the VP
// `homogeneous` (pixels); in [0, pi/2].
double SegmentVanishingAngle(const LineSegment& segment, const Eigen::Vector3d& homogeneous);

}  // namespace scenescape
