#include "scenescape/io/image_header.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace scenescape {
namespace {

// Bounds-checked big/little-endian reads; nullopt past the end.
class Bytes {
 public:
  explicit Bytes(std::string_view b) : b_(b) {}
  size_t size() const { return b_.size(); }
  bool Has(size_t offset, size_t n) const { return offset <= b_.size() && n <= b_.size() - offset; }
  bool StartsWith(size_t offset, std::string_view s) const {
    return Has(offset, s.size()) && b_.substr(offset, s.size()) == s;
  }
  std::optional<uint64_t> Uint(size_t offset, size_t n, bool big_endian) const {
    if (!Has(offset, n)) return std::nullopt;
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) {
      const uint64_t byte = static_cast<unsigned char>(b_[offset + (big_endian ? i : n - 1 - i)]);
      v = (v << 8) | byte;
    }
    return v;
  }
  unsigned char At(size_t offset) const { return static_cast<unsigned char>(b_[offset]); }
  std::string_view view() const { return b_; }

 private:
  std::string_view b_;
};

std::optional<DeclaredImageSize> Make(const char* format, std::optional<uint64_t> w, std::optional<uint64_t> h) {
  if (!w || !h) return std::nullopt;
  return DeclaredImageSize{format, static_cast<int64_t>(*w), static_cast<int64_t>(*h)};
}

std::optional<DeclaredImageSize> Png(const Bytes& b) {
  // Signature, then the IHDR chunk: length, "IHDR", width, height (big-endian).
  if (!b.StartsWith(0, "\x89PNG\r\n\x1a\n") || !b.StartsWith(12, "IHDR")) return std::nullopt;
  return Make("PNG", b.Uint(16, 4, true), b.Uint(20, 4, true));
}

std::optional<DeclaredImageSize> Jpeg(const Bytes& b) {
  if (!b.StartsWith(0, "\xff\xd8")) return std::nullopt;
  // Marker segments up to the first start-of-frame (SOF0-SOF15 but DHT C4, JPG C8, DAC CC).
  size_t i = 2;
  while (b.Has(i, 4)) {
    if (b.At(i) != 0xFF) return std::nullopt;
    const unsigned char marker = b.At(i + 1);
    if (marker == 0xFF) {
      ++i;
      continue;
    }
    if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC)
      return Make("JPEG", b.Uint(i + 7, 2, true), b.Uint(i + 5, 2, true));
    if (marker == 0xD9 || marker == 0xDA) return std::nullopt;  // end or scan before any frame header
    i += 2 + *b.Uint(i + 2, 2, true);
  }
  return std::nullopt;
}

std::optional<DeclaredImageSize> Bmp(const Bytes& b) {
  if (!b.StartsWith(0, "BM")) return std::nullopt;
  const std::optional<uint64_t> dib = b.Uint(14, 4, false);
  if (!dib) return std::nullopt;
  if (*dib == 12) return Make("BMP", b.Uint(18, 2, false), b.Uint(20, 2, false));  // OS/2 core header
  const std::optional<uint64_t> w = b.Uint(18, 4, false), h = b.Uint(22, 4, false);
  if (!w || !h) return std::nullopt;
  // Signed 32-bit; a negative height is a top-down image.
  const auto magnitude = [](uint64_t v) {
    return static_cast<uint64_t>(std::abs(static_cast<int64_t>(static_cast<int32_t>(v))));
  };
  return Make("BMP", magnitude(*w), magnitude(*h));
}

std::optional<DeclaredImageSize> Webp(const Bytes& b) {
  if (!b.StartsWith(0, "RIFF") || !b.StartsWith(8, "WEBP")) return std::nullopt;
  if (b.StartsWith(12, "VP8X")) {  // extended: canvas size minus one, 24-bit little-endian
    const std::optional<uint64_t> w = b.Uint(24, 3, false), h = b.Uint(27, 3, false);
    if (!w || !h) return std::nullopt;
    return Make("WebP", *w + 1, *h + 1);
  }
  if (b.StartsWith(12, "VP8L")) {  // lossless: 0x2f, then 14 bits width - 1 and 14 bits height - 1
    const std::optional<uint64_t> bits = b.Uint(21, 4, false);
    if (!bits || !b.Has(20, 1) || b.At(20) != 0x2f) return std::nullopt;
    return Make("WebP", (*bits & 0x3fff) + 1, ((*bits >> 14) & 0x3fff) + 1);
  }
  if (b.StartsWith(12, "VP8 ")) {  // lossy: frame tag, start code 9d 01 2a, 14-bit width and height
    if (!b.StartsWith(23, "\x9d\x01\x2a")) return std::nullopt;
    const std::optional<uint64_t> w = b.Uint(26, 2, false), h = b.Uint(28, 2, false);
    if (!w || !h) return std::nullopt;
    return Make("WebP", *w & 0x3fff, *h & 0x3fff);
  }
  return std::nullopt;
}

std::optional<DeclaredImageSize> Tiff(const Bytes& b) {
  const bool little = b.StartsWith(0, "II"), big = b.StartsWith(0, "MM");
  if (!little && !big) return std::nullopt;
  const std::optional<uint64_t> magic = b.Uint(2, 2, big);
  if (!magic || (*magic != 42 && *magic != 43)) return std::nullopt;
  const bool big_tiff = *magic == 43;
  // Classic: IFD offset (4), entry count (2), 12-byte entries of tag, type, count, value.
  // BigTIFF: IFD offset (8) at 8, entry count (8), 20-byte entries with 8-byte count and value.
  const std::optional<uint64_t> ifd = big_tiff ? b.Uint(8, 8, big) : b.Uint(4, 4, big);
  if (!ifd) return std::nullopt;
  const size_t count_bytes = big_tiff ? 8 : 2, entry_bytes = big_tiff ? 20 : 12, value_at = big_tiff ? 12 : 8;
  const std::optional<uint64_t> entries = b.Uint(*ifd, count_bytes, big);
  if (!entries) return std::nullopt;
  std::optional<uint64_t> width, height;
  for (uint64_t e = 0; e < *entries; ++e) {
    const uint64_t at = *ifd + count_bytes + e * entry_bytes;
    if (!b.Has(at, entry_bytes)) return std::nullopt;
    const uint64_t tag = *b.Uint(at, 2, big), type = *b.Uint(at + 2, 2, big);
    if (tag != 256 && tag != 257) continue;
    // SHORT (3), LONG (4) or LONG8 (16), stored in the entry's value field.
    std::optional<uint64_t> value;
    if (type == 3) value = b.Uint(at + value_at, 2, big);
    if (type == 4) value = b.Uint(at + value_at, 4, big);
    if (type == 16 && big_tiff) value = b.Uint(at + value_at, 8, big);
    (tag == 256 ? width : height) = value;
  }
  return Make("TIFF", width, height);
}

// PNM (P1-P6), PFM (PF, Pf): whitespace-separated width and height, # comments.
// PAM (P7): "WIDTH w" and "HEIGHT h" lines.
std::optional<DeclaredImageSize> Pnm(const Bytes& b) {
  const std::string_view s = b.view();
  if (s.size() < 3 || s[0] != 'P') return std::nullopt;
  const char kind = s[1];
  const bool pnm = kind >= '1' && kind <= '7', pfm = kind == 'F' || kind == 'f';
  if ((!pnm && !pfm) || !std::isspace(static_cast<unsigned char>(s[2]))) return std::nullopt;
  // The header's tokens (a header is short: look at the first 4 KB only).
  std::vector<std::string_view> tokens;
  const size_t end = std::min<size_t>(s.size(), 4096);
  for (size_t i = 2; i < end && tokens.size() < 16;) {
    const unsigned char c = s[i];
    if (c == '#') {
      while (i < end && s[i] != '\n') ++i;
    } else if (std::isspace(c)) {
      ++i;
    } else {
      const size_t start = i;
      while (i < end && !std::isspace(static_cast<unsigned char>(s[i])) && s[i] != '#') ++i;
      tokens.push_back(s.substr(start, i - start));
    }
  }
  const auto number = [](std::string_view t) -> std::optional<uint64_t> {
    if (t.empty() || t.size() > 18) return std::nullopt;
    uint64_t v = 0;
    for (const char c : t) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    return v;
  };
  if (kind == '7') {
    std::optional<uint64_t> w, h;
    for (size_t i = 0; i + 1 < tokens.size(); ++i) {
      if (tokens[i] == "WIDTH") w = number(tokens[i + 1]);
      if (tokens[i] == "HEIGHT") h = number(tokens[i + 1]);
    }
    return Make("PAM", w, h);
  }
  if (tokens.size() < 2) return std::nullopt;
  return Make(pfm ? "PFM" : "PNM", number(tokens[0]), number(tokens[1]));
}

std::optional<DeclaredImageSize> SunRaster(const Bytes& b) {
  if (!b.StartsWith(0, "\x59\xa6\x6a\x95")) return std::nullopt;
  return Make("Sun raster", b.Uint(4, 4, true), b.Uint(8, 4, true));
}

// "#?RADIANCE" (or "#?RGBE"), header lines, an empty line, then "-Y h +X w" (any of the 8 orientations).
std::optional<DeclaredImageSize> Radiance(const Bytes& b) {
  const std::string_view s = b.view();
  if (!b.StartsWith(0, "#?")) return std::nullopt;
  const size_t blank = s.substr(0, 65536).find("\n\n");
  if (blank == std::string_view::npos) return std::nullopt;
  const size_t line_end = s.find('\n', blank + 2);
  const std::string line(s.substr(blank + 2, (line_end == std::string_view::npos ? s.size() : line_end) - blank - 2));
  char a_sign = 0, a_axis = 0, b_sign = 0, b_axis = 0;
  unsigned long long a = 0, c = 0;
  if (std::sscanf(line.c_str(), " %c%c %llu %c%c %llu", &a_sign, &a_axis, &a, &b_sign, &b_axis, &c) != 6)
    return std::nullopt;
  if (a_axis == 'Y' && b_axis == 'X') return Make("Radiance HDR", c, a);
  if (a_axis == 'X' && b_axis == 'Y') return Make("Radiance HDR", a, c);
  return std::nullopt;
}

}  // namespace

std::optional<DeclaredImageSize> ReadDeclaredImageSize(std::string_view bytes) {
  const Bytes b(bytes);
  for (const auto reader : {Png, Jpeg, Bmp, Webp, Tiff, Pnm, SunRaster, Radiance})
    if (std::optional<DeclaredImageSize> size = reader(b)) return size;
  return std::nullopt;
}

}  // namespace scenescape
