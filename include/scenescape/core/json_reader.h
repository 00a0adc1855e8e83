#pragma once
// The project's JSON reading: ParseJson turns text into a document (every JSON
// the tool reads goes through it or ReadJsonFile, so every document is held to
// the size and nesting limits of core/limits.h: a document nested 100000 deep is
// refused while it is parsed, before the recursive parts of nlohmann_json
// (dump, copy, comparison) could overflow the stack), and JsonReader reads one JSON object
// into typed fields, naming the full key path in every error, and rejects the
// keys nobody asked for (Finish). Used by the config and its option listings
// (core/options_json.h), the model manifest (ResourceError), batch job files and
// the run folder's records.
//
//   JsonReader r(doc, "", [&](const std::string& key, const std::string& problem) {
//     throw InputError(file + ": " + key + ": " + problem);
//   });
//   r.Read("frames", frames);              // optional: left alone when absent
//   JsonReader render = r.Child("render");
//   render.Read("supersample", ss);
//   render.Finish();                        // "render.supersampel: unknown key"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "scenescape/core/check.h"

namespace scenescape {

// Parses `text`. Throws InputError (or, with ExitCode::kMissingResource,
// ResourceError) naming `source` on a syntax error ("<source>: not valid JSON:
// <where>"), a number beyond double's range ("1e999"), nesting deeper than
// limits::kMaxJsonDepth or text longer than limits::kMaxJsonBytes.
nlohmann::json ParseJson(const std::string& text, const std::string& source, ExitCode code = ExitCode::kBadInput);

// ParseJson of a whole file, its size checked before it is read; a missing or
// unreadable file is the same kind of error, naming the file.
nlohmann::json ReadJsonFile(const std::filesystem::path& file, ExitCode code = ExitCode::kBadInput);

// The document, or nullopt when `text` is not JSON or is beyond the limits
// (probes: a --set value that may be a bare word, sniffing a file's kind).
std::optional<nlohmann::json> TryParseJson(const std::string& text);

class JsonReader {
 public:
  // Called with (key path, problem); must throw.
  using FailFn = std::function<void(const std::string& key_path, const std::string& problem)>;

  // `object` must outlive the reader. Fails when it is not an object.
  JsonReader(const nlohmann::json& object, std::string path, FailFn fail);

  [[noreturn]] void Fail(const std::string& key_path, const std::string& problem) const;
  // "a.b.key"; the object's own path for an empty key.
  std::string KeyPath(const std::string& key) const;
  bool Has(const char* key) const { return object_.contains(key); }
  // Marks `key` as known and returns its value, or nullptr when absent.
  const nlohmann::json* Find(const char* key);

  // Optional typed values: absent keys leave `out` unchanged; a wrong type fails.
  void Read(const char* key, std::string& out);
  void Read(const char* key, bool& out);
  void Read(const char* key, double& out);
  void Read(const char* key, int& out);
  void Read(const char* key, int64_t& out);
  void Read(const char* key, uint64_t& out);
  void Read(const char* key, std::array<double, 3>& out);
  // Any value (kept as JSON: sub-records the caller reads itself).
  void Read(const char* key, nlohmann::json& out);
  // A string that must be one of `choices`.
  void ReadChoice(const char* key, std::string& out, std::initializer_list<const char*> choices);
  void Require(const char* key, bool ok, const std::string& what) const {
    if (!ok) Fail(KeyPath(key), what);
  }

  // The object under `key`; an absent key reads as an empty object unless
  // `required`, which fails with "missing".
  JsonReader Child(const char* key, bool required = false);
  // Fails on the first key that no Read/Find asked for: "key.path: unknown key".
  void Finish() const;

  // A short rendering of a value for messages.
  static std::string Brief(const nlohmann::json& value);

 private:
  const nlohmann::json& object_;
  std::string path_;
  FailFn fail_;
  std::set<std::string> seen_;
};

}  // namespace scenescape
