// `scenescape models make-tiny DIR` and `scenescape models check DIR`.
#include <cstdio>

#include "cli/commands.h"
#include "scenescape/core/logging.h"
#include "scenescape/core/timer.h"
#include "scenescape/models/check.h"
#include "scenescape/models/tiny.h"
#include "scenescape/torch_backend/torch_backend.h"

namespace scenescape {
namespace {
struct ModelsArgs {
  std::string dir;
  std::string device = "auto";
  uint64_t seed = 0;
} args;
}  // namespace

void RegisterModels(CLI::App& app) {
  CLI::App* models = app.add_subcommand("models", "Create or check a model folder");
  models->require_subcommand(1);
  CLI::App* tiny = models->add_subcommand(
      "make-tiny",
      "Write a complete model folder of tiny random-weight TorchScript modules with the real contracts (for "
      "tests and for checking an install; it makes noise, not pictures)");
  tiny->add_option("dir", args.dir, "Folder to create")->required();
  tiny->add_option("--seed", args.seed, "Seed of the random weights");
  CLI::App* check = models->add_subcommand(
      "check", "Load every model of a folder, run each once and print contracts, devices and timings");
  check->add_option("dir", args.dir, "Model folder")->required();
  check->add_option("--device", args.device, "auto | cpu | cuda[:N]");
}

int RunModelsCommand(CLI::App& sub) {
  if (sub.got_subcommand("make-tiny")) {
    const Timer t;
    MakeTinyModelFolder(args.dir, args.seed);
    SCN_LOG_INFO("wrote a tiny model folder to {} in {:.1f} s", args.dir, t.ElapsedSeconds());
    return 0;
  }
  const ModelCheckReport report = CheckModelFolder(args.dir, ResolveDevice(args.device));
  std::printf("%s\n", report.ToString().c_str());
  return 0;
}

}  // namespace scenescape
