#pragma once
// Between the stages' image layout (pipeline/stages.h: [H,W,3] CPU) and the
// models' ([B,3,H,W] on the model device). Private to the torch back end.

#include <ATen/ATen.h>

namespace scenescape::torch_backend {

// [H,W,3] CPU -> [1,3,H,W] float32 on `device`.
inline at::Tensor ToBatch(const at::Tensor& image, const c10::Device& device) {
  return image.permute({2, 0, 1}).unsqueeze(0).contiguous().to(device, at::kFloat);
}

// [3,H,W] any device -> [H,W,3] float32 CPU contiguous.
inline at::Tensor ToImage(const at::Tensor& chw) {
  return chw.permute({1, 2, 0}).to(at::kCPU, at::kFloat).contiguous();
}

}  // namespace scenescape::torch_backend
