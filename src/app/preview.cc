#include "scenescape/app/preview.h"

#include <ATen/ATen.h>

#include <cmath>

#include "path_render.h"
#include "scenescape/app/run_folder.h"
#include "scenescape/app/run_plan.h"
#include "scenescape/backends/classical/layout.h"
#include "scenescape/core/logging.h"
#include "scenescape/core/timer.h"
#include "scenescape/mesh/mesh_builder.h"

namespace scenescape {

namespace {

// A square floor plane at camera-frame height `y` (y down), `half` wide, with a
// grid every `step`: light tiles, dark soft lines.
Mesh FloorGrid(double y, double half, double step) {
  const int n = 241;
  const at::Tensor t = at::linspace(-half, half, n, at::kFloat);
  const at::Tensor x = t.unsqueeze(0).expand({n, n});
  const at::Tensor z = t.unsqueeze(1).expand({n, n});
  const at::Tensor points = at::stack({x, at::full_like(x, y), z}, -1).contiguous();
  const auto line = [&](const at::Tensor& v) { return at::pow(at::cos(v * (M_PI / step)).abs(), 40.0); };
  const at::Tensor shade = 0.85f - 0.6f * at::maximum(line(x), line(z));
  const at::Tensor colors = at::stack({shade * 0.9f, shade * 0.95f, shade}, -1).contiguous();
  return GridMesh(points, colors, at::ones({n, n}, at::kBool));
}

Mesh Concatenate(const Mesh& a, const Mesh& b) {
  return Mesh{at::cat({a.vertices, b.vertices}).contiguous(),
              at::cat({a.colors, b.colors}).contiguous(),
              at::cat({a.faces, b.faces + static_cast<int>(a.NumVertices())}).contiguous()};
}

}  // namespace

void RunDryRun(const GenerateRequest& request) {
  const Timer clock;
  const RunPlan plan = ResolveRun(request.config, StartImage::kPreview);
  ApplyRuntime(plan);
  const Config& config = plan.config;
  const at::Tensor& image = plan.start_image;
  Camera first;
  first.intrinsics = config.camera.ToIntrinsics();
  FrameContext ctx;
  ctx.camera = first;
  LayoutDepthEstimator depth_estimator;
  const at::Tensor depth = depth_estimator.Estimate(image, at::Tensor(), ctx);
  const double median = depth.median().item<double>();
  const std::vector<PathFrame> path =
      ComputePath(plan.path, Eigen::Matrix4d::Identity(), median, config.frames, config.seed);
  first.cam_from_world = path[0].cam_from_world;
  Mesh proxy = Mesh::Empty();
  AddFrameToMesh(
      proxy, image, depth, at::ones({image.size(0), image.size(1)}, at::kBool), at::Tensor(), first, config.mesh);
  // A floor grid half a median depth below the first camera, in its frame,
  // makes the motion readable where the first frame's mesh ends.
  const Eigen::Matrix4d world_from_first = first.WorldFromCam();
  Mesh floor = FloorGrid(0.5 * median, 30.0 * median, 0.5 * median);
  const at::Tensor r = at::empty({3, 3}, at::kFloat);
  const at::Tensor tr = at::empty({3}, at::kFloat);
  for (int i = 0; i < 3; ++i) {
    tr[i] = static_cast<float>(world_from_first(i, 3));
    for (int j = 0; j < 3; ++j) r[i][j] = static_cast<float>(world_from_first(i, j));
  }
  floor.vertices = (at::matmul(floor.vertices, r.t()) + tr).contiguous();
  proxy = Concatenate(proxy, floor);
  PathRenderOutput output{
      request.out_dir, "preview", "preview.mp4", config.output.fps, RunFolder::DepthPngScale(config.output, median)};
  RenderAlongPath(proxy, path, first.intrinsics, 1, output);
  SCN_LOG_INFO("dry run: {} frames of the path over a proxy scene in {:.1f} s -> {}",
               config.frames,
               clock.ElapsedSeconds(),
               (request.out_dir / "preview.mp4").string());
}

}  // namespace scenescape
