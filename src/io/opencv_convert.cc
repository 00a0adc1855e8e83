#include "scenescape/io/opencv_convert.h"

#include <ATen/ATen.h>
#include <opencv2/imgproc.hpp>

#include "scenescape/core/check.h"

namespace scenescape {

namespace {
at::Tensor ContiguousFloat(const at::Tensor& t) { return t.to(at::kCPU, at::kFloat).contiguous(); }

void CheckImage(const at::Tensor& image, const char* fn) {
  SCN_CHECK(image.defined()) << fn << ": image is undefined";
  SCN_CHECK(image.dim() == 3 && image.size(2) == 3) << fn << ": image must be [H,W,3], got " << image.sizes();
}

void CheckPlane(const at::Tensor& t, const char* fn, const char* what) {
  SCN_CHECK(t.defined()) << fn << ": " << what << " is undefined";
  SCN_CHECK(t.dim() == 2) << fn << ": " << what << " must be [H,W], got " << t.sizes();
}
}  // namespace

cv::Mat TensorToMat(const at::Tensor& image, int mat_depth) {
  CheckImage(image, "TensorToMat");
  const int h = static_cast<int>(image.size(0));
  const int w = static_cast<int>(image.size(1));
  at::Tensor src = ContiguousFloat(image);
  cv::Mat rgb;
  switch (mat_depth) {
    case CV_8U: {
      at::Tensor q = (src.clamp(0.0, 1.0) * 255.0).round().to(at::kByte).contiguous();
      rgb = cv::Mat(h, w, CV_8UC3, q.data_ptr()).clone();
      break;
    }
    case CV_16U: {
      // at::kUInt16 does not exist in LibTorch 1.13: go through int32.
      at::Tensor q = (src.clamp(0.0, 1.0) * 65535.0).round().to(at::kInt).contiguous();
      cv::Mat(h, w, CV_32SC3, q.data_ptr()).convertTo(rgb, CV_16UC3);
      break;
    }
    case CV_32F:
      rgb = cv::Mat(h, w, CV_32FC3, src.data_ptr()).clone();
      break;
    default:
      SCN_CHECK(false) << "TensorToMat: unsupported matrix depth " << mat_depth;
  }
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  return bgr;
}

at::Tensor MatToTensor(const cv::Mat& mat) {
  SCN_CHECK(!mat.empty()) << "MatToTensor: empty matrix";
  cv::Mat rgb;
  switch (mat.channels()) {
    case 1:
      cv::cvtColor(mat, rgb, cv::COLOR_GRAY2RGB);
      break;
    case 3:
      cv::cvtColor(mat, rgb, cv::COLOR_BGR2RGB);
      break;
    case 4:
      cv::cvtColor(mat, rgb, cv::COLOR_BGRA2RGB);
      break;
    default:
      SCN_CHECK(false) << "MatToTensor: unsupported channel count " << mat.channels();
  }
  if (!rgb.isContinuous()) rgb = rgb.clone();
  const int64_t h = rgb.rows, w = rgb.cols;
  // Divide in float (not cv::convertTo's multiply by 1/255) so that a value
  // k reads back exactly as k / 255.0f.
  switch (rgb.depth()) {
    case CV_8U:
      return at::from_blob(rgb.data, {h, w, 3}, at::kByte).to(at::kFloat).div_(255.0f);
    case CV_16U: {
      cv::Mat as_int;
      rgb.convertTo(as_int, CV_32SC3);
      return at::from_blob(as_int.data, {h, w, 3}, at::kInt).to(at::kFloat).div_(65535.0f);
    }
    case CV_32F:
      return at::from_blob(rgb.data, {h, w, 3}, at::kFloat).clone();
    default:
      SCN_CHECK(false) << "MatToTensor: unsupported matrix depth " << rgb.depth();
  }
  return at::Tensor();  // unreachable
}

cv::Mat MaskToMat(const at::Tensor& mask) {
  CheckPlane(mask, "MaskToMat", "mask");
  at::Tensor m = (mask.to(at::kCPU) != 0).to(at::kByte).mul_(255).contiguous();
  return cv::Mat(static_cast<int>(m.size(0)), static_cast<int>(m.size(1)), CV_8UC1, m.data_ptr()).clone();
}

at::Tensor MatToMask(const cv::Mat& mat) {
  SCN_CHECK(!mat.empty() && mat.channels() == 1)
      << "MatToMask: expected a single-channel matrix, got " << mat.channels() << " channels";
  cv::Mat nonzero = mat != 0;  // CV_8U 0/255
  if (!nonzero.isContinuous()) nonzero = nonzero.clone();
  return at::from_blob(nonzero.data, {nonzero.rows, nonzero.cols}, at::kByte).ne(0);
}

cv::Mat DepthToMat(const at::Tensor& depth) {
  CheckPlane(depth, "DepthToMat", "depth");
  at::Tensor d = ContiguousFloat(depth);
  return cv::Mat(static_cast<int>(d.size(0)), static_cast<int>(d.size(1)), CV_32FC1, d.data_ptr()).clone();
}

at::Tensor MatToDepth(const cv::Mat& mat) {
  SCN_CHECK(!mat.empty() && mat.channels() == 1)
      << "MatToDepth: expected a single-channel matrix, got " << mat.channels() << " channels";
  cv::Mat f;
  mat.convertTo(f, CV_32F);
  if (!f.isContinuous()) f = f.clone();
  return at::from_blob(f.data, {f.rows, f.cols}, at::kFloat).clone();
}

}  // namespace scenescape
