#include "scenescape/models/unet.h"

#include <c10/core/InferenceMode.h>

#include "scenescape/core/check.h"
#include "script_util.h"

namespace scenescape {
using namespace models_internal;

Unet::Unet(const std::filesystem::path& file,
           int text_embedding_dim,
           c10::Device device,
           c10::ScalarType dtype,
           int latent_channels,
           int context_length,
           bool check_contract)
    : module_(file, device, dtype),
      dim_(text_embedding_dim),
      channels_(latent_channels),
      context_length_(context_length) {
  SCN_CHECK(dim_ > 0 && channels_ > 0 && context_length_ >= 2);
  if (check_contract) CheckContract();
}

std::string Unet::Contract() const {
  return "forward(sample" + Dims({"B", std::to_string(2 * channels_ + 1), "h", "w"}) +
         ", timestep[B], encoder_hidden_states" + Dims({"B", std::to_string(context_length_), std::to_string(dim_)}) +
         ") -> " + Dims({"B", std::to_string(channels_), "h", "w"});
}

at::Tensor Unet::Predict(const at::Tensor& sample, const at::Tensor& timestep, const at::Tensor& hidden) const {
  SCN_CHECK(sample.dim() == 4 && sample.size(1) == 2 * channels_ + 1)
      << "Unet::Predict: sample must be [B," << 2 * channels_ + 1 << ",h,w], got " << Describe(sample);
  const int64_t b = sample.size(0);
  SCN_CHECK(hidden.dim() == 3 && hidden.size(0) == b && hidden.size(2) == dim_)
      << "Unet::Predict: encoder_hidden_states must be [" << b << ",L," << dim_ << "], got " << Describe(hidden);
  SCN_CHECK(timestep.numel() == 1 || (timestep.dim() == 1 && timestep.size(0) == b))
      << "Unet::Predict: timestep must be [" << b << "] or a scalar, got " << Describe(timestep);
  c10::InferenceMode guard;
  // The contract's timestep is float32 [B] whatever the model dtype.
  const at::Tensor t = timestep.to(module_.device(), at::kFloat).reshape({-1}).expand({b});
  const at::Tensor out =
      ForwardTensor(module_, {ToModule(module_, sample), t.contiguous(), ToModule(module_, hidden)}, Contract());
  ExpectShape(module_, out, {b, channels_, sample.size(2), sample.size(3)}, Contract());
  return out.to(at::kFloat);
}

void Unet::CheckContract() const {
  c10::InferenceMode guard;
  const auto opts = at::TensorOptions().device(module_.device());
  Predict(at::zeros({2, 2 * channels_ + 1, 8, 8}, opts),
          at::full({2}, 500.0, opts),
          at::zeros({2, context_length_, dim_}, opts));
}

}  // namespace scenescape
