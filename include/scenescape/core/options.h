#pragma once
// The vocabulary of option listings. Every options struct lists each of its
// keys once, next to its fields, with the key, the field, the range and the doc:
//
//   struct WarpOptions {
//     int supersample = 2;
//     template <class Self, class V>
//     static void List(Self& o, V& v) {
//       v.Number("supersample", o.supersample, Range::Closed(1, 4), "render at this factor, ...");
//     }
//   };
//
// Visitors walk a listing (Self is the struct or the const struct) to read JSON
// and write it (core/options_json.h), to check values (CheckOptions below) and to
// print the key table (config/config.h). Per key a listing calls one of
//   v.Number(key, field, Range, doc)     int, int64_t, uint64_t or double
//   v.Flag(key, bool field, doc)
//   v.Text(key, std::string field, doc)
//   v.Choice(key, field, doc)            a closed set: an enum with an EnumTable,
//                                        or a type with its own OptionCodec
//   v.Auto(key, AutoNumber field, Range, doc, nullable)
//   v.Section(key, sub)                  a nested object, listed by decltype(sub)::List
// Ranges are checked where the value enters (JSON, flags), and every message
// names the key path and the range: "render.supersample: expected an integer in
// [1, 4], got 0".

#include <array>
#include <cmath>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>

#include "scenescape/core/check.h"

namespace scenescape {

// The values a numeric option accepts: an interval (each end open or closed,
// possibly unbounded), finite values only, optionally odd integers only.
struct Range {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool lo_open = false;
  bool hi_open = false;
  bool odd = false;

  static Range AtLeast(double lo) { return {lo, std::numeric_limits<double>::infinity(), false, false, false}; }
  static Range Above(double lo) { return {lo, std::numeric_limits<double>::infinity(), true, false, false}; }
  static Range Closed(double lo, double hi) { return {lo, hi, false, false, false}; }
  static Range Open(double lo, double hi) { return {lo, hi, true, true, false}; }
  static Range OpenClosed(double lo, double hi) { return {lo, hi, true, false, false}; }
  Range Odd() const {
    Range r = *this;
    r.odd = true;
    return r;
  }

  bool Contains(double x) const {
    if (!std::isfinite(x)) return false;
    if (lo_open ? !(x > lo) : !(x >= lo)) return false;
    if (hi_open ? !(x < hi) : !(x <= hi)) return false;
    return !odd || std::fmod(std::abs(x), 2.0) == 1.0;
  }

  // "an integer in [1, 4]", "a number > 0", "an odd integer >= 1".
  std::string Expected(bool integer) const {
    std::string s = odd ? "an odd integer" : integer ? "an integer" : "a number";
    return s + " " + Bounds();
  }

  // "in [1, 4]", "> 0", ">= 0", "in (0, 1)".
  std::string Bounds() const {
    const bool has_lo = std::isfinite(lo), has_hi = std::isfinite(hi);
    if (has_lo && has_hi)
      return "in " + std::string(lo_open ? "(" : "[") + Format(lo) + ", " + Format(hi) + (hi_open ? ")" : "]");
    if (has_lo) return std::string(lo_open ? "> " : ">= ") + Format(lo);
    if (has_hi) return std::string(hi_open ? "< " : "<= ") + Format(hi);
    return "(any finite value)";
  }

  // Integral values as integers (1e6 prints "1000000"), others in the
  // stream's default (6 significant digits).
  template <typename T>
  static std::string Format(const T& value) {
    std::ostringstream s;
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isfinite(value) && std::floor(value) == value && std::abs(value) < 1e16) {
        s << static_cast<long long>(value);
        return s.str();
      }
    }
    s << value;
    return s.str();
  }
};

// A closed set of names for an enum, specialised next to the enum:
//   template <> struct EnumTable<Motion> {
//     static constexpr std::array<std::pair<Motion, const char*>, 2> kNames = {{
//         {Motion::kRotations, "rotations"}, {Motion::kRound, "round"}}};
//   };
template <typename E>
struct EnumTable;

// How a closed-set option is written as a string. Enums use their EnumTable;
// other types (core/device.h) specialise it.
template <typename T, typename Enable = void>
struct OptionCodec;

template <typename E>
struct OptionCodec<E, std::enable_if_t<std::is_enum_v<E>>> {
  static std::string Name(E value) {
    for (const auto& [e, name] : EnumTable<E>::kNames)
      if (e == value) return name;
    return "?";
  }
  static std::optional<E> Parse(const std::string& text) {
    for (const auto& [e, name] : EnumTable<E>::kNames)
      if (text == name) return e;
    return std::nullopt;
  }
  // "a, b or c".
  static std::string Expected() {
    std::string s;
    const size_t n = EnumTable<E>::kNames.size();
    for (size_t i = 0; i < n; ++i)
      s += (i == 0 ? "" : i + 1 == n ? " or " : ", ") + std::string(EnumTable<E>::kNames[i].second);
    return s;
  }
};

template <typename T>
std::string OptionName(const T& value) {
  return OptionCodec<T>::Name(value);
}

// Parses a closed-set value; InputError "<what>: expected <choices>, got "<text>"".
template <typename T>
T ParseOption(const std::string& text, const std::string& what) {
  if (const std::optional<T> v = OptionCodec<T>::Parse(text)) return *v;
  throw InputError(what + ": expected " + OptionCodec<T>::Expected() + ", got \"" + text + "\"");
}

// A number that may instead be "auto" (decided when the run starts) or, where the
// listing says nullable, unset (null in JSON).
struct AutoNumber {
  bool is_auto = false;
  std::optional<double> value;  // set and !is_auto: a number; neither: unset

  static AutoNumber Auto() { return {true, std::nullopt}; }
  static AutoNumber Of(double v) { return {false, v}; }
  bool operator==(const AutoNumber& o) const { return is_auto == o.is_auto && value == o.value; }
};

// Checks every value of a listed struct against its listing; throws InputError
// "<prefix>.<key>: expected <range>, got <value>".
class OptionChecker {
 public:
  explicit OptionChecker(std::string prefix) : prefix_(std::move(prefix)) {}

  template <typename T>
  void Number(const char* key, const T& value, const Range& range, const char*) {
    if (!range.Contains(static_cast<double>(value)))
      Fail(key, range.Expected(std::is_integral_v<T>), Range::Format(value));
  }
  void Flag(const char*, const bool&, const char*) {}
  void Text(const char*, const std::string&, const char*) {}
  template <typename T>
  void Choice(const char*, const T&, const char*) {}  // closed by its type
  void Auto(const char* key, const AutoNumber& value, const Range& range, const char*, bool) {
    if (!value.is_auto && value.value && !range.Contains(*value.value))
      Fail(key, range.Expected(false), Range::Format(*value.value));
  }
  template <typename S>
  void Section(const char* key, const S& sub) {
    OptionChecker child(Path(key));
    S::List(sub, child);
  }

 private:
  std::string Path(const char* key) const { return prefix_.empty() ? key : prefix_ + "." + key; }
  [[noreturn]] void Fail(const char* key, const std::string& expected, const std::string& got) const {
    throw InputError(Path(key) + ": expected " + expected + ", got " + got);
  }
  std::string prefix_;
};

// Checks `options` against S::List; `prefix` is the struct's key path in the
// config ("trajectory"), or empty at the top level.
template <typename S>
void CheckOptions(const S& options, const std::string& prefix) {
  OptionChecker checker(prefix);
  S::List(options, checker);
}

}  // namespace scenescape
