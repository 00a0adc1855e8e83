// `scenescape [options]`: generation, the default command (no subcommand word),
// with --resume / --redo-frames and --dry-run.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <optional>
#include <random>

#include "cli/command.h"
#include "cli/common_flags.h"
#include "scenescape/app/generate.h"
#include "scenescape/app/preview.h"
#include "scenescape/app/run_folder.h"
#include "scenescape/config/config.h"
#include "scenescape/core/check.h"

namespace scenescape {
namespace {
namespace fs = std::filesystem;

std::string Slug(const std::string& text) {
  std::string s;
  for (char c : text) {
    if (s.size() >= 40) break;
    s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  }
  return s.empty() ? "run" : s;
}

uint64_t RandomSeed() { return std::random_device{}() & 0x7fffffff; }

class GenerateCommand : public Command {
 public:
  CLI::App* Register(CLI::App& app) override {
    const char* run = "Run";
    app.add_option("-p,--prompt", prompt_, "Text describing the scene (used by model back ends, recorded always)")
        ->group(run);
    app.add_option("-n,--negative-prompt", negative_prompt_, "What to avoid (model back ends)")->group(run);
    app.add_option("--frames", frames_, "Number of frames, the first included (default 50)")
        ->check(ConfigRange("frames"))
        ->group(run);
    app.add_option("-i,--init-image",
                   init_image_,
                   "Starting photo (any size: centre-cropped and resized to the output size). "
                   "Default: the built-in procedural room")
        ->group(run);
    app.add_option("-o,--out", out_, "Output folder (default: output/<date>_<prompt>)")->group(run);
    app.add_option("-s,--seed", seed_, "Seed; -1 picks a random one (always recorded). Default 13")
        ->check(CLI::Validator(
            [range = ConfigRange("seed")](std::string& text) mutable { return text == "-1" ? "" : range(text); },
            "-1 or " + ConfigRange("seed").get_description()))
        ->group(run);
    app.add_flag("--overwrite", overwrite_, "Allow an --out folder that already holds a run")->group(run);
    app.add_option("--resume",
                   resume_,
                   "Continue the stopped run in DIR (same frames as an uninterrupted run); every setting comes from "
                   "DIR/run.json, and options that differ from it are refused")
        ->group(run);
    app.add_flag("--dry-run",
                 dry_run_,
                 "Only preview the camera path: render it over a proxy scene (first frame's mesh + floor grid) to "
                 "preview.mp4 in seconds")
        ->group(run);
    app.add_option("--redo-frames",
                   redo_frames_,
                   "With --resume DIR: regenerate frames A-B (with --seed S if given) and every frame after")
        ->group(run);
    const char* cam = "Camera";
    app.add_option("-t,--trajectory",
                   trajectory_,
                   "rotations (default) | translations | round | forward | a JSON keyframe file | a NeRF "
                   "transforms.json | a COLMAP text model folder (cameras.txt, images.txt)")
        ->group(cam);
    app.add_option("--fov", fov_, "Horizontal field of view in degrees, or 'auto' to estimate it from --init-image")
        ->group(cam);
    const char* engine = "Engine";
    app.add_option("-m,--models",
                   models_,
                   "Model folder (models/README.md): text-to-scene with Stable Diffusion inpainting, a depth "
                   "network and CLIP (the torch back end)")
        ->group(engine);
    app.add_option("--backend",
                   backend_,
                   "auto | classical | torch | oracle (auto: torch with --models, else classical; oracle: engine "
                   "self-test on the built-in room)")
        ->group(engine);
    app.add_option("--sampler", sampler_, "ddim (reference) | dpmpp_2m (torch back end)")->group(engine);
    app.add_option("--steps", steps_, "Denoising steps (default 50)")
        ->check(ConfigRange("sampler.steps"))
        ->group(engine);
    app.add_option("--cfg-scale", cfg_scale_, "Classifier-free guidance scale (default 7.5)")
        ->check(ConfigRange("sampler.guidance_scale"))
        ->group(engine);
    app.add_option("--device", device_, "auto | cpu | cuda[:N]")->group(engine);
    app.add_option("--candidates", candidates_, "Inpainting candidates per frame (default 4)")
        ->check(ConfigRange("inpaint.num_candidates"))
        ->group(engine);
    app.add_flag("--keep-candidates", keep_candidates_, "Write every candidate under candidates/")->group(engine);
    app.add_option("--threads", threads_, "CPU threads (default: OMP_NUM_THREADS, else all cores; at most the cores)")
        ->check(ConfigRange("threads"))
        ->group(engine);
    config_.Add(&app);
    log_.Add(&app);
    app.add_option("--progress",
                   progress_,
                   "text (log lines) | json (also one JSON event per frame on stdout, for schedulers and GUIs)")
        ->check(CLI::IsMember({"text", "json"}))
        ->group("Config");
    return &app;
  }

  int Run(const Invocation& invocation) override {
    log_.Apply();
    if (redo_frames_ && !resume_) throw InputError("--redo-frames needs --resume DIR (the run whose frames to redo)");
    if (resume_ && (out_ || overwrite_ || dry_run_))
      throw InputError(std::string(out_         ? "--out"
                                   : overwrite_ ? "--overwrite"
                                                : "--dry-run") +
                       ": not with --resume (a run continues in its own folder)");
    if (resume_) {
      RunResume(Resume(invocation));
      return 0;
    }
    GenerateRequest request;
    request.config = ResolveConfig();
    request.overwrite = overwrite_;
    request.command_line = invocation.command_line;
    request.progress_json = progress_ == "json";
    request.out_dir = out_ ? fs::path(*out_) : DefaultOut(request.config.prompt);
    if (dry_run_) {
      RunDryRun(request);
      return 0;
    }
    RunGenerate(request);
    return 0;
  }

 private:
  static fs::path DefaultOut(const std::string& prompt) {
    const std::time_t now = std::time(nullptr);
    char stamp[32];
    std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", std::localtime(&now));
    return fs::path("output") / (std::string(stamp) + "_" + Slug(prompt));
  }

  ResumeRequest Resume(const Invocation& invocation) const {
    ResumeRequest resume;
    resume.run_dir = *resume_;
    resume.command_line = invocation.command_line;
    resume.progress_json = progress_ == "json";
    if (redo_frames_) {
      int from = -1, to = -1;
      char extra = 0;
      const std::string& text = *redo_frames_;
      const int n = std::sscanf(text.c_str(), "%d-%d%c", &from, &to, &extra);
      if (n == 1 && text.find('-') == std::string::npos) to = from;
      if (!((n == 2 || (n == 1 && to == from)) && from >= 0 && to >= from))
        throw InputError("--redo-frames " + text + ": expected A-B with 1 <= A <= B (frame indices)");
      resume.redo_from = from;
      resume.redo_to = to;
      if (seed_) resume.redo_seed = Seed();
    }
    // With --redo-frames, --seed is the redo's seed, not the run's.
    const bool sets_config = prompt_ || negative_prompt_ || frames_ || (seed_ && !redo_frames_) || init_image_ ||
                             backend_ || models_ || sampler_ || steps_ || cfg_scale_ || device_ || candidates_ ||
                             threads_ || keep_candidates_ || trajectory_ || fov_ || config_.Given();
    if (sets_config) {
      const Config run = RunFolder(resume.run_dir).ReadRecord().config;
      resume.asked_config = ResolveConfig(&run, !redo_frames_);
    }
    return resume;
  }

  uint64_t Seed() const {
    if (*seed_ < -1) throw InputError("--seed: expected an integer >= -1, got " + std::to_string(*seed_));
    return *seed_ == -1 ? RandomSeed() : static_cast<uint64_t>(*seed_);
  }

  // Defaults (or `base`: a resumed run's config) < config file < --set < these flags.
  Config ResolveConfig(const Config* base = nullptr, bool with_seed = true) const {
    Config c = config_.Load(nullptr, base);
    if (prompt_) c.prompt = *prompt_;
    if (negative_prompt_) c.negative_prompt = *negative_prompt_;
    if (frames_) c.frames = *frames_;
    if (seed_ && with_seed) c.seed = Seed();
    if (init_image_) c.init_image = *init_image_;
    if (backend_) c.backend = ParseOption<Backend>(*backend_, "--backend");
    if (models_) c.models = *models_;
    if (sampler_) c.sampler.name = ParseOption<SamplerKind>(*sampler_, "--sampler");
    if (steps_) c.sampler.steps = *steps_;
    if (cfg_scale_) c.sampler.guidance_scale = *cfg_scale_;
    if (device_) c.device = ParseOption<DeviceSetting>(*device_, "--device");
    if (candidates_) c.inpaint.num_candidates = *candidates_;
    if (threads_) c.threads = *threads_;
    if (keep_candidates_) c.output.keep_candidates = true;
    if (trajectory_) ApplyTrajectoryArgument(c.trajectory, *trajectory_, "--trajectory");
    if (fov_) {
      if (*fov_ == "auto") {
        c.camera.fov = AutoNumber::Auto();
      } else {
        try {
          size_t used = 0;
          c.camera.fov = AutoNumber::Of(std::stod(*fov_, &used));
          if (used != fov_->size()) throw std::invalid_argument(*fov_);
        } catch (const std::exception&) {
          throw InputError("--fov " + *fov_ + ": expected degrees or 'auto'");
        }
      }
    }
    CheckConfig(c, "command line");
    return c;
  }

  std::optional<std::string> prompt_, negative_prompt_, init_image_, out_, trajectory_, fov_, backend_, device_;
  std::optional<std::string> models_, sampler_, resume_, redo_frames_;
  std::optional<int> frames_, steps_, candidates_, threads_;
  std::optional<double> cfg_scale_;
  std::optional<long long> seed_;  // -1: random
  bool keep_candidates_ = false;
  bool overwrite_ = false;
  bool dry_run_ = false;
  std::string progress_ = "text";
  ConfigFlags config_;
  LogFlags log_;
};

}  // namespace

std::unique_ptr<Command> MakeGenerateCommand() { return std::make_unique<GenerateCommand>(); }

}  // namespace scenescape
