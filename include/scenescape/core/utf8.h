#pragma once
// Whether text can become a JSON string. Arguments, --set assignments and prompts end up in run.json, and
// nlohmann_json refuses to write a string that is not UTF-8 (type_error 316, a raw library message); the readers
// check here first and refuse the input with a line of their own.

#include <nlohmann/json.hpp>

#include <string>

namespace scenescape {

// True when `text` is valid UTF-8. Uses nlohmann_json's own encoder, so the answer is exactly "can be written".
inline bool IsUtf8(const std::string& text) {
  try {
    (void)nlohmann::json(text).dump();
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

// `text` as a JSON string with each invalid byte replaced by U+FFFD (for messages about such text).
inline std::string QuotedReplacingInvalid(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace scenescape
