#pragma once
// The three pluggable stages of the per-frame loop, plus the small-hole filler.
// The back ends (backends/: classical, torch, oracle; backends/registry.h) implement these.
//
// Tensor conventions for every stage (CPU, contiguous):
//   image:     [H,W,3] float32 RGB in [0,1]
//   depth:     [H,W]   float32 camera z (> 0); -1 marks "no value"
//   hole_mask: [H,W]   bool, true = the pixel must be generated

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "scenescape/geometry/camera.h"

namespace scenescape {

// inpaint.*: what the inpainting stage is asked for.
struct InpaintOptions {
  int num_candidates = 4;
  int canvas_border = 44;

  template <class Self, class V>
  static void List(Self& o, V& v) {
    v.Number("num_candidates",
             o.num_candidates,
             Range::Closed(1, 64),
             "candidates per frame, ranked by the scorer (CLIP with the torch back end)");
    v.Number("canvas_border",
             o.canvas_border,
             Range::Closed(0, 512),
             "torch: generated margin around the frame (600 = 512 + 2 x 44); canvas sides must be multiples of 8");
  }
};

// What a stage knows about the frame being made.
struct FrameContext {
  int frame_index = 0;  // 0 = the first frame
  Camera camera;        // the camera the frame is seen from
  uint64_t seed = 0;    // run seed; candidates derive their own from (seed, frame, k)
  std::string prompt;
  std::string negative_prompt;
  // Frames >= 1, inpainting only: [H,W] float32 depth of what the mesh shows
  // at this camera, -1 in the holes (lets a fill take the background side of a
  // depth edge); undefined otherwise.
  at::Tensor known_depth;
};

class DepthEstimator {
 public:
  virtual ~DepthEstimator() = default;
  virtual std::string Name() const = 0;
  // Predicts depth for `image`. `mesh_depth` is the global mesh rendered at this
  // frame's camera ([H,W], -1 where the mesh has no geometry); it is undefined
  // for frame 0. Estimators use it to agree with the scene already built
  // (test-time fine-tuning, or scale alignment in the classical back end).
  // Returns [H,W] float32 depth > 0.
  virtual at::Tensor Estimate(const at::Tensor& image, const at::Tensor& mesh_depth, const FrameContext& context) = 0;
  // Figures about the last Estimate call for run.json (e.g. the depth error
  // against the mesh before and after fine-tuning); empty by default.
  virtual std::map<std::string, double> Diagnostics() const { return {}; }
  // Named choices of the last Estimate call for run.json (the classical back
  // end's scene model and why); empty by default.
  virtual std::map<std::string, std::string> Choices() const { return {}; }
};

class Inpainter {
 public:
  virtual ~Inpainter() = default;
  virtual std::string Name() const = 0;
  // Returns `num_candidates` images [H,W,3] that keep the known pixels of
  // `image` and fill the pixels where hole_mask is true. A full mask asks for a
  // whole new image (text-to-image); back ends that cannot do that throw.
  virtual std::vector<at::Tensor> Inpaint(const at::Tensor& image,
                                          const at::Tensor& hole_mask,
                                          const FrameContext& context,
                                          int num_candidates) = 0;
  // Called once the scorer has chosen candidate `chosen` of the last Inpaint
  // call; returns the frame's final image [H,W,3]. The diffusion back end
  // fine-tunes its VAE decoder for the chosen latent here (reference section 6);
  // the default returns the candidate unchanged.
  virtual at::Tensor Finalize(int chosen, const std::vector<at::Tensor>& candidates) { return candidates.at(chosen); }
  virtual std::map<std::string, double> Diagnostics() const { return {}; }
};

class CandidateScorer {
 public:
  virtual ~CandidateScorer() = default;
  virtual std::string Name() const = 0;
  // One score per candidate; higher is better.
  virtual std::vector<double> Score(const std::vector<at::Tensor>& candidates,
                                    const at::Tensor& image,
                                    const at::Tensor& hole_mask,
                                    const FrameContext& context) = 0;
};

// Fills the few pixels removed from the hole mask by the 3x3 opening
// (the reference uses OpenCV Telea, radius 3). The generator passes every hole
// as `mask` and keeps the result on the specks only, so that the other holes'
// placeholder colour does not bleed in. Returns the filled image.
class SmallHoleFiller {
 public:
  virtual ~SmallHoleFiller() = default;
  virtual at::Tensor Fill(const at::Tensor& image, const at::Tensor& mask) = 0;
};

}  // namespace scenescape
