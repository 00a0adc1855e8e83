#pragma once
// VAE-decoder test-time fine-tuning (SceneScape util/finetune_utils.py L5-19,
// loss at warp_inpaint_model.py L614-621).
//
// Trains only the parameters whose name starts with "decoder." (the
// vae_decoder contract; post_quant_conv stays fixed, as in the reference).
// The pristine weights are cloned once at construction and copied back at the
// start of every Finetune() (the reference resets vae.decoder after each
// frame).
//
// Per frame: Restore(), then decoder_steps Adam steps (fresh optimizer, lr
// decoder_lr, no mixed precision, as in the reference), each step
//   recon = clamp(decode(latent) / 2 + 0.5, 0, 1)
//   loss  = MSE(inpainted * m, recon * m)
//         + preservation_weight * MSE(warped * (1 - m), recon * (1 - m))
// with both MSEs means over ALL 3*H*W elements (not normalised by mask area).

#include <ATen/core/Tensor.h>

#include <memory>

#include "scenescape/finetune/finetune_options.h"

namespace scenescape {

class VaeDecoder;

class DecoderFinetuner {
 public:
  // `decoder` must run in float32 (load a separate float32 copy for
  // fine-tuning, as the reference does; Error otherwise) and outlive the
  // finetuner. Sets requires_grad true on "decoder.*" and false on every other
  // parameter, and clones the "decoder.*" ones. ResourceError naming the file
  // when there is no "decoder.*" parameter.
  DecoderFinetuner(VaeDecoder& decoder, const FinetuneOptions& options = {});
  ~DecoderFinetuner();
  DecoderFinetuner(DecoderFinetuner&&) noexcept;
  DecoderFinetuner& operator=(DecoderFinetuner&&) noexcept;

  // latent:    [1,C,h,w] float, the final diffusion latent ALREADY divided by
  //            latent_scale (VaeDecoder::Decode's input), any device.
  // inpainted: [1,3,H,W] float in [0,1], the inpainting result (H = f*h).
  // warped:    [1,3,H,W] float in [0,1], the rendered canvas (known pixels).
  // mask:      [H,W], [1,H,W] or [1,1,H,W], bool or float; 1 = generated
  //            (holes and the canvas border), 0 = known.
  // Restores the pristine weights, then trains; the decoder keeps the
  // fine-tuned weights afterwards (decode the frame with it).
  FinetuneStats Finetune(const at::Tensor& latent,
                         const at::Tensor& inpainted,
                         const at::Tensor& warped,
                         const at::Tensor& mask);

  void Restore();

  const FinetuneOptions& options() const;
  int64_t num_tensors() const;
  int64_t num_scalars() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scenescape
