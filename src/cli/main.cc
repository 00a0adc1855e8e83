// scenescape: text or photo -> 3D-consistent flythrough.
// Generation is the default command (no subcommand word); other commands are
// subcommands registered from cmd_<name>.cc. No algorithms live here.
#include <CLI/CLI.hpp>
#include <c10/util/Exception.h>

#include <cstdio>

#include "cli/commands.h"
#include "scenescape/core/check.h"
#include "scenescape/core/logging.h"

int main(int argc, char** argv) {
  using namespace scenescape;
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
  GenerateArgs generate_args;
  RegisterGenerate(app, generate_args);
  RegisterVersion(app);
  RegisterConfig(app);
  RegisterTokenize(app);
  RegisterBatch(app);
  RegisterEval(app);
  RegisterModels(app);
  RegisterRender(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Prints the help or the parse error; every argument error exits with 2.
    const int code = app.exit(e);
    return code == 0 ? 0 : static_cast<int>(ExitCode::kBadInput);
  }
  try {
    if (app.get_subcommands().empty()) return RunGenerateCommand(generate_args, argc, argv);
    return RunSubcommand(app);
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
