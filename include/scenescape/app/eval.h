#pragma once
// `scenescape eval DIR`: how consistent a finished run is, measured against its
// own mesh. Writes into DIR:
//   metrics.json   per frame and overall (below)
//   metrics.csv    one row per frame
//   plots/consistency.png   PSNR and L1 per frame
//   plots/camera_path.png   camera centres and view directions from above (x-z)
// Per frame i (camera i from cameras.json, the final mesh.ply):
//   psnr_known, l1_known   frame i against the mesh rendered at camera i, on the
//                          pixels frame i did not generate (masks/ == 0) that the
//                          mesh covers; frame 0, the mesh's source, on all
//                          covered pixels. RGB in [0,1]; L1 is the mean absolute
//                          difference per channel.
//   depth_rel_error        mean |depth_i - mesh depth| / mesh depth on the same
//                          pixels (depth_i read back from depth/, 16-bit)
//   generated_fraction     share of frame i that was generated
//   timings_ms, chosen candidate and its score, copied from run.json
// Overall: means over frames >= 1 (frame 0 is the mesh's source), plus the
// total run time.

#include <filesystem>

#include <nlohmann/json.hpp>

namespace scenescape {

struct EvalOptions {
  std::filesystem::path run_dir;
  bool plots = true;
};

// Returns the metrics document (also written to DIR). Throws InputError naming
// the file when DIR is not a complete run.
nlohmann::json EvaluateRun(const EvalOptions& options);

}  // namespace scenescape
