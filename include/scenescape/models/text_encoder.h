#pragma once
// The diffusion model's text encoder (OpenCLIP ViT-H for SD 2.x), TorchScript.
//
// Contract of the file: forward(ids: int64 [B,L]) -> hidden states [B,L,D]
// (L = the tokenizer's context_length, 77; D = text_embedding_dim).

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <string>

#include "scenescape/models/script_module.h"

namespace scenescape {

class TextEncoder {
 public:
  // Loads `file` and, when check_contract, runs it once on ids [1,L] and
  // checks the output is [1,L,D]: ResourceError "<file>: expected
  // forward(ids[B,77] int64) -> [B,77,D], got ..." otherwise.
  TextEncoder(const std::filesystem::path& file,
              int text_embedding_dim,
              c10::Device device,
              c10::ScalarType dtype,
              int context_length = 77,
              bool check_contract = true);

  // ids: [B,L] int64 (any device). Returns [B,L,D] float32 on device(), under
  // c10::InferenceMode (an inference tensor: clone() it before using it in
  // autograd).
  at::Tensor Encode(const at::Tensor& ids) const;

  // The dry run of the constructor (also timed by CheckModelFolder).
  void CheckContract() const;
  // "forward(ids[B,77] int64) -> [B,77,1024]"
  std::string Contract() const;

  const ScriptModule& script() const { return module_; }
  int embedding_dim() const { return dim_; }
  int context_length() const { return context_length_; }

 private:
  ScriptModule module_;
  int dim_;
  int context_length_;
};

}  // namespace scenescape
