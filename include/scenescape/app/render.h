#pragma once
// `scenescape render RUN_DIR`: re-renders a finished run's mesh along another
// camera path (a built-in motion or a keyframe / transforms.json / COLMAP file;
// default: the run's own) into OUT/frames/, OUT/video.mp4 and OUT/cameras.json.
// Relative paths start at the run's first camera and scale with its median depth.

#include <filesystem>
#include <string>

namespace scenescape {

struct RenderRequest {
  std::filesystem::path run_dir;
  std::string trajectory;  // empty: the run's own path
  int frames = 0;          // 0: the run's frame count
  int supersample = 2;
  std::filesystem::path out_dir;  // empty: RUN_DIR/render_<trajectory type>
};

void RunRender(const RenderRequest& request);

}  // namespace scenescape
