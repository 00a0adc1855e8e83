#include "scenescape/models/text_encoder.h"

#include <c10/core/InferenceMode.h>

#include "scenescape/core/check.h"
#include "script_util.h"

namespace scenescape {
using namespace models_internal;

TextEncoder::TextEncoder(const std::filesystem::path& file,
                         int text_embedding_dim,
                         c10::Device device,
                         c10::ScalarType dtype,
                         int context_length,
                         bool check_contract)
    : module_(file, device, dtype), dim_(text_embedding_dim), context_length_(context_length) {
  SCN_CHECK(dim_ > 0 && context_length_ >= 2);
  if (check_contract) CheckContract();
}

std::string TextEncoder::Contract() const {
  const std::string l = std::to_string(context_length_);
  return "forward(ids" + Dims({"B", l}) + " int64) -> " + Dims({"B", l, std::to_string(dim_)});
}

at::Tensor TextEncoder::Encode(const at::Tensor& ids) const {
  SCN_CHECK(ids.dim() == 2 && ids.size(1) == context_length_ && ids.scalar_type() == at::kLong)
      << "TextEncoder::Encode: ids must be [B," << context_length_ << "] int64, got " << Describe(ids);
  c10::InferenceMode guard;
  const at::Tensor out = ForwardTensor(module_, {ids.to(module_.device())}, Contract());
  ExpectShape(module_, out, {ids.size(0), context_length_, dim_}, Contract());
  return out.to(at::kFloat);
}

void TextEncoder::CheckContract() const {
  c10::InferenceMode guard;
  // Start token, a few text ids, end token and padding: small ids that any
  // CLIP-sized vocabulary has.
  at::Tensor ids = at::zeros({1, context_length_}, at::kLong);
  for (int i = 0; i < 4; ++i) ids[0][i] = 1 + i;
  Encode(ids);
}

}  // namespace scenescape
