// `scenescape eval DIR...`: consistency metrics of finished runs (app/eval.h).
#include "cli/command.h"
#include "scenescape/app/eval.h"

namespace scenescape {
namespace {

class EvalCommand : public Command {
 public:
  CLI::App* Register(CLI::App& app) override {
    CLI::App* sub =
        app.add_subcommand("eval", "Measure finished runs: metrics.json, metrics.csv and plots/ in each run folder");
    sub->add_option("runs", runs_, "Run folders")->required();
    sub->add_flag("--no-plots", no_plots_, "Skip the PNG plots");
    sub->add_option("-m,--models",
                    models_,
                    "Model folder whose CLIP scores each frame against the prompt (default: the run's own)");
    sub->add_flag("--colmap",
                  colmap_,
                  "Also run COLMAP on the frames and compare the recovered cameras with the known path "
                  "(registered fraction, rotation/translation error, reprojection error)");
    return sub;
  }

  int Run(const Invocation&) override {
    // A bad folder anywhere in the list stops the command before it writes into any.
    for (const auto& run : runs_) CheckEvaluable(run);
    for (const auto& run : runs_) {
      EvalOptions options;
      options.run_dir = run;
      options.plots = !no_plots_;
      options.colmap = colmap_;
      options.models = models_;
      EvaluateRun(options);
    }
    return 0;
  }

 private:
  std::vector<std::string> runs_;
  bool no_plots_ = false;
  bool colmap_ = false;
  std::string models_;
};

}  // namespace

std::unique_ptr<Command> MakeEvalCommand() { return std::make_unique<EvalCommand>(); }

}  // namespace scenescape
