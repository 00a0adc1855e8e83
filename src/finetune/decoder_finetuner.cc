#include "scenescape/finetune/decoder_finetuner.h"

#include <ATen/ATen.h>

#include "scenescape/core/check.h"
#include "scenescape/models/vae.h"
#include "trained_parameters.h"

namespace scenescape {
using finetune_internal::TrainedParameters;

struct DecoderFinetuner::Impl {
  VaeDecoder* decoder;
  FinetuneOptions options;
  TrainedParameters params;
};

DecoderFinetuner::DecoderFinetuner(VaeDecoder& decoder, const FinetuneOptions& options) {
  SCN_CHECK(options.decoder_steps >= 0 && options.decoder_lr > 0 && options.preservation_weight >= 0)
      << "decoder fine-tuning needs steps >= 0, lr > 0 and preservation_weight >= 0";
  SCN_CHECK(decoder.script().dtype() == at::kFloat)
      << "DecoderFinetuner: the VAE decoder must run in float32 (load a separate float32 copy "
         "for fine-tuning, as the reference does)";
  impl_ =
      std::make_unique<Impl>(Impl{&decoder,
                                  options,
                                  TrainedParameters::Select(
                                      decoder.script(),
                                      [](const std::string& name) { return name.rfind("decoder.", 0) == 0; },
                                      "no parameter named \"decoder.*\" (the vae_decoder contract: the trained part is "
                                      "every parameter whose name starts with \"decoder.\")")});
}

DecoderFinetuner::~DecoderFinetuner() = default;
DecoderFinetuner::DecoderFinetuner(DecoderFinetuner&&) noexcept = default;
DecoderFinetuner& DecoderFinetuner::operator=(DecoderFinetuner&&) noexcept = default;

const FinetuneOptions& DecoderFinetuner::options() const { return impl_->options; }
int64_t DecoderFinetuner::num_tensors() const { return static_cast<int64_t>(impl_->params.live.size()); }
int64_t DecoderFinetuner::num_scalars() const { return impl_->params.NumScalars(); }

void DecoderFinetuner::Restore() { impl_->params.Restore(); }

FinetuneStats DecoderFinetuner::Finetune(const at::Tensor& latent,
                                         const at::Tensor& inpainted,
                                         const at::Tensor& warped,
                                         const at::Tensor& mask) {
  const FinetuneOptions& o = impl_->options;
  return finetune_internal::Finetune(
      impl_->params,
      "DecoderFinetuner::Finetune",
      "decoder fine-tuning",
      o.decoder_steps,
      o.decoder_lr,
      // float32 always, as the reference: in reduced precision the known pixels drift by whole
      // 8-bit levels. options.mixed_precision is for the depth network only.
      finetune_internal::Precision::kFloat32,
      [&]() -> finetune_internal::PreparedLoss {
        const VaeDecoder& decoder = *impl_->decoder;
        const int64_t f = decoder.downsample();
        SCN_CHECK(latent.dim() == 4 && latent.size(0) == 1 && latent.size(1) == decoder.latent_channels())
            << "DecoderFinetuner: latent must be [1," << decoder.latent_channels() << ",h,w], got " << latent.sizes();
        const std::vector<int64_t> image_size = {1, 3, latent.size(2) * f, latent.size(3) * f};
        SCN_CHECK(inpainted.sizes() == at::IntArrayRef(image_size) && warped.sizes() == at::IntArrayRef(image_size))
            << "DecoderFinetuner: inpainted and warped must be " << at::IntArrayRef(image_size) << ", got "
            << inpainted.sizes() << " and " << warped.sizes();
        at::Tensor m = mask;
        while (m.dim() < 4) m = m.unsqueeze(0);
        SCN_CHECK(m.size(0) == 1 && m.size(1) == 1 && m.size(2) == image_size[2] && m.size(3) == image_size[3])
            << "DecoderFinetuner: mask must be [H,W] = [" << image_size[2] << "," << image_size[3] << "], got "
            << mask.sizes();
        const c10::Device device = decoder.script().device();
        const auto prepare = [&](const at::Tensor& t) {
          // clone(): inputs may be inference tensors, which autograd cannot save.
          return t.to(device, at::kFloat).detach().clone();
        };
        const at::Tensor z = prepare(latent);
        m = prepare(m).expand(image_size).contiguous();
        const at::Tensor keep = 1 - m;
        // The targets are constant: mask them once.
        const at::Tensor inpainted_m = prepare(inpainted) * m;
        const at::Tensor warped_k = prepare(warped) * keep;
        const double weight = o.preservation_weight;
        const VaeDecoder* d = &decoder;
        return {[d, z, m, keep, inpainted_m, warped_k, weight] {
                  const at::Tensor recon = (d->DecodeWithGrad(z) / 2 + 0.5).clamp(0, 1);
                  return at::mse_loss(recon * m, inpainted_m) + weight * at::mse_loss(recon * keep, warped_k);
                },
                ""};
      });
}

}  // namespace scenescape
