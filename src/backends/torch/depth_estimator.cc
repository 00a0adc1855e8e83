// The torch back end's depth stage: a TorchScript depth network (MiDaS DPT or
// Depth Anything), fine-tuned at test time against the mesh depth of every
// frame >= 1 (DepthFinetuner; pristine weights restored every frame).
#include <ATen/ATen.h>

#include <map>

#include "scenescape/finetune/depth_finetuner.h"
#include "scenescape/models/depth_model.h"
#include "stages.h"
#include "tensor_layout.h"

namespace scenescape::torch_backend {
namespace {

class DepthNetworkEstimator : public DepthEstimator {
 public:
  DepthNetworkEstimator(const DepthManifest& manifest, c10::Device device, const FinetuneOptions& finetune)
      : model_(std::make_unique<DepthModel>(manifest, device, at::kFloat)),
        finetuner_(*model_, finetune),
        device_(device) {}

  std::string Name() const override { return "torchscript-depth"; }

  at::Tensor Estimate(const at::Tensor& image, const at::Tensor& mesh_depth, const FrameContext&) override {
    diagnostics_.clear();
    const at::Tensor x = ToBatch(image, device_);
    if (mesh_depth.defined()) {
      const at::Tensor target = mesh_depth.to(device_, at::kFloat);
      const FinetuneStats stats = finetuner_.Finetune(x, target);
      if (!stats.losses.empty()) diagnostics_["depth_l1_before_finetune"] = stats.losses.front();
      diagnostics_["depth_finetune_steps"] = stats.steps;
      diagnostics_["depth_finetune_ms"] = stats.ms;
    } else {
      finetuner_.Restore();  // frame 0: the pretrained model, as the reference
    }
    at::Tensor depth = model_->PredictNoGrad(x).clone().squeeze(0).to(at::kCPU, at::kFloat).contiguous();
    if (mesh_depth.defined()) {
      const at::Tensor valid = mesh_depth > 0;
      if (valid.any().item<bool>())
        diagnostics_["depth_l1_after_finetune"] =
            (depth.index({valid}) - mesh_depth.index({valid})).abs().mean().item<double>();
    }
    return depth.clamp_min(1e-6f);
  }

  std::map<std::string, double> Diagnostics() const override { return diagnostics_; }

 private:
  std::unique_ptr<DepthModel> model_;
  DepthFinetuner finetuner_;
  c10::Device device_;
  std::map<std::string, double> diagnostics_;
};

}  // namespace

std::shared_ptr<DepthEstimator> MakeDepthEstimator(const DepthManifest& manifest,
                                                   c10::Device device,
                                                   const FinetuneOptions& finetune) {
  return std::make_shared<DepthNetworkEstimator>(manifest, device, finetune);
}

}  // namespace scenescape::torch_backend
