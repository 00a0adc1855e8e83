// `scenescape eval DIR...`: consistency metrics of finished runs (app/eval.h).
#include "cli/commands.h"
#include "scenescape/app/eval.h"
#include "scenescape/core/logging.h"

namespace scenescape {
namespace {
struct EvalArgs {
  std::vector<std::string> runs;
  bool no_plots = false;
  bool colmap = false;
  std::string models;
} args;
}  // namespace

void RegisterEval(CLI::App& app) {
  CLI::App* sub = app.add_subcommand(
      "eval", "Measure finished runs: metrics.json, metrics.csv and plots/ in each run folder");
  sub->add_option("runs", args.runs, "Run folders")->required();
  sub->add_flag("--no-plots", args.no_plots, "Skip the PNG plots");
  sub->add_option("-m,--models", args.models,
                  "Model folder whose CLIP scores each frame against the prompt (default: the run's own)");
  sub->add_flag("--colmap", args.colmap,
                "Also run COLMAP on the frames and compare the recovered cameras with the known path "
                "(registered fraction, rotation/translation error, reprojection error)");
}

int RunEvalCommand() {
  for (const auto& run : args.runs) {
    EvalOptions options;
    options.run_dir = run;
    options.plots = !args.no_plots;
    options.colmap = args.colmap;
    options.models = args.models;
    EvaluateRun(options);
  }
  return 0;
}

}  // namespace scenescape
