#pragma once
// The commands of the `scenescape` binary. Each lives in its own cmd_<name>.cc,
// owns its arguments, adds them in Register and runs one library entry point in
// Run; no algorithm lives in cli/. main.cc dispatches over the table
// (commands.cc).

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

namespace scenescape {

// What every Run gets besides its own arguments.
struct Invocation {
  std::string command_line;  // argv joined, recorded by runs
};

class Command {
 public:
  virtual ~Command() = default;
  // Adds the command to `app`: a subcommand, or, for generation (the default
  // command, no subcommand word), options on `app` itself. Returns the CLI::App
  // whose parse selects the command.
  virtual CLI::App* Register(CLI::App& app) = 0;
  // Runs the parsed command; returns the process exit code.
  virtual int Run(const Invocation& invocation) = 0;
};

// Every command, in help order; the first is the default command (generate).
std::vector<std::unique_ptr<Command>> MakeCommands();

// One factory per cmd_<name>.cc.
std::unique_ptr<Command> MakeGenerateCommand();
std::unique_ptr<Command> MakeVersionCommand();
std::unique_ptr<Command> MakeConfigCommand();
std::unique_ptr<Command> MakeTokenizeCommand();
std::unique_ptr<Command> MakeBatchCommand();
std::unique_ptr<Command> MakeEvalCommand();
std::unique_ptr<Command> MakeModelsCommand();
std::unique_ptr<Command> MakeRenderCommand();

}  // namespace scenescape
