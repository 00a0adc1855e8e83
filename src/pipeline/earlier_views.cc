#include "scenescape/pipeline/earlier_views.h"

#include <ATen/ATen.h>

#include <limits>

#include "scenescape/core/check.h"

namespace scenescape {
namespace {

// For points [n,3] float64 in world: the factor (>= 1) by which each must
// move away from the new frame's camera along its ray to lie behind what
// `view` saw, 1 where it hides nothing.
at::Tensor PushFactor(const at::Tensor& points, const SeenView& view) {
  const Eigen::Matrix4d& m = view.camera.cam_from_world;
  const at::Tensor r = at::empty({3, 3}, at::kDouble), t = at::empty({3}, at::kDouble);
  for (int i = 0; i < 3; ++i) {
    t[i] = m(i, 3);
    for (int j = 0; j < 3; ++j) r[i][j] = m(i, j);
  }
  const at::Tensor p = points.to(at::kDouble);
  const at::Tensor pc = at::matmul(p, r.t()) + t;
  const at::Tensor z = pc.select(1, 2);
  const Intrinsics& k = view.camera.intrinsics;
  const at::Tensor zs = z.clamp_min(1e-9);
  const at::Tensor u = (pc.select(1, 0) / zs * k.fx + k.cx) / kViewPool;
  const at::Tensor v = (pc.select(1, 1) / zs * k.fy + k.cy) / kViewPool;
  const int64_t h = view.depth.size(0), w = view.depth.size(1);
  const at::Tensor inside = (z > 1e-9) & (u >= 0) & (v >= 0) & (u < w) & (v < h);
  const at::Tensor iu = u.clamp(0, w - 1).to(at::kLong), iv = v.clamp(0, h - 1).to(at::kLong);
  const at::Tensor seen = view.depth.to(at::kDouble).reshape({-1}).index_select(0, iv * w + iu);
  const at::Tensor hides = inside & (seen > 0) & (z < seen * (1.0 - kOcclusionMargin));
  // Moving a point away from `centre` by f moves it away from the view's camera
  // by about f too when the two cameras are close; the passes correct the rest.
  const at::Tensor factor = seen * (1.0 + kOcclusionMargin) / zs;
  return at::where(hides, factor, at::ones_like(factor));
}

at::Tensor Hiding(const at::Tensor& points, const std::vector<SeenView>& views) {
  at::Tensor any = at::zeros({points.size(0)}, at::kBool);
  for (const SeenView& view : views) any |= PushFactor(points, view) > 1.0;
  return any;
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
  const Eigen::Vector3d c = camera.CenterInWorld();
  const at::Tensor centre = at::tensor({c.x(), c.y(), c.z()}, at::kDouble);
  at::Tensor p = mesh.vertices.narrow(0, first_vertex, nv).to(at::kDouble);
  at::Tensor moved = at::zeros({nv}, at::kBool);
  for (int pass = 0; pass < 3; ++pass) {
    at::Tensor factor = at::ones({nv}, at::kDouble);
    for (const SeenView& view : views) factor = at::maximum(factor, PushFactor(p, view));
    const at::Tensor push = factor > 1.0;
    if (!push.any().item<bool>()) break;
    moved |= push;
    p = centre + (p - centre) * factor.clamp_max(100.0).unsqueeze(1);
  }
  stats.pushed_vertices = moved.sum().item<int64_t>();
  if (stats.pushed_vertices > 0) mesh.vertices.narrow(0, first_vertex, nv).copy_(p.to(at::kFloat));

  const int64_t nf = mesh.NumFaces() - first_face;
  if (nf <= 0) return stats;
  const at::Tensor faces = mesh.faces.narrow(0, first_face, nf).to(at::kLong);
  const at::Tensor centroids = mesh.vertices.index_select(0, faces.reshape({-1})).reshape({nf, 3, 3}).mean(1);
  const at::Tensor keep = ~Hiding(centroids.to(at::kDouble), views);
  stats.dropped_faces = nf - keep.sum().item<int64_t>();
  if (stats.dropped_faces > 0)
    mesh.faces =
        at::cat({mesh.faces.narrow(0, 0, first_face), mesh.faces.narrow(0, first_face, nf).index({keep})}).contiguous();
  return stats;
}

}  // namespace scenescape
