#pragma once
// Small shared pieces of the run folder format (private to the app module).

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

#include "scenescape/geometry/camera.h"
#include "scenescape/io/camera_formats.h"

namespace scenescape {

// One cameras.json entry: index, intrinsics and cam_from_world (row-major 4x4).
nlohmann::json CameraToJson(int index, const Camera& camera);
// Inverse of CameraToJson; InputError naming `file` on a malformed entry.
Camera CameraFromJson(const nlohmann::json& entry, const std::filesystem::path& file);

// Writes a keyframe file (geometry/trajectory.h format: absolute units, one
// keyframe per camera with its cam_from_world and fov, linear interpolation)
// that reproduces `track` exactly; used when --trajectory names a NeRF
// transforms.json or a COLMAP model, so the run folder carries its own path.
void WriteTrackAsKeyframeFile(const std::filesystem::path& file, const CameraTrack& track);

// Reads and validates a trajectory file of either kind (keyframe file, or a
// NeRF transforms.json / COLMAP text camera track); InputError naming the file.
void CheckTrajectoryFile(const std::filesystem::path& file);

struct Config;
// The run's starting image at the configured size (the photo, centre-cropped and
// resized, or the built-in room); resolves --fov auto. Defined in generate.cc.
at::Tensor PrepareStartImage(Config& config);

}  // namespace scenescape
