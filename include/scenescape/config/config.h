#pragma once
// The run configuration: one JSON document whose top-level keys are module
// names. configs/default.json holds every key with the reference's values;
// configs/README.md documents each one.
//
// Precedence: built-in defaults < config file (and its "parent" chain) <
// --set key.path=value < first-class CLI flags (--frames, --seed, ...).
// Unknown keys and wrong types are InputErrors naming the full key path, e.g.
//   "my.json: render.supersample: expected an integer >= 1, got 0".

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "scenescape/finetune/finetune_options.h"
#include "scenescape/pipeline/scene_generator.h"

namespace scenescape {

struct OutputOptions {
  double fps = 10.0;              // video frame rate (> 0)
  bool reverse_video = true;      // also write video_reverse.mp4 (forward-looking for the default path)
  bool keep_candidates = false;   // write every inpainting candidate under candidates/
  bool write_obj = false;         // also write mesh.obj (PLY is always written)
  bool write_glb = true;          // also write mesh.glb (binary glTF: Blender, browsers)
  // 16-bit depth PNGs store round(depth * scale). "auto" (0) picks
  // 4000 / median depth of frame 0, i.e. a range of 16x that median.
  double depth_png_scale = 0.0;   // >= 0
};

struct Config {
  std::string prompt =
      "POV, walkthrough, a medieval dungeon with damp, stone corridors and flickering torches lining "
      "the walls, beautiful photo, masterpiece, indoor scene";
  std::string negative_prompt =
      "text, writings, signs, text, white border, photograph border, artifacts, blur, smooth texture, "
      "foggy, fog, bad quality, distortions, unrealistic, distorted image, watermark, signature, "
      "fisheye look, windows, people, crowd, outdoor, landscape, view, chandelier";
  int frames = 50;               // total frames, frame 0 included (>= 1)
  uint64_t seed = 13;
  // auto | classical | torch | oracle. auto = torch when a model folder is
  // given (models), else classical.
  // oracle: the engine self-test; depth and inpainting come from the built-in
  // procedural room's ground truth (no init image), see synth/procedural_room.h.
  std::string backend = "auto";
  // Model folder for the torch back end (models/README.md); empty = none.
  std::string models;
  // oracle only: multiplicative per-pixel depth noise (standard deviation) for
  // frames >= 1, to show that the consistency metrics can fail. >= 0.
  double oracle_depth_noise = 0.0;
  std::string device = "auto";   // auto | cpu | cuda
  int threads = 0;               // intra-op threads; 0 = all cores
  std::string init_image;        // path of the starting photo; empty = built-in demo scene (classical)

  // camera
  int width = 512;
  int height = 512;
  double focal_length = 500.0;     // pixels at width x height
  std::optional<double> fov_deg;   // overrides focal_length when set
  bool fov_auto = false;           // estimate the focal length from init_image

  TrajectoryOptions trajectory;
  MeshingOptions mesh;
  std::string mesh_keep = "all";   // mesh.keep: all | last_frame (the "w/o mesh" ablation)
  WarpOptions render;
  int num_candidates = 4;          // inpaint.num_candidates
  int canvas_border = 44;          // inpaint.canvas_border: generated margin (torch back end), >= 0
  std::string sampler = "ddim";    // sampler.name: ddim | dpmpp_2m
  int steps = 50;                  // sampler.steps (>= 1)
  double guidance_scale = 7.5;     // sampler.guidance_scale (>= 0)
  FinetuneOptions finetune;        // finetune.*: test-time fine-tuning (torch back end)
  OutputOptions output;

  // The generator's options with the camera resolved (fov_auto must be resolved first).
  GeneratorOptions ToGeneratorOptions() const;
};

// Reads a config file and its "parent" chain (relative to the child), merged
// with JSON merge-patch. Throws InputError naming the file for a missing file,
// bad JSON or a parent cycle.
nlohmann::json LoadConfigJson(const std::filesystem::path& file);

// Applies "a.b.c=value" (value parsed as JSON when it parses, else as a string).
void ApplyOverride(nlohmann::json& doc, const std::string& assignment);

// Builds a Config from defaults + `doc`; `source` names the document in errors.
// Rejects unknown keys and bad types/values with the full key path.
Config ConfigFromJson(const nlohmann::json& doc, const std::string& source);

// The complete document for `config` (what configs/default.json holds for the defaults).
nlohmann::json ConfigToJson(const Config& config);

// Applies a --trajectory style value: a built-in motion name (rotations,
// translations, round, forward) sets the type; anything else must be an
// existing keyframe file, NeRF transforms.json or COLMAP text folder and sets
// type "file". `what` names the argument in the error, e.g. "--trajectory".
void ApplyTrajectoryArgument(TrajectoryOptions& trajectory, const std::string& value, const std::string& what);

// Validates values; throws InputError "<source>: <key>: <problem>".
void CheckConfig(const Config& config, const std::string& source);

}  // namespace scenescape
