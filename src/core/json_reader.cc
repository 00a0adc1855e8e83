#include "scenescape/core/json_reader.h"

#include <stdexcept>
#include <system_error>

#include "scenescape/core/fs.h"
#include "scenescape/core/limits.h"

namespace scenescape {
using nlohmann::json;

namespace {

// Why a text is not a document within the limits: a syntax error, a number
// beyond double's range, too deep, too long. Empty when it is one.
struct ParseOutcome {
  json doc;
  std::string problem;
};

// nlohmann's parser is iterative, but its dump, copy and comparison recurse, so a
// deep document must be stopped while it is parsed: the callback sees every
// array and object start with its depth before the value is built.
ParseOutcome Parse(const std::string& text) {
  if (text.size() > limits::kMaxJsonBytes)
    return {json(),
            "not read: " + std::to_string(text.size()) + " bytes, more than the limit of " +
                std::to_string(limits::kMaxJsonBytes) + " for a JSON document"};
  bool too_deep = false;
  const json::parser_callback_t limit_depth = [&too_deep](int depth, json::parse_event_t event, json&) {
    if ((event == json::parse_event_t::object_start || event == json::parse_event_t::array_start) &&
        depth >= limits::kMaxJsonDepth) {
      too_deep = true;
      // Ends the parse at once: the document built so far is destroyed by nlohmann's non-recursive destructor.
      throw std::length_error("too deep");
    }
    return true;
  };
  try {
    return {json::parse(text, limit_depth), ""};
  } catch (const std::length_error&) {
    if (!too_deep) throw;
    return {json(),
            "not read: arrays and objects nested deeper than " + std::to_string(limits::kMaxJsonDepth) + " levels"};
  } catch (const json::exception& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line 3, ..." or
    // "[json.exception.out_of_range.406] number overflow parsing '1e999'".
    std::string what = e.what();
    const size_t pos = what.find("] ");
    if (pos != std::string::npos) what = what.substr(pos + 2);
    return {json(), "not valid JSON: " + what};
  }
}

[[noreturn]] void Throw(const std::string& message, ExitCode code) {
  if (code == ExitCode::kMissingResource) throw ResourceError(message);
  throw InputError(message);
}

}  // namespace

json ParseJson(const std::string& text, const std::string& source, ExitCode code) {
  ParseOutcome outcome = Parse(text);
  if (!outcome.problem.empty()) Throw(source + ": " + outcome.problem, code);
  return std::move(outcome.doc);
}

json ReadJsonFile(const std::filesystem::path& file, ExitCode code) {
  try {
    return ParseJson(ReadFile(file, limits::kMaxJsonBytes), file.string(), code);
  } catch (const InputError& e) {
    Throw(e.what(), code);
  }
}

std::optional<json> TryParseJson(const std::string& text) {
  ParseOutcome outcome = Parse(text);
  if (!outcome.problem.empty()) return std::nullopt;
  return std::move(outcome.doc);
}

JsonReader::JsonReader(const json& object, std::string path, FailFn fail)
    : object_(object), path_(std::move(path)), fail_(std::move(fail)) {
  if (!object_.is_object()) Fail(path_.empty() ? "(top level)" : path_, "expected an object, got " + Brief(object_));
}

void JsonReader::Fail(const std::string& key_path, const std::string& problem) const {
  fail_(key_path, problem);
  throw std::logic_error("JsonReader: the failure callback returned");  // it must throw
}

std::string JsonReader::KeyPath(const std::string& key) const {
  if (key.empty()) return path_;
  return path_.empty() ? key : path_ + "." + key;
}

std::string JsonReader::Brief(const json& value) {
  // replace: a message about a value must not itself fail on a string that is not UTF-8.
  std::string s = value.dump(-1, ' ', false, json::error_handler_t::replace);
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

const json* JsonReader::Find(const char* key) {
  seen_.insert(key);
  const auto it = object_.find(key);
  return it == object_.end() ? nullptr : &*it;
}

void JsonReader::Read(const char* key, std::string& out) {
  if (const json* j = Find(key)) {
    if (!j->is_string()) Fail(KeyPath(key), "expected a string, got " + Brief(*j));
    out = j->get<std::string>();
  }
}

void JsonReader::Read(const char* key, bool& out) {
  if (const json* j = Find(key)) {
    if (!j->is_boolean()) Fail(KeyPath(key), "expected true or false, got " + Brief(*j));
    out = j->get<bool>();
  }
}

void JsonReader::Read(const char* key, double& out) {
  if (const json* j = Find(key)) {
    if (!j->is_number()) Fail(KeyPath(key), "expected a number, got " + Brief(*j));
    out = j->get<double>();
  }
}

void JsonReader::Read(const char* key, int& out) {
  if (const json* j = Find(key)) {
    if (!j->is_number_integer() || j->get<int64_t>() != static_cast<int>(j->get<int64_t>()))
      Fail(KeyPath(key), "expected an integer, got " + Brief(*j));
    out = j->get<int>();
  }
}

void JsonReader::Read(const char* key, int64_t& out) {
  if (const json* j = Find(key)) {
    if (!j->is_number_integer()) Fail(KeyPath(key), "expected an integer, got " + Brief(*j));
    out = j->get<int64_t>();
  }
}

void JsonReader::Read(const char* key, uint64_t& out) {
  if (const json* j = Find(key)) {
    if (!j->is_number_integer() || (j->is_number_integer() && !j->is_number_unsigned() && j->get<int64_t>() < 0))
      Fail(KeyPath(key), "expected a non-negative integer, got " + Brief(*j));
    out = j->get<uint64_t>();
  }
}

void JsonReader::Read(const char* key, std::array<double, 3>& out) {
  if (const json* j = Find(key)) {
    if (!j->is_array() || j->size() != 3) Fail(KeyPath(key), "expected an array of 3 numbers, got " + Brief(*j));
    for (int i = 0; i < 3; ++i) {
      if (!(*j)[i].is_number()) Fail(KeyPath(key), "expected an array of 3 numbers, got " + Brief(*j));
      out[i] = (*j)[i].get<double>();
    }
  }
}

void JsonReader::Read(const char* key, json& out) {
  if (const json* j = Find(key)) out = *j;
}

void JsonReader::ReadChoice(const char* key, std::string& out, std::initializer_list<const char*> choices) {
  Read(key, out);
  for (const char* c : choices)
    if (out == c) return;
  std::string list;
  for (const char* c : choices) list += (list.empty() ? "\"" : " | \"") + std::string(c) + "\"";
  Fail(KeyPath(key), "expected " + list + ", got \"" + out + "\"");
}

JsonReader JsonReader::Child(const char* key, bool required) {
  static const json kEmpty = json::object();
  const json* j = Find(key);
  if (!j && required) Fail(KeyPath(key), "missing");
  return JsonReader(j ? *j : kEmpty, KeyPath(key), fail_);
}

void JsonReader::Finish() const {
  for (const auto& item : object_.items())
    if (!seen_.count(item.key())) Fail(KeyPath(item.key()), "unknown key");
}

}  // namespace scenescape
