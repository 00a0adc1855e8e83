#pragma once
// eval --colmap: structure from motion on a run's frames against its known path
// (see app/eval.h). Private to the app module.

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "scenescape/geometry/camera.h"

namespace scenescape {

// Mapper runs per evaluation (the median is reported, see colmap_check.cc).
constexpr int kColmapRuns = 3;

// Runs COLMAP in run_dir/colmap_eval and compares with `known` (camera i is
// frames/0000i.png). Throws ResourceError when the colmap program is missing.
nlohmann::json ColmapConsistency(const std::filesystem::path& run_dir,
                                 const std::vector<Camera>& known,
                                 const std::string& colmap_binary);

}  // namespace scenescape
