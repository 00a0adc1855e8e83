#include "scenescape/models/vae.h"

#include <c10/core/InferenceMode.h>

#include "scenescape/core/check.h"
#include "script_util.h"

namespace scenescape {
using namespace models_internal;

VaeEncoder::VaeEncoder(const std::filesystem::path& file,
                       c10::Device device,
                       c10::ScalarType dtype,
                       int latent_channels,
                       int downsample,
                       bool check_contract)
    : module_(file, device, dtype), channels_(latent_channels), downsample_(downsample) {
  SCN_CHECK(channels_ > 0 && downsample_ > 0);
  if (check_contract) CheckContract();
}

std::string VaeEncoder::Contract() const {
  const std::string f = std::to_string(downsample_);
  return "forward(image[B,3,H,W] in [-1,1]) -> latent mean" +
         Dims({"B", std::to_string(channels_), "H/" + f, "W/" + f});
}

at::Tensor VaeEncoder::Encode(const at::Tensor& image) const {
  SCN_CHECK(image.dim() == 4 && image.size(1) == 3 && image.size(2) % downsample_ == 0 &&
            image.size(3) % downsample_ == 0)
      << "VaeEncoder::Encode: image must be [B,3,H,W] with H, W multiples of " << downsample_ << ", got "
      << Describe(image);
  c10::InferenceMode guard;
  const at::Tensor out = ForwardTensor(module_, {ToModule(module_, image)}, Contract());
  ExpectShape(
      module_, out, {image.size(0), channels_, image.size(2) / downsample_, image.size(3) / downsample_}, Contract());
  return out.to(at::kFloat);
}

void VaeEncoder::CheckContract() const {
  c10::InferenceMode guard;
  Encode(at::zeros({1, 3, 8 * downsample_, 8 * downsample_}, at::TensorOptions().device(module_.device())));
}

VaeDecoder::VaeDecoder(const std::filesystem::path& file,
                       c10::Device device,
                       c10::ScalarType dtype,
                       int latent_channels,
                       int downsample,
                       bool check_contract)
    : module_(file, device, dtype), channels_(latent_channels), downsample_(downsample) {
  SCN_CHECK(channels_ > 0 && downsample_ > 0);
  if (check_contract) CheckContract();
}

std::string VaeDecoder::Contract() const {
  const std::string f = std::to_string(downsample_);
  return "forward(latent" + Dims({"B", std::to_string(channels_), "h", "w"}) + ") -> image" +
         Dims({"B", "3", f + "h", f + "w"});
}

at::Tensor VaeDecoder::DecodeWithGrad(const at::Tensor& latent) const {
  SCN_CHECK(latent.dim() == 4 && latent.size(1) == channels_)
      << "VaeDecoder::Decode: latent must be [B," << channels_ << ",h,w], got " << Describe(latent);
  const at::Tensor out = ForwardTensor(module_, {ToModule(module_, latent)}, Contract());
  ExpectShape(
      module_, out, {latent.size(0), 3, latent.size(2) * downsample_, latent.size(3) * downsample_}, Contract());
  return out;
}

at::Tensor VaeDecoder::Decode(const at::Tensor& latent) const {
  c10::InferenceMode guard;
  return DecodeWithGrad(latent).to(at::kFloat);
}

void VaeDecoder::CheckContract() const {
  c10::InferenceMode guard;
  Decode(at::zeros({1, channels_, 8, 8}, at::TensorOptions().device(module_.device())));
}

}  // namespace scenescape
