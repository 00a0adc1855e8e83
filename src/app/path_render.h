#pragma once
// Rendering a mesh along a camera path into a folder (private to the app
// module): the dry run's preview and `scenescape render`.

#include <filesystem>
#include <string>
#include <vector>

#include "scenescape/geometry/camera.h"
#include "scenescape/geometry/trajectory.h"
#include "scenescape/mesh/mesh.h"

namespace scenescape {

struct PathRenderOutput {
  std::filesystem::path dir;  // created if needed
  std::string frames_dir;     // DIR/<frames_dir>/00000.png ...
  std::string video;          // DIR/<video>
  double fps = 10.0;
  double depth_png_scale = 1.0;  // recorded in DIR/cameras.json (RunFolder's schema)
};

// Renders `mesh` at every frame of `path` (the path's fov where it sets one,
// else `intrinsics`), `supersample` x, and writes the frames, the video and
// cameras.json.
void RenderAlongPath(const Mesh& mesh,
                     const std::vector<PathFrame>& path,
                     const Intrinsics& intrinsics,
                     int supersample,
                     const PathRenderOutput& output);

}  // namespace scenescape
