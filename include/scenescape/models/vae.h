#pragma once
// The latent-diffusion VAE, as two TorchScript files.
//
// vae_encoder: forward(image [B,3,H,W] in [-1,1]) -> latent mean [B,C,H/f,W/f]
//   (the posterior mean, NOT yet multiplied by latent_scale; f = vae_downsample).
// vae_decoder: forward(latent [B,C,h,w], already divided by latent_scale)
//   -> image [B,3,f*h,f*w] in about [-1,1]. Its trainable part (decoder
//   fine-tuning) is every parameter whose name starts with "decoder."; the
//   "post_quant_conv.*" parameters are not trained, as in the reference.

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <string>

#include "scenescape/models/script_module.h"

namespace scenescape {

class VaeEncoder {
 public:
  // Dry run: [1,3,8f,8f] -> [1,C,8,8].
  VaeEncoder(const std::filesystem::path& file,
             c10::Device device,
             c10::ScalarType dtype,
             int latent_channels = 4,
             int downsample = 8,
             bool check_contract = true);

  // image: [B,3,H,W] float in [-1,1], any device, H and W multiples of f.
  // Returns the latent mean [B,C,H/f,W/f] float32 on device() (unscaled),
  // under c10::InferenceMode.
  at::Tensor Encode(const at::Tensor& image) const;

  void CheckContract() const;
  std::string Contract() const;
  const ScriptModule& script() const { return module_; }

 private:
  ScriptModule module_;
  int channels_;
  int downsample_;
};

class VaeDecoder {
 public:
  // Dry run: [1,C,8,8] -> [1,3,8f,8f].
  VaeDecoder(const std::filesystem::path& file,
             c10::Device device,
             c10::ScalarType dtype,
             int latent_channels = 4,
             int downsample = 8,
             bool check_contract = true);

  // latent: [B,C,h,w] float, already divided by latent_scale, any device.
  // Returns [B,3,f*h,f*w] float32 in about [-1,1] on device(), under
  // c10::InferenceMode.
  at::Tensor Decode(const at::Tensor& latent) const;

  // As Decode, but records autograd (for decoder fine-tuning); the result is
  // in the module's dtype (float32 for fine-tuning).
  at::Tensor DecodeWithGrad(const at::Tensor& latent) const;

  void CheckContract() const;
  std::string Contract() const;
  const ScriptModule& script() const { return module_; }
  torch::jit::Module& module() const { return module_.get(); }
  int latent_channels() const { return channels_; }
  int downsample() const { return downsample_; }

 private:
  ScriptModule module_;
  int channels_;
  int downsample_;
};

}  // namespace scenescape
