#pragma once
// Test-time fine-tuning settings and results (SceneScape sections 4 and 6).

#include <string>
#include <vector>

namespace scenescape {

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
  // On CUDA, run the forward passes and losses under bf16 autocast (the
  // reference uses autocast for the depth network); ignored on the CPU.
  bool mixed_precision = true;
};

struct FinetuneStats {
  int steps = 0;                // Adam steps taken (0: disabled or nothing to fit)
  std::vector<double> losses;   // the loss before each step's update, one per step
  double ms = 0;                // wall time of the whole call, restore included
  std::string skipped;          // why no step was taken, empty otherwise
};

}  // namespace scenescape
