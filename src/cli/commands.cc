// The table of commands (cli/command.h).
#include "cli/command.h"

namespace scenescape {

std::vector<std::unique_ptr<Command>> MakeCommands() {
  std::vector<std::unique_ptr<Command>> commands;
  commands.push_back(MakeGenerateCommand());  // the default: no subcommand word
  commands.push_back(MakeVersionCommand());
  commands.push_back(MakeConfigCommand());
  commands.push_back(MakeTokenizeCommand());
  commands.push_back(MakeBatchCommand());
  commands.push_back(MakeEvalCommand());
  commands.push_back(MakeModelsCommand());
  commands.push_back(MakeRenderCommand());
  return commands;
}

}  // namespace scenescape
