// `scenescape config dump|check|keys`: the resolved config, its validation, and
// the table of every key (configs/README.md holds it).
#include <cstdio>

#include "cli/command.h"
#include "cli/common_flags.h"
#include "scenescape/config/config.h"

namespace scenescape {
namespace {

class ConfigCommand : public Command {
 public:
  CLI::App* Register(CLI::App& app) override {
    CLI::App* config = app.add_subcommand("config", "Show or check a configuration, or list every key");
    config->require_subcommand(1);
    dump_ = config->add_subcommand("dump", "Print the resolved config (defaults < file < --set)");
    check_ = config->add_subcommand("check", "Validate a config and exit 0 when it is good");
    keys_ = config->add_subcommand("keys", "Print the Markdown table of every key (default, range, meaning)");
    flags_.Add(dump_, "Options");
    flags_.Add(check_, "Options");
    return config;
  }

  int Run(const Invocation&) override {
    if (keys_->parsed()) {
      std::printf("%s", ConfigKeyTable().c_str());
      return 0;
    }
    const Config c = flags_.Load(nullptr);
    if (dump_->parsed())
      std::printf("%s\n", ConfigToJson(c).dump(2).c_str());
    else
      std::printf("config is valid\n");
    return 0;
  }

 private:
  ConfigFlags flags_;
  CLI::App* dump_ = nullptr;
  CLI::App* check_ = nullptr;
  CLI::App* keys_ = nullptr;
};

}  // namespace

std::unique_ptr<Command> MakeConfigCommand() { return std::make_unique<ConfigCommand>(); }

}  // namespace scenescape
