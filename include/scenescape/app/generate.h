#pragma once
// `scenescape` (generate): one run from a resolved Config to a run folder.
//
// Output layout of a run folder DIR (documented in the README too):
//   frames/00000.png       the frames, 8-bit RGB, generation order
//   depth/00000.png        16-bit depth: value = round(depth * depth_png_scale), 0 = none
//   depth/00000_preview.png colour-mapped disparity (viridis), for looking at
//   masks/00000.png        255 where the frame was generated (the hole mask), 0 where
//                          it was rendered from the mesh; frame 0 is all 255
//   warped/00000.png       the mesh rendered at the frame's camera before inpainting
//                          (white = holes); frames >= 1
//   candidates/00001_k.png every inpainting candidate (only with --keep-candidates)
//   video.mp4              the frames at output.fps (H.264 when available, else MPEG-4)
//   video_reverse.mp4      the same, reversed (the default path moves backwards,
//                          so this one looks like a forward walk)
//   mesh.ply               the global mesh: binary PLY, vertex colours
//   mesh.obj               the same as OBJ (output.write_obj)
//   cameras.json           intrinsics and per-frame cam_from_world (4x4, row-major)
//   run.json               resolved config, seed, versions, back end, per-frame
//                          timings, candidate scores and the chosen candidate;
//                          "status" is "running" until the run is complete
//   log.txt                the full log at debug level
//   state/                 what --resume and --redo-frames need (app/run_state.h)
// Every file is written atomically (temporary name, then rename).

#include <filesystem>
#include <optional>
#include <string>

#include "scenescape/config/config.h"

namespace scenescape {

struct GenerateRequest {
  Config config;
  std::filesystem::path out_dir;
  std::string command_line;  // recorded in run.json
  bool overwrite = false;    // allow an output folder that already holds a run
  bool progress_json = false;  // one JSON event per frame on stdout (--progress json)
};

// Runs the whole job. Throws scenescape::Error subclasses (with exit codes) on failure.
void RunGenerate(const GenerateRequest& request);

struct ResumeRequest {
  std::filesystem::path run_dir;
  // --redo-frames A-B: regenerate from frame A on (frames A..B with redo_seed
  // when given, later frames with the run's seed). redo_from < 0: plain resume.
  int redo_from = -1;
  int redo_to = -1;
  std::optional<uint64_t> redo_seed;
  std::string command_line;
  bool progress_json = false;
};

// Continues a stopped run (or redoes frames) in its folder; the result is
// bit-identical to a run that was never stopped. A complete run is left alone.
void RunResume(const ResumeRequest& request);

// "0.1.0 (git abc1234)" and the library versions, for --version and run.json.
std::string VersionString();
std::string BuildInfo();

}  // namespace scenescape
