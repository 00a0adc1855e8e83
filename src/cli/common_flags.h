#pragma once
// The flags several commands share, defined once: the config (-c/--config,
// --set) and logging (--log-level, -v).

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "scenescape/config/config.h"

namespace scenescape {

// A CLI11 check holding a flag to the range the config listing gives its key
// ("frames", "sampler.steps"; config/config.h is the one place a range is
// written): "--frames: expected an integer in [1, 100000], got -5".
CLI::Validator ConfigRange(const std::string& key_path);

struct ConfigFlags {
  std::string file;               // -c, --config
  std::vector<std::string> sets;  // --set key.path=value (repeatable)

  void Add(CLI::App* app, const std::string& group = "Config");
  // Defaults < file (with its parent chain) < --set; *source names what was
  // read, for error messages. With `base` and no file: base < --set.
  Config Load(std::string* source, const Config* base = nullptr) const;
  bool Given() const { return !file.empty() || !sets.empty(); }
};

struct LogFlags {
  std::string level = "info";  // --log-level
  bool verbose = false;        // -v: debug

  void Add(CLI::App* app, const std::string& group = "Config");
  // Sets the logger's level.
  void Apply() const;
};

}  // namespace scenescape
