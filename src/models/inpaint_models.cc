#include "scenescape/models/inpaint_models.h"

#include <ATen/ATen.h>

#include <algorithm>

namespace scenescape {

InpaintModels::InpaintModels(const InpainterManifest& m, c10::Device device, bool check_contract)
    : manifest(m),
      dtype(InferenceDtype(m.dtype, device)),
      tokenizer(ClipTokenizer::FromFiles(m.tokenizer.vocab, m.tokenizer.merges)),
      text_encoder(m.text_encoder, m.text_embedding_dim, device, dtype, m.tokenizer.context_length, check_contract),
      unet(m.unet, m.text_embedding_dim, device, dtype, m.latent_channels, m.tokenizer.context_length, check_contract),
      vae_encoder(m.vae_encoder, device, dtype, m.latent_channels, m.vae_downsample, check_contract),
      vae_decoder(m.vae_decoder, device, at::kFloat, m.latent_channels, m.vae_downsample, check_contract) {}

at::Tensor InpaintModels::Tokenize(const std::vector<std::string>& prompts) const {
  const int l = manifest.tokenizer.context_length;
  at::Tensor ids = at::empty({static_cast<int64_t>(prompts.size()), l}, at::kLong);
  for (size_t i = 0; i < prompts.size(); ++i) {
    const auto tokens = tokenizer.EncodeForModel(prompts[i], l, manifest.tokenizer.pad_id);
    std::copy(tokens.ids.begin(), tokens.ids.end(), ids.data_ptr<int64_t>() + i * l);
  }
  return ids;
}

}  // namespace scenescape
