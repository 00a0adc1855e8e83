#pragma once
// Test helpers shared by every test executable.

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace scenescape::testing {

// A fresh empty folder under the system temp dir, unique per test.
std::filesystem::path CreateTestDir();

// ../shared beside the checkout (or $SCN_SHARED_DIR), if present.
std::optional<std::filesystem::path> SharedDir();

// The source tree (for configs/ and the like).
std::filesystem::path SourceDir();

// PSNR in dB between two float images in [0,1] of equal shape; `mask` (bool,
// broadcastable to the image's leading dims) limits the pixels compared.
double Psnr(const at::Tensor& a, const at::Tensor& b, const at::Tensor& mask = at::Tensor());

// Runs `command` through the shell with stderr merged into stdout; returns the
// exit code (128 + signal when killed) and stores the output.
int RunCommand(const std::string& command, std::string* output);

// RunCommand's exit code and output together.
struct CommandResult {
  int code = -1;
  std::string output;  // stdout + stderr
};
CommandResult Run(const std::string& command);

// The lines of `output` tagged "[error]": a failing command must print exactly one.
std::vector<std::string> ErrorLines(const std::string& output);

}  // namespace scenescape::testing

// Skips the current test, saying why, when ../shared is not there.
#define SCN_REQUIRE_SHARED(var)                                               \
  auto var##_opt = ::scenescape::testing::SharedDir();                        \
  if (!var##_opt) GTEST_SKIP() << "../shared is absent (set SCN_SHARED_DIR)"; \
  const std::filesystem::path var = *var##_opt
