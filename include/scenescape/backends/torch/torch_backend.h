#pragma once
// The "torch" back end: the method as the reference runs it, over TorchScript
// models from a model folder (models/README.md). Its three stages live in
// src/backends/torch/, one file each:
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

#include "scenescape/core/device.h"
#include "scenescape/diffusion/sampler_options.h"
#include "scenescape/finetune/finetune_options.h"
#include "scenescape/pipeline/stages.h"

namespace scenescape {

// The config's sections this back end reads, whole (config/config.h).
struct TorchBackendOptions {
  std::filesystem::path models_dir;
  DeviceSetting device;
  SamplerOptions sampler;
  InpaintOptions inpaint;  // canvas_border: generated margin around frames >= 1
  FinetuneOptions finetune;
};

struct TorchBackend {
  std::shared_ptr<DepthEstimator> depth;
  std::shared_ptr<Inpainter> inpainter;
  std::shared_ptr<CandidateScorer> scorer;
  c10::Device device = c10::Device(c10::kCPU);
  std::string description;  // one line for the log: files, device, dtype
};

// The device a setting names. "auto" is CUDA device 0 when the build has CUDA
// (SCN_CUDA_ENABLED, from -DSCN_WITH_CUDA=ON) and LibTorch sees a GPU, else the
// CPU. ResourceError when CUDA is asked for and the build or machine lacks it.
c10::Device ResolveDevice(const DeviceSetting& setting);

// Waits until the work queued on `device` has finished (CUDA: torch::cuda::synchronize; the CPU runs
// synchronously), so that a host clock read afterwards times finished work. Stage timers call it on
// CUDA only where they report a time; the stages themselves never need it.
void SyncDevice(const c10::Device& device);

// The caching allocator's peaks on a CUDA device since the last ResetPeakDeviceMemory (bytes handed to
// tensors / reserved from the driver). `known` is false on the CPU and with LibTorch before 2.10, whose
// device-generic allocator statistics (at::accelerator::getDeviceStats) this reads.
struct DeviceMemoryPeak {
  bool known = false;
  int64_t allocated_bytes = 0;
  int64_t reserved_bytes = 0;
};
DeviceMemoryPeak PeakDeviceMemory(const c10::Device& device);
void ResetPeakDeviceMemory(const c10::Device& device);

// Loads and checks every model of the folder (ResourceError naming the file,
// before any frame is made).
TorchBackend MakeTorchBackend(const TorchBackendOptions& options);

}  // namespace scenescape
