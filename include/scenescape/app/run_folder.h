#pragma once
// The run folder: its layout and file names, the run.json and cameras.json
// schemas (reader and writer), the state/ that resume and redo need, the
// removal of frames for a redo, and the final products. Generate, resume, redo,
// render, the dry run, eval and batch all go through this class.
//
// Layout of a run folder DIR (documented in the README too):
//   frames/00000.png        the frames, 8-bit RGB, generation order
//   depth/00000.png         16-bit depth: value = round(depth * depth_png_scale), 0 = none
//   depth/00000_preview.png colour-mapped disparity (viridis), for looking at
//   masks/00000.png         255 where the frame was generated (the hole mask), 0 where
//                           it was rendered from the mesh; frame 0 is all 255
//   warped/00000.png        the mesh rendered at the frame's camera before inpainting
//                           (white = holes); frames >= 1
//   candidates/00001_k.png  every inpainting candidate (output.keep_candidates)
//   video.mp4               the frames at output.fps (H.264 when available, else MPEG-4)
//   video_reverse.mp4       the same, reversed (output.reverse_video)
//   mesh.ply, mesh.glb      the global mesh: binary PLY, binary glTF (output.write_glb)
//   mesh.obj                the same as OBJ (output.write_obj)
//   cameras.json            {"convention", "depth_png_scale", "frames": [{"index",
//                           "width", "height", "fx", "fy", "cx", "cy",
//                           "cam_from_world": 4 rows of 4}]}
//   transforms.json, colmap/ the same cameras as NeRF / COLMAP text models
//   trajectory.json         the run's own copy of an imported camera track
//   run.json                RunRecord below; "status" is "running" until complete, "failed"
//                           (with "error") when a write or a stage failed; only
//                           "complete" has the final products below
//   log.txt                 the full log at debug level
//   state/mesh/00000.bin    the vertices, colours and faces frame 0 added (the mesh
//                           only grows, so the deltas concatenate to the whole mesh)
//   state/depth/00000.f32   the frame's final depth, raw float32 [H,W]
//   state/state.json        {"next_index", "median_depth0", "mesh_vertices",
//                           "mesh_faces", "height", "width", "config", "files"}
//                           and "path_limit" when the path was shortened
//                           (pipeline/clearance.h), written last: a frame counts as
//                           done once it names it. "config" is run.json's config when
//                           the frames were made; "files"[i] maps every file frame i
//                           wrote (path relative to DIR) to {"bytes", "fnv1a64": 16 hex digits}
// Every file is written atomically (temporary name, then rename); files of
// frames >= next_index are leftovers of an interrupted frame and are removed
// before continuing. Resume checks what it builds on against state.json: the
// config, and every file of the finished frames (FirstDamagedFrame). The dry run writes preview/, preview.mp4 and
// cameras.json (same schema) and no run.json; `render` writes render_<path>/{frames/, video.mp4, cameras.json}; `eval`
// writes metrics.json, metrics.csv, plots/.

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scenescape/config/config.h"
#include "scenescape/geometry/camera.h"
#include "scenescape/pipeline/scene_generator.h"

namespace scenescape {

// run.json. Reading checks every key it uses and names the file and key.
struct RunRecord {
  std::string version;  // VersionString() and the libraries of the run
  std::string libtorch;
  std::string opencv;
  std::string command_line;  // of the run's start
  Config config;             // resolved: no "auto" but output.depth_png_scale
  uint64_t seed = 0;
  nlohmann::json backend;  // {"name", "depth", "inpainter", "scorer"}
  // How the field of view was decided: {"source": "configured" | "estimated" |
  // "fallback", "reason", "focal_length_px"} (app/run_plan.h: FovDecision).
  nlohmann::json fov;
  std::string status = "running";         // "running" | "complete" | "failed"
  std::string error;                      // why, when "failed"
  std::optional<double> depth_png_scale;  // set once frame 0 is written
  // --redo-frames A-B --seed S: frames A..B drew their candidates from S.
  struct Reseed {
    int from = 0;
    int to = 0;
    uint64_t seed = 0;
  };
  std::optional<Reseed> reseed;
  // One per frame: {"index", "prompt", "timings_ms", "diagnostics", "scores",
  // "chosen", "generated_fraction", "new_vertices", "new_faces",
  // "removed_stretched_faces", "mesh_vertices", "mesh_faces"}, and "choices"
  // when the depth stage reports some (the classical back end: "depth_model"
  // room | street | ground, "depth_model_reason").
  nlohmann::json frames = nlohmann::json::array();
  nlohmann::json resumed = nlohmann::json::array();  // {"at_frame", "command_line"} per resume
  // Set when complete.
  std::string video_codec;
  int64_t mesh_vertices = 0;
  int64_t mesh_faces = 0;
  double seconds = 0.0;
};

// cameras.json.
struct CamerasRecord {
  std::vector<Camera> cameras;            // frame i is camera i
  std::optional<double> depth_png_scale;  // absent in folders of older versions
};

// kRunning: stopped or failed before completing ("running" or "failed"); resume continues it.
enum class RunStatus { kNone, kRunning, kComplete, kUnreadable };

// The config keys where `asked` differs from `made_with` (both ConfigToJson documents), as
// "key.path (<made_with_label>: X, <asked_label>: Y)" joined by "; "; empty when none do. An "auto" in `asked` matches
// any value in `made_with` (the run records "auto" resolved). For the checks that refuse to mix two configs in one run.
std::string ConfigDifferences(const nlohmann::json& made_with,
                              const nlohmann::json& asked,
                              const std::string& made_with_label,
                              const std::string& asked_label);

class RunFolder {
 public:
  explicit RunFolder(std::filesystem::path dir);
  const std::filesystem::path& dir() const { return dir_; }

  // ------------------------------------------------------------ names
  // "00000.png" for frame 0 (suffix ".png", "_preview.png", ".bin", ...).
  static std::string FrameFileName(int index, std::string_view suffix = ".png");
  std::filesystem::path Frame(int index) const;                               // frames/00000.png
  std::filesystem::path File(const char* name) const { return dir_ / name; }  // run.json, cameras.json, ...

  // ------------------------------------------------------------ run.json
  // kNone without run.json; kUnreadable when it cannot be read as a record.
  RunStatus Status() const;
  // InputError naming the file (and key) when the folder or its record is missing or damaged.
  RunRecord ReadRecord() const;

  // ------------------------------------------------------------ cameras.json
  static void WriteCameras(const std::filesystem::path& file,
                           const std::vector<Camera>& cameras,
                           double depth_png_scale);
  static CamerasRecord ReadCameras(const std::filesystem::path& file);
  // output.depth_png_scale, or for "auto" 4000 / frame 0's median depth.
  static double DepthPngScale(const OutputOptions& output, double median_depth0);

  // ------------------------------------------------------------ state/
  // The saved next_index (0 when there is no state).
  int SavedNextIndex() const;
  // The saved state.json's median_depth0 (nullopt when there is no state).
  std::optional<double> SavedMedianDepth0() const;
  // The state after frame `next_index - 1` (1 <= next_index <= the saved one;
  // smaller values rewind, for --redo-frames). InputError naming the file when
  // something is missing or inconsistent.
  GeneratorState LoadGeneratorState(int next_index) const;

  // ConfigDifferences between the run's config (run.json's) and the one a command asks for (a resume's options, a
  // batch line), labelled "run.json" and `asked_label`. An imported camera path is kept as the run's
  // trajectory.json, so trajectory.file then names that copy and is not compared.
  std::string DifferencesFromRun(const Config& run, const Config& asked, const std::string& asked_label) const;
  // InputError (exit 2) naming the differing keys when `config` (run.json's) is not the config the finished
  // frames were made with (state.json "config", absent in folders of older versions).
  void CheckSameConfigAsState(const Config& config) const;
  // The first frame below `next_index` whose recorded files (state.json "files") are missing or differ from what
  // the run wrote (a crash outside the tool, a lost write, an edit), with one line naming the file in `problem`;
  // `next_index` when every file matches. Folders of older versions, without records, are not verified (a
  // `problem` says so). InputError when the records themselves are damaged.
  int FirstDamagedFrame(int next_index, std::string* problem) const;

  // Deletes every per-frame file of frames >= first (frames/, depth/, masks/,
  // warped/, candidates/, state/), the final products (rewritten when the run
  // completes), and any temporary file an interrupted write left.
  void RemoveFramesFrom(int first) const;
  // Before an --overwrite: every frame, the state and the products.
  void Clear() const;

  // A keyframe document kept as trajectory.json (resume reads it); returns its absolute path.
  std::filesystem::path KeepTrajectory(const std::string& keyframe_document) const;

  // ------------------------------------------------------------ writing a run
  // Starts the record of a fresh run (first_frame 0), or continues `record`
  // keeping its first `first_frame` frames of run.json and cameras.json.
  void Begin(RunRecord record, int first_frame = 0);
  RunRecord& record() { return record_; }
  // Writes the frame's files, its resume state, run.json and cameras.json, and
  // last the state that says the frame is done. `state` is the generator's
  // after the frame (its median_depth0 sets the "auto" depth PNG scale).
  void WriteFrame(const FrameResult& frame, const GeneratorState& state);
  // The mesh files, the camera exports and the videos; run.json "complete".
  void Complete(const Mesh& mesh, double seconds);
  // After anything failed between Begin and the end of Complete: removes the files of the unfinished frame and
  // the final products a partial Complete wrote (RemoveFramesFrom the frames state.json counts as done; on a full
  // disk that space is what lets the record be written), then records "status": "failed" with `error` and those
  // frames. Best effort: if run.json still cannot be written, the one of the last finished frame says "running".
  // Either way nothing looks complete, and --resume continues from the last finished frame.
  void Fail(const std::string& error) noexcept;

 private:
  // video*.mp4, mesh.*, transforms.json, colmap/: what only a complete run has.
  void RemoveProducts() const;

  std::filesystem::path dir_;
  RunRecord record_;
  std::vector<Camera> cameras_;
  nlohmann::json files_ = nlohmann::json::array();  // state.json "files", one entry per written frame
  int frames_written_ = 0;
  int frames_done_ = 0;  // the frames state.json names (the last WriteFrame that finished)
};

}  // namespace scenescape
