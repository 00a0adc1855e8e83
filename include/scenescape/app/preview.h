#pragma once
// `scenescape --dry-run`: renders the camera path over a proxy scene (the first
// frame's mesh from the classical depth, plus a floor grid) as a preview video,
// in seconds, before hours of generation. Writes into the output folder:
//   preview.mp4, preview/00000.png ..., cameras.json
// No run.json is written, so the folder is not mistaken for a run.
// (This file also holds `scenescape render`, below.)

#include "scenescape/app/generate.h"

namespace scenescape {

void RunDryRun(const GenerateRequest& request);

// `scenescape render RUN_DIR`: re-renders a finished run's mesh along another
// camera path (a built-in motion or a keyframe / transforms.json / COLMAP file;
// default: the run's own) into OUT/frames/, OUT/video.mp4 and OUT/cameras.json.
// Relative paths start at the run's first camera and scale with its median depth.
struct RenderRequest {
  std::filesystem::path run_dir;
  std::string trajectory;  // empty: the run's own path
  int frames = 0;          // 0: the run's frame count
  int supersample = 2;
  std::filesystem::path out_dir;  // empty: RUN_DIR/render_<trajectory type>
};
void RunRender(const RenderRequest& request);

}  // namespace scenescape
