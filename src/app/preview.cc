#include "scenescape/app/preview.h"

#include <ATen/ATen.h>

#include <cmath>

#include "run_files.h"
#include "scenescape/classical/depth.h"
#include "scenescape/core/check.h"
#include "scenescape/core/fs.h"
#include "scenescape/core/logging.h"
#include "scenescape/core/timer.h"
#include "scenescape/io/image_io.h"
#include "scenescape/io/video_io.h"
#include "scenescape/mesh/mesh_builder.h"
#include "scenescape/render/rasterizer.h"
#include "scenescape/synth/procedural_room.h"

namespace scenescape {
namespace fs = std::filesystem;

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
  return Mesh{at::cat({a.vertices, b.vertices}).contiguous(), at::cat({a.colors, b.colors}).contiguous(),
              at::cat({a.faces, b.faces + static_cast<int>(a.NumVertices())}).contiguous()};
}

}  // namespace

void RunDryRun(const GenerateRequest& request) {
  Config config = request.config;
  const fs::path& out = request.out_dir;
  const Timer clock;
  const at::Tensor image = PrepareStartImage(config);
  GeneratorOptions options = config.ToGeneratorOptions();
  Camera first;
  first.intrinsics = options.intrinsics;
  FrameContext ctx;
  ctx.camera = first;
  BoxDepthEstimator depth_estimator;
  const at::Tensor depth = depth_estimator.Estimate(image, at::Tensor(), ctx);
  const double median = depth.median().item<double>();
  const bool track = options.trajectory.type == "file" && LooksLikeCameraTrack(options.trajectory.file);
  const std::vector<PathFrame> path =
      track ? InterpolateKeyframePath(TrackToKeyframePath(ReadCameraTrack(options.trajectory.file)),
                                      Eigen::Matrix4d::Identity(), median, options.frames)
            : ComputePath(options.trajectory, Eigen::Matrix4d::Identity(), median, options.frames, options.seed);
  first.cam_from_world = path[0].cam_from_world;
  Mesh proxy = Mesh::Empty();
  AddFrameToMesh(proxy, image, depth, at::ones({image.size(0), image.size(1)}, at::kBool), at::Tensor(), first,
                 options.meshing);
  // The floor sits below the first camera at the height of the lowest image
  // row's geometry (or half the median depth), in the first camera's frame.
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

  EnsureWritableDir(out / "preview");
  std::vector<fs::path> files;
  nlohmann::json cameras = nlohmann::json::array();
  for (int i = 0; i < options.frames; ++i) {
    Camera cam;
    cam.intrinsics = path[i].fov_deg ? Intrinsics::FromHorizontalFov(options.intrinsics.width,
                                                                     options.intrinsics.height, *path[i].fov_deg)
                                     : options.intrinsics;
    cam.cam_from_world = path[i].cam_from_world;
    const ViewRender view = RenderView(proxy, cam, 1);
    char name[32];
    std::snprintf(name, sizeof(name), "%05d.png", i);
    WriteImagePng(out / "preview" / name, view.rgb);
    files.push_back(out / "preview" / name);
    cameras.push_back(CameraToJson(i, cam));
  }
  WriteVideo(out / "preview.mp4", files, config.output.fps);
  WriteAtomically(out / "cameras.json", nlohmann::json{{"frames", cameras}}.dump(1));
  SCN_LOG_INFO("dry run: {} frames of the path over a proxy scene in {:.1f} s -> {}", options.frames,
               clock.ElapsedSeconds(), (out / "preview.mp4").string());
}

}  // namespace scenescape
