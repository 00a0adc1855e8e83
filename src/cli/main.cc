// scenescape: text or photo -> 3D-consistent flythrough.
// Generation is the default command (no subcommand word); the other commands
// are subcommands. The table of commands is commands.cc, each command one
// cmd_<name>.cc; no algorithms live here.
#include <CLI/CLI.hpp>
#include <c10/util/Exception.h>
#include <unistd.h>

#include <cstdlib>

#include "cli/command.h"
#include "scenescape/core/check.h"
#include "scenescape/core/logging.h"
#include "scenescape/core/utf8.h"

namespace {

// LibTorch's OpenMP threads (libgomp) spin between parallel regions by default.
// On a machine whose cores other work holds (a shared workstation, a cluster
// node running several jobs) the spinning steals the cores: the 2-thread
// classical demo took 2:52 and 159 CPU-s there instead of 48 s / 70 CPU-s on
// the same machine idle (docs/benchmarks.md). libgomp reads OMP_WAIT_POLICY
// once, when it is loaded, before main; so when the user has not set it, the
// program sets PASSIVE (threads sleep while they wait) and executes itself
// again. If that fails (no /proc), it goes on as it is.
void ReexecWithPassiveOpenMpWaits(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  if (setenv("OMP_WAIT_POLICY", "PASSIVE", 1) != 0) return;
  execv("/proc/self/exe", argv);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace scenescape;
  ReexecWithPassiveOpenMpWaits(argv);
  CLI::App app{
      "scenescape: turn a photo (or, with models, a text prompt) into a 3D-consistent camera flythrough:\n"
      "frames, depth maps, camera path, video and a coloured mesh.\n\n"
      "  scenescape --frames 50 --out runs/demo                  built-in demo scene, no downloads\n"
      "  scenescape --init-image photo.jpg --fov auto --out runs/photo\n"
      "  scenescape --trajectory configs/camera_paths/forward_walk_turn.json --init-image photo.jpg\n\n"
      "  scenescape --prompt \"a candy house, indoor scene\" --models models/sd2 --frames 50\n\n"
      "Without a model folder the built-in classical back end runs (no learned weights).",
      "scenescape"};
  app.require_subcommand(0, 1);
  app.get_formatter()->column_width(34);
  const std::vector<std::unique_ptr<Command>> commands = MakeCommands();
  std::vector<CLI::App*> selectors;
  for (const auto& command : commands) selectors.push_back(command->Register(app));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version print and exit 0; an argument error is one error line, like every other, and exits 2.
    if (e.get_exit_code() == 0) return app.exit(e);
    SCN_LOG_ERROR("{} (scenescape --help lists the options)", e.what());
    return static_cast<int>(ExitCode::kBadInput);
  }
  // run.json records the command line and every path and prompt, and JSON text
  // is UTF-8: an argument that is not (a file name in another encoding) is
  // refused here, not when the first frame's record is written.
  for (int i = 1; i < argc; ++i) {
    if (!IsUtf8(argv[i])) {
      SCN_LOG_ERROR("argument {} {}: not valid UTF-8 (scenescape records its arguments in run.json, which is UTF-8)",
                    i,
                    QuotedReplacingInvalid(argv[i]));
      return static_cast<int>(ExitCode::kBadInput);
    }
  }
  Invocation invocation;
  for (int i = 0; i < argc; ++i) invocation.command_line += (i ? " " : "") + std::string(argv[i]);
  try {
    // The default command's selector is the app itself: it runs when no subcommand was given.
    for (size_t i = 1; i < commands.size(); ++i)
      if (selectors[i]->parsed()) return commands[i]->Run(invocation);
    return commands.front()->Run(invocation);
  } catch (const Error& e) {
    SCN_LOG_ERROR("{}", e.what());
    return static_cast<int>(e.code());
  } catch (const c10::Error& e) {
    SCN_LOG_ERROR("{}", e.what_without_backtrace());
    SCN_LOG_DEBUG("{}", e.what());
    return static_cast<int>(ExitCode::kRuntime);
  } catch (const std::exception& e) {
    SCN_LOG_ERROR("{}", e.what());
    return static_cast<int>(ExitCode::kRuntime);
  }
}
