#pragma once
// Depth-network test-time fine-tuning (SceneScape util/finetune_utils.py
// L22-42, loss at warp_inpaint_model.py L607-612).
//
// The reference reloads the pretrained network from torch.hub before every
// frame. Here the pretrained weights are cloned once, in memory on the model's
// device, when the finetuner is built, and copied back (copy_ under
// NoGradGuard) at the start of every Finetune(): the same result without
// touching the disk. Memory: one extra copy of the network's parameters
// (1.3 GB for DPT-Large in float32).
//
// Per frame: Restore(), then depth_steps Adam steps (fresh optimizer, default
// betas/eps, lr depth_lr) on ALL parameters, each step
//   loss = mean over pixels with target != -1 of |target - DepthModel::Predict(image)|
// (depth space, not disparity; no regulariser), computed as a masked sum over
// the frame's count of valid pixels (no per-step host round trip). Departure:
// the reference uses CUDA autocast + GradScaler; this runs in float32 unless
// FinetuneOptions::mixed_precision (float16 + loss scaling on CUDA).

#include <ATen/core/Tensor.h>

#include <memory>

#include "scenescape/finetune/finetune_options.h"

namespace scenescape {

class DepthModel;

class DepthFinetuner {
 public:
  // `model` (float32) must outlive the finetuner. Sets requires_grad on every
  // parameter of the model and clones them as the pristine copy. Throws
  // ResourceError naming the file when the network has no parameters.
  DepthFinetuner(DepthModel& model, const FinetuneOptions& options = {});
  ~DepthFinetuner();
  DepthFinetuner(DepthFinetuner&&) noexcept;
  DepthFinetuner& operator=(DepthFinetuner&&) noexcept;

  // image: [B,3,H,W] float in [0,1] (the new frame), any device.
  // target_depth: [B,H,W] (or [H,W] for B = 1) float, the mesh rendered at
  //   this frame's camera; -1 marks pixels without geometry.
  // Restores the pristine weights, then trains; the model keeps the
  // fine-tuned weights afterwards (predict the frame's depth with it). With
  // 0 steps or no valid target pixel, the model is left pristine.
  // Must not run under c10::InferenceMode (Error).
  FinetuneStats Finetune(const at::Tensor& image, const at::Tensor& target_depth);

  // Copies the pristine weights back (bit-exact).
  void Restore();

  const FinetuneOptions& options() const;
  // Number of trained parameter tensors / scalars.
  int64_t num_tensors() const;
  int64_t num_scalars() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scenescape
