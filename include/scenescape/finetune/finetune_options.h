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
  // On CUDA, run the forward passes and losses under bf16 autocast; ignored on the CPU.
  bool mixed_precision = true;

  template <class Self, class V>
  static void List(Self& o, V& v) {
    v.Number("depth_steps", o.depth_steps, Range::Closed(0, 100000),
             "depth network test-time fine-tuning steps (Adam, L1 to the mesh depth); 0 turns it off");
    v.Number("depth_lr", o.depth_lr, Range::OpenClosed(0, 1), "its learning rate");
    v.Number("decoder_steps", o.decoder_steps, Range::Closed(0, 100000),
             "VAE decoder fine-tuning steps (Adam); 0 turns it off");
    v.Number("decoder_lr", o.decoder_lr, Range::OpenClosed(0, 1), "its learning rate");
    v.Number("preservation_weight", o.preservation_weight, Range::Closed(0, 1e6),
             "weight of the known-pixel term of the decoder loss");
    v.Flag("mixed_precision", o.mixed_precision,
           "on CUDA, bf16 autocast for the fine-tuning forward passes (ignored on the CPU; not yet run on a GPU)");
  }
};

struct FinetuneStats {
  int steps = 0;                // Adam steps taken (0: disabled or nothing to fit)
  std::vector<double> losses;   // the loss before each step's update, one per step
  double ms = 0;                // wall time of the whole call, restore included
  std::string skipped;          // why no step was taken, empty otherwise
};

}  // namespace scenescape
