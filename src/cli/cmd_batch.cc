// `scenescape batch JOBS.jsonl [--out ROOT] [--shard I/N] [--config BASE]`.
#include <cstdio>

#include "cli/commands.h"
#include "scenescape/app/batch.h"
#include "scenescape/core/check.h"
#include "scenescape/core/logging.h"

namespace scenescape {
namespace {
struct BatchArgs {
  std::string jobs, out = "output", shard, config, log_level = "info";
} args;
}  // namespace

void RegisterBatch(CLI::App& app) {
  CLI::App* sub = app.add_subcommand(
      "batch",
      "Run one job per line of a JSONL file; finished runs are skipped and stopped ones resumed, so a batch can "
      "be restarted blindly. Line format: see include/scenescape/app/batch.h or the README");
  sub->add_option("jobs", args.jobs, "JSONL file, one job per line")->required();
  sub->add_option("-o,--out", args.out, "Folder that holds one run folder per job (default: output)");
  sub->add_option("--shard", args.shard, "I/N: run only jobs whose position modulo N is I (Slurm arrays)");
  sub->add_option("-c,--config", args.config, "Base config applied under every job");
  sub->add_option("--log-level", args.log_level, "trace | debug | info | warn | error");
}

int RunBatchCommand() {
  SetLogLevel(args.log_level);
  BatchOptions options;
  options.jobs_file = args.jobs;
  options.out_root = args.out;
  if (!args.config.empty()) options.base_config = args.config;
  if (!args.shard.empty()) {
    char extra = 0;
    if (std::sscanf(args.shard.c_str(), "%d/%d%c", &options.shard_index, &options.shard_count, &extra) != 2)
      throw InputError("--shard " + args.shard + ": expected I/N, e.g. 0/4");
  }
  const auto outcomes = RunBatch(options);
  for (const auto& o : outcomes)
    if (o.action == "failed") return static_cast<int>(ExitCode::kRuntime);
  return 0;
}

}  // namespace scenescape
