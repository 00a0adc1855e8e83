#include "path_render.h"

#include "scenescape/app/run_folder.h"
#include "scenescape/core/fs.h"
#include "scenescape/io/image_io.h"
#include "scenescape/io/video_io.h"
#include "scenescape/render/rasterizer.h"

namespace scenescape {
namespace fs = std::filesystem;

void RenderAlongPath(const Mesh& mesh,
                     const std::vector<PathFrame>& path,
                     const Intrinsics& intrinsics,
                     int supersample,
                     const PathRenderOutput& output) {
  EnsureWritableDir(output.dir / output.frames_dir);
  std::vector<fs::path> files;
  std::vector<Camera> cameras;
  for (size_t i = 0; i < path.size(); ++i) {
    Camera cam;
    cam.intrinsics = path[i].fov_deg
                         ? Intrinsics::FromHorizontalFov(intrinsics.width, intrinsics.height, *path[i].fov_deg)
                         : intrinsics;
    cam.cam_from_world = path[i].cam_from_world;
    const ViewRender view = RenderView(mesh, cam, supersample);
    const fs::path file = output.dir / output.frames_dir / RunFolder::FrameFileName(static_cast<int>(i));
    WriteImagePng(file, view.rgb);
    files.push_back(file);
    cameras.push_back(cam);
  }
  WriteVideo(output.dir / output.video, files, output.fps);
  RunFolder::WriteCameras(output.dir / "cameras.json", cameras, output.depth_png_scale);
}

}  // namespace scenescape
