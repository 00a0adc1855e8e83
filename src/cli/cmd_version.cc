// `scenescape version`: versions, and whether the build has CUDA.
#include <cstdio>

#include "cli/command.h"
#include "scenescape/app/version.h"

namespace scenescape {
namespace {

class VersionCommand : public Command {
 public:
  CLI::App* Register(CLI::App& app) override {
    return app.add_subcommand("version", "Print the version, library versions and whether CUDA is built in");
  }
  int Run(const Invocation&) override {
    std::printf("%s\n", BuildInfo().c_str());
    return 0;
  }
};

}  // namespace

std::unique_ptr<Command> MakeVersionCommand() { return std::make_unique<VersionCommand>(); }

}  // namespace scenescape
