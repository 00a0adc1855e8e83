#pragma once
// Throwing checks. Library code never aborts: every failed check throws
// scenescape::Error (or a subclass that selects the process exit code).
//
//   SCN_CHECK(x > 0) << "x must be positive, got " << x;
//   SCN_CHECK_EQ(a, b);
//   throw InputError("config.json: render.supersample: expected an integer in [1, 4], got 0");

#include <sstream>
#include <stdexcept>
#include <string>

namespace scenescape {

// Process exit codes (documented in the README).
enum class ExitCode : int {
  kOk = 0,
  kRuntime = 1,          // anything that went wrong while running
  kBadInput = 2,         // bad arguments, config, trajectory file or image
  kMissingResource = 3,  // a model folder / file that is not there or unusable
  kOutput = 4,           // the output folder cannot be written
};

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what, ExitCode code = ExitCode::kRuntime) : std::runtime_error(what), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

// Bad user input: arguments, config keys and values, trajectory files, images.
class InputError : public Error {
 public:
  explicit InputError(const std::string& what) : Error(what, ExitCode::kBadInput) {}
};

// A model or resource that is missing or does not meet its contract.
class ResourceError : public Error {
 public:
  explicit ResourceError(const std::string& what) : Error(what, ExitCode::kMissingResource) {}
};

// The output location cannot be created or written.
class OutputError : public Error {
 public:
  explicit OutputError(const std::string& what) : Error(what, ExitCode::kOutput) {}
};

namespace internal {
// Collects a message with operator<< and throws when destroyed.
template <typename E>
class Thrower {
 public:
  Thrower(const char* file, int line, const char* expr) {
    stream_ << "[" << Basename(file) << ":" << line << "] Check failed: " << expr;
  }
  [[noreturn]] ~Thrower() noexcept(false) { throw E(stream_.str()); }
  template <typename T>
  Thrower& operator<<(const T& value) {
    if (!has_message_) {
      stream_ << ": ";
      has_message_ = true;
    }
    stream_ << value;
    return *this;
  }

 private:
  static const char* Basename(const char* path) {
    const char* base = path;
    for (const char* p = path; *p; ++p)
      if (*p == '/') base = p + 1;
    return base;
  }
  std::ostringstream stream_;
  bool has_message_ = false;
};
}  // namespace internal

}  // namespace scenescape

#define SCN_CHECK(cond) \
  if (cond) {           \
  } else                \
    ::scenescape::internal::Thrower<::scenescape::Error>(__FILE__, __LINE__, #cond)

#define SCN_CHECK_OP(a, op, b) SCN_CHECK((a)op(b)) << "(" << (a) << " vs " << (b) << ") "
#define SCN_CHECK_EQ(a, b) SCN_CHECK_OP(a, ==, b)
#define SCN_CHECK_NE(a, b) SCN_CHECK_OP(a, !=, b)
#define SCN_CHECK_GT(a, b) SCN_CHECK_OP(a, >, b)
#define SCN_CHECK_GE(a, b) SCN_CHECK_OP(a, >=, b)
#define SCN_CHECK_LT(a, b) SCN_CHECK_OP(a, <, b)
#define SCN_CHECK_LE(a, b) SCN_CHECK_OP(a, <=, b)
