#pragma once
// The "torch" back end: the method as the reference runs it, over TorchScript
// models from a model folder (models/README.md):
//   depth:     DepthModel, fine-tuned at test time against the mesh depth
//              (DepthFinetuner; pristine weights restored every frame)
//   inpainter: Stable-Diffusion inpainting on a canvas with a border
//              (600x600 for 512 frames), N candidates and both guidance branches
//              in one UNet batch per step, DDIM or DPM-Solver++(2M); the chosen
//              candidate's latent is decoded by a VAE decoder fine-tuned to agree
//              with the known pixels (DecoderFinetuner), then reset
//   scorer:    CLIP cosine similarity between the prompt and each candidate
// Stage tensors follow pipeline/stages.h (CPU [H,W,3] images); the models run
// on the chosen device.

#include <c10/core/Device.h>

#include <filesystem>
#include <memory>
#include <string>

#include "scenescape/finetune/finetune_options.h"
#include "scenescape/pipeline/stages.h"

namespace scenescape {

struct TorchBackendOptions {
  std::filesystem::path models_dir;
  std::string device = "auto";     // auto | cpu | cuda[:N]
  std::string sampler = "ddim";    // ddim | dpmpp_2m
  int steps = 50;                  // denoising steps (>= 1)
  double guidance_scale = 7.5;     // classifier-free guidance
  int canvas_border = 44;          // pixels of generated margin around the frame (600 = 512 + 2*44)
  FinetuneOptions finetune;
};

struct TorchBackend {
  std::shared_ptr<DepthEstimator> depth;
  std::shared_ptr<Inpainter> inpainter;
  std::shared_ptr<CandidateScorer> scorer;
  c10::Device device = c10::Device(c10::kCPU);
  std::string description;  // one line for the log: files, device, dtype
};

// Resolves "auto"/"cpu"/"cuda[:N]" (ResourceError when CUDA is asked for and missing).
c10::Device ResolveDevice(const std::string& name);

// Loads and checks every model of the folder (ResourceError naming the file,
// before any frame is made).
TorchBackend MakeTorchBackend(const TorchBackendOptions& options);

}  // namespace scenescape
