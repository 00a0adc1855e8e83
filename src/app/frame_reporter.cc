#include "frame_reporter.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>

#include "scenescape/core/logging.h"

namespace scenescape {
namespace {

std::string FormatDuration(double seconds) {
  const int s = static_cast<int>(seconds + 0.5);
  return s >= 3600 ? fmt::format("{}:{:02d}:{:02d}", s / 3600, s / 60 % 60, s % 60)
                   : fmt::format("{}:{:02d}", s / 60, s % 60);
}

void Emit(const nlohmann::json& event) {
  std::printf("%s\n", event.dump().c_str());
  std::fflush(stdout);
}

}  // namespace

void FrameReporter::Frame(const FrameResult& fr) {
  const int done = fr.index + 1 - first_;
  const double eta = clock_.ElapsedSeconds() / std::max(1, done) * (frames_ - fr.index - 1);
  const double generated = fr.holes.to(at::kFloat).mean().item<double>();
  std::string stages_ms;
  for (const auto& [stage, ms] : fr.timings_ms)
    if (stage != "total") stages_ms += fmt::format(" {}={:.0f}", stage, ms);
  SCN_LOG_INFO("frame {}/{} | {:.0f} ms ({}) | generated {:.1f}% | mesh {} faces | ETA {}",
               fr.index + 1,
               frames_,
               fr.timings_ms.at("total"),
               stages_ms.empty() ? "" : stages_ms.substr(1),
               100.0 * generated,
               fr.mesh_faces,
               FormatDuration(eta));
  if (json_) {
    const double score = fr.scores.empty() ? 0.0 : fr.scores.at(fr.chosen);
    Emit({{"event", "frame"},
          {"frame", fr.index},
          {"frames", frames_},
          {"ms", fr.timings_ms.at("total")},
          {"eta_s", eta},
          {"generated", generated},
          {"mesh_faces", fr.mesh_faces},
          {"chosen", fr.chosen},
          {"score", score}});
  }
}

void FrameReporter::Done(const std::filesystem::path& out) {
  SCN_LOG_INFO("done: {} frames in {} -> {}", frames_, FormatDuration(clock_.ElapsedSeconds()), out.string());
  if (json_)
    Emit({{"event", "done"}, {"frames", frames_}, {"seconds", clock_.ElapsedSeconds()}, {"out", out.string()}});
}

}  // namespace scenescape
