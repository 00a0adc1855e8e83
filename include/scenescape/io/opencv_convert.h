#pragma once
// Conversions between scenescape's tensors and OpenCV matrices.
//
// Tensors follow pipeline/stages.h (CPU; any tensor that is not contiguous
// float32 is converted first):
//   image: [H,W,3] float32 RGB in [0,1]
//   mask:  [H,W]   bool
//   depth: [H,W]   float32
// Matrices follow OpenCV: colour images are BGR. Every function copies, so the
// result never aliases its argument.

#include <ATen/core/Tensor.h>
#include <opencv2/core.hpp>

namespace scenescape {

// image [H,W,3] float in [0,1] (RGB) -> BGR matrix of `mat_depth`:
//   CV_8U:  round(clamp(v,0,1) * 255)        (CV_8UC3)
//   CV_16U: round(clamp(v,0,1) * 65535)      (CV_16UC3)
//   CV_32F: v unchanged                      (CV_32FC3)
// Throws Error when the tensor is not [H,W,3] or mat_depth is not one of these.
cv::Mat TensorToMat(const at::Tensor& image, int mat_depth = CV_8U);

// BGR(A) or grey matrix of depth CV_8U, CV_16U or CV_32F -> image [H,W,3]
// float32 RGB: 8-bit values / 255, 16-bit / 65535, float unchanged (not
// clamped). Grey is replicated to three channels, alpha is dropped.
at::Tensor MatToTensor(const cv::Mat& mat);

// mask [H,W] bool (any dtype: nonzero = true) -> CV_8UC1 with 0 / 255.
cv::Mat MaskToMat(const at::Tensor& mask);
// CV_8UC1 (or any single-channel matrix) -> [H,W] bool, true where nonzero.
at::Tensor MatToMask(const cv::Mat& mat);

// depth [H,W] float -> CV_32FC1, values unchanged (-1 stays -1).
cv::Mat DepthToMat(const at::Tensor& depth);
// CV_32FC1 -> [H,W] float32.
at::Tensor MatToDepth(const cv::Mat& mat);

}  // namespace scenescape
