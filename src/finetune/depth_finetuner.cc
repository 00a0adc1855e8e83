#include "scenescape/finetune/depth_finetuner.h"

#include <ATen/ATen.h>

#include "scenescape/core/check.h"
#include "scenescape/models/depth_model.h"
#include "trained_parameters.h"

namespace scenescape {
using finetune_internal::TrainedParameters;

struct DepthFinetuner::Impl {
  DepthModel* model;
  FinetuneOptions options;
  TrainedParameters params;
};

DepthFinetuner::DepthFinetuner(DepthModel& model, const FinetuneOptions& options) {
  SCN_CHECK(options.depth_steps >= 0 && options.depth_lr > 0) << "depth fine-tuning needs steps >= 0 and lr > 0";
  SCN_CHECK(model.script().dtype() == at::kFloat) << "DepthFinetuner: the depth model must run in float32";
  impl_ = std::make_unique<Impl>(Impl{&model,
                                      options,
                                      TrainedParameters::Select(
                                          model.script(),
                                          [](const std::string&) { return true; },
                                          "the depth network has no parameters to fine-tune")});
}

DepthFinetuner::~DepthFinetuner() = default;
DepthFinetuner::DepthFinetuner(DepthFinetuner&&) noexcept = default;
DepthFinetuner& DepthFinetuner::operator=(DepthFinetuner&&) noexcept = default;

const FinetuneOptions& DepthFinetuner::options() const { return impl_->options; }
int64_t DepthFinetuner::num_tensors() const { return static_cast<int64_t>(impl_->params.live.size()); }
int64_t DepthFinetuner::num_scalars() const { return impl_->params.NumScalars(); }

void DepthFinetuner::Restore() { impl_->params.Restore(); }

FinetuneStats DepthFinetuner::Finetune(const at::Tensor& image, const at::Tensor& target_depth) {
  const FinetuneOptions& o = impl_->options;
  return finetune_internal::Finetune(
      impl_->params,
      "DepthFinetuner::Finetune",
      "depth fine-tuning",
      o.depth_steps,
      o.depth_lr,
      o.mixed_precision ? finetune_internal::Precision::kMixed : finetune_internal::Precision::kFloat32,
      [&]() -> finetune_internal::PreparedLoss {
        SCN_CHECK(image.dim() == 4 && image.size(1) == 3)
            << "DepthFinetuner: image must be [B,3,H,W], got " << image.sizes();
        at::Tensor target = target_depth.dim() == 2 ? target_depth.unsqueeze(0) : target_depth;
        SCN_CHECK(target.dim() == 3 && target.size(0) == image.size(0) && target.size(1) == image.size(2) &&
                  target.size(2) == image.size(3))
            << "DepthFinetuner: target depth must be [B,H,W] matching the image " << image.sizes() << ", got "
            << target_depth.sizes();
        const c10::Device device = impl_->model->script().device();
        // clone(): the inputs may be inference tensors, which autograd cannot save.
        const at::Tensor x = image.to(device, at::kFloat).detach().clone();
        target = target.to(device, at::kFloat).detach().clone();
        // The mean over valid pixels as a masked sum over a count fixed for the frame: masked_select
        // would read its output size back from the device at every step.
        const at::Tensor valid = (target != -1).to(at::kFloat);
        const at::Tensor count = valid.sum();
        if (count.item<float>() == 0) return {{}, "no pixel has mesh depth"};  // one read per frame
        const at::Tensor target_valid = target * valid;
        DepthModel* model = impl_->model;
        return {[model, x, valid, count, target_valid] {
                  return (model->Predict(x).to(at::kFloat) * valid - target_valid).abs().sum() / count;
                },
                ""};
      });
}

}  // namespace scenescape
