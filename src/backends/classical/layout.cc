#include "scenescape/backends/classical/layout.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "scenescape/core/check.h"
#include "scenescape/core/logging.h"
#include "scenescape/io/opencv_convert.h"

namespace scenescape {
namespace {

double Median(std::vector<double> v) {
  SCN_CHECK(!v.empty()) << "median of nothing";
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

// Converging support of `central` by side: the length of the segments that
// point at it (within inlier_angle_deg), split by where their midpoint lies
// from the VP: above (|dy| > |dx| / 2, dy < 0), below, or beside.
struct Support {
  double above = 0, below = 0, beside = 0, total = 0;
};

Support ConvergingSupport(const std::vector<LineSegment>& segments,
                          const VanishingPoint& central,
                          double inlier_angle_deg) {
  Support s;
  const double max_angle = inlier_angle_deg * M_PI / 180.0;
  for (const LineSegment& seg : segments) {
    const double length = seg.Length();
    s.total += length;
    if (SegmentVanishingAngle(seg, central.homogeneous) > max_angle) continue;
    const Eigen::Vector2d d = seg.Midpoint() - central.point;
    if (std::abs(d.y()) > 0.5 * std::abs(d.x()))
      (d.y() < 0 ? s.above : s.below) += length;
    else
      s.beside += length;
  }
  return s;
}

// Horizon row at the image's centre column: the line through the two strongest
// finite VPs that lie within the image's height of its centre (horizontal
// directions; the vertical VP lies far above or below), when that line is
// nearly level; else the one such VP's row; else the principal point's row.
double EstimateHorizon(const std::vector<VanishingPoint>& vps, const Intrinsics& k, std::string* how) {
  std::vector<const VanishingPoint*> level;
  for (const VanishingPoint& vp : vps)
    if (vp.is_finite && std::abs(vp.point.y() - k.cy) < 0.75 * k.height) level.push_back(&vp);
  if (level.size() >= 2) {
    const Eigen::Vector2d a = level[0]->point, b = level[1]->point;
    const double dx = b.x() - a.x();
    if (std::abs(dx) > 1e-6 && std::abs((b.y() - a.y()) / dx) < 0.3) {
      *how = "horizon through two vanishing points";
      return a.y() + (k.cx - a.x()) * (b.y() - a.y()) / dx;
    }
  }
  if (!level.empty() && std::abs(level[0]->point.y() - k.cy) < 0.5 * k.height) {
    *how = "horizon through one vanishing point";
    return level[0]->point.y();
  }
  // A pitched camera makes vertical lines converge: for a pure pitch the
  // vertical VP at normalised row v gives the horizon at -1 / v.
  for (const VanishingPoint& vp : vps) {
    if (!vp.is_finite || std::abs(vp.direction.x()) > std::sin(10 * M_PI / 180)) continue;
    const double v = (vp.point.y() - k.cy) / k.fy;
    if (std::abs(v) < 1.5 * k.height / k.fy) continue;  // not far enough to be vertical lines
    *how = "horizon from the vertical vanishing point";
    return k.cy - k.fy / v;
  }
  *how = "level-camera horizon (no vanishing point to set it)";
  return k.cy;
}

// Contact row (see the header): the median over column bands of the lowest
// lower end of a near-vertical segment in the band.
double ContactRow(const std::vector<LineSegment>& segments,
                  double horizon_y,
                  int width,
                  int height,
                  const LayoutOptions& o,
                  int* measured_bands) {
  const int bands = std::max(1, o.contact_bands);
  const double min_row = horizon_y + 0.05 * (height - horizon_y);
  std::vector<double> band(bands, -1.0);
  const double max_tan = std::tan(o.vertical_angle_deg * M_PI / 180.0);
  for (const LineSegment& s : segments) {
    const Eigen::Vector2d d = s.p1 - s.p0;
    if (std::abs(d.x()) > max_tan * std::abs(d.y())) continue;
    const double bottom = std::max(s.p0.y(), s.p1.y());
    if (bottom < min_row) continue;
    const int b = std::clamp(static_cast<int>(s.Midpoint().x() / width * bands), 0, bands - 1);
    band[b] = std::max(band[b], std::min(bottom, static_cast<double>(height)));
  }
  std::vector<double> measured;
  for (double v : band)
    if (v > 0) measured.push_back(v);
  *measured_bands = static_cast<int>(measured.size());
  const double row = measured.empty() ? horizon_y + o.default_contact * (height - horizon_y) : Median(measured);
  return std::clamp(row, min_row, static_cast<double>(height));
}

}  // namespace

const char* SceneModelName(SceneModel model) {
  switch (model) {
    case SceneModel::kRoom:
      return "room";
    case SceneModel::kStreet:
      return "street";
    case SceneModel::kGround:
      return "ground";
  }
  return "?";
}

namespace {

// Sky outline test (DetectSky): within this many pixels of a segment at least
// this fraction of the image diagonal long.
constexpr int kStraightOutlinePx = 6;
constexpr double kStraightOutlineMinLength = 0.05;

// Share of the outline of label `l` (its pixels with a 4-neighbour of another
// label, the image border left out) where `near_segment` is set.

double StraightOutlineShare(const cv::Mat& labels, int l, const cv::Mat& near_segment) {
  int64_t outline = 0, straight = 0;
  for (int y = 1; y + 1 < labels.rows; ++y) {
    const int* up = labels.ptr<int>(y - 1);
    const int* row = labels.ptr<int>(y);
    const int* down = labels.ptr<int>(y + 1);
    const uint8_t* near = near_segment.ptr<uint8_t>(y);
    for (int x = 1; x + 1 < labels.cols; ++x) {
      if (row[x] != l || (up[x] == l && down[x] == l && row[x - 1] == l && row[x + 1] == l)) continue;
      ++outline;
      straight += near[x] != 0;
    }
  }
  return outline > 0 ? static_cast<double>(straight) / outline : 0.0;
}

}  // namespace

cv::Mat DetectSky(const cv::Mat& bgr,
                  const std::vector<LineSegment>& segments,
                  double min_fraction,
                  double min_top_fraction,
                  double max_straight_outline,
                  double* surface_fraction) {
  SCN_CHECK(bgr.type() == CV_8UC3) << "DetectSky: expected CV_8UC3, got type " << bgr.type();
  cv::Mat gray, gx, gy, mag;
  cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
  cv::GaussianBlur(gray, gray, cv::Size(3, 3), 0);
  cv::Sobel(gray, gx, CV_32F, 1, 0, 3);
  cv::Sobel(gray, gy, CV_32F, 0, 1, 3);
  cv::magnitude(gx, gy, mag);
  // Mean gradient over 7x7: a full-contrast step gives 1020 at its pixel; sky
  // gradients stay within a few grey levels per pixel.
  cv::blur(mag, mag, cv::Size(7, 7));
  cv::Mat candidate(bgr.size(), CV_8U, cv::Scalar(0));
  for (int y = 0; y < bgr.rows; ++y) {
    const auto* p = bgr.ptr<cv::Vec3b>(y);
    const float* m = mag.ptr<float>(y);
    uint8_t* c = candidate.ptr<uint8_t>(y);
    for (int x = 0; x < bgr.cols; ++x) {
      const int b = p[x][0], g = p[x][1], r = p[x][2];
      const int v = std::max({b, g, r}), lo = std::min({b, g, r});
      const double saturation = v > 0 ? static_cast<double>(v - lo) / v : 0.0;
      const bool bluish = b >= r + 10 && b >= g - 10 && v > 100;
      const bool pale = saturation < 0.2 && v > 140;
      c[x] = m[x] < 40.0f && (bluish || pale) ? 255 : 0;
    }
  }
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(candidate, labels, stats, centroids, 8, CV_32S);
  // A component is sky when it is large and spans a good part of the top
  // border (a smooth bright wall or ceiling patch touches it over a short run).
  std::vector<int> top_run(n, 0);
  for (int x = 0; x < bgr.cols; ++x) ++top_run[labels.at<int>(0, x)];
  // A smooth region outlined by long straight lines is a surface, not sky: a
  // room's plain ceiling is bounded by the ceiling-wall edges converging to
  // the vanishing point and the far wall's (or a beam's) top edge; a real
  // skyline is broken by roofs, chimneys, trees and hills. Measured (share of
  // the outline within 6 px of a segment at least 5% of the diagonal long):
  // the demo room's ceiling 77%; the skies of opencv-doc's leuvenA 33%, aero3
  // and home 0%. Shorter segments cover much of a detailed skyline too
  // (leuvenA 67% with every segment).
  cv::Mat near_segment(bgr.size(), CV_8U, cv::Scalar(0));
  const double min_length = kStraightOutlineMinLength * std::hypot(bgr.cols, bgr.rows);
  for (const LineSegment& seg : segments)
    if (seg.Length() >= min_length)
      cv::line(near_segment,
               cv::Point(cvRound(seg.p0.x()), cvRound(seg.p0.y())),
               cv::Point(cvRound(seg.p1.x()), cvRound(seg.p1.y())),
               cv::Scalar(255),
               2 * kStraightOutlinePx + 1);
  std::vector<uint8_t> keep(n, 0);
  const double min_area = min_fraction * bgr.rows * bgr.cols;
  if (surface_fraction) *surface_fraction = 0;
  for (int l = 1; l < n; ++l) {
    const int area = stats.at<int>(l, cv::CC_STAT_AREA);
    if (area < min_area || top_run[l] < min_top_fraction * bgr.cols) continue;
    const double straight = StraightOutlineShare(labels, l, near_segment);
    SCN_LOG_DEBUG("sky candidate: {:.1f}% of the image, {:.0f}% of its outline along line segments",
                  100.0 * area / bgr.total(),
                  100 * straight);
    if (straight > max_straight_outline) {
      if (surface_fraction) *surface_fraction += static_cast<double>(area) / bgr.total();
      continue;
    }
    keep[l] = 255;
  }
  cv::Mat sky(bgr.size(), CV_8U, cv::Scalar(0));
  bool any = false;
  for (int y = 0; y < bgr.rows; ++y) {
    const int* l = labels.ptr<int>(y);
    uint8_t* s = sky.ptr<uint8_t>(y);
    for (int x = 0; x < bgr.cols; ++x) {
      s[x] = keep[l[x]];
      any |= s[x] != 0;
    }
  }
  if (!any) return cv::Mat();
  // Birds, wires and cloud edges inside the sky.
  cv::morphologyEx(sky, sky, cv::MORPH_CLOSE, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(9, 9)));
  return sky;
}

SceneLayout FitSceneLayout(const cv::Mat& bgr, const Intrinsics& intrinsics, const LayoutOptions& o) {
  SCN_CHECK(bgr.type() == CV_8UC3) << "FitSceneLayout: expected CV_8UC3, got type " << bgr.type();
  const Intrinsics k = IntrinsicsForSize(intrinsics, bgr.cols, bgr.rows);
  const std::vector<LineSegment> segments = DetectLineSegments(bgr, o.box.segments);
  const std::vector<VanishingPoint> vps = DetectVanishingPoints(segments, bgr.size(), o.box.vanishing);
  const VanishingPoint* central = FindCentralVanishingPoint(vps, bgr.size(), o.box.central_margin);
  SceneLayout layout;
  double ceiling_fraction = 0;
  layout.sky = DetectSky(
      bgr, segments, o.min_sky_fraction, o.min_sky_top_fraction, o.max_sky_straight_outline, &ceiling_fraction);
  // Said in every model's reason: it is why a room is not a street.
  const std::string ceiling =
      ceiling_fraction > 0
          ? fmt::format("; a smooth top region ({:.0f}%) outlined by straight lines: a surface, not sky",
                        100 * ceiling_fraction)
          : std::string();
  layout.sky_fraction = layout.sky.empty() ? 0.0 : cv::countNonZero(layout.sky) / static_cast<double>(bgr.total());

  if (central) {
    const Support s = ConvergingSupport(segments, *central, o.box.vanishing.inlier_angle_deg);
    const double converging = s.above + s.below + s.beside;
    const double share = converging / std::max(s.total, 1e-9);
    const double above = s.above / std::max(converging, 1e-9), below = s.below / std::max(converging, 1e-9);
    const std::string where = fmt::format(
        "central vanishing point ({:.0f}, {:.0f}) with {:.0f}% of the line length converging ({:.0f}% of it above, "
        "{:.0f}% below)",
        central->point.x(),
        central->point.y(),
        100 * share,
        100 * above,
        100 * below);
    if (share < o.min_converging) {
      layout.model = SceneModel::kGround;
      layout.reason = where + ": too little to build a box on";
    } else if ((above >= o.min_side_share || ceiling_fraction > 0) && below >= o.min_side_share && layout.sky.empty()) {
      layout.model = SceneModel::kRoom;
      layout.reason = where + ", no sky";
    } else if (below >= o.min_side_share) {
      layout.model = SceneModel::kStreet;
      layout.reason =
          where + (layout.sky.empty() ? ", no ceiling" : fmt::format(", sky {:.0f}%", 100 * layout.sky_fraction));
    } else {
      layout.model = SceneModel::kGround;
      layout.reason = where + ": no floor converging to it";
    }
  } else {
    layout.model = SceneModel::kGround;
    layout.reason = fmt::format("no central vanishing point among {} segments", segments.size());
  }
  layout.reason += ceiling;

  if (layout.model != SceneModel::kGround) {
    layout.box = FitBoxModelAround(bgr, k, central, o.box);
    if (layout.model == SceneModel::kStreet) layout.box.up = std::numeric_limits<double>::infinity();
    layout.horizon_y = central->point.y();
    return layout;
  }
  std::string how;
  layout.horizon_y = std::min(EstimateHorizon(vps, k, &how), 0.8 * bgr.rows);
  int measured = 0;
  layout.contact_y = ContactRow(segments, layout.horizon_y, bgr.cols, bgr.rows, o, &measured);
  layout.reason += fmt::format(
      "; {} at row {:.0f}; walls stand at row {:.0f} ({})",
      how,
      layout.horizon_y,
      layout.contact_y,
      measured > 0 ? fmt::format("vertical lines end there in {}/{} column bands", measured, o.contact_bands)
                   : std::string("no vertical line: the default"));
  if (!layout.sky.empty()) layout.reason += fmt::format("; sky {:.0f}%", 100 * layout.sky_fraction);
  return layout;
}

at::Tensor RenderLayoutDepth(const SceneLayout& layout, const Intrinsics& intrinsics, const LayoutOptions& o) {
  const double ratio = o.box.max_depth_ratio;
  at::Tensor depth;
  const Intrinsics k = intrinsics;
  if (layout.model == SceneModel::kGround) {
    // Camera pitched by theta (down > 0) so that the horizon is at horizon_y;
    // world down g and the walls' normal m (horizontal, away from the camera,
    // then tilted by the lean) in camera coordinates; ground g.X = 1, walls
    // through the ground point P seen at the contact row: m.X = m.P.
    const double theta = std::atan((k.cy - layout.horizon_y) / k.fy);
    const Eigen::Vector3d g(0, std::cos(theta), std::sin(theta));
    const double lean = o.wall_lean_deg * M_PI / 180.0;
    const Eigen::Vector3d m =
        std::cos(lean) * Eigen::Vector3d(0, -std::sin(theta), std::cos(theta)) + std::sin(lean) * g;
    const double inf = std::numeric_limits<double>::infinity();
    // P on the optical axis's column: the walls face the camera.
    const Eigen::Vector3d wc(0, (layout.contact_y - k.cy) / k.fy, 1.0);
    const double wall_offset = m.dot(wc / std::max(g.dot(wc), 1e-6));
    depth = at::empty({k.height, k.width}, at::kFloat);
    float* out = depth.data_ptr<float>();
    for (int y = 0; y < k.height; ++y) {
      for (int x = 0; x < k.width; ++x) {
        const Eigen::Vector3d w((x + 0.5 - k.cx) / k.fx, (y + 0.5 - k.cy) / k.fy, 1.0);
        double z;
        if (y + 0.5 >= layout.contact_y) {
          const double gw = g.dot(w);
          z = gw > 1e-9 ? 1.0 / gw : inf;
        } else {
          const double mw = m.dot(w);
          const double u = (x + 0.5 - k.cx) / (0.5 * k.width);
          z = mw > 1e-9 ? wall_offset / mw * (1.0 + o.wall_bend * u * u) : inf;
        }
        out[y * k.width + x] = static_cast<float>(z);
      }
    }
  } else {
    depth = RenderBoxDepth(layout.box, k, ratio);
  }
  const bool has_sky = !layout.sky.empty();
  const at::Tensor sky = has_sky ? MatToMask(layout.sky) : at::zeros({k.height, k.width}, at::kBool);
  if (layout.model != SceneModel::kRoom) {
    // One depth scale for every model: the median of the non-sky depth is D.
    const at::Tensor solid = depth.masked_select(~sky);
    if (solid.numel() > 0) depth.mul_(static_cast<float>(o.box.back_wall_depth / solid.median().item<double>()));
  }
  const float d = static_cast<float>(o.box.back_wall_depth);
  depth.clamp_(d / static_cast<float>(ratio), d * static_cast<float>(ratio));
  if (has_sky) {
    const at::Tensor solid = depth.masked_select(~sky);
    const float far = solid.numel() > 0 ? solid.max().item<float>() * static_cast<float>(o.sky_depth_ratio) : d;
    depth.masked_fill_(sky, std::min(far, d * static_cast<float>(ratio)));
  }
  return depth;
}

LayoutDepthEstimator::LayoutDepthEstimator(LayoutOptions options) : options_(std::move(options)) {}

at::Tensor LayoutDepthEstimator::Estimate(const at::Tensor& image,
                                          const at::Tensor& mesh_depth,
                                          const FrameContext& context) {
  SCN_CHECK(image.defined() && image.dim() == 3 && image.size(2) == 3)
      << "LayoutDepthEstimator: image must be [H,W,3], got " << (image.defined() ? image.sizes() : at::IntArrayRef{});
  const cv::Mat bgr = TensorToMat(image.to(at::kCPU, at::kFloat).contiguous(), CV_8U);
  const Intrinsics k = IntrinsicsForSize(context.camera.intrinsics, bgr.cols, bgr.rows);
  last_layout_ = FitSceneLayout(bgr, k, options_);
  SCN_LOG_DEBUG("frame {}: {} model: {}", context.frame_index, SceneModelName(last_layout_.model), last_layout_.reason);
  at::Tensor depth = RenderLayoutDepth(last_layout_, k, options_);
  if (mesh_depth.defined()) {
    SCN_CHECK(mesh_depth.dim() == 2 && mesh_depth.size(0) == bgr.rows && mesh_depth.size(1) == bgr.cols)
        << "mesh_depth is " << mesh_depth.sizes() << ", expected [" << bgr.rows << "," << bgr.cols << "]";
    return AlignDepthToMesh(depth, mesh_depth, options_.box);
  }
  if (options_.box.target_median_depth > 0) {
    const double median = depth.median().item<double>();
    depth.mul_(static_cast<float>(options_.box.target_median_depth / median));
  }
  return depth;
}

std::map<std::string, std::string> LayoutDepthEstimator::Choices() const {
  return {{"depth_model", SceneModelName(last_layout_.model)}, {"depth_model_reason", last_layout_.reason}};
}

}  // namespace scenescape
