#pragma once
// The CLI's commands. Each Register* binds flags; each Run* resolves config and
// calls one library entry point.
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace scenescape {

struct GenerateArgs {
  std::string prompt, negative_prompt, init_image, out, config_file, trajectory, fov, backend, device;
  std::string models, sampler;
  int steps = -1;
  double cfg_scale = -1;
  std::vector<std::string> sets;
  int frames = -1;
  long long seed = -2;  // -2: not given; -1: random
  int candidates = -1;
  int threads = -1;
  bool keep_candidates = false;
  bool overwrite = false;
  std::string resume;       // --resume DIR
  bool dry_run = false;
  std::string progress = "text";  // text | json
  std::string redo_frames;  // --redo-frames A-B
  std::string log_level = "info";
  bool verbose = false;
};

void RegisterGenerate(CLI::App& app, GenerateArgs& args);
int RunGenerateCommand(const GenerateArgs& args, int argc, char** argv);

void RegisterVersion(CLI::App& app);
void RegisterConfig(CLI::App& app);
void RegisterTokenize(CLI::App& app);
void RegisterBatch(CLI::App& app);
void RegisterEval(CLI::App& app);
void RegisterModels(CLI::App& app);
void RegisterRender(CLI::App& app);
int RunRenderCommand();
int RunModelsCommand(CLI::App& sub);
int RunEvalCommand();
int RunBatchCommand();
int RunTokenize();
// Runs whichever subcommand was parsed.
int RunSubcommand(CLI::App& app);

}  // namespace scenescape
