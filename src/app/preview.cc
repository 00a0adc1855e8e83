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
#include "scenescape/mesh/mesh_io.h"
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


// The run's camera path: a built-in motion, a keyframe file, or an imported
// camera track (transforms.json / COLMAP), for frame-0 median depth `median`.
std::vector<PathFrame> RunPath(const GeneratorOptions& options, double median) {
  const TrajectoryOptions& t = options.trajectory;
  if (t.type == "file" && LooksLikeCameraTrack(t.file))
    return InterpolateKeyframePath(TrackToKeyframePath(ReadCameraTrack(t.file)), Eigen::Matrix4d::Identity(), median,
                                   options.frames);
  return ComputePath(t, Eigen::Matrix4d::Identity(), median, options.frames, options.seed);
}

// Renders `mesh` along `path` into out/<frames_dir>/00000.png..., out/<video>
// and out/cameras.json.
void RenderPath(const Mesh& mesh, const std::vector<PathFrame>& path, const Intrinsics& intrinsics, int supersample,
                double fps, const fs::path& out, const std::string& frames_dir, const std::string& video) {
  EnsureWritableDir(out / frames_dir);
  std::vector<fs::path> files;
  nlohmann::json cameras = nlohmann::json::array();
  for (size_t i = 0; i < path.size(); ++i) {
    Camera cam;
    cam.intrinsics = path[i].fov_deg
                         ? Intrinsics::FromHorizontalFov(intrinsics.width, intrinsics.height, *path[i].fov_deg)
                         : intrinsics;
    cam.cam_from_world = path[i].cam_from_world;
    const ViewRender view = RenderView(mesh, cam, supersample);
    char name[32];
    std::snprintf(name, sizeof(name), "%05zu.png", i);
    WriteImagePng(out / frames_dir / name, view.rgb);
    files.push_back(out / frames_dir / name);
    cameras.push_back(CameraToJson(static_cast<int>(i), cam));
  }
  WriteVideo(out / video, files, fps);
  WriteAtomically(out / "cameras.json", nlohmann::json{{"frames", cameras}}.dump(1));
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
  const std::vector<PathFrame> path = RunPath(options, median);
  first.cam_from_world = path[0].cam_from_world;
  Mesh proxy = Mesh::Empty();
  AddFrameToMesh(proxy, image, depth, at::ones({image.size(0), image.size(1)}, at::kBool), at::Tensor(), first,
                 options.meshing);
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
  RenderPath(proxy, path, options.intrinsics, 1, config.output.fps, out, "preview", "preview.mp4");
  SCN_LOG_INFO("dry run: {} frames of the path over a proxy scene in {:.1f} s -> {}", options.frames,
               clock.ElapsedSeconds(), (out / "preview.mp4").string());
}

void RunRender(const RenderRequest& request) {
  const fs::path& dir = request.run_dir;
  const Timer clock;
  if (!fs::exists(dir / "run.json")) throw InputError(dir.string() + ": not a scenescape run folder (no run.json)");
  nlohmann::json run;
  try {
    run = nlohmann::json::parse(ReadFile(dir / "run.json"));
  } catch (const nlohmann::json::exception& e) {
    throw InputError((dir / "run.json").string() + ": not valid JSON (" + e.what() + ")");
  }
  if (run.value("status", "") != "complete")
    throw InputError(dir.string() + ": the run is not complete (resume it first: --resume " + dir.string() + ")");
  Config config = ConfigFromJson(run.at("config"), (dir / "run.json").string() + " config");
  if (!request.trajectory.empty()) {
    config.trajectory = TrajectoryOptions();  // the run's motion settings belong to its own path
    ApplyTrajectoryArgument(config.trajectory, request.trajectory, "render --trajectory");
  }
  if (request.frames > 0) config.frames = request.frames;
  const Mesh mesh = ReadPly(dir / "mesh.ply");
  const nlohmann::json cams = nlohmann::json::parse(ReadFile(dir / "cameras.json"));
  const Camera first = CameraFromJson(cams.at("frames").at(0), dir / "cameras.json");
  // Steps scale with frame 0's median depth: the run's own value (state.json),
  // else read off the mesh seen from the first camera.
  double median = 0.0;
  if (fs::exists(dir / "state" / "state.json"))
    median = nlohmann::json::parse(ReadFile(dir / "state" / "state.json")).value("median_depth0", 0.0);
  if (median <= 0.0) {
    const ViewRender view0 = RenderView(mesh, first, 1);
    SCN_CHECK(view0.valid.any().item<bool>()) << "the mesh is not visible from the run's first camera";
    median = view0.depth.index({view0.valid}).median().item<double>();
  }
  GeneratorOptions options = config.ToGeneratorOptions();
  options.intrinsics = first.intrinsics;
  const std::vector<PathFrame> path = RunPath(options, median);
  const fs::path out = request.out_dir.empty() ? dir / ("render_" + config.trajectory.type) : request.out_dir;
  RenderPath(mesh, path, first.intrinsics, request.supersample, config.output.fps, out, "frames", "video.mp4");
  SCN_LOG_INFO("rendered the scene of {} along {} frames in {:.1f} s -> {}", dir.string(), path.size(),
               clock.ElapsedSeconds(), out.string());
}

}  // namespace scenescape
