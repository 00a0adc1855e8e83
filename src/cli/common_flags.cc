#include "cli/common_flags.h"

#include <cstdlib>
#include <optional>
#include <type_traits>

#include "scenescape/core/logging.h"

namespace scenescape {

namespace {

// Walks the config listing to the numeric key at `target` ("sampler.steps").
class RangeFinder {
 public:
  struct Found {
    Range range;
    bool integer = false;
  };
  RangeFinder(std::string target, std::string prefix, std::optional<Found>* found)
      : target_(std::move(target)), prefix_(std::move(prefix)), found_(found) {}

  template <typename T>
  void Number(const char* key, const T&, const Range& range, const char*) {
    if (Path(key) == target_) *found_ = Found{range, std::is_integral_v<T>};
  }
  void Auto(const char* key, const AutoNumber&, const Range& range, const char*, bool) {
    if (Path(key) == target_) *found_ = Found{range, false};
  }
  void Flag(const char*, const bool&, const char*) {}
  void Text(const char*, const std::string&, const char*) {}
  template <typename T>
  void Choice(const char*, const T&, const char*) {}
  template <typename S>
  void Section(const char* key, const S& sub) {
    RangeFinder child(target_, Path(key), found_);
    S::List(sub, child);
  }

 private:
  std::string Path(const char* key) const { return prefix_.empty() ? key : prefix_ + "." + key; }
  std::string target_, prefix_;
  std::optional<Found>* found_;
};

}  // namespace

CLI::Validator ConfigRange(const std::string& key_path) {
  std::optional<RangeFinder::Found> found;
  RangeFinder finder(key_path, "", &found);
  const Config defaults;
  Config::List(defaults, finder);
  if (!found) throw std::logic_error("ConfigRange: no numeric config key " + key_path);
  const RangeFinder::Found f = *found;
  return CLI::Validator(
      [f](std::string& text) -> std::string {
        char* end = nullptr;
        const double value = std::strtod(text.c_str(), &end);
        const bool number = !text.empty() && end == text.c_str() + text.size();
        if (number && f.range.Contains(value) &&
            (!f.integer || value == static_cast<double>(static_cast<int64_t>(value))))
          return "";
        return "expected " + f.range.Expected(f.integer) + ", got " + text;
      },
      f.range.Bounds());
}

void ConfigFlags::Add(CLI::App* app, const std::string& group) {
  app->add_option("-c,--config", file, "JSON config (see configs/default.json and configs/README.md)")->group(group);
  app->add_option("--set", sets, "Override a config key: --set render.supersample=3 (repeatable)")->group(group);
}

Config ConfigFlags::Load(std::string* source, const Config* base) const {
  nlohmann::json doc = base ? ConfigToJson(*base) : nlohmann::json::object();
  std::string what = base ? "the run's config" : "built-in defaults";
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
