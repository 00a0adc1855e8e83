#pragma once
// The run configuration: one JSON document whose top-level keys are module
// names. Config is the aggregate of the modules' options structs; every key is
// listed once (key, field, range, doc) in its struct's List(), and ListConfig
// below adds the top-level keys. That listing is used for reading (ConfigFromJson),
// writing (ConfigToJson), checking (CheckConfig) and printing (ConfigKeyTable,
// the table of configs/README.md, which a test holds against it).
// configs/default.json holds every key with the reference's values.
//
// Precedence: built-in defaults < config file (and its "parent" chain) <
// --set key.path=value < first-class CLI flags (--frames, --seed, ...).
// Unknown keys and wrong types are InputErrors naming the full key path, e.g.
//   "my.json: render.supersample: expected an integer in [1, 4], got 0".
// "auto" values stay "auto" here; the run's resolve step (app/run_plan.h)
// decides them once, before anything runs.

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>

#include "scenescape/core/device.h"
#include "scenescape/core/options.h"
#include "scenescape/diffusion/sampler_options.h"
#include "scenescape/finetune/finetune_options.h"
#include "scenescape/geometry/camera.h"
#include "scenescape/geometry/trajectory.h"
#include "scenescape/mesh/mesh_builder.h"
#include "scenescape/pipeline/scene_generator.h"
#include "scenescape/pipeline/stages.h"
#include "scenescape/pipeline/warp.h"

namespace scenescape {

// The back ends (backends/registry.h maps each to its stages).
enum class Backend { kAuto, kClassical, kTorch, kOracle };

template <>
struct EnumTable<Backend> {
  static constexpr std::array<std::pair<Backend, const char*>, 4> kNames = {{{Backend::kAuto, "auto"},
                                                                             {Backend::kClassical, "classical"},
                                                                             {Backend::kTorch, "torch"},
                                                                             {Backend::kOracle, "oracle"}}};
};

// oracle.*: the oracle back end (backends/oracle/oracle.h: NoisyDepth).
struct OracleOptions {
  double depth_noise = 0.0;

  template <class Self, class V>
  static void List(Self& o, V& v) {
    v.Number("depth_noise",
             o.depth_noise,
             Range::Closed(0, 10),
             "oracle only: per-pixel multiplicative depth noise (standard deviation) for frames >= 1, to show "
             "that the consistency metrics can fail");
  }
};

// output.*: what the run folder writes besides the frames.
struct OutputOptions {
  double fps = 10.0;
  bool reverse_video = true;
  bool keep_candidates = false;
  bool write_obj = false;
  bool write_glb = true;
  // 16-bit depth PNGs store round(depth * scale); "auto" is 4000 / median depth
  // of frame 0 (a range of 16x that median), decided by the run folder when
  // frame 0 exists.
  AutoNumber depth_png_scale = AutoNumber::Auto();

  template <class Self, class V>
  static void List(Self& o, V& v) {
    v.Number("fps", o.fps, Range::Closed(1, 1000), "video frame rate");
    v.Flag("reverse_video", o.reverse_video, "also write `video_reverse.mp4`");
    v.Flag("keep_candidates", o.keep_candidates, "write every candidate to `candidates/`");
    v.Flag("write_obj", o.write_obj, "also write `mesh.obj`");
    v.Flag("write_glb", o.write_glb, "also write `mesh.glb` (binary glTF with vertex colours: Blender, browsers)");
    v.Auto("depth_png_scale",
           o.depth_png_scale,
           Range::OpenClosed(0, 1e9),
           "16-bit depth PNG value = depth x scale; `\"auto\"` = 4000 / median depth of frame 0",
           /*nullable=*/false);
  }
};

struct Config {
  std::string prompt =
      "POV, walkthrough, a medieval dungeon with damp, stone corridors and flickering torches lining "
      "the walls, beautiful photo, masterpiece, indoor scene";
  std::string negative_prompt =
      "text, writings, signs, text, white border, photograph border, artifacts, blur, smooth texture, "
      "foggy, fog, bad quality, distortions, unrealistic, distorted image, watermark, signature, "
      "fisheye look, windows, people, crowd, outdoor, landscape, view, chandelier";
  int frames = 50;
  uint64_t seed = 13;
  Backend backend = Backend::kAuto;
  std::string models;
  DeviceSetting device;
  int threads = 0;
  std::string init_image;

  OracleOptions oracle;
  CameraOptions camera;
  TrajectoryOptions trajectory;
  MeshingOptions mesh;
  WarpOptions render;
  InpaintOptions inpaint;
  SamplerOptions sampler;
  FinetuneOptions finetune;
  OutputOptions output;

  template <class Self, class V>
  static void List(Self& c, V& v) {
    v.Text("prompt", c.prompt, "scene description for model back ends (recorded by every run)");
    v.Text("negative_prompt", c.negative_prompt, "what model back ends avoid");
    v.Number("frames",
             c.frames,
             Range::Closed(1, 100000),
             "frames including frame 0 (the reference's `frames: N` makes N+1)");
    v.Number("seed",
             c.seed,
             Range::Closed(0, 9007199254740991.0),
             "run seed; each candidate's randomness derives from (seed, frame, candidate)");
    v.Choice("backend",
             c.backend,
             "`auto` (torch when `models` is set, else classical), `classical`, `torch`, or `oracle` (engine "
             "self-test on the procedural room's ground truth)");
    v.Text("models", c.models, "model folder for the torch back end (`models/README.md`)");
    v.Choice("device", c.device, "`auto` (CUDA when the build has it and a GPU is visible), `cpu`, `cuda[:N]`");
    v.Number(
        "threads", c.threads, Range::Closed(0, 1024), "CPU threads; 0 = `OMP_NUM_THREADS` when set, else all cores");
    v.Text("init_image", c.init_image, "starting photo; empty = the prompt (torch) or the built-in procedural room");
    v.Section("oracle", c.oracle);
    v.Section("camera", c.camera);
    v.Section("trajectory", c.trajectory);
    v.Section("mesh", c.mesh);
    v.Section("render", c.render);
    v.Section("inpaint", c.inpaint);
    v.Section("sampler", c.sampler);
    v.Section("finetune", c.finetune);
    v.Section("output", c.output);
  }
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

// Validates every listed range and the rules across keys; throws InputError
// "<source>: <key>: <problem>".
void CheckConfig(const Config& config, const std::string& source);

// The Markdown table of every key: | key | default | accepted values | meaning |
// (configs/README.md holds it verbatim; `scenescape config keys` prints it).
std::string ConfigKeyTable();

// The generator's options for `config` along `path` (camera.fov must be
// resolved, i.e. not "auto").
GeneratorOptions ToGeneratorOptions(const Config& config, const CameraPath& path);

}  // namespace scenescape
