#include "scenescape/backends/classical/focal.h"

#include <Eigen/Cholesky>
#include <Eigen/Geometry>
#include <Eigen/LU>
#include <Eigen/SVD>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "scenescape/core/check.h"

namespace scenescape {
namespace {

constexpr double kDegToRad = M_PI / 180.0;

// A segment relative to the principal point c (pixels).
struct CentredSegment {
  Eigen::Vector2d mid;     // midpoint - c
  Eigen::Vector2d normal;  // unit normal
  double length;
};

// Signed sine of the angle between segment `s` and the line from its midpoint
// to the VP `v` (homogeneous, relative to c). Returns 1 when undefined.
inline double SignedSin(const CentredSegment& s, const Eigen::Vector3d& v) {
  const Eigen::Vector2d dir(v.x() - v.z() * s.mid.x(), v.y() - v.z() * s.mid.y());
  const double n = dir.norm();
  if (n < 1e-12) return 1.0;
  // The sign of dir is arbitrary (v and -v are the same VP); fix it so the
  // residual is continuous while the VP moves through infinity.
  const double sign = (dir.dot(Eigen::Vector2d(-s.normal.y(), s.normal.x())) >= 0) ? 1.0 : -1.0;
  return sign * s.normal.dot(dir) / n;
}

// The VPs (relative to c) of the Manhattan directions R's columns under focal f.
inline Eigen::Vector3d ProjectDirection(const Eigen::Vector3d& r, double f) {
  return Eigen::Vector3d(f * r.x(), f * r.y(), r.z());
}

struct Triad {
  double f = 0;
  Eigen::Matrix3d r = Eigen::Matrix3d::Identity();
};

// MSAC score of a triad: each segment counts for its best VP.
double ScoreTriad(const std::vector<CentredSegment>& segs, const Triad& t, double sin_thr) {
  const Eigen::Vector3d v[3] = {
      ProjectDirection(t.r.col(0), t.f), ProjectDirection(t.r.col(1), t.f), ProjectDirection(t.r.col(2), t.f)};
  const double inv = 1.0 / (sin_thr * sin_thr);
  double total = 0;
  for (const CentredSegment& s : segs) {
    double best = 1.0;
    for (const auto& vk : v) best = std::min(best, std::abs(SignedSin(s, vk)));
    if (best < sin_thr) total += s.length * (1.0 - best * best * inv);
  }
  return total;
}

// Segment -> Manhattan axis (or -1) by the smallest angle below the threshold.
std::vector<int> Assign(const std::vector<CentredSegment>& segs, const Triad& t, double sin_thr) {
  std::vector<int> axis(segs.size(), -1);
  for (size_t i = 0; i < segs.size(); ++i) {
    double best = sin_thr;
    for (int k = 0; k < 3; ++k) {
      const double s = std::abs(SignedSin(segs[i], ProjectDirection(t.r.col(k), t.f)));
      if (s < best) {
        best = s;
        axis[i] = k;
      }
    }
  }
  return axis;
}

// Residuals sqrt(length) * sin(angle) of the assigned segments for the triad
// perturbed by params = (log-focal step, rotation vector applied on the left).
void Residuals(const std::vector<CentredSegment>& segs,
               const std::vector<int>& axis,
               const Triad& t,
               const Eigen::Vector4d& params,
               Eigen::VectorXd* out) {
  const double f = t.f * std::exp(params[0]);
  const Eigen::Vector3d w = params.tail<3>();
  const double angle = w.norm();
  Eigen::Matrix3d rot = Eigen::Matrix3d::Identity();
  if (angle > 0) rot = Eigen::AngleAxisd(angle, w / angle).toRotationMatrix();
  const Eigen::Matrix3d r = rot * t.r;
  Eigen::Vector3d v[3];
  for (int k = 0; k < 3; ++k) v[k] = ProjectDirection(r.col(k), f);
  int n = 0;
  for (size_t i = 0; i < segs.size(); ++i)
    if (axis[i] >= 0) (*out)[n++] = std::sqrt(segs[i].length) * SignedSin(segs[i], v[axis[i]]);
}

Triad Apply(const Triad& t, const Eigen::Vector4d& params) {
  Triad out;
  out.f = t.f * std::exp(params[0]);
  const Eigen::Vector3d w = params.tail<3>();
  const double angle = w.norm();
  Eigen::Matrix3d rot = Eigen::Matrix3d::Identity();
  if (angle > 0) rot = Eigen::AngleAxisd(angle, w / angle).toRotationMatrix();
  out.r = rot * t.r;
  // Re-orthonormalise against drift.
  Eigen::JacobiSVD<Eigen::Matrix3d> svd(out.r, Eigen::ComputeFullU | Eigen::ComputeFullV);
  out.r = svd.matrixU() * svd.matrixV().transpose();
  return out;
}

// Levenberg-Marquardt on (log f, rotation) with a numeric Jacobian (4 unknowns).
// Returns the relative standard error of f (std of log f).
double Refine(const std::vector<CentredSegment>& segs, const std::vector<int>& axis, Triad* triad) {
  int m = 0;
  for (int a : axis) m += (a >= 0);
  if (m < 5) return std::numeric_limits<double>::infinity();
  Eigen::VectorXd res(m), res_p(m), res_m(m), res_new(m);
  Eigen::MatrixXd jac(m, 4);
  double lambda = 1e-3;
  const Eigen::Vector4d zero = Eigen::Vector4d::Zero();
  Residuals(segs, axis, *triad, zero, &res);
  double cost = res.squaredNorm();
  for (int iter = 0; iter < 30; ++iter) {
    for (int j = 0; j < 4; ++j) {
      Eigen::Vector4d step = zero;
      step[j] = 1e-6;
      Residuals(segs, axis, *triad, step, &res_p);
      Residuals(segs, axis, *triad, -step, &res_m);
      jac.col(j) = (res_p - res_m) / 2e-6;
    }
    const Eigen::Matrix4d jtj = jac.transpose() * jac;
    const Eigen::Vector4d jtr = jac.transpose() * res;
    bool improved = false;
    for (int tries = 0; tries < 10 && !improved; ++tries) {
      Eigen::Matrix4d a = jtj;
      a.diagonal() += lambda * (jtj.diagonal().array() + 1e-12).matrix();
      const Eigen::Vector4d delta = -a.ldlt().solve(jtr);
      const Triad candidate = Apply(*triad, delta);
      Residuals(segs, axis, candidate, zero, &res_new);
      const double new_cost = res_new.squaredNorm();
      if (new_cost < cost) {
        const double gain = cost - new_cost;
        *triad = candidate;
        res = res_new;
        cost = new_cost;
        lambda = std::max(lambda * 0.3, 1e-9);
        improved = true;
        if (gain < 1e-12 * (cost + 1e-30)) iter = 1000;  // converged
      } else {
        lambda *= 10;
      }
    }
    if (!improved) break;
  }
  // Covariance of the parameters: sigma^2 (J^T J)^-1 at the optimum.
  for (int j = 0; j < 4; ++j) {
    Eigen::Vector4d step = zero;
    step[j] = 1e-6;
    Residuals(segs, axis, *triad, step, &res_p);
    Residuals(segs, axis, *triad, -step, &res_m);
    jac.col(j) = (res_p - res_m) / 2e-6;
  }
  const double sigma2 = cost / std::max(1, m - 4);
  const Eigen::Matrix4d jtj = jac.transpose() * jac;
  Eigen::FullPivLU<Eigen::Matrix4d> lu(jtj);
  if (!lu.isInvertible()) return std::numeric_limits<double>::infinity();
  const double var = sigma2 * lu.inverse()(0, 0);
  return var > 0 ? std::sqrt(var) : std::numeric_limits<double>::infinity();
}

}  // namespace

FocalEstimate EstimateFocal(const cv::Mat& image, const FocalOptions& options) {
  SCN_CHECK(!image.empty()) << "EstimateFocal: empty image";
  SCN_CHECK(options.min_fov_deg > 0 && options.min_fov_deg < options.max_fov_deg && options.max_fov_deg < 180)
      << "EstimateFocal: field-of-view range [" << options.min_fov_deg << ", " << options.max_fov_deg << "]";
  FocalEstimate out;
  const std::vector<LineSegment> segments = DetectLineSegments(image, options.segments);
  out.num_segments = static_cast<int>(segments.size());
  if (out.num_segments < options.min_segments) {
    out.reason = "only " + std::to_string(out.num_segments) + " line segments (need " +
                 std::to_string(options.min_segments) + ")";
    return out;
  }
  const cv::Size size(image.cols, image.rows);
  out.vanishing_points = DetectVanishingPoints(segments, size, options.vanishing);
  if (out.vanishing_points.size() < 2) {
    out.reason = "only " + std::to_string(out.vanishing_points.size()) + " vanishing point(s)";
    return out;
  }

  const Eigen::Vector2d c(0.5 * image.cols, 0.5 * image.rows);
  std::vector<CentredSegment> segs;
  double total_length = 0;
  for (const LineSegment& s : segments) {
    const Eigen::Vector2d t = s.p1 - s.p0;
    segs.push_back({s.Midpoint() - c, Eigen::Vector2d(-t.y(), t.x()).normalized(), s.Length()});
    total_length += s.Length();
  }
  const double sin_thr = std::sin(options.inlier_angle_deg * kDegToRad);
  const double half_w = 0.5 * image.cols;
  const double f_min = half_w / std::tan(0.5 * options.max_fov_deg * kDegToRad);
  const double f_max = half_w / std::tan(0.5 * options.min_fov_deg * kDegToRad);

  // VPs relative to c.
  std::vector<Eigen::Vector3d> vps;
  for (const VanishingPoint& vp : out.vanishing_points) {
    const Eigen::Vector3d& h = vp.homogeneous;
    vps.emplace_back(h.x() - c.x() * h.z(), h.y() - c.y() * h.z(), h.z());
  }

  Triad best;
  double best_score = -1;
  auto try_candidate = [&](const Eigen::Vector3d& vi, const Eigen::Vector3d& vj, double f) {
    Eigen::Vector3d a(vi.x() / f, vi.y() / f, vi.z());
    Eigen::Vector3d b(vj.x() / f, vj.y() / f, vj.z());
    a.normalize();
    b.normalize();
    b -= a.dot(b) * a;
    // Directions less than ~35 degrees apart cannot be two Manhattan axes.
    if (b.norm() < 0.55) return;
    b.normalize();
    Triad t;
    t.f = f;
    t.r.col(0) = a;
    t.r.col(1) = b;
    t.r.col(2) = a.cross(b);
    const double sc = ScoreTriad(segs, t, sin_thr);
    if (sc > best_score) {
      best_score = sc;
      best = t;
    }
  };
  const int steps = std::max(2, options.focal_grid_steps);
  for (size_t i = 0; i < vps.size(); ++i) {
    for (size_t j = i + 1; j < vps.size(); ++j) {
      const VanishingPoint& a = out.vanishing_points[i];
      const VanishingPoint& b = out.vanishing_points[j];
      if (a.is_finite && b.is_finite) {
        const double dot = -(a.point - c).dot(b.point - c);
        if (dot > 0) {
          const double f = std::sqrt(dot);
          if (f > 0.5 * f_min && f < 2 * f_max) try_candidate(vps[i], vps[j], f);
        }
      }
      for (int g = 0; g < steps; ++g) {
        const double f = f_min * std::pow(f_max / f_min, static_cast<double>(g) / (steps - 1));
        try_candidate(vps[i], vps[j], f);
      }
    }
  }
  if (best_score <= 0) {
    out.reason = "no pair of vanishing points fits an orthogonal triad";
    return out;
  }

  Triad triad = best;
  double rel_std = std::numeric_limits<double>::infinity();
  std::vector<int> axis;
  for (int round = 0; round < 4; ++round) {
    axis = Assign(segs, triad, sin_thr);
    rel_std = Refine(segs, axis, &triad);
    triad.f = std::clamp(triad.f, 0.5 * f_min, 2.0 * f_max);
  }
  axis = Assign(segs, triad, sin_thr);

  double explained = 0;
  int per_axis[3] = {0, 0, 0};
  for (size_t i = 0; i < segs.size(); ++i)
    if (axis[i] >= 0) {
      explained += segs[i].length;
      ++per_axis[axis[i]];
    }
  out.manhattan_in_cam = triad.r;
  out.support_fraction = explained / std::max(total_length, 1e-12);
  out.relative_std = rel_std;
  const double cos_max = std::cos(options.max_vp_angle_deg * kDegToRad);
  for (int k = 0; k < 3; ++k)
    if (std::abs(triad.r(2, k)) > cos_max && per_axis[k] >= options.min_inliers) ++out.num_finite_vps;

  const double fov = 2.0 * std::atan(half_w / triad.f) / kDegToRad;
  char buf[256];
  if (out.support_fraction < options.min_support_fraction) {
    std::snprintf(
        buf, sizeof(buf), "a Manhattan triad explains only %.0f%% of the segments", 100 * out.support_fraction);
    out.reason = buf;
  } else if (out.num_finite_vps < 2) {
    std::snprintf(buf,
                  sizeof(buf),
                  "only %d well-supported finite vanishing point(s): the focal length is "
                  "unobservable",
                  out.num_finite_vps);
    out.reason = buf;
  } else if (!(rel_std <= options.max_relative_std)) {
    std::snprintf(buf, sizeof(buf), "focal length too uncertain (%.1f%% standard error)", 100 * rel_std);
    out.reason = buf;
  } else if (fov < options.min_fov_deg || fov > options.max_fov_deg) {
    std::snprintf(buf, sizeof(buf), "implausible field of view %.1f degrees", fov);
    out.reason = buf;
  } else {
    out.focal_px = triad.f;
    std::snprintf(buf,
                  sizeof(buf),
                  "f = %.1f px (fov %.1f deg, +-%.1f%%) from %d finite VPs, %.0f%% of %d segments",
                  triad.f,
                  fov,
                  100 * rel_std,
                  out.num_finite_vps,
                  100 * out.support_fraction,
                  out.num_segments);
    out.reason = buf;
  }
  return out;
}

std::optional<double> EstimateFocalLength(const cv::Mat& bgr_image, const FocalOptions& options, std::string* reason) {
  FocalEstimate e = EstimateFocal(bgr_image, options);
  if (reason) *reason = e.reason;
  return e.focal_px;
}

}  // namespace scenescape
