#include "scenescape/models/clip_model.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include "scenescape/core/check.h"
#include "script_util.h"

namespace scenescape {
using namespace models_internal;

ClipModel::ClipModel(const ClipManifest& manifest, c10::Device device, c10::ScalarType dtype, bool check_contract)
    : manifest_(manifest),
      image_(manifest.image_encoder, device, dtype),
      text_(manifest.text_encoder, device, dtype),
      tokenizer_(ClipTokenizer::FromFiles(manifest.tokenizer.vocab, manifest.tokenizer.merges)) {
  if (check_contract) CheckContract();
}

std::string ClipModel::ImageContract() const {
  const std::string s = std::to_string(manifest_.input_size);
  return "forward(image" + Dims({"B", "3", s, s}) + " normalised) -> " +
         Dims({"B", std::to_string(manifest_.embedding_dim)});
}

std::string ClipModel::TextContract() const {
  return "forward(ids" + Dims({"B", std::to_string(manifest_.tokenizer.context_length)}) + " int64) -> " +
         Dims({"B", std::to_string(manifest_.embedding_dim)});
}

at::Tensor ClipModel::EncodeImages(const at::Tensor& images) const {
  SCN_CHECK(images.dim() == 4 && images.size(1) == 3 && images.is_floating_point())
      << "ClipModel::EncodeImages: images must be [B,3,H,W] float in [0,1], got " << Describe(images);
  c10::InferenceMode guard;
  const int64_t s = manifest_.input_size;
  const int64_t height = images.size(2), width = images.size(3);
  at::Tensor x = images.to(image_.device(), at::kFloat);
  if (std::min(height, width) != s) {
    const double scale = static_cast<double>(s) / std::min(height, width);
    const int64_t h = std::max<int64_t>(s, std::llround(height * scale));
    const int64_t w = std::max<int64_t>(s, std::llround(width * scale));
    x = at::_upsample_bicubic2d_aa(x, at::IntArrayRef{h, w}, /*align_corners=*/false, c10::nullopt);
  }
  const int64_t top = (x.size(2) - s) / 2, left = (x.size(3) - s) / 2;
  x = x.slice(2, top, top + s).slice(3, left, left + s).clamp(0, 1);
  const auto& m = manifest_.mean;
  const auto& d = manifest_.std;
  const at::Tensor mean = at::tensor({m[0], m[1], m[2]}, at::kDouble).to(x.options());
  const at::Tensor std = at::tensor({d[0], d[1], d[2]}, at::kDouble).to(x.options());
  x = (x - mean.view({1, 3, 1, 1})) / std.view({1, 3, 1, 1});
  const at::Tensor out = ForwardTensor(image_, {ToModule(image_, x.contiguous())}, ImageContract());
  ExpectShape(image_, out, {images.size(0), manifest_.embedding_dim}, ImageContract());
  return out.to(at::kFloat);
}

at::Tensor ClipModel::EncodeText(const at::Tensor& ids) const {
  const int l = manifest_.tokenizer.context_length;
  SCN_CHECK(ids.dim() == 2 && ids.size(1) == l && ids.scalar_type() == at::kLong)
      << "ClipModel::EncodeText: ids must be [B," << l << "] int64, got " << Describe(ids);
  c10::InferenceMode guard;
  const at::Tensor out = ForwardTensor(text_, {ids.to(text_.device())}, TextContract());
  ExpectShape(text_, out, {ids.size(0), manifest_.embedding_dim}, TextContract());
  return out.to(at::kFloat);
}

at::Tensor ClipModel::EncodePrompts(const std::vector<std::string>& prompts) const {
  const int l = manifest_.tokenizer.context_length;
  at::Tensor ids = at::empty({static_cast<int64_t>(prompts.size()), l}, at::kLong);
  for (size_t i = 0; i < prompts.size(); ++i) {
    const auto tokens = tokenizer_.EncodeForModel(prompts[i], l, manifest_.tokenizer.pad_id);
    std::copy(tokens.ids.begin(), tokens.ids.end(), ids.data_ptr<int64_t>() + i * l);
  }
  return EncodeText(ids);
}

at::Tensor ClipModel::Similarity(const at::Tensor& a, const at::Tensor& b) {
  SCN_CHECK(a.dim() == 2 && b.dim() == 2 && a.size(1) == b.size(1))
      << "ClipModel::Similarity: expected [N,E] and [M,E], got " << Describe(a) << " and " << Describe(b);
  const auto normalise = [](const at::Tensor& x) {
    const at::Tensor f = x.to(at::kFloat);
    return f / f.norm(2, {1}, /*keepdim=*/true).clamp_min(1e-12);
  };
  return at::matmul(normalise(a), normalise(b).to(a.device()).t());
}

void ClipModel::CheckImageContract() const {
  c10::InferenceMode guard;
  const int64_t s = manifest_.input_size;
  const at::Tensor x = at::zeros({1, 3, s, s}, at::TensorOptions().device(image_.device()).dtype(image_.dtype()));
  const at::Tensor out = ForwardTensor(image_, {x}, ImageContract());
  ExpectShape(image_, out, {1, manifest_.embedding_dim}, ImageContract());
}

void ClipModel::CheckTextContract() const {
  c10::InferenceMode guard;
  EncodePrompts({"a photo"});
}

void ClipModel::CheckContract() const {
  CheckImageContract();
  CheckTextContract();
}

}  // namespace scenescape
