// `scenescape batch JOBS.jsonl [--out ROOT] [--shard I/N] [--config BASE]`.
#include <cstdio>

#include "cli/command.h"
#include "cli/common_flags.h"
#include "scenescape/app/batch.h"
#include "scenescape/core/check.h"

namespace scenescape {
namespace {

class BatchCommand : public Command {
 public:
  CLI::App* Register(CLI::App& app) override {
    CLI::App* sub = app.add_subcommand(
        "batch",
        "Run one job per line of a JSONL file; finished runs are skipped and stopped ones resumed, so a batch can "
        "be restarted blindly. Line format: see include/scenescape/app/batch.h or the README");
    sub->add_option("jobs", jobs_, "JSONL file, one job per line")->required();
    sub->add_option("-o,--out", out_, "Folder that holds one run folder per job (default: output)");
    sub->add_option("--shard", shard_, "I/N: run only jobs whose position modulo N is I (Slurm arrays)");
    sub->add_option("-c,--config", config_, "Base config applied under every job");
    log_.Add(sub, "Options");
    return sub;
  }

  int Run(const Invocation&) override {
    log_.Apply();
    BatchOptions options;
    options.jobs_file = jobs_;
    options.out_root = out_;
    if (!config_.empty()) options.base_config = config_;
    if (!shard_.empty()) {
      char extra = 0;
      if (std::sscanf(shard_.c_str(), "%d/%d%c", &options.shard_index, &options.shard_count, &extra) != 2)
        throw InputError("--shard " + shard_ + ": expected I/N, e.g. 0/4");
    }
    for (const auto& outcome : RunBatch(options))
      if (outcome.action == "failed") return static_cast<int>(ExitCode::kRuntime);
    return 0;
  }

 private:
  std::string jobs_, out_ = "output", shard_, config_;
  LogFlags log_;
};

}  // namespace

std::unique_ptr<Command> MakeBatchCommand() { return std::make_unique<BatchCommand>(); }

}  // namespace scenescape
