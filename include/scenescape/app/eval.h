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
//   timings_ms, chosen candidate and its score, and the stages' diagnostics
//                          (depth error against the mesh before and after
//                          fine-tuning, decoder losses), copied from run.json
//   clip_score             cosine similarity between frame i and the prompt, when
//                          a CLIP model is available (--models DIR, else the
//                          run's own model folder)
// Overall: psnr_frame0, frame 0 (the start image) against the final mesh
// rendered at its camera: whether later geometry hides the photo
// (pipeline/earlier_views.h); then means over frames >= 1, plus the total run
// time. The log's headline gives both.

#include <nlohmann/json.hpp>

#include <filesystem>

namespace scenescape {

// With colmap = true (eval --colmap) it also runs COLMAP (the `colmap` program,
// CPU SIFT, exhaustive matching, mapper with the run's known intrinsics held
// fixed) on frames/, in DIR/colmap_eval/, and reports under "colmap":
//   registered_fraction     frames COLMAP placed in its largest model
//   rotation_error_deg      median / max angle between each recovered and known camera
//   translation_error       median / max distance between recovered and known
//                           centres, after a similarity alignment, divided by the
//                           length of the known path
//   reprojection_error_px   COLMAP's mean reprojection error
// The alignment takes the rotation as the chordal mean of R_recovered^T R_known
// over the frames (robust where the path is nearly a line) and then the scale and
// translation of the centres by least squares.
// This is the protocol the paper used to measure 3D consistency. COLMAP does
// not repeat itself (its matcher's RANSAC draws in worker threads that
// --random_seed does not reach), so matching and mapping run 3 times on the
// same features: the figures above are the run with the median rotation
// error, and "runs" holds every run's figures (their spread).
struct EvalOptions {
  std::filesystem::path run_dir;
  bool plots = true;
  bool colmap = false;
  std::string colmap_binary = "colmap";
  // Model folder with a "clip" section for clip_score; empty = the run's own
  // config.models when it has one, else no CLIP score.
  std::filesystem::path models;
};

// Returns the metrics document (also written to DIR). Throws InputError naming
// the file when DIR is not a complete run.
nlohmann::json EvaluateRun(const EvalOptions& options);

// The check EvaluateRun starts with (run.json complete, cameras.json readable with
// its depth scale, mesh.ply present), for a command given several folders: it checks
// them all before it writes into any.
void CheckEvaluable(const std::filesystem::path& run_dir);

}  // namespace scenescape
