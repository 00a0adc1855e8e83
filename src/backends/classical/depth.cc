#include "scenescape/backends/classical/depth.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <Eigen/Geometry>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "scenescape/backends/classical/background_side.h"
#include "scenescape/core/check.h"
#include "scenescape/core/logging.h"

namespace scenescape {
namespace {

at::Tensor CheckDepth(const at::Tensor& t, const char* name, int64_t h = -1, int64_t w = -1) {
  SCN_CHECK(t.defined() && t.dim() == 2) << name << " must be [H,W], got "
                                         << (t.defined() ? t.sizes() : at::IntArrayRef{});
  if (h >= 0) {
    SCN_CHECK(t.size(0) == h && t.size(1) == w)
        << name << " is " << t.sizes() << ", expected [" << h << "," << w << "]";
  }
  return t.to(at::kCPU, at::kFloat).contiguous();
}

// Quantile q in [0,1] of v (v is reordered).
double Quantile(std::vector<double>& v, double q) {
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(q * (v.size() - 1) + 0.5));
  std::nth_element(v.begin(), v.begin() + k, v.end());
  return v[k];
}

// Splits a profile (values v_b, weights w_b) into an inner part [0, k) and an
// outer part [k, n) with the least weighted squared error, among the splits
// where the outer mean is at least `min_ratio` times the inner one and at least
// `min_outer`. Returns k / n, or -1 when no split qualifies.
double StepFit(const std::vector<double>& v, const std::vector<double>& w, double min_ratio, double min_outer) {
  const int n = static_cast<int>(v.size());
  std::vector<double> sw(n + 1, 0), sv(n + 1, 0), sq(n + 1, 0);
  for (int b = 0; b < n; ++b) {
    sw[b + 1] = sw[b] + w[b];
    sv[b + 1] = sv[b] + w[b] * v[b];
    sq[b + 1] = sq[b] + w[b] * v[b] * v[b];
  }
  if (sw[n] <= 0) return -1;
  auto cost = [&](int lo, int hi) {
    const double ww = sw[hi] - sw[lo];
    if (ww <= 0) return 0.0;
    const double ss = sv[hi] - sv[lo];
    return (sq[hi] - sq[lo]) - ss * ss / ww;
  };
  double best = std::numeric_limits<double>::infinity();
  int best_k = -1;
  const double eps = 1e-9 * (sq[n] + 1e-30);
  for (int k = n / 20; k <= n * 9 / 10; ++k) {
    const double w_out = sw[n] - sw[k];
    if (w_out < 0.1 * sw[n]) break;
    const double mean_in = sw[k] > 0 ? sv[k] / sw[k] : 0.0;
    const double mean_out = (sv[n] - sv[k]) / w_out;
    if (mean_out < min_outer || mean_out < min_ratio * mean_in) continue;
    const double c = cost(0, k) + cost(k, n);
    // Ties (inner bins without edges) resolve outwards: the wall starts where
    // its texture does.
    if (c <= best + eps) {
      best = std::min(best, c);
      best_k = k;
    }
  }
  return best_k < 0 ? -1.0 : static_cast<double>(best_k) / n;
}

// Measures the back-wall fraction per side (right, left, down, up) from where
// the converging ("radial") edges stop. The walls, floor and ceiling of a box
// carry edges along d, which all point at v and cover many directions around
// it; the back wall carries at most a line or two through v by chance. So per
// side, the radial edge energy is binned by normalised distance n from v and
// by direction (slope) around v; the number of directions that carry a line,
// profiled along n, steps up where the back wall ends (a step fit finds it).
// Energy fractions would not do: the transverse edges of the walls (parallel
// to the back wall) swamp them. Sides are assigned as in the box model (the
// face a ray meets first), which depends on the rectangle being measured,
// hence a few passes. `frac` holds the defaults on entry; sides without a
// clear step take the median of the measured ones, or keep the default.
void MeasureBackWall(const cv::Mat& image,
                     const Eigen::Matrix3d& k_inv,
                     const Eigen::Vector2d& vp,
                     const Eigen::Matrix3d& box_in_cam,
                     const double ext[4],
                     double frac[4]) {
  cv::Mat gray;
  if (image.channels() == 3)
    cv::cvtColor(image, gray, cv::COLOR_BGR2GRAY);
  else
    gray = image;
  gray.convertTo(gray, CV_32F, gray.depth() == CV_8U ? 1.0 : 255.0);
  cv::Mat gx, gy;
  cv::Sobel(gray, gx, CV_32F, 1, 0, 3);
  cv::Sobel(gray, gy, CV_32F, 0, 1, 3);

  struct EdgePixel {
    float x, y;  // tangent coordinates in the box frame
    float weight;
  };
  // Sobel of a full-contrast step is 4 * 255; ignore gradients of a few grey
  // levels (noise, smooth shading).
  constexpr float kMinGradient = 16.0f;
  const double sin_radial = std::sin(8.0 * M_PI / 180.0);
  const Eigen::Vector3d r = box_in_cam.col(0), u = box_in_cam.col(1), d = box_in_cam.col(2);
  std::vector<EdgePixel> radial_edges;
  std::vector<EdgePixel> other_edges;
  for (int y = 0; y < gray.rows; ++y) {
    const float* px = gx.ptr<float>(y);
    const float* py = gy.ptr<float>(y);
    for (int x = 0; x < gray.cols; ++x) {
      const double m = std::hypot(px[x], py[x]);
      if (m < kMinGradient) continue;
      const Eigen::Vector2d p(x + 0.5, y + 0.5);
      const Eigen::Vector2d to_p = p - vp;
      const double dist = to_p.norm();
      if (dist < 2.0) continue;
      const Eigen::Vector3d w = k_inv * Eigen::Vector3d(p.x(), p.y(), 1.0);
      const double z = d.dot(w);
      if (z <= 1e-9) continue;
      const EdgePixel e{static_cast<float>(r.dot(w) / z), static_cast<float>(u.dot(w) / z), static_cast<float>(m)};
      // Radial edge: the gradient is perpendicular to the direction from v.
      if (std::abs(px[x] * to_p.x() + py[x] * to_p.y()) < sin_radial * m * dist)
        radial_edges.push_back(e);
      else
        other_edges.push_back(e);
    }
  }
  if (radial_edges.empty()) return;

  constexpr int kBins = 64;        // along n in [0, 1)
  constexpr int kDirections = 64;  // slope across the side in [-2, 2]
  const double defaults = frac[0];
  double rect[4] = {1, 1, 1, 1};  // first pass: diagonal wedges
  auto locate = [&](const EdgePixel& e, int* side, double* n, double* slope) {
    // The face met first has the largest coordinate / extent ratio.
    const double ratio[4] = {
        e.x / (rect[0] * ext[0]), -e.x / (rect[1] * ext[1]), e.y / (rect[2] * ext[2]), -e.y / (rect[3] * ext[3])};
    *side = static_cast<int>(std::max_element(ratio, ratio + 4) - ratio);
    const double along = *side < 2 ? std::abs(e.x) : std::abs(e.y);
    *n = along / ext[*side];
    *slope = (*side < 2 ? e.y : e.x) / std::max(along, 1e-12);
  };
  for (int pass = 0; pass < 3; ++pass) {
    std::vector<double> energy(4 * kBins * kDirections, 0.0);
    std::vector<double> has_edges(4 * kBins, 0.0);
    for (const EdgePixel& e : radial_edges) {
      int s;
      double n, slope;
      locate(e, &s, &n, &slope);
      if (n >= 1.0) continue;
      const int b = static_cast<int>(n * kBins);
      const int a = std::clamp(static_cast<int>((slope + 2.0) / 4.0 * kDirections), 0, kDirections - 1);
      energy[(s * kBins + b) * kDirections + a] += e.weight;
      has_edges[s * kBins + b] = 1.0;
    }
    for (const EdgePixel& e : other_edges) {
      int s;
      double n, slope;
      locate(e, &s, &n, &slope);
      if (n < 1.0) has_edges[s * kBins + static_cast<int>(n * kBins)] = 1.0;
    }
    // A direction "carries a line" in a bin when its radial energy is a good
    // part of what a typical line leaves there.
    std::vector<double> nonzero;
    for (double v : energy)
      if (v > 0) nonzero.push_back(v);
    const double line_energy = nonzero.empty() ? 1.0 : Quantile(nonzero, 0.9);
    double measured[4];
    std::vector<double> found;
    for (int s = 0; s < 4; ++s) {
      std::vector<double> coverage(kBins, 0.0), weight(kBins, 0.0);
      for (int b = 0; b < kBins; ++b) {
        weight[b] = has_edges[s * kBins + b];
        for (int a = 0; a < kDirections; ++a)
          coverage[b] += energy[(s * kBins + b) * kDirections + a] > 0.2 * line_energy;
      }
      // The walls must show at least ~3 lines, twice as many as the back wall.
      measured[s] = StepFit(coverage, weight, 2.0, 2.5);
      if (measured[s] > 0) found.push_back(measured[s] = std::clamp(measured[s], 0.05, 0.9));
    }
    const double pooled = found.empty() ? defaults : Quantile(found, 0.5);
    for (int s = 0; s < 4; ++s) rect[s] = measured[s] > 0 ? measured[s] : pooled;
  }
  std::copy(rect, rect + 4, frac);
}

}  // namespace

Intrinsics IntrinsicsForSize(const Intrinsics& in, int width, int height) {
  if (in.width == width && in.height == height) return in;
  SCN_CHECK(in.width > 0 && in.height > 0) << "intrinsics without an image size";
  Intrinsics out = in;
  const double sx = static_cast<double>(width) / in.width;
  const double sy = static_cast<double>(height) / in.height;
  out.width = width;
  out.height = height;
  out.fx *= sx;
  out.cx *= sx;
  out.fy *= sy;
  out.cy *= sy;
  return out;
}

const VanishingPoint* FindCentralVanishingPoint(const std::vector<VanishingPoint>& vps,
                                                cv::Size size,
                                                double central_margin) {
  const VanishingPoint* central = nullptr;
  const double mx = central_margin * size.width;
  const double my = central_margin * size.height;
  for (const VanishingPoint& vp : vps) {
    if (!vp.is_finite) continue;
    if (vp.point.x() < -mx || vp.point.x() > size.width + mx || vp.point.y() < -my || vp.point.y() > size.height + my)
      continue;
    if (!central || vp.support > central->support) central = &vp;
  }
  return central;
}

BoxModel FitBoxModel(const cv::Mat& image, const Intrinsics& intrinsics, const BoxDepthOptions& options) {
  SCN_CHECK(!image.empty()) << "FitBoxModel: empty image";
  const std::vector<LineSegment> segments = DetectLineSegments(image, options.segments);
  const std::vector<VanishingPoint> vps = DetectVanishingPoints(segments, image.size(), options.vanishing);
  const VanishingPoint* central = FindCentralVanishingPoint(vps, image.size(), options.central_margin);
  if (!central)
    SCN_LOG_DEBUG("box depth: no central vanishing point among {} segments; using the image centre", segments.size());
  return FitBoxModelAround(image, intrinsics, central, options);
}

BoxModel FitBoxModelAround(const cv::Mat& image,
                           const Intrinsics& intrinsics_in,
                           const VanishingPoint* central,
                           const BoxDepthOptions& options) {
  SCN_CHECK(!image.empty()) << "FitBoxModel: empty image";
  SCN_CHECK_GT(options.back_wall_depth, 0.0);
  SCN_CHECK(options.back_wall_fraction > 0 && options.back_wall_fraction < 1)
      << "back_wall_fraction " << options.back_wall_fraction;
  const int width = image.cols;
  const int height = image.rows;
  const Intrinsics k = IntrinsicsForSize(intrinsics_in, width, height);
  BoxModel box;
  if (central) {
    box.vanishing_point = central->point;
    box.from_detection = true;
  } else {
    box.vanishing_point = Eigen::Vector2d(k.cx, k.cy);
  }

  auto ray = [&](double u, double v) { return Eigen::Vector3d((u - k.cx) / k.fx, (v - k.cy) / k.fy, 1.0); };
  const Eigen::Vector3d d = ray(box.vanishing_point.x(), box.vanishing_point.y()).normalized();
  // Box "right" stays horizontal in the image as far as d allows: r = y x d.
  const Eigen::Vector3d r = Eigen::Vector3d::UnitY().cross(d).normalized();
  const Eigen::Vector3d u = d.cross(r);
  box.box_in_cam.col(0) = r;
  box.box_in_cam.col(1) = u;
  box.box_in_cam.col(2) = d;
  // Tangent-plane coordinates of a pixel in the box frame (the back wall is
  // the rectangle [-left, right] x [-up, down] / D in these).
  auto tangent = [&](double px, double py) {
    const Eigen::Vector3d w = ray(px, py);
    const double z = std::max(d.dot(w), 1e-9);
    return Eigen::Vector2d(r.dot(w) / z, u.dot(w) / z);
  };

  // Extents from the VP to the image borders along the box axes. The VP is
  // clamped into the image so a VP near or past a border still leaves a wall.
  const double vx = std::clamp(box.vanishing_point.x(), 0.05 * width, 0.95 * width);
  const double vy = std::clamp(box.vanishing_point.y(), 0.05 * height, 0.95 * height);
  // (The VP itself is at tangent (0,0).)
  const double ext_right = std::max(tangent(width, vy).x(), 1e-3);
  const double ext_left = std::max(-tangent(0, vy).x(), 1e-3);
  const double ext_down = std::max(tangent(vx, height).y(), 1e-3);
  const double ext_up = std::max(-tangent(vx, 0).y(), 1e-3);

  const double ext[4] = {ext_right, ext_left, ext_down, ext_up};
  double frac[4];  // right, left, down, up
  std::fill(frac, frac + 4, options.back_wall_fraction);
  if (options.estimate_back_wall && central) {
    const Eigen::Matrix3d k_inv = k.K().inverse();
    MeasureBackWall(image, k_inv, box.vanishing_point, box.box_in_cam, ext, frac);
  }
  const double dd = options.back_wall_depth;
  box.back_depth = dd;
  box.right = dd * frac[0] * ext_right;
  box.left = dd * frac[1] * ext_left;
  box.down = dd * frac[2] * ext_down;
  box.up = dd * frac[3] * ext_up;
  return box;
}

at::Tensor RenderBoxDepth(const BoxModel& box, const Intrinsics& k, double max_depth_ratio) {
  SCN_CHECK(k.width > 0 && k.height > 0) << "RenderBoxDepth: empty image";
  SCN_CHECK_GT(max_depth_ratio, 1.0);
  at::Tensor depth = at::empty({k.height, k.width}, at::kFloat);
  float* out = depth.data_ptr<float>();
  const Eigen::Vector3d r = box.box_in_cam.col(0);
  const Eigen::Vector3d u = box.box_in_cam.col(1);
  const Eigen::Vector3d d = box.box_in_cam.col(2);
  const double zmin = box.back_depth / max_depth_ratio;
  const double zmax = box.back_depth * max_depth_ratio;
  const int w = k.width;
  at::parallel_for(0, k.height, 16, [&](int64_t y0, int64_t y1) {
    for (int64_t y = y0; y < y1; ++y) {
      const double wy = (y + 0.5 - k.cy) / k.fy;
      for (int x = 0; x < w; ++x) {
        // Ray with z = 1: the ray parameter of a hit is its camera z.
        const Eigen::Vector3d ray((x + 0.5 - k.cx) / k.fx, wy, 1.0);
        double z = std::numeric_limits<double>::infinity();
        const double dw = d.dot(ray), rw = r.dot(ray), uw = u.dot(ray);
        if (dw > 0) z = std::min(z, box.back_depth / dw);
        if (rw > 0) z = std::min(z, box.right / rw);
        if (rw < 0) z = std::min(z, box.left / -rw);
        if (uw > 0) z = std::min(z, box.down / uw);
        if (uw < 0) z = std::min(z, box.up / -uw);
        // Negative extents (a VP far outside the image) or grazing rays.
        if (!(z > zmin)) z = zmin;
        if (z > zmax) z = zmax;
        out[y * w + x] = static_cast<float>(z);
      }
    }
  });
  return depth;
}

std::optional<double> FitDepthScale(const at::Tensor& depth_in, const at::Tensor& mesh_in, int min_pixels) {
  const at::Tensor depth = CheckDepth(depth_in, "depth");
  const at::Tensor mesh = CheckDepth(mesh_in, "mesh_depth", depth.size(0), depth.size(1));
  const float* pd = depth.data_ptr<float>();
  const float* pm = mesh.data_ptr<float>();
  std::vector<double> ratios;
  const int64_t n = depth.numel();
  for (int64_t i = 0; i < n; ++i) {
    if (pm[i] > 0 && pd[i] > 0 && std::isfinite(pm[i]) && std::isfinite(pd[i]))
      ratios.push_back(static_cast<double>(pm[i]) / pd[i]);
  }
  if (ratios.empty() || static_cast<int>(ratios.size()) < min_pixels) return std::nullopt;
  return Quantile(ratios, 0.5);
}

at::Tensor AlignDepthToMesh(const at::Tensor& depth_in, const at::Tensor& mesh_in, const BoxDepthOptions& options) {
  const at::Tensor depth = CheckDepth(depth_in, "depth");
  const at::Tensor mesh = CheckDepth(mesh_in, "mesh_depth", depth.size(0), depth.size(1));
  const std::optional<double> scale = FitDepthScale(depth, mesh, options.min_aligned_pixels);
  if (!scale) {
    SCN_LOG_INFO("box depth: fewer than {} pixels of mesh depth; no scale alignment", options.min_aligned_pixels);
    return depth.clone();
  }
  const int h = static_cast<int>(depth.size(0));
  const int w = static_cast<int>(depth.size(1));
  at::Tensor out = depth * static_cast<float>(*scale);
  float* po = out.data_ptr<float>();
  const float* pm = mesh.data_ptr<float>();
  const auto known = [&](int i) { return pm[i] > 0 && std::isfinite(pm[i]); };

  if (options.blend_band_px > 0) {
    // Log-ratio residual on the known pixels, smoothed by normalised
    // convolution so one noisy mesh pixel does not set a hole's seam.
    cv::Mat res(h, w, CV_32F, cv::Scalar(0)), wgt(h, w, CV_32F, cv::Scalar(0));
    cv::Mat holes(h, w, CV_8U, cv::Scalar(0));
    bool any_hole = false;
    for (int i = 0; i < h * w; ++i) {
      if (known(i)) {
        res.ptr<float>()[i] = std::log(pm[i] / po[i]);
        wgt.ptr<float>()[i] = 1.0f;
      } else {
        holes.ptr<uint8_t>()[i] = 255;
        any_hole = true;
      }
    }
    if (any_hole) {
      cv::GaussianBlur(res, res, cv::Size(0, 0), 2.0);
      cv::GaussianBlur(wgt, wgt, cv::Size(0, 0), 2.0);
      // The residual comes from the hole's background side (classical/
      // background_side.h): a disocclusion continues the surface behind the
      // depth edge, as its colour does, not the one in front.
      cv::Mat residual(h, w, CV_32F), mesh_mat(h, w, CV_32F, const_cast<float*>(pm));
      for (int i = 0; i < h * w; ++i)
        residual.ptr<float>()[i] = res.ptr<float>()[i] / std::max(wgt.ptr<float>()[i], 1e-6f);
      const BackgroundSide side(holes);
      const double band = options.blend_band_px;
      for (int i = 0; i < h * w; ++i) {
        if (!holes.ptr<uint8_t>()[i]) continue;
        double sum = 0, total = 0, nearest = 0;
        side.ForEach(i, mesh_mat, [&](int q, double weight) {
          sum += weight * residual.ptr<float>()[q];
          total += weight;
          nearest = std::max(nearest, weight);
        });
        if (total <= 0) continue;
        const double blend = std::max(0.0, 1.0 - 1.0 / std::sqrt(nearest) / band);
        if (blend > 0) po[i] = static_cast<float>(po[i] * std::exp(blend * sum / total));
      }
    }
  }
  if (options.keep_mesh_depth) {
    for (int i = 0; i < h * w; ++i)
      if (known(i)) po[i] = pm[i];
  }
  return out;
}

}  // namespace scenescape
