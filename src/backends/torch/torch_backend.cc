#include "scenescape/backends/torch/torch_backend.h"

#include <torch/cuda.h>
#include <torch/version.h>

// at::accelerator's allocator statistics are device-generic (no CUDA header needed); they came with
// PyTorch's unified memory API (pull request 152932, mid 2025): 2.10 on is certain to have them.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 10)
#define SCN_HAS_ACCELERATOR_STATS 1
#include <ATen/DeviceAccelerator.h>
#endif

#include "scenescape/core/check.h"
#include "scenescape/core/logging.h"
#include "scenescape/models/manifest.h"
#include "stages.h"

namespace scenescape {

c10::Device ResolveDevice(const DeviceSetting& setting) {
  const std::string name = OptionName(setting);
#ifdef SCN_CUDA_ENABLED
  const bool cuda = torch::cuda::is_available();
#else
  const bool cuda = false;
#endif
  switch (setting.kind) {
    case DeviceSetting::Kind::kAuto:
      return cuda ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
    case DeviceSetting::Kind::kCpu:
      return c10::Device(c10::kCPU);
    case DeviceSetting::Kind::kCuda:
      break;
  }
#ifndef SCN_CUDA_ENABLED
  throw ResourceError("--device " + name +
                      ": this build has no CUDA support (configure with -DSCN_WITH_CUDA=ON and a CUDA LibTorch)");
#endif
  if (!cuda)
    throw ResourceError("--device " + name +
                        ": CUDA is not available (this LibTorch has no CUDA or no GPU is visible)");
  return setting.index < 0 ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCUDA, setting.index);
}

void SyncDevice(const c10::Device& device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.has_index() ? device.index() : -1);
}

DeviceMemoryPeak PeakDeviceMemory(const c10::Device& device) {
  DeviceMemoryPeak peak;
#ifdef SCN_HAS_ACCELERATOR_STATS
  if (device.is_cuda()) {
    const auto stats = at::accelerator::getDeviceStats(device.has_index() ? device.index() : 0);
    // Index 0 of each StatArray is StatType::AGGREGATE (both pools).
    peak.known = true;
    peak.allocated_bytes = stats.allocated_bytes[0].peak;
    peak.reserved_bytes = stats.reserved_bytes[0].peak;
  }
#endif
  return peak;
}

void ResetPeakDeviceMemory(const c10::Device& device) {
#ifdef SCN_HAS_ACCELERATOR_STATS
  if (device.is_cuda()) at::accelerator::resetPeakStats(device.has_index() ? device.index() : 0);
#endif
}

TorchBackend MakeTorchBackend(const TorchBackendOptions& options) {
  const ModelManifest manifest = LoadManifest(options.models_dir);
  TorchBackend backend;
  backend.device = ResolveDevice(options.device);
  backend.depth = torch_backend::MakeDepthEstimator(manifest.RequireDepth(), backend.device, options.finetune);
  backend.inpainter = torch_backend::MakeDiffusionInpainter(
      manifest.RequireInpainter(), backend.device, options.sampler, options.inpaint.canvas_border, options.finetune);
  backend.scorer = torch_backend::MakeClipScorer(manifest.RequireClip(), backend.device);
  backend.description = fmt::format("torch ({} on {}, {} {} steps, cfg {})",
                                    options.models_dir.string(),
                                    backend.device.str(),
                                    OptionName(options.sampler.name),
                                    options.sampler.steps,
                                    options.sampler.guidance_scale);
  return backend;
}

}  // namespace scenescape
