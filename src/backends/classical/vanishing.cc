#include "scenescape/backends/classical/vanishing.h"

#include <Eigen/Eigenvalues>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <random>

#include "scenescape/core/check.h"

namespace scenescape {
namespace {

cv::Mat ToGray8(const cv::Mat& image) {
  SCN_CHECK(!image.empty()) << "DetectLineSegments: empty image";
  cv::Mat gray;
  if (image.channels() == 3) {
    cv::cvtColor(image, gray, cv::COLOR_BGR2GRAY);
  } else if (image.channels() == 4) {
    cv::cvtColor(image, gray, cv::COLOR_BGRA2GRAY);
  } else {
    SCN_CHECK_EQ(image.channels(), 1) << "DetectLineSegments: unsupported channel count";
    gray = image;
  }
  if (gray.depth() == CV_8U) return gray;
  cv::Mat out;
  if (gray.depth() == CV_32F || gray.depth() == CV_64F) {
    gray.convertTo(out, CV_8U, 255.0);
  } else if (gray.depth() == CV_16U) {
    gray.convertTo(out, CV_8U, 255.0 / 65535.0);
  } else {
    SCN_CHECK(false) << "DetectLineSegments: unsupported matrix depth " << gray.depth();
  }
  return out;
}

// A segment prepared for the VP search, in normalised coordinates
// (pixels - centre) / scale, which keeps the homogeneous algebra well conditioned.
struct PreparedSegment {
  Eigen::Vector2d mid;     // normalised midpoint
  Eigen::Vector2d normal;  // unit normal
  Eigen::Vector3d line;    // (normal, -normal.mid): unit-normal homogeneous line
  double length;           // pixels
};

// sin of the angle between a segment and the line from its midpoint to `v`
// (homogeneous, same frame as the segment). n.(v_xy - v_w mid) equals line.v, so
// this is the algebraic residual divided by the distance to the VP.
inline double SinAngle(const PreparedSegment& s, const Eigen::Vector3d& v, double* dir_norm2) {
  const Eigen::Vector2d dir(v.x() - v.z() * s.mid.x(), v.y() - v.z() * s.mid.y());
  const double n2 = dir.squaredNorm();
  if (dir_norm2) *dir_norm2 = n2;
  if (n2 < 1e-18) return 1.0;  // the VP sits on the segment: no direction evidence
  return std::abs(s.normal.dot(dir)) / std::sqrt(n2);
}

}  // namespace

std::vector<LineSegment> DetectLineSegments(const cv::Mat& image, const LineSegmentOptions& options) {
  cv::Mat gray = ToGray8(image);
  double scale = 1.0;
  const int side = std::max(gray.cols, gray.rows);
  if (options.max_side > 0 && side > options.max_side) {
    scale = static_cast<double>(options.max_side) / side;
    cv::Mat small;
    cv::resize(gray, small, cv::Size(), scale, scale, cv::INTER_AREA);
    gray = small;
  }
  std::vector<cv::Vec4f> raw;
  cv::createLineSegmentDetector(cv::LSD_REFINE_STD, options.lsd_scale)->detect(gray, raw);

  const double diag = std::hypot(image.cols, image.rows);
  const double min_length = options.min_length_fraction * diag;
  std::vector<LineSegment> segments;
  segments.reserve(raw.size());
  for (const cv::Vec4f& l : raw) {
    LineSegment s;
    // LSD puts the origin at the centre of pixel (0,0); ours is its corner.
    s.p0 = (Eigen::Vector2d(l[0], l[1]) + Eigen::Vector2d::Constant(0.5)) / scale;
    s.p1 = (Eigen::Vector2d(l[2], l[3]) + Eigen::Vector2d::Constant(0.5)) / scale;
    if (s.Length() >= min_length) segments.push_back(s);
  }
  std::stable_sort(segments.begin(), segments.end(), [](const LineSegment& a, const LineSegment& b) {
    return a.Length() > b.Length();
  });
  if (options.max_segments > 0 && static_cast<int>(segments.size()) > options.max_segments)
    segments.resize(options.max_segments);
  return segments;
}

double SegmentVanishingAngle(const LineSegment& segment, const Eigen::Vector3d& homogeneous) {
  const Eigen::Vector2d d = segment.p1 - segment.p0;
  const double len = d.norm();
  if (len <= 0) return M_PI / 2;
  const Eigen::Vector2d m = segment.Midpoint();
  const Eigen::Vector2d dir(homogeneous.x() - homogeneous.z() * m.x(), homogeneous.y() - homogeneous.z() * m.y());
  const double dn = dir.norm();
  if (dn < 1e-12) return M_PI / 2;
  const double c = std::abs(d.dot(dir)) / (len * dn);
  return std::acos(std::min(1.0, c));
}

std::vector<VanishingPoint> DetectVanishingPoints(const std::vector<LineSegment>& segments,
                                                  cv::Size image_size,
                                                  const VanishingPointOptions& options) {
  SCN_CHECK(image_size.width > 0 && image_size.height > 0) << "DetectVanishingPoints: empty image";
  SCN_CHECK(options.inlier_angle_deg > 0 && options.inlier_angle_deg < 45)
      << "inlier_angle_deg " << options.inlier_angle_deg;
  const Eigen::Vector2d centre(0.5 * image_size.width, 0.5 * image_size.height);
  const double diag = std::hypot(image_size.width, image_size.height);
  const double norm_scale = 0.5 * diag;

  std::vector<PreparedSegment> prepared;
  prepared.reserve(segments.size());
  double total_length = 0.0;
  for (const LineSegment& s : segments) {
    PreparedSegment p;
    const Eigen::Vector2d a = (s.p0 - centre) / norm_scale;
    const Eigen::Vector2d b = (s.p1 - centre) / norm_scale;
    const Eigen::Vector2d t = b - a;
    p.length = s.Length();
    p.mid = 0.5 * (a + b);
    p.normal = t.norm() > 0 ? Eigen::Vector2d(Eigen::Vector2d(-t.y(), t.x()).normalized())
                            : Eigen::Vector2d(Eigen::Vector2d::UnitX());
    p.line = Eigen::Vector3d(p.normal.x(), p.normal.y(), -p.normal.dot(p.mid));
    prepared.push_back(p);
    total_length += p.length;
  }

  const double sin_thr = std::sin(options.inlier_angle_deg * M_PI / 180.0);
  const double inv_sin_thr2 = 1.0 / (sin_thr * sin_thr);
  std::vector<char> active(prepared.size(), 1);
  std::mt19937_64 rng(options.seed);
  std::vector<VanishingPoint> result;

  auto score = [&](const Eigen::Vector3d& v) {
    double total = 0.0;
    for (size_t i = 0; i < prepared.size(); ++i) {
      if (!active[i]) continue;
      const double s = SinAngle(prepared[i], v, nullptr);
      if (s < sin_thr) total += prepared[i].length * (1.0 - s * s * inv_sin_thr2);
    }
    return total;
  };

  for (int k = 0; k < options.max_vanishing_points; ++k) {
    std::vector<int> pool;
    std::vector<double> weights;
    for (size_t i = 0; i < prepared.size(); ++i)
      if (active[i]) {
        pool.push_back(static_cast<int>(i));
        weights.push_back(prepared[i].length);
      }
    if (static_cast<int>(pool.size()) < std::max(2, options.min_inliers)) break;
    std::discrete_distribution<int> pick(weights.begin(), weights.end());

    Eigen::Vector3d best_v = Eigen::Vector3d::UnitZ();
    double best_score = -1.0;
    for (int it = 0; it < options.ransac_iterations; ++it) {
      const int a = pool[pick(rng)];
      const int b = pool[pick(rng)];
      if (a == b) continue;
      Eigen::Vector3d v = prepared[a].line.cross(prepared[b].line);
      const double n = v.norm();
      // Nearly identical lines: their intersection is noise.
      if (n < 1e-9) continue;
      v /= n;
      const double sc = score(v);
      if (sc > best_score) {
        best_score = sc;
        best_v = v;
      }
    }
    if (best_score <= 0) break;

    // IRLS on the angular residual: weights length / |v - w m|^2 turn the
    // algebraic residual line.v into sin(angle).
    Eigen::Vector3d v = best_v;
    std::vector<int> inliers;
    for (int iter = 0; iter < 6; ++iter) {
      inliers.clear();
      Eigen::Matrix3d m = Eigen::Matrix3d::Zero();
      for (int i : pool) {
        double d2 = 0;
        const double s = SinAngle(prepared[i], v, &d2);
        if (s >= sin_thr) continue;
        inliers.push_back(i);
        const double w = prepared[i].length / std::max(d2, 1e-12);
        m += w * prepared[i].line * prepared[i].line.transpose();
      }
      if (inliers.size() < 2) break;
      // Scale-free: normalise so the eigen solver sees O(1) entries.
      m /= std::max(m.trace(), 1e-300);
      Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d> eig(m);
      Eigen::Vector3d nv = eig.eigenvectors().col(0).normalized();
      if (nv.dot(v) < 0) nv = -nv;
      const bool converged = (nv - v).norm() < 1e-10;
      v = nv;
      if (converged) break;
    }
    inliers.clear();
    double support = 0.0;
    for (int i : pool) {
      if (SinAngle(prepared[i], v, nullptr) < sin_thr) {
        inliers.push_back(i);
        support += prepared[i].length;
      }
    }
    if (static_cast<int>(inliers.size()) < options.min_inliers || support < options.min_support_fraction * total_length)
      break;
    for (int i : inliers) active[i] = 0;

    VanishingPoint vp;
    // Back to pixels: x_pix = scale x_norm + centre w.
    Eigen::Vector3d h(norm_scale * v.x() + centre.x() * v.z(), norm_scale * v.y() + centre.y() * v.z(), v.z());
    h.normalize();
    if (h.z() < 0) h = -h;
    vp.homogeneous = h;
    const double xy = Eigen::Vector2d(v.x(), v.y()).norm();
    vp.is_finite = norm_scale * xy < options.max_finite_distance * diag * std::abs(v.z());
    if (vp.is_finite) vp.point = Eigen::Vector2d(h.x() / h.z(), h.y() / h.z());
    vp.direction =
        xy > 0 ? Eigen::Vector2d(Eigen::Vector2d(v.x(), v.y()) / xy) : Eigen::Vector2d(Eigen::Vector2d::UnitX());
    if (v.z() < 0) vp.direction = -vp.direction;
    vp.num_inliers = static_cast<int>(inliers.size());
    vp.support = support;
    vp.inliers = std::move(inliers);
    result.push_back(std::move(vp));
  }
  return result;
}

}  // namespace scenescape
