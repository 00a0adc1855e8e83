#pragma once
// Shared by the libFuzzer targets (tests/fuzz/README.md). A parser of user files
// may only answer bad input with InputError or ResourceError (exit codes 2 and
// 3, one line naming the file): any other exception, a "Check failed" Error
// (exit 1), a crash or a sanitizer report is a finding.

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "scenescape/core/check.h"
#include "scenescape/core/fs.h"

namespace scenescape::fuzz {

inline std::string Text(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// A folder of this process's own (tmpfs when there is one: targets that read
// files write every input there).
inline const std::filesystem::path& Scratch() {
  static const std::filesystem::path dir = [] {
    const std::filesystem::path base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
    const std::filesystem::path d = base / ("scenescape_fuzz_" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

// Runs `parse`; bad input must come back as InputError or ResourceError.
template <typename F>
void ExpectCleanRefusal(F&& parse) {
  try {
    parse();
  } catch (const InputError&) {
  } catch (const ResourceError&) {
  } catch (const Error& e) {
    std::fprintf(stderr, "finding: an error that is not a bad-input error: %s\n", e.what());
    std::abort();
  }
}

}  // namespace scenescape::fuzz
