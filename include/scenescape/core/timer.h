#pragma once
#include <chrono>

namespace scenescape {

// Wall-clock stopwatch.
class Timer {
 public:
  Timer() : start_(Clock::now()) {}
  void Restart() { start_ = Clock::now(); }
  double ElapsedSeconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
  double ElapsedMs() const { return ElapsedSeconds() * 1e3; }

 private:
  using Clock = std::chrono::steady_clock;
  Clock::time_point start_;
};

}  // namespace scenescape
