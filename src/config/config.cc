#include "scenescape/config/config.h"

#include <sstream>
#include <vector>

#include "scenescape/core/check.h"
#include "scenescape/core/fs.h"
#include "scenescape/core/json_reader.h"
#include "scenescape/core/options_json.h"
#include "scenescape/core/utf8.h"

namespace scenescape {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json LoadChain(const fs::path& file, std::vector<fs::path>& chain) {
  const fs::path canonical = fs::weakly_canonical(file);
  for (const auto& p : chain)
    if (p == canonical) throw InputError(file.string() + ": \"parent\" chain has a cycle");
  chain.push_back(canonical);
  if (!fs::exists(file)) throw InputError(file.string() + ": config file not found");
  json doc = ReadJsonFile(file);
  if (!doc.is_object()) throw InputError(file.string() + ": expected a JSON object at the top level");
  if (doc.contains("parent")) {
    if (!doc["parent"].is_string()) throw InputError(file.string() + ": parent: expected a file name");
    const fs::path parent = file.parent_path() / doc["parent"].get<std::string>();
    json base = LoadChain(parent, chain);
    doc.erase("parent");
    base.merge_patch(doc);
    return base;
  }
  return doc;
}

// Prints the listing as Markdown rows: | `key` | default | accepted | meaning |.
class KeyTableWriter {
 public:
  KeyTableWriter(std::string prefix, std::string& out) : prefix_(std::move(prefix)), out_(out) {}

  template <typename T>
  void Number(const char* key, const T& value, const Range& range, const char* doc) {
    Row(key,
        Range::Format(value),
        std::string(std::is_integral_v<T> ? "integer " : "number ") + Escape(range.Bounds()) +
            (range.odd ? ", odd" : ""),
        doc);
  }
  void Flag(const char* key, const bool& value, const char* doc) {
    Row(key, value ? "true" : "false", "true, false", doc);
  }
  void Text(const char* key, const std::string& value, const char* doc) {
    // The prompts are long: the table points at default.json instead.
    Row(key, value.empty() ? "`\"\"`" : value.size() > 30 ? "see `default.json`" : "`" + value + "`", "text", doc);
  }
  template <typename T>
  void Choice(const char* key, const T& value, const char* doc) {
    Row(key, "`" + OptionName(value) + "`", OptionCodec<T>::Expected(), doc);
  }
  void Auto(const char* key, const AutoNumber& value, const Range& range, const char* doc, bool nullable) {
    const std::string shown = value.is_auto ? "`\"auto\"`" : value.value ? Range::Format(*value.value) : "null";
    Row(key, shown, "number " + Escape(range.Bounds()) + ", `\"auto\"`" + (nullable ? ", null" : ""), doc);
  }
  template <typename S>
  void Section(const char* key, const S& sub) {
    KeyTableWriter child(Path(key), out_);
    S::List(sub, child);
  }

 private:
  static std::string Escape(std::string text) {
    for (size_t p = text.find('|'); p != std::string::npos; p = text.find('|', p + 2)) text.insert(p, "\\");
    return text;
  }
  std::string Path(const char* key) const { return prefix_.empty() ? key : prefix_ + "." + key; }
  void Row(const char* key, const std::string& value, const std::string& accepted, const char* doc) {
    out_ += "| `" + Path(key) + "` | " + value + " | " + accepted + " | " + doc + " |\n";
  }
  std::string prefix_;
  std::string& out_;
};

}  // namespace

json LoadConfigJson(const fs::path& file) {
  std::vector<fs::path> chain;
  json doc = LoadChain(file, chain);
  // Relative trajectory files resolve against the config that names them.
  if (doc.contains("trajectory") && doc["trajectory"].is_object() && doc["trajectory"].contains("file") &&
      doc["trajectory"]["file"].is_string()) {
    const fs::path p = doc["trajectory"]["file"].get<std::string>();
    if (!p.empty() && p.is_relative() && !fs::exists(p)) doc["trajectory"]["file"] = (file.parent_path() / p).string();
  }
  return doc;
}

void ApplyOverride(json& doc, const std::string& assignment) {
  const size_t eq = assignment.find('=');
  // Keys and values become JSON (and run.json): text that is not UTF-8 is refused here, not when it is written.
  if (!IsUtf8(assignment)) throw InputError("--set " + QuotedReplacingInvalid(assignment) + ": not valid UTF-8");
  if (eq == std::string::npos || eq == 0) throw InputError("--set " + assignment + ": expected key.path=value");
  const std::string key = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  // Bare words are strings: --set trajectory.type=round.
  const json value = TryParseJson(text).value_or(json(text));
  json* node = &doc;
  std::stringstream ss(key);
  std::string part;
  std::vector<std::string> parts;
  while (std::getline(ss, part, '.')) parts.push_back(part);
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    json& next = (*node)[parts[i]];
    if (next.is_null()) next = json::object();
    if (!next.is_object()) throw InputError("--set " + key + ": " + parts[i] + " is not an object");
    node = &next;
  }
  (*node)[parts.back()] = value;
}

Config ConfigFromJson(const json& doc, const std::string& source) {
  Config c;
  JsonReader r(doc, "", [source](const std::string& key, const std::string& problem) {
    throw InputError(source + ": " + key + ": " + problem);
  });
  ReadOptions(r, c);
  r.Find("parent");  // already resolved by LoadConfigJson
  r.Finish();
  CheckConfig(c, source);
  return c;
}

json ConfigToJson(const Config& c) { return WriteOptions(c); }

void ApplyTrajectoryArgument(TrajectoryOptions& trajectory, const std::string& value, const std::string& what) {
  const std::optional<Motion> motion = OptionCodec<Motion>::Parse(value);
  if (motion && *motion != Motion::kFile) {
    trajectory.type = *motion;
    return;
  }
  if (!fs::exists(value))
    throw InputError(what + " " + value +
                     ": not a built-in motion (rotations, translations, round, forward) and no such keyframe file, "
                     "transforms.json or COLMAP folder");
  trajectory.type = Motion::kFile;
  trajectory.file = value;
}

void CheckConfig(const Config& c, const std::string& source) {
  try {
    CheckOptions(c, "");
    c.trajectory.Check("trajectory");
  } catch (const InputError& e) {
    throw InputError(source + ": " + e.what());
  }
  if (c.backend == Backend::kTorch && c.models.empty())
    throw InputError(source +
                     ": models: expected a model folder for backend \"torch\" (see models/README.md), got \"\"");
}

std::string ConfigKeyTable() {
  std::string table = "| key | default | accepted | meaning |\n|---|---|---|---|\n";
  KeyTableWriter writer("", table);
  const Config defaults;
  Config::List(defaults, writer);
  return table;
}

GeneratorOptions ToGeneratorOptions(const Config& config, const CameraPath& path) {
  GeneratorOptions g;
  g.frames = config.frames;
  g.seed = config.seed;
  g.prompt = config.prompt;
  g.negative_prompt = config.negative_prompt;
  g.intrinsics = config.camera.ToIntrinsics();
  g.path = path;
  g.meshing = config.mesh;
  g.warp = config.render;
  g.inpaint = config.inpaint;
  return g;
}

}  // namespace scenescape
