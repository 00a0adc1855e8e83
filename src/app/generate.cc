#include "scenescape/app/generate.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <torch/version.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "run_files.h"
#include "scenescape/app/run_state.h"
#include "scenescape/io/camera_formats.h"
#include "scenescape/io/gltf_export.h"
#include "scenescape/app/version.h"
#include "scenescape/classical/depth.h"
#include "scenescape/classical/focal.h"
#include "scenescape/classical/inpaint.h"
#include "scenescape/classical/scorer.h"
#include "scenescape/core/check.h"
#include "scenescape/core/fs.h"
#include "scenescape/core/logging.h"
#include "scenescape/core/timer.h"
#include "scenescape/io/image_io.h"
#include "scenescape/io/opencv_convert.h"
#include "scenescape/io/video_io.h"
#include "scenescape/mesh/mesh_io.h"
#include "scenescape/synth/procedural_room.h"
#include "scenescape/torch_backend/torch_backend.h"

namespace scenescape {
namespace fs = std::filesystem;
using nlohmann::json;

std::string VersionString() { return std::string(kScnVersion) + " (" + kScnGitDescribe + ")"; }

std::string BuildInfo() {
  return fmt::format("scenescape {}\nLibTorch {}  OpenCV {}  CUDA build: {}  CUDA available: {}", VersionString(),
                     TORCH_VERSION, CV_VERSION,
#ifdef SCN_CUDA_ENABLED
                     "yes",
#else
                     "no",
#endif
                     at::hasCUDA() ? "yes" : "no");
}

namespace {

std::string FrameName(int i, const char* suffix = ".png") { return fmt::format("{:05d}{}", i, suffix); }

std::string FormatDuration(double seconds) {
  const int s = static_cast<int>(seconds + 0.5);
  return s >= 3600 ? fmt::format("{}:{:02d}:{:02d}", s / 3600, s / 60 % 60, s % 60)
                   : fmt::format("{}:{:02d}", s / 60, s % 60);
}

// Everything the run writes, in one place, so the layout above stays true.
class RunWriter {
 public:
  // A fresh run, or (first_frame > 0) one that continues the run.json and
  // cameras.json already in `dir`, keeping their first `first_frame` frames.
  RunWriter(fs::path dir, const Config& config, json run, int first_frame = 0)
      : dir_(std::move(dir)), config_(config), run_(std::move(run)) {
    for (const char* sub : {"frames", "depth", "masks", "warped"}) EnsureWritableDir(dir_ / sub);
    if (config_.output.keep_candidates) EnsureWritableDir(dir_ / "candidates");
    run_["status"] = "running";
    if (first_frame == 0) {
      run_["frames"] = json::array();
      return;
    }
    json frames = run_.value("frames", json::array());
    frames.erase(frames.begin() + std::min<size_t>(first_frame, frames.size()), frames.end());
    run_["frames"] = frames;
    depth_scale_ = run_.at("depth_png_scale").get<double>();
    const json cameras = json::parse(ReadFile(dir_ / "cameras.json")).at("frames");
    for (int i = 0; i < first_frame; ++i) {
      cameras_.push_back(cameras.at(i));
      frame_files_.push_back(dir_ / "frames" / FrameName(i));
    }
  }

  json& run() { return run_; }

  // Writes the frame's files, then its resume state, then run.json/cameras.json.
  void Write(const FrameResult& r, const SceneGenerator& generator) {
    if (r.index == 0) {
      depth_scale_ = config_.output.depth_png_scale;
      if (depth_scale_ <= 0) {
        const at::Tensor valid = r.depth > 0;
        depth_scale_ = 4000.0 / r.depth.index({valid}).median().item<double>();
      }
      run_["depth_png_scale"] = depth_scale_;
    }
    const std::string name = FrameName(r.index);
    WriteImagePng(dir_ / "frames" / name, r.image);
    const int64_t clipped = WriteDepthPng16(dir_ / "depth" / name, r.depth, depth_scale_);
    if (clipped > 0) SCN_LOG_DEBUG("frame {}: {} depth values exceed the 16-bit range", r.index, clipped);
    WriteDepthPreview(dir_ / "depth" / FrameName(r.index, "_preview.png"), r.depth);
    WriteMaskPng(dir_ / "masks" / name, r.holes);
    if (r.warped.defined()) WriteImagePng(dir_ / "warped" / name, r.warped);
    if (config_.output.keep_candidates) {
      for (size_t k = 0; k < r.candidates.size(); ++k)
        WriteImagePng(dir_ / "candidates" / fmt::format("{:05d}_{}.png", r.index, k), r.candidates[k]);
    }
    frame_files_.push_back(dir_ / "frames" / name);
    cameras_.push_back(CameraToJson(r.index, r.camera));

    const double hole_fraction = r.holes.to(at::kFloat).mean().item<double>();
    run_["frames"].push_back({{"index", r.index},
                              {"prompt", r.prompt},
                              {"timings_ms", r.timings_ms},
                              {"diagnostics", r.diagnostics},
                              {"scores", r.scores},
                              {"chosen", r.chosen},
                              {"generated_fraction", hole_fraction},
                              {"new_vertices", r.mesh_update.new_vertices},
                              {"new_faces", r.mesh_update.new_faces},
                              {"removed_stretched_faces", r.mesh_update.removed_stretched},
                              {"mesh_vertices", r.mesh_vertices},
                              {"mesh_faces", r.mesh_faces}});
    const GeneratorState state = generator.State();
    SaveFrameData(dir_, r.index, state.mesh, r.mesh_update.new_vertices, r.mesh_update.new_faces, r.depth);
    WriteCameras();
    WriteRun();
    CommitFrameState(dir_, r.index, state.mesh, r.depth, state.median_depth0);
  }

  void Finish(const Mesh& mesh, double seconds) {
    Timer t;
    WritePly(dir_ / "mesh.ply", mesh);
    if (config_.output.write_obj) WriteObj(dir_ / "mesh.obj", mesh);
    if (config_.output.write_glb) WriteGlb(dir_ / "mesh.glb", mesh);
    CameraTrack track;
    for (const json& c : cameras_) track.cameras.push_back(CameraFromJson(c, dir_ / "cameras.json"));
    WriteTransformsJson(dir_ / "transforms.json", track);
    EnsureWritableDir(dir_ / "colmap");
    WriteColmapText(dir_ / "colmap", track);
    const std::string codec = WriteVideo(dir_ / "video.mp4", frame_files_, config_.output.fps);
    if (config_.output.reverse_video) {
      std::vector<fs::path> reversed(frame_files_.rbegin(), frame_files_.rend());
      WriteVideo(dir_ / "video_reverse.mp4", reversed, config_.output.fps);
    }
    SCN_LOG_INFO("wrote mesh ({} vertices, {} faces) and video ({}) in {:.1f} s", mesh.NumVertices(),
                 mesh.NumFaces(), codec, t.ElapsedSeconds());
    run_["video_codec"] = codec;
    run_["mesh"] = {{"vertices", mesh.NumVertices()}, {"faces", mesh.NumFaces()}};
    run_["seconds"] = seconds;
    run_["status"] = "complete";
    WriteRun();
  }

 private:
  void WriteCameras() {
    WriteAtomically(dir_ / "cameras.json",
                    json{{"convention",
                          "OpenCV pinhole: x right, y down, z forward; pixel centres at +0.5; "
                          "cam_from_world maps world points to camera points (column vectors), row-major"},
                         {"depth_png_scale", depth_scale_},
                         {"frames", cameras_}}
                        .dump(1));
  }
  void WriteRun() { WriteAtomically(dir_ / "run.json", run_.dump(1)); }

  fs::path dir_;
  const Config& config_;
  json run_;
  json cameras_ = json::array();
  std::vector<fs::path> frame_files_;
  double depth_scale_ = 0.0;
};


}  // namespace

namespace {

void SetUpRuntime(const Config& config) {
  // OpenCV's TBB pool and LibTorch's OpenMP pool busy-wait against each other on
  // few cores (measured: the mesh stage went from 17 ms to 1.1 s per frame on 2
  // cores); OpenCV's share of the work is small, so it runs on the calling thread.
  cv::setNumThreads(1);
  // threads = 0: OMP_NUM_THREADS when set (schedulers such as Slurm set it to the
  // job's CPUs), else every core.
  int threads = config.threads;
  if (threads <= 0 && std::getenv("OMP_NUM_THREADS")) threads = std::atoi(std::getenv("OMP_NUM_THREADS"));
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(threads);
  if (config.device.rfind("cuda", 0) == 0 && !at::hasCUDA())
    throw ResourceError("--device " + config.device + ": CUDA is not available in this LibTorch build");
  if (config.trajectory.type == "file") CheckTrajectoryFile(config.trajectory.file);
}

std::string ResolvedBackend(const Config& config) {
  if (config.backend == "auto") return config.models.empty() ? "classical" : "torch";
  return config.backend;
}

// Loads the back end's models and checks them before any output is written.
Stages MakeStages(const Config& config, std::string* description = nullptr) {
  Stages stages;
  if (ResolvedBackend(config) == "torch") {
    TorchBackendOptions options;
    options.models_dir = config.models;
    options.device = config.device;
    options.sampler = config.sampler;
    options.steps = config.steps;
    options.guidance_scale = config.guidance_scale;
    options.canvas_border = config.canvas_border;
    options.finetune = config.finetune;
    const TorchBackend backend = MakeTorchBackend(options);
    stages.depth = backend.depth;
    stages.inpainter = backend.inpainter;
    stages.scorer = backend.scorer;
    stages.hole_filler = std::make_shared<TeleaHoleFiller>();
    if (description) *description = backend.description;
    return stages;
  }
  if (config.backend == "oracle") {
    const Mesh room = MakeProceduralRoom();
    stages.depth = std::make_shared<OracleDepth>(room);
    if (config.oracle_depth_noise > 0)
      stages.depth = std::make_shared<NoisyDepth>(stages.depth, config.oracle_depth_noise);
    stages.inpainter = std::make_shared<OracleInpainter>(room);
    stages.scorer = std::make_shared<SeamScorer>();
    stages.hole_filler = std::make_shared<TeleaHoleFiller>();
    if (description) *description = "oracle (engine self-test: ground truth of the procedural room)";
    return stages;
  }
  if (description) *description = "classical (no learned weights: box-model depth, OpenCV inpainting, seam scorer)";
  stages.depth = std::make_shared<BoxDepthEstimator>();
  stages.inpainter = std::make_shared<OpenCvInpainter>();
  stages.scorer = std::make_shared<SeamScorer>();
  stages.hole_filler = std::make_shared<TeleaHoleFiller>();
  return stages;
}

json BackendJson(const Config& config, const Stages& stages) {
  return {{"name", ResolvedBackend(config)},
          {"depth", stages.depth->Name()},
          {"inpainter", stages.inpainter->Name()},
          {"scorer", stages.scorer->Name()}};
}

// Per-frame progress: a log line (frame i/N, stage times, ETA) and, with
// --progress json, one JSON object per line on stdout for schedulers and GUIs:
//   {"event":"frame","frame":i,"frames":N,"ms":...,"eta_s":...,"generated":...,
//    "mesh_faces":...,"chosen":k,"score":...}   then   {"event":"done",...}
class FrameReporter {
 public:
  FrameReporter(int frames, int first_frame, bool json) : frames_(frames), first_(first_frame), json_(json) {}

  void Frame(const FrameResult& fr) {
    const int done = fr.index + 1 - first_;
    const double eta = clock_.ElapsedSeconds() / std::max(1, done) * (frames_ - fr.index - 1);
    const double generated = fr.holes.to(at::kFloat).mean().item<double>();
    std::string stages_ms;
    for (const auto& [stage, ms] : fr.timings_ms)
      if (stage != "total") stages_ms += fmt::format(" {}={:.0f}", stage, ms);
    SCN_LOG_INFO("frame {}/{} | {:.0f} ms ({}) | generated {:.1f}% | mesh {} faces | ETA {}", fr.index + 1, frames_,
                 fr.timings_ms.at("total"), stages_ms.empty() ? "" : stages_ms.substr(1), 100.0 * generated,
                 fr.mesh_faces, FormatDuration(eta));
    if (json_) {
      const double score = fr.scores.empty() ? 0.0 : fr.scores.at(fr.chosen);
      Emit({{"event", "frame"},        {"frame", fr.index},       {"frames", frames_},
            {"ms", fr.timings_ms.at("total")}, {"eta_s", eta}, {"generated", generated},
            {"mesh_faces", fr.mesh_faces}, {"chosen", fr.chosen}, {"score", score}});
    }
  }

  void Done(const fs::path& out) {
    SCN_LOG_INFO("done: {} frames in {} -> {}", frames_, FormatDuration(clock_.ElapsedSeconds()), out.string());
    if (json_) Emit({{"event", "done"}, {"frames", frames_}, {"seconds", clock_.ElapsedSeconds()}, {"out", out.string()}});
  }

  double Seconds() const { return clock_.ElapsedSeconds(); }

 private:
  static void Emit(const json& event) {
    std::printf("%s\n", event.dump().c_str());
    std::fflush(stdout);
  }
  int frames_;
  int first_;
  bool json_;
  Timer clock_;
};

// Runs frames until the generator is done, writing each, then the final products.
void RunFrames(SceneGenerator& generator, RunWriter& writer, const fs::path& out, FrameReporter& reporter) {
  while (!generator.Done()) {
    const FrameResult r = generator.Next();
    writer.Write(r, generator);
    reporter.Frame(r);
  }
  writer.Finish(generator.mesh(), reporter.Seconds());
  reporter.Done(out);
  CloseLogFile();
}

}  // namespace

at::Tensor PrepareStartImage(Config& config) {
  if (config.backend == "oracle" && !config.init_image.empty())
    throw InputError("--backend oracle renders the built-in room; it takes no --init-image");
  if (config.init_image.empty()) {
    SCN_LOG_INFO("no --init-image: starting from the built-in procedural room (a scene the engine renders itself)");
    if (config.fov_auto) SCN_LOG_WARN("--fov auto needs --init-image; using the configured focal length");
    config.fov_auto = false;
    const Mesh room = MakeProceduralRoom();
    Camera start;
    start.intrinsics = config.ToGeneratorOptions().intrinsics;
    return RenderTruth(room, start).rgb;
  }
  const at::Tensor photo = ReadImage(config.init_image);
  const CropResizeResult fitted = CenterCropResize(photo, config.width, config.height);
  if (config.fov_auto) {
    std::string reason;
    const std::optional<double> f = EstimateFocalLength(TensorToMat(photo), {}, &reason);
    if (f) {
      // The focal length scales with the resize of the crop.
      config.focal_length = *f * fitted.scale_x;
      config.fov_deg.reset();
      SCN_LOG_INFO("--fov auto: focal length {:.1f} px in the photo, {:.1f} px at {}x{} ({:.1f} deg)", *f,
                   config.focal_length, config.width, config.height,
                   2.0 * std::atan(0.5 * config.width / config.focal_length) * 180.0 / M_PI);
    } else {
      SCN_LOG_WARN("--fov auto: {}; using the default {:.1f} deg field of view", reason,
                   2.0 * std::atan(0.5 * config.width / config.focal_length) * 180.0 / M_PI);
    }
    config.fov_auto = false;
  }
  return fitted.image;
}

void RunGenerate(const GenerateRequest& request) {
  Config config = request.config;
  const fs::path& out = request.out_dir;
  if (fs::exists(out / "run.json") && !request.overwrite)
    throw InputError(out.string() + ": already holds a run (run.json); choose another --out, --resume it, or pass --overwrite");
  // Inputs are read and checked before anything is written, so bad input leaves no output.
  SetUpRuntime(config);
  std::string backend_description;
  const Stages stages = MakeStages(config, &backend_description);
  // The torch back end makes frame 0 from the prompt when no photo is given.
  const bool from_text = ResolvedBackend(config) == "torch" && config.init_image.empty();
  const at::Tensor start = from_text ? at::Tensor() : PrepareStartImage(config);
  std::optional<CameraTrack> track;
  if (config.trajectory.type == "file" && LooksLikeCameraTrack(config.trajectory.file))
    track = ReadCameraTrack(config.trajectory.file);
  EnsureWritableDir(out);
  if (track) {
    // The run keeps its own copy of an imported camera path (resume needs it).
    const fs::path copy = fs::absolute(out / "trajectory.json");
    WriteTrackAsKeyframeFile(copy, *track);
    config.trajectory.file = copy.string();
  }
  if (request.overwrite) RemoveFramesFrom(out, 0);
  if (request.overwrite) fs::remove_all(out / "state");
  SetLogFile(out / "log.txt");
  SCN_LOG_INFO("scenescape {} | back end: {} | {} threads", VersionString(), backend_description,
               at::get_num_threads());
  if (from_text) SCN_LOG_INFO("frame 0 from the prompt: \"{}\"", config.prompt);
  json run = {{"version", VersionString()},
              {"libtorch", TORCH_VERSION},
              {"opencv", CV_VERSION},
              {"command_line", request.command_line},
              {"config", ConfigToJson(config)},
              {"seed", config.seed},
              {"backend", BackendJson(config, stages)}};
  RunWriter writer(out, config, run);
  SceneGenerator generator(config.ToGeneratorOptions(), stages);
  FrameReporter reporter(config.frames, 0, request.progress_json);
  const FrameResult first = generator.Start(start);
  writer.Write(first, generator);
  reporter.Frame(first);
  RunFrames(generator, writer, out, reporter);
}

void RunResume(const ResumeRequest& request) {
  const fs::path& dir = request.run_dir;
  if (!fs::is_directory(dir)) throw InputError(dir.string() + ": no such run folder");
  if (!fs::exists(dir / "run.json"))
    throw InputError(dir.string() + ": not a scenescape run folder (no run.json)");
  json run;
  try {
    run = json::parse(ReadFile(dir / "run.json"));
  } catch (const json::exception& e) {
    throw InputError((dir / "run.json").string() + ": not valid JSON (" + e.what() + ")");
  }
  if (!run.contains("config") || !run.contains("status"))
    throw InputError((dir / "run.json").string() + ": not a scenescape run record (no config/status)");
  Config config = ConfigFromJson(run["config"], (dir / "run.json").string() + " config");
  GeneratorOptions options = config.ToGeneratorOptions();
  if (run.contains("reseed")) {
    options.reseed_from = run["reseed"].at("from").get<int>();
    options.reseed_to = run["reseed"].at("to").get<int>();
    options.reseed = run["reseed"].at("seed").get<uint64_t>();
  }
  const int saved = SavedNextIndex(dir);
  int next = saved;
  if (request.redo_from >= 0) {
    if (request.redo_from < 1)
      throw InputError("--redo-frames: frame 0 cannot be redone (it is the starting image); start a new run");
    if (request.redo_from >= saved)
      throw InputError(fmt::format("--redo-frames {}-{}: {} holds frames 0-{} only", request.redo_from,
                                   request.redo_to, dir.string(), saved - 1));
    next = request.redo_from;
    if (request.redo_seed) {
      options.reseed_from = request.redo_from;
      options.reseed_to = request.redo_to;
      options.reseed = *request.redo_seed;
      run["reseed"] = {{"from", request.redo_from}, {"to", request.redo_to}, {"seed", *request.redo_seed}};
    }
  } else if (run["status"] == "complete") {
    SCN_LOG_INFO("{}: the run is already complete ({} frames)", dir.string(), config.frames);
    return;
  }
  SetUpRuntime(config);
  if (next == 0) {
    // Not even frame 0 finished: start over in the same folder.
    SCN_LOG_INFO("{}: no finished frame, starting the run again", dir.string());
    GenerateRequest fresh;
    fresh.config = config;
    fresh.out_dir = dir;
    fresh.command_line = run.value("command_line", "");
    fresh.overwrite = true;
    fresh.progress_json = request.progress_json;
    RunGenerate(fresh);
    return;
  }
  const Stages stages = MakeStages(config);
  const GeneratorState state = LoadGeneratorState(dir, next);
  RemoveFramesFrom(dir, next);
  SetLogFile(dir / "log.txt");
  SCN_LOG_INFO("{} {} at frame {}/{} (mesh {} faces)", request.redo_from >= 0 ? "redoing" : "resuming",
               dir.string(), next + 1, config.frames, state.mesh.NumFaces());
  run["resumed"].push_back({{"at_frame", next}, {"command_line", request.command_line}});
  RunWriter writer(dir, config, run, next);
  SceneGenerator generator(options, stages);
  generator.Resume(state);
  FrameReporter reporter(config.frames, next, request.progress_json);
  RunFrames(generator, writer, dir, reporter);
}

}  // namespace scenescape
