#pragma once
// The four inpainting files of a model folder plus their tokenizer, loaded
// together from the manifest's "inpainter" section.

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "scenescape/models/manifest.h"
#include "scenescape/models/text_encoder.h"
#include "scenescape/models/unet.h"
#include "scenescape/models/vae.h"
#include "scenescape/text/tokenizer.h"

namespace scenescape {

struct InpaintModels {
  // Loads every file onto `device` in InferenceDtype(manifest.dtype, device)
  // (float16 on CUDA for float16 files, else float32), except the VAE
  // decoder, always float32: it is fine-tuned in float32 (as the reference)
  // and the same module decodes the candidates. Each with its dry run when
  // check_contract.
  InpaintModels(const InpainterManifest& manifest, c10::Device device, bool check_contract = true);

  // Prompts as text-encoder input: [N,L] int64 (CPU), padded with the
  // manifest's pad_id; overlong prompts are cut (the end token stays last).
  at::Tensor Tokenize(const std::vector<std::string>& prompts) const;

  InpainterManifest manifest;
  c10::ScalarType dtype;
  ClipTokenizer tokenizer;
  TextEncoder text_encoder;
  Unet unet;
  VaeEncoder vae_encoder;
  VaeDecoder vae_decoder;
};

}  // namespace scenescape
