#include "cli/common_flags.h"

#include "scenescape/core/logging.h"

namespace scenescape {

void ConfigFlags::Add(CLI::App* app, const std::string& group) {
  app->add_option("-c,--config", file, "JSON config (see configs/default.json and configs/README.md)")->group(group);
  app->add_option("--set", sets, "Override a config key: --set render.supersample=3 (repeatable)")->group(group);
}

Config ConfigFlags::Load(std::string* source) const {
  nlohmann::json doc = nlohmann::json::object();
  std::string what = "built-in defaults";
  if (!file.empty()) {
    doc = LoadConfigJson(file);
    what = file;
  }
  for (const auto& s : sets) ApplyOverride(doc, s);
  if (!sets.empty()) what += " + --set";
  if (source) *source = what;
  return ConfigFromJson(doc, what);
}

void LogFlags::Add(CLI::App* app, const std::string& group) {
  app->add_option("--log-level", level, "trace | debug | info | warn | error")->group(group);
  app->add_flag("-v,--verbose", verbose, "Same as --log-level debug")->group(group);
}

void LogFlags::Apply() const { SetLogLevel(verbose ? "debug" : level); }

}  // namespace scenescape
