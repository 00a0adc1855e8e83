#pragma once
// CLIP image and text towers (TorchScript) with their tokenizer, for ranking
// inpainting candidates against the prompt. Not part of the reference (which
// generates one sample per frame); scenescape's own addition.
//
// Contracts of the files:
//   clip_image: forward(image [B,3,S,S] normalised with mean/std) -> [B,E]
//   clip_text:  forward(ids int64 [B,L]) -> [B,E]
// Embeddings are projected but not normalised; Similarity normalises.

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "scenescape/models/manifest.h"
#include "scenescape/models/script_module.h"
#include "scenescape/text/tokenizer.h"

namespace scenescape {

class ClipModel {
 public:
  // Loads both towers and the tokenizer. Dry runs: [1,3,S,S] -> [1,E] and
  // [1,L] -> [1,E].
  ClipModel(const ClipManifest& manifest,
            c10::Device device,
            c10::ScalarType dtype = at::kFloat,
            bool check_contract = true);

  // images: [B,3,H,W] float in [0,1], any device. CLIP's preprocessing: the
  // shorter side is resized to S (bicubic, antialiased, like PIL), the centre
  // S x S is cropped, values are clamped to [0,1] and normalised.
  // Returns [B,E] float32 on device(), under c10::InferenceMode.
  at::Tensor EncodeImages(const at::Tensor& images) const;

  // ids: [B,L] int64. Returns [B,E] float32 on device().
  at::Tensor EncodeText(const at::Tensor& ids) const;
  // Tokenizes (context_length, pad_id from the manifest) and encodes.
  at::Tensor EncodePrompts(const std::vector<std::string>& prompts) const;

  // Cosine similarity of every row of a [N,E] with every row of b [M,E]:
  // [N,M] float32 in [-1,1].
  static at::Tensor Similarity(const at::Tensor& a, const at::Tensor& b);

  void CheckContract() const;
  // Contracts of the two files.
  std::string ImageContract() const;
  std::string TextContract() const;
  const ScriptModule& image_script() const { return image_; }
  const ScriptModule& text_script() const { return text_; }
  const ClipTokenizer& tokenizer() const { return tokenizer_; }
  const ClipManifest& manifest() const { return manifest_; }

  // The two halves of CheckContract, timed separately by CheckModelFolder.
  void CheckImageContract() const;
  void CheckTextContract() const;

 private:
  ClipManifest manifest_;
  ScriptModule image_;
  ScriptModule text_;
  ClipTokenizer tokenizer_;
};

}  // namespace scenescape
