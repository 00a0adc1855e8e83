#pragma once
// Image, mask and depth files (OpenCV codecs).
//
// Tensor conventions (pipeline/stages.h; CPU):
//   image: [H,W,3] float32 RGB in [0,1]
//   mask:  [H,W]   bool
//   depth: [H,W]   float32 camera z (> 0); -1 marks "no value"
//
// Every writer goes through WriteViaTemporary (core/fs.h): the file appears
// under its final name only once it is complete, and an existing file is
// replaced only when the new one was written successfully.
// Readers throw InputError with one line "<path>: <problem>"; writers throw
// OutputError "<path>: <problem>".

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>

namespace scenescape {

// Reads an image in any format OpenCV decodes (PNG, JPEG, BMP, TIFF, WebP...).
// 8-bit files give v/255, 16-bit files v/65535; grey is replicated to RGB,
// alpha is dropped, EXIF orientation is applied.
// Returns [H,W,3] float32 RGB in [0,1].
// Throws InputError naming the file when it is missing, a folder, empty, not an
// image format OpenCV knows, or corrupt / truncated.
at::Tensor ReadImage(const std::filesystem::path& path);

// Writes image [H,W,3] float (RGB, values clamped to [0,1]) as an 8-bit RGB
// PNG: stored value = round(255 * v). ReadImage gives back exactly
// stored/255.0f, so an image already on the 8-bit grid survives bit-exactly.
void WriteImagePng(const std::filesystem::path& path, const at::Tensor& image);

// Writes mask [H,W] (bool, or any dtype with nonzero = true) as an 8-bit grey
// PNG with 0 / 255.
void WriteMaskPng(const std::filesystem::path& path, const at::Tensor& mask);
// Reads a grey (or colour: the first channel after conversion to grey) mask
// PNG: value >= 128 -> true. Returns [H,W] bool.
at::Tensor ReadMaskPng(const std::filesystem::path& path);

// 16-bit depth PNGs. Policy: a fixed linear scale chosen by the caller and
// recorded by it (e.g. in the run's metadata); nothing is stored in the PNG.
//   stored = round(depth * scale), clamped to [1, 65535] for valid depth;
//   stored = 0 for "no value" (depth <= 0, i.e. -1, or non-finite).
// So the resolution is 1/scale depth units and the largest representable
// depth is 65535/scale. With the default 1000 ("millimetres" for metric
// depth) that is 0.001 .. 65.535. SceneScape's DPT depths (1/disparity,
// clamped to <= 100, median ~0.1) need a caller-chosen scale such as 600.
inline constexpr double kDefaultDepthPngScale = 1000.0;

// Writes depth [H,W] float as a 16-bit grey PNG with the policy above.
// Returns the number of valid pixels clamped to 65535 (a warning is logged
// when it is not zero). Throws Error when scale <= 0.
int64_t WriteDepthPng16(const std::filesystem::path& path,
                        const at::Tensor& depth,
                        double scale = kDefaultDepthPngScale);

// Reads a 16-bit single-channel PNG written as above. Returns [H,W] float32
// depth = stored / scale, with -1 where stored == 0. Throws InputError when the
// file is not a 16-bit single-channel image.
at::Tensor ReadDepthPng16(const std::filesystem::path& path, double scale = kDefaultDepthPngScale);

// Writes a colour preview of depth [H,W]: disparity 1/z, min-max normalised
// over the valid pixels (nearest = bright yellow, farthest = dark purple),
// viridis colour map (cv::COLORMAP_VIRIDIS), invalid pixels black. A depth
// with a single value maps to the middle of the colour map. The extension
// picks the format (PNG expected).
void WriteDepthPreview(const std::filesystem::path& path, const at::Tensor& depth);

// Centre crop to the target aspect ratio, then resize to width x height
// (cv::INTER_AREA when shrinking, cv::INTER_CUBIC when enlarging; the result
// is clamped to [0,1]).
//
// A continuous pixel coordinate (pixel centres at +0.5, see geometry/camera.h)
// maps from the input to the output as
//   u_out = (u_in - crop_x) * scale_x,   v_out = (v_in - crop_y) * scale_y
// so intrinsics adapt as fx' = fx * scale_x, cx' = (cx - crop_x) * scale_x
// (and likewise for y). scale_x and scale_y differ only by the integer
// rounding of the crop.
struct CropResizeResult {
  at::Tensor image;  // [height,width,3] float32 RGB in [0,1]
  int crop_x = 0;    // left column of the crop in the input, pixels
  int crop_y = 0;    // top row of the crop in the input, pixels
  int crop_width = 0;
  int crop_height = 0;
  double scale_x = 1.0;  // width / crop_width
  double scale_y = 1.0;  // height / crop_height
};
// image: [H,W,3] float32 in [0,1]. Throws Error for a non-positive target size.
CropResizeResult CenterCropResize(const at::Tensor& image, int width, int height);

}  // namespace scenescape
