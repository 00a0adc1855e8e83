#include "scenescape/pipeline/clearance.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "scenescape/core/check.h"
#include "scenescape/render/rasterizer.h"

namespace scenescape {
namespace {

Eigen::Vector3d Centre(const PathFrame& f) {
  const Eigen::Matrix3d r = f.cam_from_world.topLeftCorner<3, 3>();
  return -r.transpose() * f.cam_from_world.topRightCorner<3, 1>();
}

PathFrame WithCentre(PathFrame f, const Eigen::Vector3d& centre) {
  const Eigen::Matrix3d r = f.cam_from_world.topLeftCorner<3, 3>();
  f.cam_from_world.topRightCorner<3, 1>() = -r * centre;
  return f;
}

Camera CameraOf(const PathFrame& f, const Intrinsics& intrinsics) {
  Camera cam;
  cam.intrinsics =
      f.fov_deg ? Intrinsics::FromHorizontalFov(intrinsics.width, intrinsics.height, *f.fov_deg) : intrinsics;
  cam.cam_from_world = f.cam_from_world;
  return cam;
}

}  // namespace

double CameraClearance(const Mesh& mesh, const Camera& camera) {
  const double inf = std::numeric_limits<double>::infinity();
  if (mesh.NumFaces() == 0) return inf;
  Camera small = camera;
  const double scale =
      std::min(1.0, std::max(32.0 / std::min(camera.intrinsics.width, camera.intrinsics.height), 0.25));
  small.intrinsics = camera.intrinsics.Scaled(scale);
  const at::Tensor depth = RasterizeGeometry(mesh, small).depth;
  const int64_t h = depth.size(0), w = depth.size(1);
  const at::Tensor centre = depth.slice(0, h / 4, h - h / 4).slice(1, w / 4, w - w / 4);
  const at::Tensor seen = centre.masked_select(centre > 0);
  return seen.numel() == 0 ? inf : seen.min().item<double>();
}

double SafePathLength(const std::vector<PathFrame>& path,
                      const Intrinsics& intrinsics,
                      const Mesh& mesh,
                      double min_clearance) {
  const double inf = std::numeric_limits<double>::infinity();
  double travelled = 0.0;
  for (size_t i = 1; i < path.size(); ++i) {
    const Eigen::Vector3d a = Centre(path[i - 1]), b = Centre(path[i]);
    const double step = (b - a).norm();
    if (CameraClearance(mesh, CameraOf(path[i], intrinsics)) >= min_clearance) {
      travelled += step;
      continue;
    }
    // Frame i comes too close: bisect on the segment from frame i - 1 (whose
    // orientation the test keeps, as the planned frame i - 1 was clear).
    double lo = 0.0, hi = 1.0;
    for (int it = 0; it < 8; ++it) {
      const double mid = 0.5 * (lo + hi);
      const Camera cam = CameraOf(WithCentre(path[i - 1], a + mid * (b - a)), intrinsics);
      (CameraClearance(mesh, cam) >= min_clearance ? lo : hi) = mid;
    }
    return travelled + lo * step;
  }
  return inf;
}

std::vector<PathFrame> LimitPathLength(const std::vector<PathFrame>& path, double limit) {
  if (!std::isfinite(limit) || path.size() < 2) return path;
  SCN_CHECK_GE(limit, 0.0);
  std::vector<double> arc(path.size(), 0.0);
  for (size_t i = 1; i < path.size(); ++i) arc[i] = arc[i - 1] + (Centre(path[i]) - Centre(path[i - 1])).norm();
  const double half = 0.5 * limit;
  std::vector<PathFrame> out = path;
  for (size_t i = 1; i < path.size(); ++i) {
    const double s =
        arc[i] <= half || half <= 0 ? std::min(arc[i], limit) : half + half * std::tanh((arc[i] - half) / half);
    // The point at arc length s on the planned polyline.
    size_t k = 1;
    while (k < path.size() - 1 && arc[k] < s) ++k;
    const double seg = arc[k] - arc[k - 1];
    const double t = seg > 0 ? std::clamp((s - arc[k - 1]) / seg, 0.0, 1.0) : 0.0;
    const Eigen::Vector3d p = Centre(path[k - 1]) + t * (Centre(path[k]) - Centre(path[k - 1]));
    out[i] = WithCentre(path[i], p);
  }
  return out;
}

}  // namespace scenescape
