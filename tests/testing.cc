#include "testing.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <sstream>

namespace scenescape::testing {
namespace fs = std::filesystem;

fs::path CreateTestDir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info ? std::string(info->test_suite_name()) + "_" + info->name() : "test";
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  const fs::path dir = fs::temp_directory_path() / ("scenescape_test_" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::optional<fs::path> SharedDir() {
  if (const char* env = std::getenv("SCN_SHARED_DIR")) {
    if (fs::is_directory(env)) return fs::path(env);
  }
  for (fs::path p : {fs::path("../shared"), fs::path("../../shared")})
    if (fs::is_directory(p)) return fs::absolute(p);
  return std::nullopt;
}

fs::path SourceDir() {
  if (const char* env = std::getenv("SCN_SOURCE_DIR")) return env;
  return fs::current_path();
}

double Psnr(const at::Tensor& a, const at::Tensor& b, const at::Tensor& mask) {
  at::Tensor diff = (a.to(at::kDouble) - b.to(at::kDouble)).pow(2);
  double mse;
  if (mask.defined()) {
    at::Tensor m = mask.to(at::kDouble);
    while (m.dim() < diff.dim()) m = m.unsqueeze(-1);
    m = m.expand_as(diff);
    mse = (diff * m).sum().item<double>() / std::max(1.0, m.sum().item<double>());
  } else {
    mse = diff.mean().item<double>();
  }
  if (mse <= 1e-20) return 200.0;
  return 10.0 * std::log10(1.0 / mse);
}

int RunCommand(const std::string& command, std::string* output) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return -1;
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  const int status = pclose(pipe);
  if (output) *output = out;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

CommandResult Run(const std::string& command) {
  CommandResult r;
  r.code = RunCommand(command, &r.output);
  return r;
}

std::vector<std::string> ErrorLines(const std::string& output) {
  std::vector<std::string> lines;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);)
    if (line.find("[error]") != std::string::npos) lines.push_back(line);
  return lines;
}

}  // namespace scenescape::testing
