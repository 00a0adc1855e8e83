#pragma once
// Per-frame progress of a run (private to the app module): a log line (frame
// i/N, stage times, ETA) and, with --progress json, one JSON object per line on
// stdout for schedulers and GUIs:
//   {"event":"frame","frame":i,"frames":N,"ms":...,"eta_s":...,"generated":...,
//    "mesh_faces":...,"chosen":k,"score":...}   then   {"event":"done",...}

#include <filesystem>

#include "scenescape/core/timer.h"
#include "scenescape/pipeline/scene_generator.h"

namespace scenescape {

class FrameReporter {
 public:
  FrameReporter(int frames, int first_frame, bool json) : frames_(frames), first_(first_frame), json_(json) {}

  void Frame(const FrameResult& frame);
  void Done(const std::filesystem::path& out);
  double Seconds() const { return clock_.ElapsedSeconds(); }

 private:
  int frames_;
  int first_;
  bool json_;
  Timer clock_;
};

}  // namespace scenescape
