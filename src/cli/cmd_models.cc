// `scenescape models make-tiny DIR` and `scenescape models check DIR [--full]`.
#include <cstdio>

#include "cli/command.h"
#include "cli/common_flags.h"
#include "scenescape/backends/torch/torch_backend.h"
#include "scenescape/core/logging.h"
#include "scenescape/core/timer.h"
#include "scenescape/models/check.h"
#include "scenescape/models/tiny.h"

namespace scenescape {
namespace {

class ModelsCommand : public Command {
 public:
  CLI::App* Register(CLI::App& app) override {
    CLI::App* models = app.add_subcommand("models", "Create or check a model folder");
    models->require_subcommand(1);
    tiny_ = models->add_subcommand(
        "make-tiny",
        "Write a complete model folder of tiny random-weight TorchScript modules with the real contracts (for "
        "tests and for checking an install; it makes noise, not pictures)");
    tiny_->add_option("dir", dir_, "Folder to create")->required();
    tiny_->add_option("--seed", seed_, "Seed of the random weights");
    CLI::App* check = models->add_subcommand(
        "check", "Load every model of a folder, run each once and print contracts, devices and timings");
    check->add_option("dir", dir_, "Model folder")->required();
    check->add_option("--device", device_, "auto | cpu | cuda[:N]");
    check->add_flag("--full",
                    check_.full,
                    "Also run every model at the size a frame uses: UNet at 64x64 and the canvas's latent with "
                    "batch 2N, VAE at the canvas, depth at its input size, CLIP on N images, one backward pass "
                    "through the depth net and the VAE decoder; prints time and peak memory per stage (minutes on "
                    "a CPU)");
    check->add_option("--candidates", check_.candidates, "N for --full (the UNet batch is 2N)")
        ->check(ConfigRange("inpaint.num_candidates"));
    check->add_option("--canvas", check_.canvas, "Canvas side in pixels for --full (the reference's 600)")
        ->check(CLI::Range(16, 4096));
    return models;
  }

  int Run(const Invocation&) override {
    if (tiny_->parsed()) {
      const Timer t;
      MakeTinyModelFolder(dir_, seed_);
      SCN_LOG_INFO("wrote a tiny model folder to {} in {:.1f} s", dir_, t.ElapsedSeconds());
      return 0;
    }
    const c10::Device device = ResolveDevice(ParseOption<DeviceSetting>(device_, "--device"));
    std::printf("%s\n", CheckModelFolder(dir_, device, check_).ToString().c_str());
    return 0;
  }

 private:
  CLI::App* tiny_ = nullptr;
  std::string dir_;
  std::string device_ = "auto";
  uint64_t seed_ = 0;
  ModelCheckOptions check_;
};

}  // namespace

std::unique_ptr<Command> MakeModelsCommand() { return std::make_unique<ModelsCommand>(); }

}  // namespace scenescape
