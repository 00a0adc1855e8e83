#pragma once
// JSON reading and writing of listed options structs (core/options.h).
//
//   JsonReader r(doc, "", fail);
//   ReadOptions(r, config);   // every listed key: type, closed set and range
//   r.Finish();               // unknown keys
//   const nlohmann::json doc = WriteOptions(config);
//
// Absent keys keep the struct's value (its default). Closed sets are written as
// their names, AutoNumber as "auto", null or the number.

#include <nlohmann/json.hpp>

#include <string>
#include <type_traits>

#include "scenescape/core/json_reader.h"
#include "scenescape/core/options.h"

namespace scenescape {

class OptionReader {
 public:
  explicit OptionReader(JsonReader& reader) : r_(reader) {}

  template <typename T>
  void Number(const char* key, T& field, const Range& range, const char*) {
    if (!r_.Has(key)) return;
    r_.Read(key, field);
    if (!range.Contains(static_cast<double>(field)))
      r_.Fail(r_.KeyPath(key), "expected " + range.Expected(std::is_integral_v<T>) + ", got " + Range::Format(field));
  }
  void Flag(const char* key, bool& field, const char*) { r_.Read(key, field); }
  void Text(const char* key, std::string& field, const char*) { r_.Read(key, field); }
  template <typename T>
  void Choice(const char* key, T& field, const char*) {
    const nlohmann::json* j = r_.Find(key);
    if (!j) return;
    const std::optional<T> value = j->is_string() ? OptionCodec<T>::Parse(j->get<std::string>()) : std::nullopt;
    if (!value) r_.Fail(r_.KeyPath(key), "expected " + OptionCodec<T>::Expected() + ", got " + JsonReader::Brief(*j));
    field = *value;
  }
  void Auto(const char* key, AutoNumber& field, const Range& range, const char*, bool nullable) {
    const nlohmann::json* j = r_.Find(key);
    if (!j) return;
    if (j->is_string() && j->get<std::string>() == "auto") {
      field = AutoNumber::Auto();
    } else if (j->is_null() && nullable) {
      field = AutoNumber{};
    } else if (j->is_number()) {
      const double v = j->get<double>();
      if (!range.Contains(v))
        r_.Fail(r_.KeyPath(key), "expected " + range.Expected(false) + ", got " + Range::Format(v));
      field = AutoNumber::Of(v);
    } else {
      r_.Fail(
          r_.KeyPath(key),
          std::string("expected a number, \"auto\"") + (nullable ? " or null" : "") + ", got " + JsonReader::Brief(*j));
    }
  }
  template <typename S>
  void Section(const char* key, S& sub) {
    JsonReader child = r_.Child(key);
    OptionReader reader(child);
    S::List(sub, reader);
    child.Finish();
  }

 private:
  JsonReader& r_;
};

class OptionWriter {
 public:
  explicit OptionWriter(nlohmann::json& out) : out_(out) {}

  template <typename T>
  void Number(const char* key, const T& field, const Range&, const char*) {
    out_[key] = field;
  }
  void Flag(const char* key, const bool& field, const char*) { out_[key] = field; }
  void Text(const char* key, const std::string& field, const char*) { out_[key] = field; }
  template <typename T>
  void Choice(const char* key, const T& field, const char*) {
    out_[key] = OptionCodec<T>::Name(field);
  }
  void Auto(const char* key, const AutoNumber& field, const Range&, const char*, bool) {
    out_[key] = field.is_auto ? nlohmann::json("auto") : field.value ? nlohmann::json(*field.value) : nlohmann::json();
  }
  template <typename S>
  void Section(const char* key, const S& sub) {
    nlohmann::json child = nlohmann::json::object();
    OptionWriter writer(child);
    S::List(sub, writer);
    out_[key] = child;
  }

 private:
  nlohmann::json& out_;
};

// Reads every listed key of S present in `reader`'s object (not Finish).
template <typename S>
void ReadOptions(JsonReader& reader, S& options) {
  OptionReader visitor(reader);
  S::List(options, visitor);
}

// The JSON object of every listed key of S.
template <typename S>
nlohmann::json WriteOptions(const S& options) {
  nlohmann::json out = nlohmann::json::object();
  OptionWriter visitor(out);
  S::List(options, visitor);
  return out;
}

}  // namespace scenescape
