#pragma once
// Test-time fine-tuning settings and results (SceneScape sections 4 and 6).

#include <string>
#include <vector>

#include "scenescape/core/options.h"

namespace scenescape {

// finetune.*: test-time fine-tuning of the torch back end.
struct FinetuneOptions {
  // Depth network: every parameter, fresh Adam each frame, L1 in depth space
  // over pixels that have mesh depth. 0 steps disables it.
  int depth_steps = 300;
  double depth_lr = 1e-7;
  // VAE decoder: the "decoder.*" parameters, fresh Adam each frame. 0 steps
  // disables it.
  int decoder_steps = 100;
  double decoder_lr = 1e-4;
  // Weight of the known-pixel term of the decoder loss.
  double preservation_weight = 100.0;
  // Depth fine-tuning only (the decoder always trains in float32, as the
  // reference): autocast around the forward passes and the loss, float16 with
  // dynamic loss scaling on CUDA (the reference's autocast + GradScaler),
  // bfloat16 on the CPU (both precisions train with the TorchScript executor's
  // own autodiff off).
  // Off until a GPU run shows its losses track float32's (final loss within
  // 1% over a default frame's 300 steps): not yet run on a GPU.
  bool mixed_precision = false;

  template <class Self, class V>
  static void List(Self& o, V& v) {
    v.Number("depth_steps",
             o.depth_steps,
             Range::Closed(0, 100000),
             "depth network test-time fine-tuning steps (Adam, L1 to the mesh depth); 0 turns it off");
    v.Number("depth_lr", o.depth_lr, Range::OpenClosed(0, 1), "its learning rate");
    v.Number("decoder_steps",
             o.decoder_steps,
             Range::Closed(0, 100000),
             "VAE decoder fine-tuning steps (Adam); 0 turns it off");
    v.Number("decoder_lr", o.decoder_lr, Range::OpenClosed(0, 1), "its learning rate");
    v.Number("preservation_weight",
             o.preservation_weight,
             Range::Closed(0, 1e6),
             "weight of the known-pixel term of the decoder loss");
    v.Flag("mixed_precision",
           o.mixed_precision,
           "depth fine-tuning only: autocast (float16 with loss scaling on CUDA, as the reference; bfloat16 on the "
           "CPU); off until a GPU run shows it tracks float32. The VAE decoder always fine-tunes in float32");
  }
};

struct FinetuneStats {
  int steps = 0;               // Adam steps taken (0: disabled or nothing to fit)
  std::vector<double> losses;  // the loss before each step's update, one per step
  double ms = 0;               // wall time of the whole call, restore included
  std::string skipped;         // why no step was taken, empty otherwise
};

}  // namespace scenescape
