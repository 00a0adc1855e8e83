#pragma once
// The inpainting UNet (SD-2 inpainting: 9 input channels), TorchScript.
//
// Contract of the file: forward(sample [B,2C+1,h,w], timestep float32 [B],
// encoder_hidden_states [B,77,D]) -> noise (or v) prediction [B,C,h,w], where
// C = latent_channels (4) and sample = cat(noisy latent C, mask 1,
// masked-image latent C) along channels.

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <string>

#include "scenescape/models/script_module.h"

namespace scenescape {

class Unet {
 public:
  // Loads `file`; when check_contract, runs it once on sample [2,2C+1,8,8],
  // timestep [2], hidden [2,L,D] and checks for [2,C,8,8]. Failure:
  // ResourceError "<file>: expected forward(sample[B,9,h,w], timestep[B],
  // encoder_hidden_states[B,77,1024]) -> [B,4,h,w], got [...]".
  Unet(const std::filesystem::path& file,
       int text_embedding_dim,
       c10::Device device,
       c10::ScalarType dtype,
       int latent_channels = 4,
       int context_length = 77,
       bool check_contract = true);

  // sample: [B,2C+1,h,w] float, any device; timestep: [B] (or a scalar, which
  // is broadcast to [B]) in [0, num_train_timesteps); hidden: [B,L,D].
  // Returns [B,C,h,w] float32 on device(), under c10::InferenceMode.
  at::Tensor Predict(const at::Tensor& sample, const at::Tensor& timestep, const at::Tensor& hidden) const;

  void CheckContract() const;
  std::string Contract() const;

  const ScriptModule& script() const { return module_; }
  int latent_channels() const { return channels_; }
  int embedding_dim() const { return dim_; }

 private:
  ScriptModule module_;
  int dim_;
  int channels_;
  int context_length_;
};

}  // namespace scenescape
