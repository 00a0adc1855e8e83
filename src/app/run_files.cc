#include "run_files.h"

#include <cmath>

#include "scenescape/core/check.h"
#include "scenescape/core/fs.h"

namespace scenescape {
using nlohmann::json;

namespace {
json MatrixRows(const Eigen::Matrix4d& m) {
  json rows = json::array();
  for (int r = 0; r < 4; ++r) rows.push_back({m(r, 0), m(r, 1), m(r, 2), m(r, 3)});
  return rows;
}
}  // namespace

json CameraToJson(int index, const Camera& cam) {
  const auto& k = cam.intrinsics;
  return {{"index", index}, {"width", k.width}, {"height", k.height}, {"fx", k.fx}, {"fy", k.fy},
          {"cx", k.cx},     {"cy", k.cy},       {"cam_from_world", MatrixRows(cam.cam_from_world)}};
}

Camera CameraFromJson(const json& j, const std::filesystem::path& file) {
  try {
    Camera cam;
    cam.intrinsics.width = j.at("width").get<int>();
    cam.intrinsics.height = j.at("height").get<int>();
    cam.intrinsics.fx = j.at("fx").get<double>();
    cam.intrinsics.fy = j.at("fy").get<double>();
    cam.intrinsics.cx = j.at("cx").get<double>();
    cam.intrinsics.cy = j.at("cy").get<double>();
    const json& m = j.at("cam_from_world");
    for (int r = 0; r < 4; ++r)
      for (int c = 0; c < 4; ++c) cam.cam_from_world(r, c) = m.at(r).at(c).get<double>();
    return cam;
  } catch (const json::exception& e) {
    throw InputError(file.string() + ": bad camera entry (" + e.what() + ")");
  }
}

void CheckTrajectoryFile(const std::filesystem::path& file) {
  if (LooksLikeCameraTrack(file)) ReadCameraTrack(file);
  else LoadKeyframePath(file);
}

void WriteTrackAsKeyframeFile(const std::filesystem::path& file, const CameraTrack& track) {
  json keyframes = json::array();
  for (size_t i = 0; i < track.cameras.size(); ++i) {
    const Camera& cam = track.cameras[i];
    json matrix = json::array();
    for (int r = 0; r < 4; ++r)
      for (int c = 0; c < 4; ++c) matrix.push_back(cam.cam_from_world(r, c));
    keyframes.push_back({{"frame", static_cast<int>(i)},
                         {"cam_from_world", matrix},
                         {"fov_deg", cam.intrinsics.HorizontalFovDeg()}});
  }
  const json doc = {{"description", "camera track imported by scenescape (one keyframe per camera)"},
                    {"interpolation", "linear"},
                    {"units", "absolute"},
                    {"keyframes", keyframes}};
  WriteAtomically(file, doc.dump(1));
}

}  // namespace scenescape
