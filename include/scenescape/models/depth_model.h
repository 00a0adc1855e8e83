#pragma once
// Monocular depth network (MiDaS DPT-Large in the reference), TorchScript, with
// the reference's differentiable pre- and post-processing
// (SceneScape get_depth / util/midas_utils.py):
//   1. bilinear resize (align_corners false, no antialias) of the [0,1] image
//      to the MiDaS "minimal" size (MidasInputSize: 512x512 -> 384x384);
//   2. normalise with mean/std (0.5/0.5 maps to [-1,1]);
//   3. forward -> [B,h,w] or [B,1,h,w];
//   4. bilinear upsample back to the image size (align_corners false);
//   5. output "disparity": depth = 1 / max(disparity, min_disparity);
//      output "depth": the prediction is the depth.
//
// Contract of the file: forward(image [B,3,h,w] normalised, h and w multiples
// of multiple_of) -> [B,h,w] or [B,1,h,w] (disparity or depth).

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <string>
#include <utility>

#include "scenescape/models/manifest.h"
#include "scenescape/models/script_module.h"

namespace scenescape {

// MiDaS Resize(input_size, input_size, keep_aspect_ratio, ensure_multiple_of,
// resize_method="minimal").get_size: with keep_aspect_ratio, the one scale of
// the two (input_size/height, input_size/width) that is closer to 1 is used for
// both sides; each side is then rounded (half to even, like np.round) to a
// multiple of multiple_of. Departure: a side never drops below multiple_of
// (MiDaS would give 0 for images smaller than multiple_of / 2).
// Returns {height, width}.
std::pair<int, int> MidasInputSize(int height, int width, int input_size, int multiple_of, bool keep_aspect_ratio);

class DepthModel {
 public:
  // Dry run: one normalised [1,3,2m,2m] input (m = multiple_of), which must
  // give [1,2m,2m] or [1,1,2m,2m]. (Not input_size: that run would cost
  // seconds for DPT-Large on a CPU.) Fine-tuning needs dtype float32.
  DepthModel(const DepthManifest& manifest,
             c10::Device device,
             c10::ScalarType dtype = at::kFloat,
             bool check_contract = true);

  // image: [B,3,H,W] float in [0,1], any device. Returns depth [B,H,W] on
  // device(), float32 for a float32 model. Differentiable with respect to the
  // module's parameters (those with requires_grad) and to the image.
  at::Tensor Predict(const at::Tensor& image) const;

  // Predict under c10::InferenceMode, float32. The result is an inference
  // tensor: clone() it before it enters an autograd graph.
  at::Tensor PredictNoGrad(const at::Tensor& image) const;

  // The network's input size {h, w} for an H x W image.
  std::pair<int, int> InputSize(int height, int width) const;

  void CheckContract() const;
  std::string Contract() const;
  const DepthManifest& manifest() const { return manifest_; }
  const ScriptModule& script() const { return module_; }
  torch::jit::Module& module() const { return module_.get(); }

 private:
  // forward on an already normalised network input; returns [B,1,h,w].
  at::Tensor Forward(const at::Tensor& input) const;

  DepthManifest manifest_;
  ScriptModule module_;
  at::Tensor mean_, std_;  // [1,3,1,1] on the module's device and dtype, made once
};

}  // namespace scenescape
