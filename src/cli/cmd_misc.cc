// Small subcommands: version, config dump / check.
#include <cstdio>

#include "cli/commands.h"
#include "scenescape/app/generate.h"
#include "scenescape/config/config.h"

namespace scenescape {

Config ResolveConfig(const GenerateArgs& a);  // cmd_generate.cc

namespace {
GenerateArgs config_args;
}

void RegisterVersion(CLI::App& app) {
  app.add_subcommand("version", "Print the version, library versions and whether CUDA is built in");
}

void RegisterConfig(CLI::App& app) {
  CLI::App* config = app.add_subcommand("config", "Show or check a configuration");
  config->require_subcommand(1);
  for (const char* name : {"dump", "check"}) {
    CLI::App* sub = config->add_subcommand(
        name, std::string(name) == "dump" ? "Print the resolved config (defaults < file < --set)"
                                          : "Validate a config and exit 0 when it is good");
    sub->add_option("-c,--config", config_args.config_file, "JSON config");
    sub->add_option("--set", config_args.sets, "Override a key: --set a.b=value (repeatable)");
  }
}

int RunSubcommand(CLI::App& app) {
  CLI::App* sub = app.get_subcommands().front();
  if (sub->get_name() == "version") {
    std::printf("%s\n", BuildInfo().c_str());
    return 0;
  }
  if (sub->get_name() == "config") {
    const Config c = ResolveConfig(config_args);
    if (sub->got_subcommand("dump")) std::printf("%s\n", ConfigToJson(c).dump(2).c_str());
    else std::printf("config is valid\n");
    return 0;
  }
  if (sub->get_name() == "tokenize") return RunTokenize();
  if (sub->get_name() == "batch") return RunBatchCommand();
  if (sub->get_name() == "eval") return RunEvalCommand();
  if (sub->get_name() == "models") return RunModelsCommand(*sub);
  if (sub->get_name() == "render") return RunRenderCommand();
  return 2;
}

}  // namespace scenescape
