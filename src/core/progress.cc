#include "scenescape/core/progress.h"

#include <unistd.h>

#include <cstdio>

namespace scenescape {

ProgressLine::ProgressLine(std::string label) : label_(std::move(label)), enabled_(::isatty(STDERR_FILENO) == 1) {}

ProgressLine::~ProgressLine() {
  if (drawn_) std::fputc('\n', stderr);
}

void ProgressLine::Update(int step, int total) {
  if (!enabled_) return;
  const double seconds = timer_.ElapsedSeconds();
  const double rate = seconds > 0 ? step / seconds : 0.0;
  if (rate >= 1.0 || rate == 0.0)
    std::fprintf(stderr, "\r  %-20s %4d/%-4d %7.1f it/s ", label_.c_str(), step, total, rate);
  else
    std::fprintf(stderr, "\r  %-20s %4d/%-4d %7.2f s/it ", label_.c_str(), step, total, 1.0 / rate);
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace scenescape
