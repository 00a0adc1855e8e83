#pragma once
// One redrawn status line for inner loops (diffusion steps, fine-tuning
// iterations): "  depth fine-tuning  120/300  41.3 it/s". Drawn on stderr with
// '\r' only when stderr is a terminal (logs and pipes stay clean), finished with
// a newline.

#include <string>

#include "scenescape/core/timer.h"

namespace scenescape {

class ProgressLine {
 public:
  explicit ProgressLine(std::string label);
  ~ProgressLine();
  // step in [1, total].
  void Update(int step, int total);

 private:
  std::string label_;
  Timer timer_;
  bool enabled_;
  bool drawn_ = false;
};

}  // namespace scenescape
