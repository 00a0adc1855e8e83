#include "scenescape/app/generate.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <opencv2/core/version.hpp>
#include <torch/version.h>

#include <cstdlib>

#include "frame_reporter.h"
#include "scenescape/app/run_folder.h"
#include "scenescape/app/run_plan.h"
#include "scenescape/app/version.h"
#include "scenescape/backends/registry.h"
#include "scenescape/core/check.h"
#include "scenescape/core/fs.h"
#include "scenescape/core/logging.h"

namespace scenescape {
namespace fs = std::filesystem;

namespace {

// Runs frames until the generator is done, writing each, then the final products.
void RunFrames(SceneGenerator& generator, RunFolder& folder, FrameReporter& reporter) {
  while (!generator.Done()) {
    const FrameResult r = generator.Next();
    folder.WriteFrame(r, generator.State());
    reporter.Frame(r);
  }
  folder.Complete(generator.mesh(), reporter.Seconds());
  reporter.Done(folder.dir());
  CloseLogFile();
}

// What remakes frame `damaged` and those up to `to`: a redo from it, or for frame 0 (the start image, which a
// redo cannot remake) a new run.
std::string RemakeHint(const fs::path& dir, int damaged, int to) {
  if (damaged == 0) return "frame 0 cannot be redone: start a new run with --out";
  return fmt::format("--resume {} --redo-frames {}-{} regenerates it", dir.string(), damaged, to);
}

// Runs `work` (everything after folder.Begin); when it fails, the folder records the failure (RunFolder::Fail)
// before the error goes on to its exit code.
template <typename Work>
void RecordingFailure(RunFolder& folder, Work&& work) {
  try {
    work();
  } catch (const std::exception& e) {
    folder.Fail(e.what());
    CloseLogFile();
    throw;
  }
}

// Frames that an earlier --redo-frames gave another seed keep it whenever they are made again.
void ApplyReseed(const RunRecord& record, GeneratorOptions& options) {
  if (!record.reseed) return;
  options.reseed_from = record.reseed->from;
  options.reseed_to = record.reseed->to;
  options.reseed = record.reseed->seed;
}

RunRecord NewRecord(const RunPlan& plan, const BackendStages& backend, const std::string& command_line) {
  RunRecord record;
  record.version = VersionString();
  record.libtorch = TORCH_VERSION;
  record.opencv = CV_VERSION;
  record.command_line = command_line;
  record.config = plan.config;
  record.seed = plan.config.seed;
  record.backend = {{"name", OptionName(plan.config.backend)},
                    {"depth", backend.stages.depth->Name()},
                    {"inpainter", backend.stages.inpainter->Name()},
                    {"scorer", backend.stages.scorer->Name()}};
  record.fov = {
      {"source", plan.fov.source}, {"reason", plan.fov.reason}, {"focal_length_px", plan.fov.focal_length_px}};
  return record;
}

// A run from frame 0 into request.out_dir; `reseed` is one recorded by the run that this one replaces.
void GenerateFromStart(const GenerateRequest& request, const std::optional<RunRecord::Reseed>& reseed) {
  RunFolder folder(request.out_dir);
  if (folder.Status() != RunStatus::kNone && !request.overwrite)
    throw InputError(request.out_dir.string() +
                     ": already holds a run (run.json); choose another --out, --resume it, or pass --overwrite");
  // Inputs are read and checked, and models loaded, before anything is written:
  // bad input leaves no output.
  RunPlan plan = ResolveRun(request.config, StartImage::kGeneration);
  ApplyRuntime(plan);
  const BackendStages backend = MakeBackend(plan.config.backend, plan.config);
  EnsureWritableDir(folder.dir());
  // The run keeps its own copy of an imported camera path (resume reads it).
  if (!plan.imported_path.empty()) plan.config.trajectory.file = folder.KeepTrajectory(plan.imported_path).string();
  if (request.overwrite) folder.Clear();
  SetLogFile(folder.File("log.txt"));
  // The wait policy libgomp started with (src/cli/main.cc sets PASSIVE unless the user chose).
  const char* waits = std::getenv("OMP_WAIT_POLICY");
  SCN_LOG_INFO("scenescape {} | back end: {} | {} threads (OpenMP waits: {})",
               VersionString(),
               backend.description,
               at::get_num_threads(),
               waits != nullptr ? waits : "default");
  if (!plan.start_image.defined()) SCN_LOG_INFO("frame 0 from the prompt: \"{}\"", plan.config.prompt);
  RunRecord record = NewRecord(plan, backend, request.command_line);
  record.reseed = reseed;
  GeneratorOptions options = ToGeneratorOptions(plan.config, plan.path);
  ApplyReseed(record, options);
  folder.Begin(std::move(record));
  RecordingFailure(folder, [&] {
    SceneGenerator generator(options, backend.stages);
    FrameReporter reporter(plan.config.frames, 0, request.progress_json);
    const FrameResult first = generator.Start(plan.start_image);
    folder.WriteFrame(first, generator.State());
    reporter.Frame(first);
    RunFrames(generator, folder, reporter);
  });
}

}  // namespace

void RunGenerate(const GenerateRequest& request) { GenerateFromStart(request, std::nullopt); }

void RunResume(const ResumeRequest& request) {
  RunFolder folder(request.run_dir);
  RunRecord record = folder.ReadRecord();
  const int saved = folder.SavedNextIndex();
  // Nothing is written before the run is known to be the one asked for and its finished frames intact.
  if (request.asked_config) {
    const std::string differences = folder.DifferencesFromRun(record.config, *request.asked_config, "asked");
    if (!differences.empty())
      throw InputError(folder.dir().string() + ": the run was made with another config: " + differences +
                       "; --resume takes every setting from run.json (drop those options, or start a new run "
                       "with --out)");
  }
  folder.CheckSameConfigAsState(record.config);
  int next = saved;
  if (request.redo_from >= 0) {
    if (request.redo_from < 1)
      throw InputError("--redo-frames: frame 0 cannot be redone (it is the starting image); start a new run");
    if (request.redo_from >= saved)
      throw InputError(fmt::format("--redo-frames {}-{}: {} holds frames 0-{} only",
                                   request.redo_from,
                                   request.redo_to,
                                   folder.dir().string(),
                                   saved - 1));
    next = request.redo_from;
    if (request.redo_seed) record.reseed = RunRecord::Reseed{request.redo_from, request.redo_to, *request.redo_seed};
  } else if (record.status == "complete") {
    std::string problem;
    const int damaged = folder.FirstDamagedFrame(saved, &problem);
    if (damaged < saved)
      throw InputError(problem +
                       "; the run is complete, so nothing was changed: " + RemakeHint(folder.dir(), damaged, damaged));
    SCN_LOG_INFO("{}: the run is already complete ({} frames)", folder.dir().string(), record.config.frames);
    return;
  }
  {
    // A frame whose files changed after the run wrote them is made again, with every frame after it. A redo
    // only remakes the frames it names: damage below them is refused (the state parser first, which names the
    // key for damage it can see, then the recorded digests).
    std::string problem;
    const int damaged = folder.FirstDamagedFrame(next, &problem);
    if (damaged < next && request.redo_from >= 0) {
      folder.LoadGeneratorState(next);
      throw InputError(problem + "; " + RemakeHint(folder.dir(), damaged, request.redo_to));
    }
    if (damaged < next) {
      SCN_LOG_WARN("{}; making frames {} on again", problem, damaged);
      next = damaged;
    } else if (!problem.empty()) {
      SCN_LOG_WARN("{}", problem);
    }
  }
  if (next == 0) {
    // Not even frame 0 finished (or it was damaged): start over in the same folder, keeping a recorded reseed.
    SCN_LOG_INFO("{}: no finished frame, starting the run again", folder.dir().string());
    GenerateRequest fresh;
    fresh.config = record.config;
    fresh.out_dir = folder.dir();
    fresh.command_line = record.command_line;
    fresh.overwrite = true;
    fresh.progress_json = request.progress_json;
    GenerateFromStart(fresh, record.reseed);
    return;
  }
  const RunPlan plan = ResolveRun(record.config, StartImage::kNone);
  ApplyRuntime(plan);
  const BackendStages backend = MakeBackend(plan.config.backend, plan.config);
  const GeneratorState state = folder.LoadGeneratorState(next);
  folder.RemoveFramesFrom(next);
  SetLogFile(folder.File("log.txt"));
  SCN_LOG_INFO("{} {} at frame {}/{} (mesh {} faces)",
               request.redo_from >= 0 ? "redoing" : "resuming",
               folder.dir().string(),
               next + 1,
               plan.config.frames,
               state.mesh.NumFaces());
  record.resumed.push_back({{"at_frame", next}, {"command_line", request.command_line}});
  GeneratorOptions options = ToGeneratorOptions(plan.config, plan.path);
  ApplyReseed(record, options);
  folder.Begin(std::move(record), next);
  RecordingFailure(folder, [&] {
    SceneGenerator generator(options, backend.stages);
    generator.Resume(state);
    FrameReporter reporter(plan.config.frames, next, request.progress_json);
    RunFrames(generator, folder, reporter);
  });
}

}  // namespace scenescape
