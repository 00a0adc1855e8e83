// NeRF transforms.json (--trajectory transforms.json); accepted tracks must
// convert to a keyframe path with finite cameras.
#include "fuzz_util.h"
#include "scenescape/io/camera_formats.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace scenescape;
  fuzz::ExpectCleanRefusal([&] {
    const CameraTrack track = ParseTransformsJson(fuzz::Text(data, size), "transforms.json");
    for (const PathFrame& f : TrackToPathFrames(track))
      if (!f.cam_from_world.allFinite()) {
        std::fprintf(stderr, "finding: an accepted transforms.json gives a non-finite camera\n");
        std::abort();
      }
  });
  return 0;
}
