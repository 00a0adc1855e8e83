// Keyframe files (--trajectory FILE): parsed, then interpolated; whatever the
// parser accepts must give finite rigid cameras.
#include <cmath>

#include "fuzz_util.h"
#include "scenescape/geometry/trajectory.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace scenescape;
  fuzz::ExpectCleanRefusal([&] {
    const KeyframePath path = ParseKeyframePath(fuzz::Text(data, size), "fuzz.json");
    const int frames = static_cast<int>(std::min<int64_t>(int64_t{path.keyframes.back().frame} + 2, 64));
    for (const double median : {1.0, 1e-3})
      for (const PathFrame& f : InterpolateKeyframePath(path, Eigen::Matrix4d::Identity(), median, frames)) {
        if (!f.cam_from_world.allFinite() || (f.fov_deg && !std::isfinite(*f.fov_deg))) {
          std::fprintf(stderr, "finding: an accepted keyframe file gives a non-finite camera\n");
          std::abort();
        }
      }
  });
  return 0;
}
