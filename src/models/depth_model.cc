#include "scenescape/models/depth_model.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <cmath>

#include "scenescape/core/check.h"
#include "script_util.h"

namespace scenescape {
using namespace models_internal;

std::pair<int, int> MidasInputSize(int height, int width, int input_size, int multiple_of, bool keep_aspect_ratio) {
  SCN_CHECK(height > 0 && width > 0 && input_size > 0 && multiple_of > 0);
  double scale_h = static_cast<double>(input_size) / height;
  double scale_w = static_cast<double>(input_size) / width;
  if (keep_aspect_ratio) {
    // "scale as little as possible"
    if (std::abs(1 - scale_w) < std::abs(1 - scale_h)) {
      scale_h = scale_w;
    } else {
      scale_w = scale_h;
    }
  }
  const auto constrain = [&](double x) {
    // np.round rounds half to even, as nearbyint does in the default mode.
    const int y = static_cast<int>(std::nearbyint(x / multiple_of)) * multiple_of;
    return std::max(y, multiple_of);
  };
  return {constrain(scale_h * height), constrain(scale_w * width)};
}

DepthModel::DepthModel(const DepthManifest& manifest, c10::Device device, c10::ScalarType dtype, bool check_contract)
    : manifest_(manifest), module_(manifest.file, device, dtype) {
  const auto opts = at::TensorOptions().device(module_.device()).dtype(module_.dtype());
  mean_ =
      at::tensor({manifest_.mean[0], manifest_.mean[1], manifest_.mean[2]}, at::kDouble).to(opts).view({1, 3, 1, 1});
  std_ = at::tensor({manifest_.std[0], manifest_.std[1], manifest_.std[2]}, at::kDouble).to(opts).view({1, 3, 1, 1});
  if (check_contract) CheckContract();
}

std::string DepthModel::Contract() const {
  return "forward(image[B,3,h,w] normalised, h,w multiples of " + std::to_string(manifest_.multiple_of) + ") -> " +
         manifest_.output + " [B,h,w] or [B,1,h,w]";
}

std::pair<int, int> DepthModel::InputSize(int height, int width) const {
  return MidasInputSize(height, width, manifest_.input_size, manifest_.multiple_of, manifest_.keep_aspect_ratio);
}

at::Tensor DepthModel::Forward(const at::Tensor& input) const {
  at::Tensor out = ForwardTensor(module_, {input}, Contract());
  const int64_t b = input.size(0), h = input.size(2), w = input.size(3);
  if (out.dim() == 3) {
    ExpectShape(module_, out, {b, h, w}, Contract());
    out = out.unsqueeze(1);
  } else {
    ExpectShape(module_, out, {b, 1, h, w}, Contract());
  }
  return out;
}

at::Tensor DepthModel::Predict(const at::Tensor& image) const {
  SCN_CHECK(image.dim() == 4 && image.size(1) == 3 && image.is_floating_point())
      << "DepthModel::Predict: image must be [B,3,H,W] float in [0,1], got " << Describe(image);
  const int64_t height = image.size(2), width = image.size(3);
  const auto [h, w] = InputSize(static_cast<int>(height), static_cast<int>(width));
  const auto opts = at::TensorOptions().device(module_.device()).dtype(module_.dtype());
  at::Tensor x = image.to(opts);
  if (h != height || w != width) x = at::upsample_bilinear2d(x, {h, w}, /*align_corners=*/false);
  x = (x - mean_) / std_;
  at::Tensor out = Forward(x);
  if (h != height || w != width) out = at::upsample_bilinear2d(out, {height, width}, /*align_corners=*/false);
  out = out.squeeze(1);
  if (manifest_.output == "disparity") out = 1.0 / out.clamp_min(manifest_.min_disparity);
  return out;
}

at::Tensor DepthModel::PredictNoGrad(const at::Tensor& image) const {
  c10::InferenceMode guard;
  return Predict(image).to(at::kFloat);
}

void DepthModel::CheckContract() const {
  c10::InferenceMode guard;
  const int64_t s = 2 * manifest_.multiple_of;
  Forward(at::zeros({1, 3, s, s}, at::TensorOptions().device(module_.device()).dtype(module_.dtype())));
}

}  // namespace scenescape
