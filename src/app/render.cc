#include "scenescape/app/render.h"

#include <ATen/ATen.h>

#include "path_render.h"
#include "scenescape/app/run_folder.h"
#include "scenescape/app/run_plan.h"
#include "scenescape/core/check.h"
#include "scenescape/core/logging.h"
#include "scenescape/core/timer.h"
#include "scenescape/mesh/mesh_io.h"
#include "scenescape/render/rasterizer.h"

namespace scenescape {
namespace fs = std::filesystem;

void RunRender(const RenderRequest& request) {
  const Timer clock;
  const RunFolder folder(request.run_dir);
  const RunRecord record = folder.ReadRecord();
  if (record.status != "complete")
    throw InputError(folder.dir().string() + ": the run is not complete (resume it first: --resume " +
                     folder.dir().string() + ")");
  Config config = record.config;
  if (!request.trajectory.empty()) {
    config.trajectory = TrajectoryOptions();  // the run's motion settings belong to its own path
    ApplyTrajectoryArgument(config.trajectory, request.trajectory, "render --trajectory");
  }
  if (request.frames > 0) config.frames = request.frames;
  const CameraPath camera_path = ResolveCameraPath(config.trajectory, nullptr);
  const Mesh mesh = ReadPly(folder.File("mesh.ply"));
  const CamerasRecord cameras = RunFolder::ReadCameras(folder.File("cameras.json"));
  if (cameras.cameras.empty()) throw InputError(folder.File("cameras.json").string() + ": frames: no camera");
  const Camera& first = cameras.cameras.front();
  // Steps scale with frame 0's median depth: the run's own value (state/), else
  // read off the mesh seen from the first camera.
  double median = folder.SavedMedianDepth0().value_or(0.0);
  if (median <= 0.0) {
    const ViewRender view0 = RenderView(mesh, first, 1);
    SCN_CHECK(view0.valid.any().item<bool>()) << "the mesh is not visible from the run's first camera";
    median = view0.depth.index({view0.valid}).median().item<double>();
  }
  const std::vector<PathFrame> path =
      ComputePath(camera_path, Eigen::Matrix4d::Identity(), median, config.frames, config.seed);
  const fs::path out =
      request.out_dir.empty() ? folder.dir() / ("render_" + OptionName(config.trajectory.type)) : request.out_dir;
  PathRenderOutput output{out,
                          "frames",
                          "video.mp4",
                          config.output.fps,
                          cameras.depth_png_scale.value_or(RunFolder::DepthPngScale(config.output, median))};
  RenderAlongPath(mesh, path, first.intrinsics, request.supersample, output);
  SCN_LOG_INFO("rendered the scene of {} along {} frames in {:.1f} s -> {}",
               folder.dir().string(),
               path.size(),
               clock.ElapsedSeconds(),
               out.string());
}

}  // namespace scenescape
