#include "scenescape/app/run_plan.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include <cmath>
#include <filesystem>

#include "scenescape/backends/classical/focal.h"
#include "scenescape/backends/torch/torch_backend.h"
#include "scenescape/core/check.h"
#include "scenescape/core/logging.h"
#include "scenescape/io/camera_formats.h"
#include "scenescape/io/image_io.h"
#include "scenescape/io/opencv_convert.h"
#include "scenescape/synth/procedural_room.h"

namespace scenescape {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

double FovDeg(int width, double focal_length) { return 2.0 * std::atan(0.5 * width / focal_length) * 180.0 / M_PI; }

// A keyframe document (geometry/trajectory.h format: absolute units, one keyframe
// per camera with its cam_from_world and fov, linear interpolation) that
// reproduces `track` exactly. The run parses this text, and keeps it as
// trajectory.json for resume, so both read the same numbers.
std::string TrackKeyframeDocument(const CameraTrack& track) {
  json keyframes = json::array();
  for (size_t i = 0; i < track.cameras.size(); ++i) {
    const Camera& cam = track.cameras[i];
    json matrix = json::array();
    for (int r = 0; r < 4; ++r)
      for (int c = 0; c < 4; ++c) matrix.push_back(cam.cam_from_world(r, c));
    keyframes.push_back(
        {{"frame", static_cast<int>(i)}, {"cam_from_world", matrix}, {"fov_deg", cam.intrinsics.HorizontalFovDeg()}});
  }
  const json doc = {{"description", "camera track imported by scenescape (one keyframe per camera)"},
                    {"interpolation", "linear"},
                    {"units", "absolute"},
                    {"keyframes", keyframes}};
  return doc.dump(1);
}

Backend ResolveBackend(const Config& config) {
  if (config.backend != Backend::kAuto) return config.backend;
  return config.models.empty() ? Backend::kClassical : Backend::kTorch;
}

DeviceSetting ResolveDeviceSetting(const DeviceSetting& setting) {
  const c10::Device device = ResolveDevice(setting);
  if (device.is_cuda()) return {DeviceSetting::Kind::kCuda, device.index()};
  return {DeviceSetting::Kind::kCpu, -1};
}

// Frame 0's image and the camera options with "auto" decided.
struct StartFrame {
  at::Tensor image;      // [H,W,3] float32 in [0,1]
  CameraOptions camera;  // fov never "auto"
  FovDecision fov;
};

// The photo (centre-cropped and resized to the frame size) or the built-in
// room; camera.fov "auto" becomes the photo's estimated focal length, else
// (no photo, or no estimate) the configured one.
StartFrame PrepareStartImage(const Config& config) {
  StartFrame start{at::Tensor(), config.camera, FovDecision()};
  CameraOptions& camera = start.camera;
  if (config.init_image.empty()) {
    SCN_LOG_INFO("no --init-image: starting from the built-in procedural room (a scene the engine renders itself)");
    if (camera.fov.is_auto) {
      SCN_LOG_WARN("--fov auto needs --init-image; using the configured focal length");
      camera.fov = AutoNumber{};
      start.fov = {"fallback", "--fov auto needs --init-image", 0.0};
    }
    start.fov.focal_length_px = camera.ToIntrinsics().fx;
    Camera first;
    first.intrinsics = camera.ToIntrinsics();
    start.image = RenderTruth(MakeProceduralRoom(), first).rgb;
    return start;
  }
  const at::Tensor photo = ReadImage(config.init_image);
  const CropResizeResult fitted = CenterCropResize(photo, camera.width, camera.height);
  if (camera.fov.is_auto) {
    std::string reason;
    const std::optional<double> f = EstimateFocalLength(TensorToMat(photo), {}, &reason);
    if (f) {
      // The focal length scales with the resize of the crop.
      camera.focal_length = *f * fitted.scale_x;
      SCN_LOG_INFO("--fov auto: focal length {:.1f} px in the photo, {:.1f} px at {}x{} ({:.1f} deg)",
                   *f,
                   camera.focal_length,
                   camera.width,
                   camera.height,
                   FovDeg(camera.width, camera.focal_length));
      start.fov = {"estimated", reason, 0.0};
    } else {
      SCN_LOG_WARN("--fov auto: {}; using the default {:.1f} deg field of view",
                   reason,
                   FovDeg(camera.width, camera.focal_length));
      start.fov = {"fallback", reason, 0.0};
    }
    camera.fov = AutoNumber{};
  }
  start.fov.focal_length_px = camera.ToIntrinsics().fx;
  start.image = fitted.image;
  return start;
}

}  // namespace

CameraPath ResolveCameraPath(const TrajectoryOptions& trajectory, std::string* imported) {
  if (trajectory.type == Motion::kFile && LooksLikeCameraTrack(trajectory.file)) {
    trajectory.Check();
    const std::string document = TrackKeyframeDocument(ReadCameraTrack(trajectory.file));
    if (imported) *imported = document;
    return CameraPath(trajectory, ParseKeyframePath(document, trajectory.file));
  }
  return LoadCameraPath(trajectory);
}

RunPlan ResolveRun(const Config& config, StartImage start) {
  RunPlan plan;
  plan.config = config;
  Config& c = plan.config;
  c.backend = ResolveBackend(config);
  c.device = ResolveDeviceSetting(config.device);
  plan.threads = ResolveThreads(config.threads);
  if (c.backend == Backend::kOracle && !c.init_image.empty())
    throw InputError("--backend oracle renders the built-in room; it takes no --init-image");
  if (!c.init_image.empty() && !fs::exists(c.init_image)) throw InputError(c.init_image + ": image not found");
  plan.path = ResolveCameraPath(c.trajectory, &plan.imported_path);
  // The torch back end makes frame 0 from the prompt when no photo is given.
  const bool from_prompt = c.backend == Backend::kTorch && c.init_image.empty();
  if (start == StartImage::kPreview || (start == StartImage::kGeneration && !from_prompt)) {
    StartFrame frame = PrepareStartImage(c);
    plan.start_image = frame.image;
    plan.fov = frame.fov;
    c.camera = frame.camera;
  } else if (c.camera.fov.is_auto) {
    SCN_LOG_WARN("--fov auto needs --init-image; using the configured focal length");
    c.camera.fov = AutoNumber{};
    plan.fov = {"fallback", "--fov auto needs --init-image", 0.0};
  }
  if (plan.fov.focal_length_px <= 0) plan.fov.focal_length_px = c.camera.ToIntrinsics().fx;
  CheckConfig(c, "resolved config");
  return plan;
}

void ApplyRuntime(const RunPlan& plan) {
  // OpenCV's TBB pool and LibTorch's OpenMP pool busy-wait against each other on
  // few cores (measured: the mesh stage went from 17 ms to 1.1 s per frame on 2
  // cores); OpenCV's share of the work is small, so it runs on the calling thread.
  cv::setNumThreads(1);
  at::set_num_threads(plan.threads);
}

}  // namespace scenescape
