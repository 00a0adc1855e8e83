#include "scenescape/pipeline/earlier_views.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <limits>

#include "scenescape/core/check.h"

namespace scenescape {
namespace {

// Plain loops over points x views, not tensor ops: a run holds one view per
// frame, and the tensor version (a dozen [n] temporaries per view, 4 times
// over) took 10-35 s per frame by frame 22 of the demo (gdb samples: all of it
// in PushFactor's element-wise ops), against well under a second here.
class ViewLookup {
 public:
  explicit ViewLookup(const SeenView& view)
      : r_(view.camera.cam_from_world.topLeftCorner<3, 3>()),
        t_(view.camera.cam_from_world.topRightCorner<3, 1>()),
        k_(view.camera.intrinsics),
        h_(view.depth.size(0)),
        w_(view.depth.size(1)),
        depth_(view.depth.data_ptr<float>()) {}

  // The factor (>= 1) by which `p` must move away from the new frame's camera
  // along its ray to lie behind what the view saw, 1 where it hides nothing.
  // Moving a point away from the new camera by f moves it away from the view's
  // camera by about f too when the two cameras are close; the passes correct
  // the rest.
  double PushFactor(const Eigen::Vector3d& p) const {
    const Eigen::Vector3d pc = r_ * p + t_;
    const double z = pc.z();
    if (!(z > 1e-9)) return 1.0;
    const double u = (pc.x() / z * k_.fx + k_.cx) / kViewPool, v = (pc.y() / z * k_.fy + k_.cy) / kViewPool;
    if (!(u >= 0 && v >= 0 && u < w_ && v < h_)) return 1.0;
    const double seen = depth_[static_cast<int64_t>(v) * w_ + static_cast<int64_t>(u)];
    if (seen <= 0 || z >= seen * (1.0 - kOcclusionMargin)) return 1.0;
    return seen * (1.0 + kOcclusionMargin) / z;
  }

 private:
  Eigen::Matrix3d r_;
  Eigen::Vector3d t_;
  Intrinsics k_;
  int64_t h_, w_;
  const float* depth_;
};

double MaxPushFactor(const Eigen::Vector3d& p, const std::vector<ViewLookup>& views) {
  double f = 1.0;
  for (const ViewLookup& view : views) f = std::max(f, view.PushFactor(p));
  return f;
}

}  // namespace

SeenView MakeSeenView(const Camera& camera, const at::Tensor& depth) {
  SCN_CHECK(depth.defined() && depth.dim() == 2) << "MakeSeenView: depth must be [H,W]";
  // Min-pool of the valid depths: -1 becomes +inf first so it never wins.
  const at::Tensor d = depth.to(at::kCPU, at::kFloat);
  const at::Tensor valid = at::where(d > 0, d, at::full_like(d, std::numeric_limits<float>::infinity()));
  const at::Tensor pooled = -at::max_pool2d(-valid.unsqueeze(0).unsqueeze(0),
                                            {kViewPool, kViewPool},
                                            {kViewPool, kViewPool},
                                            {0, 0},
                                            {1, 1},
                                            /*ceil_mode=*/true)
                                 .squeeze(0)
                                 .squeeze(0);
  return {camera, at::where(at::isinf(pooled), at::full_like(pooled, -1.0f), pooled).contiguous()};
}

EarlierViewStats KeepEarlierViewsVisible(
    Mesh& mesh, int64_t first_vertex, int64_t first_face, const Camera& camera, const std::vector<SeenView>& views) {
  EarlierViewStats stats;
  const int64_t nv = mesh.NumVertices() - first_vertex;
  if (views.empty() || nv <= 0) return stats;
  std::vector<ViewLookup> lookups;
  lookups.reserve(views.size());
  for (const SeenView& view : views) {
    SCN_CHECK(view.depth.device().is_cpu() && view.depth.scalar_type() == at::kFloat && view.depth.is_contiguous())
        << "SeenView depth must be a contiguous float32 CPU tensor";
    lookups.emplace_back(view);
  }
  const Eigen::Vector3d centre = camera.CenterInWorld();
  // The mesh itself when it is already contiguous float32 on the CPU (no copy).
  at::Tensor cpu = mesh.vertices.to(at::kCPU, at::kFloat).contiguous();
  float* vertices = cpu.data_ptr<float>() + 3 * first_vertex;
  std::vector<uint8_t> moved(nv, 0);
  at::parallel_for(0, nv, 2048, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      float* v = vertices + 3 * i;
      Eigen::Vector3d p(v[0], v[1], v[2]);
      for (int pass = 0; pass < 3; ++pass) {
        const double factor = MaxPushFactor(p, lookups);
        if (factor <= 1.0) break;
        moved[i] = 1;
        p = centre + (p - centre) * std::min(factor, 100.0);
      }
      if (moved[i])
        for (int j = 0; j < 3; ++j) v[j] = static_cast<float>(p[j]);
    }
  });
  for (uint8_t m : moved) stats.pushed_vertices += m;
  if (stats.pushed_vertices > 0 && !cpu.is_same(mesh.vertices)) mesh.vertices.copy_(cpu);

  const int64_t nf = mesh.NumFaces() - first_face;
  if (nf <= 0) return stats;
  // New faces whose centroid an earlier view still sees in front of its surface.
  const at::Tensor faces = mesh.faces.narrow(0, first_face, nf).to(at::kLong).contiguous();
  const int64_t* f = faces.data_ptr<int64_t>();
  const float* all = cpu.data_ptr<float>();
  at::Tensor keep = at::empty({nf}, at::kBool);
  bool* k = keep.data_ptr<bool>();
  at::parallel_for(0, nf, 2048, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      Eigen::Vector3d c = Eigen::Vector3d::Zero();
      for (int j = 0; j < 3; ++j) c += Eigen::Map<const Eigen::Vector3f>(all + 3 * f[3 * i + j]).cast<double>();
      k[i] = MaxPushFactor(c / 3.0, lookups) <= 1.0;
    }
  });
  stats.dropped_faces = nf - keep.sum().item<int64_t>();
  if (stats.dropped_faces > 0)
    mesh.faces =
        at::cat({mesh.faces.narrow(0, 0, first_face), mesh.faces.narrow(0, first_face, nf).index({keep})}).contiguous();
  return stats;
}

}  // namespace scenescape
