#pragma once
// The resolve step of a run: every "auto" of its Config decided and every input
// read and checked, once, before anything is written. Generate, resume, the dry
// run and render start here.
//   backend "auto"     torch when `models` is set, else classical
//   device "auto"      CUDA when the build has it and LibTorch sees a GPU, else cpu
//   threads 0          OMP_NUM_THREADS when set (Slurm sets it), else every core
//   camera.fov "auto"  estimated from init_image's vanishing lines; without a
//                      photo, or when that fails, focal_length (with a warning)
//   trajectory         a built-in motion, a keyframe file, or an imported camera
//                      track (NeRF transforms.json, COLMAP text), parsed once into
//                      the CameraPath the generator samples (it reads no file)
// output.depth_png_scale "auto" needs frame 0's depth: the run folder decides it
// (app/run_folder.h: RunFolder::DepthPngScale).

#include <ATen/core/Tensor.h>

#include <optional>
#include <string>

#include "scenescape/config/config.h"
#include "scenescape/geometry/trajectory.h"

namespace scenescape {

// How camera.fov was decided (run.json "fov").
struct FovDecision {
  // "configured" (a number or the focal length), "estimated" (--fov auto
  // found it), or "fallback" (--fov auto could not: focal_length is used).
  std::string source = "configured";
  std::string reason;            // why it fell back, or what it found
  double focal_length_px = 0.0;  // at the frame size
};

struct RunPlan {
  // backend, device and camera.fov decided (recorded in run.json); threads and
  // output.depth_png_scale as given.
  Config config;
  int threads = 1;  // intra-op threads of this process (>= 1)
  CameraPath path;  // ready to sample
  // An imported camera track as a keyframe document: the run keeps it as
  // trajectory.json so that resume reads the same path. Empty otherwise.
  std::string imported_path;
  // [H,W,3] float32 in [0,1]: frame 0. Undefined when the torch back end makes
  // frame 0 from the prompt (no init_image).
  at::Tensor start_image;
  FovDecision fov;
};

enum class StartImage {
  kNone,        // resume and render: frame 0 exists
  kGeneration,  // the photo, the built-in room, or none (torch: from the prompt)
  kPreview,     // the dry run: the photo or the built-in room
};

// Resolves `config` (see the file comment). Throws InputError / ResourceError
// naming the file or value for bad input.
RunPlan ResolveRun(const Config& config, StartImage start);

// The camera path of `trajectory` alone (render, batch checks); `imported`
// receives the keyframe document of an imported camera track (may be null).
CameraPath ResolveCameraPath(const TrajectoryOptions& trajectory, std::string* imported);

// Sets the process's thread counts for the plan (LibTorch intra-op; OpenCV on
// the calling thread).
void ApplyRuntime(const RunPlan& plan);

}  // namespace scenescape
