#pragma once
// The device option: "auto", "cpu", "cuda" or "cuda:N". This header only holds
// the setting and its spelling; the torch back end turns it into a c10::Device
// (backends/torch/torch_backend.h: ResolveDevice), once, before the run.

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>

#include "scenescape/core/logging.h"
#include "scenescape/core/options.h"

namespace scenescape {

struct DeviceSetting {
  enum class Kind { kAuto, kCpu, kCuda };
  Kind kind = Kind::kAuto;
  int index = -1;  // kCuda: the GPU index of "cuda:N"; -1 for plain "cuda"

  bool operator==(const DeviceSetting& o) const { return kind == o.kind && index == o.index; }
  bool operator!=(const DeviceSetting& o) const { return !(*this == o); }
};

template <>
struct OptionCodec<DeviceSetting> {
  static std::string Name(const DeviceSetting& d) {
    switch (d.kind) {
      case DeviceSetting::Kind::kAuto:
        return "auto";
      case DeviceSetting::Kind::kCpu:
        return "cpu";
      case DeviceSetting::Kind::kCuda:
        return d.index < 0 ? "cuda" : "cuda:" + std::to_string(d.index);
    }
    return "?";
  }
  static std::optional<DeviceSetting> Parse(const std::string& text) {
    if (text == "auto") return DeviceSetting{DeviceSetting::Kind::kAuto, -1};
    if (text == "cpu") return DeviceSetting{DeviceSetting::Kind::kCpu, -1};
    if (text == "cuda") return DeviceSetting{DeviceSetting::Kind::kCuda, -1};
    if (text.rfind("cuda:", 0) == 0 && text.size() > 5 && text.size() <= 7 &&
        text.find_first_not_of("0123456789", 5) == std::string::npos)
      return DeviceSetting{DeviceSetting::Kind::kCuda, std::stoi(text.substr(5))};
    return std::nullopt;
  }
  static std::string Expected() { return "auto, cpu, cuda or cuda:N"; }
};

// The CPU thread count for the config's `threads`: itself when > 0, else OMP_NUM_THREADS when set
// (schedulers such as Slurm set it to the job's CPUs), else every core. Always in [1, cores]: more
// threads than cores only add contention (OpenMP threads spin while they wait, so 1024 threads on 2
// cores do not finish a frame in any useful time), so a larger count is capped with a warning.
inline int ResolveThreads(int threads) {
  if (threads <= 0 && std::getenv("OMP_NUM_THREADS")) threads = std::atoi(std::getenv("OMP_NUM_THREADS"));
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (threads <= 0) threads = cores;
  if (threads > cores) {
    SCN_LOG_WARN("{} threads asked for, more than the {} cores here: using {}", threads, cores, cores);
    threads = cores;
  }
  return threads;
}

}  // namespace scenescape
