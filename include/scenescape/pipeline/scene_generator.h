#pragma once
// The per-frame driver (reference section 1):
//   frame 0: image (given, or generated from the prompt) -> depth -> mesh of every pixel
//   frame t: next camera -> render the mesh there (WarpToCamera) -> fill specks
//            -> N inpainting candidates -> score, keep the best -> depth (agreeing
//            with the mesh) -> add the hole pixels to the mesh.
// The stages are pluggable (pipeline/stages.h); the generator owns the mesh and
// the camera path. All tensors are CPU tensors in the stages.h conventions.

#include <ATen/core/Tensor.h>

#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "scenescape/geometry/camera.h"
#include "scenescape/geometry/trajectory.h"
#include "scenescape/mesh/mesh.h"
#include "scenescape/mesh/mesh_builder.h"
#include "scenescape/pipeline/earlier_views.h"
#include "scenescape/pipeline/stages.h"
#include "scenescape/pipeline/warp.h"

namespace scenescape {

// The generator's options, mapped from the run's config (config/config.h) by
// the app; the engine has no defaults of its own beyond the option structs'.
struct GeneratorOptions {
  int frames = 0;     // total frames including frame 0 (>= 1)
  uint64_t seed = 0;  // candidates of frame i use (seed, i, k); the path's random choices use it too
  // Frames in [reseed_from, reseed_to] draw their candidates from `reseed`
  // instead (--redo-frames A-B --seed S); the path keeps using `seed`.
  int reseed_from = -1;
  int reseed_to = -1;
  uint64_t reseed = 0;
  std::string prompt;
  std::string negative_prompt;
  Intrinsics intrinsics;   // frame-0 intrinsics (keyframe files may change the fov per frame)
  CameraPath path;         // parsed before the run: the generator reads no file
  MeshingOptions meshing;  // meshing.keep: all, or last_frame (the "w/o mesh" ablation)
  WarpOptions warp;
  InpaintOptions inpaint;  // inpaint.num_candidates per frame (the inpainter reads the rest)
};

struct Stages {
  std::shared_ptr<DepthEstimator> depth;
  std::shared_ptr<Inpainter> inpainter;
  std::shared_ptr<CandidateScorer> scorer;       // may be null when inpaint.num_candidates == 1
  std::shared_ptr<SmallHoleFiller> hole_filler;  // may be null: specks are then inpainted too
};

struct FrameResult {
  int index = 0;
  Camera camera;
  std::string prompt;
  at::Tensor image;                    // [H,W,3] the frame
  at::Tensor depth;                    // [H,W] its depth
  at::Tensor warped;                   // [H,W,3] mesh render before inpainting (white holes); frame 0: undefined
  at::Tensor holes;                    // [H,W] bool: pixels that were generated (before the opening)
  at::Tensor inpaint_mask;             // [H,W] bool: what the inpainter was asked to fill (after the opening)
  std::vector<at::Tensor> candidates;  // all candidates, for --keep-candidates
  std::vector<double> scores;          // one per candidate
  int chosen = 0;
  MeshUpdateStats mesh_update;
  int64_t mesh_vertices = 0;
  int64_t mesh_faces = 0;
  std::map<std::string, double> timings_ms;    // per stage, plus "total"
  std::map<std::string, double> diagnostics;   // the stages' Diagnostics() for this frame
  std::map<std::string, std::string> choices;  // the depth stage's Choices() for this frame
};

// Everything needed to continue a run after frame next_index - 1 (resume):
// the path is recomputed from the options and median_depth0 (frame 0's median
// depth, computed once by Start; the run folder's depth PNG scale uses it too).
struct GeneratorState {
  int next_index = 0;
  double median_depth0 = 0.0;
  Mesh mesh;
  at::Tensor previous_depth;  // [H,W] final depth of frame next_index - 1
  // Arc length the built-in path is limited to (pipeline/clearance.h), fixed by
  // Start from frame 0's mesh; +inf = not limited.
  double path_limit = std::numeric_limits<double>::infinity();
  // [H,W] final depth of frames 0..next_index - 1 (the earlier views new
  // geometry must not hide, pipeline/earlier_views.h): read by Resume, filled
  // by RunFolder::LoadGeneratorState; State() leaves it empty.
  std::vector<at::Tensor> frame_depths;
};

class SceneGenerator {
 public:
  SceneGenerator(GeneratorOptions options, Stages stages);

  // Frame 0 from `image` ([H,W,3] at the configured size), or, when `image` is
  // undefined, from the inpainter with a full mask (text-to-image).
  FrameResult Start(const at::Tensor& image);
  // Continues from a saved state instead of Start (bit-identical to never stopping).
  void Resume(const GeneratorState& state);
  GeneratorState State() const;

  // The next frame; Start must have run. Throws once all frames are made.
  FrameResult Next();
  bool Done() const { return next_index_ >= options_.frames; }
  int NextIndex() const { return next_index_; }

  const Mesh& mesh() const { return mesh_; }
  const std::vector<PathFrame>& path() const { return path_; }
  const GeneratorOptions& options() const { return options_; }
  // Camera of frame i of the path (valid after Start).
  Camera CameraAt(int i) const;

 private:
  FrameContext Context(int index, const Camera& camera) const;
  // Start: limits a built-in path, or warns about a keyframe file's frames,
  // where frame 0's mesh comes closer than trajectory.min_clearance.
  void KeepPathClear();

  GeneratorOptions options_;
  Stages stages_;
  Mesh mesh_;
  std::vector<PathFrame> path_;
  Camera previous_;
  at::Tensor previous_depth_;  // [H,W] final depth of the last frame
  double median_depth0_ = 0.0;
  double path_limit_ = std::numeric_limits<double>::infinity();
  std::vector<SeenView> views_;  // every finished frame's camera and depth
  int next_index_ = 0;
};

}  // namespace scenescape
