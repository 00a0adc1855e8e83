#include <ATen/ATen.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <random>

#include "cli/commands.h"
#include "scenescape/app/generate.h"
#include "scenescape/app/preview.h"
#include "scenescape/config/config.h"
#include "scenescape/core/check.h"
#include "scenescape/core/logging.h"

namespace scenescape {
namespace fs = std::filesystem;

void RegisterGenerate(CLI::App& app, GenerateArgs& a) {
  const char* run = "Run";
  app.add_option("-p,--prompt", a.prompt, "Text describing the scene (used by model back ends, recorded always)")
      ->group(run);
  app.add_option("-n,--negative-prompt", a.negative_prompt, "What to avoid (model back ends)")->group(run);
  app.add_option("--frames", a.frames, "Number of frames, the first included (default 50)")->group(run);
  app.add_option("-i,--init-image", a.init_image,
                 "Starting photo (any size: centre-cropped and resized to the output size). "
                 "Default: the built-in procedural room")
      ->group(run);
  app.add_option("-o,--out", a.out, "Output folder (default: output/<date>_<prompt>)")->group(run);
  app.add_option("-s,--seed", a.seed, "Seed; -1 picks a random one (always recorded). Default 13")->group(run);
  app.add_flag("--overwrite", a.overwrite, "Allow an --out folder that already holds a run")->group(run);
  app.add_option("--resume", a.resume,
                 "Continue the stopped run in DIR (same frames as an uninterrupted run); other flags are "
                 "taken from DIR/run.json")
      ->group(run);
  app.add_flag("--dry-run", a.dry_run,
               "Only preview the camera path: render it over a proxy scene (first frame's mesh + floor grid) to "
               "preview.mp4 in seconds")
      ->group(run);
  app.add_option("--redo-frames", a.redo_frames,
                 "With --resume DIR: regenerate frames A-B (with --seed S if given) and every frame after")
      ->group(run);
  const char* cam = "Camera";
  app.add_option("-t,--trajectory", a.trajectory,
                 "rotations (default) | translations | round | forward | a JSON keyframe file | a NeRF "
                 "transforms.json | a COLMAP text model folder (cameras.txt, images.txt)")
      ->group(cam);
  app.add_option("--fov", a.fov, "Horizontal field of view in degrees, or 'auto' to estimate it from --init-image")
      ->group(cam);
  const char* engine = "Engine";
  app.add_option("-m,--models", a.models,
                 "Model folder (models/README.md): text-to-scene with Stable Diffusion inpainting, a depth "
                 "network and CLIP (the torch back end)")
      ->group(engine);
  app.add_option("--backend", a.backend,
                 "auto | classical | torch | oracle (auto: torch with --models, else classical; oracle: engine "
                 "self-test on the built-in room)")
      ->group(engine);
  app.add_option("--sampler", a.sampler, "ddim (reference) | dpmpp_2m (torch back end)")->group(engine);
  app.add_option("--steps", a.steps, "Denoising steps (default 50)")->group(engine);
  app.add_option("--cfg-scale", a.cfg_scale, "Classifier-free guidance scale (default 7.5)")->group(engine);
  app.add_option("--device", a.device, "auto | cpu | cuda")->group(engine);
  app.add_option("--candidates", a.candidates, "Inpainting candidates per frame (default 4)")->group(engine);
  app.add_flag("--keep-candidates", a.keep_candidates, "Write every candidate under candidates/")->group(engine);
  app.add_option("--threads", a.threads, "CPU threads (default: all cores)")->group(engine);
  const char* cfg = "Config";
  app.add_option("-c,--config", a.config_file, "JSON config (see configs/default.json)")->group(cfg);
  app.add_option("--set", a.sets, "Override a config key: --set render.supersample=3 (repeatable)")->group(cfg);
  app.add_option("--log-level", a.log_level, "trace | debug | info | warn | error")->group(cfg);
  app.add_flag("-v,--verbose", a.verbose, "Same as --log-level debug")->group(cfg);
  app.add_option("--progress", a.progress,
                 "text (log lines) | json (also one JSON event per frame on stdout, for schedulers and GUIs)")
      ->check(CLI::IsMember({"text", "json"}))
      ->group(cfg);
}

namespace {

std::string Slug(const std::string& text) {
  std::string s;
  for (char c : text) {
    if (s.size() >= 40) break;
    s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  }
  return s.empty() ? "run" : s;
}

}  // namespace

// Builds the Config from file, --set and flags (in that order of precedence).
Config ResolveConfig(const GenerateArgs& a) {
  nlohmann::json doc = nlohmann::json::object();
  std::string source = "built-in defaults";
  if (!a.config_file.empty()) {
    doc = LoadConfigJson(a.config_file);
    source = a.config_file;
  }
  for (const auto& s : a.sets) ApplyOverride(doc, s);
  if (!a.sets.empty()) source += " + --set";
  Config c = ConfigFromJson(doc, source);
  if (!a.prompt.empty()) c.prompt = a.prompt;
  if (!a.negative_prompt.empty()) c.negative_prompt = a.negative_prompt;
  if (a.frames != -1) c.frames = a.frames;
  if (a.seed == -1) c.seed = std::random_device{}() & 0x7fffffff;
  else if (a.seed >= 0) c.seed = static_cast<uint64_t>(a.seed);
  else if (a.seed != -2) throw InputError("--seed: expected an integer >= -1, got " + std::to_string(a.seed));
  if (!a.init_image.empty()) c.init_image = a.init_image;
  if (!a.backend.empty()) c.backend = a.backend;
  if (!a.models.empty()) c.models = a.models;
  if (!a.sampler.empty()) c.sampler = a.sampler;
  if (a.steps != -1) c.steps = a.steps;
  if (a.cfg_scale != -1) c.guidance_scale = a.cfg_scale;
  if (!a.device.empty()) c.device = a.device;
  if (a.candidates != -1) c.num_candidates = a.candidates;
  if (a.threads != -1) c.threads = a.threads;
  if (a.keep_candidates) c.output.keep_candidates = true;
  if (!a.trajectory.empty()) ApplyTrajectoryArgument(c.trajectory, a.trajectory, "--trajectory");
  if (!a.fov.empty()) {
    if (a.fov == "auto") {
      c.fov_auto = true;
      c.fov_deg.reset();
    } else {
      try {
        size_t used = 0;
        c.fov_deg = std::stod(a.fov, &used);
        if (used != a.fov.size()) throw std::invalid_argument(a.fov);
      } catch (const std::exception&) {
        throw InputError("--fov " + a.fov + ": expected degrees or 'auto'");
      }
    }
  }
  CheckConfig(c, "command line");
  if (c.trajectory.type == "file" && !fs::exists(c.trajectory.file))
    throw InputError(c.trajectory.file + ": trajectory file not found");
  if (!c.init_image.empty() && !fs::exists(c.init_image))
    throw InputError(c.init_image + ": image not found");
  return c;
}

int RunGenerateCommand(const GenerateArgs& a, int argc, char** argv) {
  SetLogLevel(a.verbose ? "debug" : a.log_level);
  std::string command_line;
  for (int i = 0; i < argc; ++i) command_line += (i ? " " : "") + std::string(argv[i]);
  if (!a.redo_frames.empty() && a.resume.empty())
    throw InputError("--redo-frames needs --resume DIR (the run whose frames to redo)");
  if (!a.resume.empty()) {
    ResumeRequest resume;
    resume.run_dir = a.resume;
    resume.command_line = command_line;
    resume.progress_json = a.progress == "json";
    if (!a.redo_frames.empty()) {
      int from = -1, to = -1;
      char extra = 0;
      const int n = std::sscanf(a.redo_frames.c_str(), "%d-%d%c", &from, &to, &extra);
      if (n == 1 && a.redo_frames.find('-') == std::string::npos) to = from;
      if (!((n == 2 || (n == 1 && to == from)) && from >= 0 && to >= from))
        throw InputError("--redo-frames " + a.redo_frames + ": expected A-B with 1 <= A <= B (frame indices)");
      resume.redo_from = from;
      resume.redo_to = to;
      if (a.seed >= 0) resume.redo_seed = static_cast<uint64_t>(a.seed);
      if (a.seed == -1) resume.redo_seed = std::random_device{}() & 0x7fffffff;
    }
    RunResume(resume);
    return 0;
  }
  GenerateRequest request;
  request.config = ResolveConfig(a);
  request.overwrite = a.overwrite;
  request.command_line = command_line;
  request.progress_json = a.progress == "json";
  if (a.out.empty()) {
    const std::time_t now = std::time(nullptr);
    char stamp[32];
    std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", std::localtime(&now));
    request.out_dir = fs::path("output") / (std::string(stamp) + "_" + Slug(request.config.prompt));
  } else {
    request.out_dir = a.out;
  }
  if (a.dry_run) {
    RunDryRun(request);
    return 0;
  }
  RunGenerate(request);
  return 0;
}

}  // namespace scenescape
