#pragma once
// The size an image file declares in its header, read without decoding, so that
// a decompression bomb (a few KB declaring 30000 x 30000 pixels) is refused
// before OpenCV allocates for it (image_io.cc holds it to limits::kMaxImagePixels).
// OpenCV 4.6 has no header-only API, and its own cap (OPENCV_IO_MAX_IMAGE_PIXELS,
// 2^30 by default) is read when the library loads, so it cannot be set from here.
//
// Formats: PNG, JPEG, BMP, WebP, TIFF (and BigTIFF; the first page, which is the
// one decoded), PNM/PAM/PFM, Sun raster and Radiance HDR: the formats of
// Debian's OpenCV whose header states the size in a few bytes.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace scenescape {

struct DeclaredImageSize {
  std::string format;  // "PNG", "JPEG", ...
  int64_t width = 0;
  int64_t height = 0;
};

// The format and declared size, or nullopt when `bytes` does not start like one
// of the formats above or its header is cut short.
std::optional<DeclaredImageSize> ReadDeclaredImageSize(std::string_view bytes);

}  // namespace scenescape
