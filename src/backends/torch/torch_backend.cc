#include "scenescape/backends/torch/torch_backend.h"

#include <torch/cuda.h>

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
