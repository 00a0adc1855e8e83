#include "scenescape/io/image_io.h"

#include <ATen/ATen.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "scenescape/core/check.h"
#include "scenescape/core/fs.h"
#include "scenescape/core/limits.h"
#include "scenescape/core/logging.h"
#include "scenescape/io/image_header.h"
#include "scenescape/io/opencv_convert.h"

namespace scenescape {
namespace fs = std::filesystem;

namespace {

[[noreturn]] void ThrowInput(const fs::path& path, const std::string& problem) {
  throw InputError(path.string() + ": " + problem);
}

// A baseline or progressive JPEG ends with an EOI marker (FF D9) after its
// first scan. libjpeg only warns ("Premature end of JPEG file") on a truncated
// file and pads the missing rows with grey, so this is checked here. Marker
// segments before the first SOS are skipped by their length, which steps over
// an EXIF thumbnail (a complete JPEG of its own inside APP1). Inside the
// entropy-coded data FF is always followed by 00 or a restart marker, so an FF
// D9 there is the real end.
bool JpegLooksTruncated(const std::string& bytes) {
  const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  if (n < 4 || b[0] != 0xFF || b[1] != 0xD8) return false;  // not a JPEG
  size_t i = 2;
  while (i + 4 <= n) {
    if (b[i] != 0xFF) return false;  // unexpected layout: let the decoder judge
    const unsigned char marker = b[i + 1];
    if (marker == 0xFF) {  // fill byte
      ++i;
      continue;
    }
    if (marker == 0xDA) break;  // start of scan
    const size_t length = (static_cast<size_t>(b[i + 2]) << 8) | b[i + 3];
    i += 2 + length;
  }
  if (i + 4 > n) return true;  // ended before any scan
  for (size_t j = i; j + 1 < n; ++j)
    if (b[j] == 0xFF && b[j + 1] == 0xD9) return false;
  return true;
}

cv::Mat DecodeFile(const fs::path& path, int flags) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (!fs::exists(status)) ThrowInput(path, "no such file");
  if (fs::is_directory(status)) ThrowInput(path, "is a folder, not an image file");
  const std::string bytes = ReadFile(path);
  if (bytes.empty()) ThrowInput(path, "empty file (0 bytes), not an image");
  // The size is checked before OpenCV allocates for it (a decompression bomb declares far more than it holds).
  const std::optional<DeclaredImageSize> declared = ReadDeclaredImageSize(bytes);
  if (!declared)
    ThrowInput(path,
               "not an image in a format scenescape reads (PNG, JPEG, BMP, TIFF, WebP, PNM/PAM/PFM, Sun raster, "
               "Radiance HDR), or its header is cut short");
  const int64_t w = declared->width, h = declared->height;
  if (w < 1 || h < 1 || w > limits::kMaxImagePixels || h > limits::kMaxImagePixels || w * h > limits::kMaxImagePixels)
    ThrowInput(path,
               declared->format + " declaring " + std::to_string(w) + " x " + std::to_string(h) +
                   " pixels (the limit is " + std::to_string(limits::kMaxImagePixels) + " pixels, at least 1 x 1)");
  cv::Mat image;
  try {
    const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<char*>(bytes.data()));
    image = cv::imdecode(buffer, flags);
  } catch (const cv::Exception& e) {
    ThrowInput(path, "corrupt image data (decoder error: " + e.err + ")");
  }
  if (image.empty()) ThrowInput(path, "corrupt or truncated image data (the decoder gave up)");
  if (JpegLooksTruncated(bytes)) ThrowInput(path, "truncated JPEG (no end-of-image marker)");
  return image;
}

// Encoded in memory, then written by WriteAtomically, which checks every write: cv::imwrite does not check the
// last flush of its file, so on a full disk it can report success for a truncated PNG.
void WriteMat(const fs::path& path, const cv::Mat& mat, const std::vector<int>& params = {}) {
  std::vector<uchar> encoded;
  bool ok = false;
  try {
    ok = cv::imencode(path.extension().string(), mat, encoded, params);
  } catch (const cv::Exception& e) {
    throw OutputError(path.string() + ": cannot encode image: " + e.err);
  }
  if (!ok) throw OutputError(path.string() + ": cannot encode image (unknown extension?)");
  WriteAtomically(path, std::string(encoded.begin(), encoded.end()));
}

}  // namespace

at::Tensor ReadImage(const fs::path& path) {
  return MatToTensor(DecodeFile(path, cv::IMREAD_COLOR | cv::IMREAD_ANYDEPTH));
}

void WriteImagePng(const fs::path& path, const at::Tensor& image) { WriteMat(path, TensorToMat(image, CV_8U)); }

void WriteMaskPng(const fs::path& path, const at::Tensor& mask) { WriteMat(path, MaskToMat(mask)); }

at::Tensor ReadMaskPng(const fs::path& path) {
  cv::Mat grey = DecodeFile(path, cv::IMREAD_GRAYSCALE);
  return MatToMask(grey >= 128);
}

int64_t WriteDepthPng16(const fs::path& path, const at::Tensor& depth, double scale) {
  SCN_CHECK(scale > 0 && std::isfinite(scale)) << "WriteDepthPng16: scale must be > 0, got " << scale;
  SCN_CHECK(depth.defined() && depth.dim() == 2) << "WriteDepthPng16: depth must be [H,W], got " << depth.sizes();
  at::Tensor d = depth.to(at::kCPU, at::kDouble).contiguous();
  const at::Tensor valid = (d > 0) & at::isfinite(d);
  at::Tensor stored = (d * scale).round();
  const int64_t clamped = (valid & (stored > 65535)).sum().item<int64_t>();
  // A valid depth below half a step would otherwise be stored as 0 = "no value".
  stored = at::where(valid, stored.clamp(1, 65535), at::zeros_like(stored));
  at::Tensor as_int = stored.to(at::kInt).contiguous();
  cv::Mat mat16;
  cv::Mat(static_cast<int>(d.size(0)), static_cast<int>(d.size(1)), CV_32SC1, as_int.data_ptr())
      .convertTo(mat16, CV_16UC1);
  if (clamped > 0)
    SCN_LOG_WARN(
        "{}: {} depth values above {:.4g} were clamped (scale {})", path.string(), clamped, 65535.0 / scale, scale);
  WriteMat(path, mat16);
  return clamped;
}

at::Tensor ReadDepthPng16(const fs::path& path, double scale) {
  SCN_CHECK(scale > 0 && std::isfinite(scale)) << "ReadDepthPng16: scale must be > 0, got " << scale;
  cv::Mat mat = DecodeFile(path, cv::IMREAD_UNCHANGED);
  if (mat.type() != CV_16UC1)
    ThrowInput(path,
               "not a 16-bit single-channel depth PNG (found " + std::to_string(mat.channels()) + " channel(s) of " +
                   std::to_string(8 * static_cast<int>(mat.elemSize1())) + " bits)");
  at::Tensor stored = MatToDepth(mat);  // exact: uint16 fits float32
  return at::where(stored > 0, stored / static_cast<float>(scale), at::full_like(stored, -1.0f));
}

void WriteDepthPreview(const fs::path& path, const at::Tensor& depth) {
  SCN_CHECK(depth.defined() && depth.dim() == 2) << "WriteDepthPreview: depth must be [H,W], got " << depth.sizes();
  at::Tensor d = depth.to(at::kCPU, at::kFloat).contiguous();
  const at::Tensor valid = (d > 0) & at::isfinite(d);
  at::Tensor disparity = at::where(valid, 1.0f / d.clamp_min(1e-12), at::zeros_like(d));
  at::Tensor level = at::zeros_like(d);
  if (valid.any().item<bool>()) {
    const float lo = disparity.masked_select(valid).min().item<float>();
    const float hi = disparity.masked_select(valid).max().item<float>();
    level = hi > lo ? (disparity - lo) / (hi - lo) : at::full_like(d, 0.5f);
  }
  at::Tensor bytes = (level.clamp(0, 1) * 255.0f).round().to(at::kByte).contiguous();
  const cv::Mat grey(static_cast<int>(d.size(0)), static_cast<int>(d.size(1)), CV_8UC1, bytes.data_ptr());
  cv::Mat colour;
  cv::applyColorMap(grey, colour, cv::COLORMAP_VIRIDIS);
  colour.setTo(cv::Scalar::all(0), MaskToMat(~valid));
  WriteMat(path, colour);
}

CropResizeResult CenterCropResize(const at::Tensor& image, int width, int height) {
  SCN_CHECK(width > 0 && height > 0) << "CenterCropResize: target size must be positive, got " << width << "x"
                                     << height;
  SCN_CHECK(image.defined() && image.dim() == 3 && image.size(2) == 3)
      << "CenterCropResize: image must be [H,W,3], got " << image.sizes();
  const int in_w = static_cast<int>(image.size(1));
  const int in_h = static_cast<int>(image.size(0));
  CropResizeResult result;
  // Largest crop with the target's aspect ratio: compare in_w/in_h with width/height
  // in integers to avoid rounding the common square case.
  if (static_cast<int64_t>(in_w) * height > static_cast<int64_t>(in_h) * width) {
    result.crop_height = in_h;
    result.crop_width = std::max(1, static_cast<int>(std::lround(static_cast<double>(in_h) * width / height)));
  } else {
    result.crop_width = in_w;
    result.crop_height = std::max(1, static_cast<int>(std::lround(static_cast<double>(in_w) * height / width)));
  }
  result.crop_x = (in_w - result.crop_width) / 2;
  result.crop_y = (in_h - result.crop_height) / 2;
  result.scale_x = static_cast<double>(width) / result.crop_width;
  result.scale_y = static_cast<double>(height) / result.crop_height;

  const cv::Mat src = TensorToMat(image, CV_32F);
  const cv::Mat crop = src(cv::Rect(result.crop_x, result.crop_y, result.crop_width, result.crop_height));
  cv::Mat resized;
  if (width == result.crop_width && height == result.crop_height) {
    resized = crop.clone();
  } else {
    const bool shrinking = width * height < result.crop_width * result.crop_height;
    cv::resize(crop, resized, cv::Size(width, height), 0, 0, shrinking ? cv::INTER_AREA : cv::INTER_CUBIC);
  }
  // INTER_CUBIC overshoots near edges.
  result.image = MatToTensor(resized).clamp_(0.0, 1.0);
  return result;
}

}  // namespace scenescape
