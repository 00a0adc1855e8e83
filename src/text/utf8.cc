#include "text/utf8.h"

#include "scenescape/core/check.h"

namespace scenescape::text::internal {

std::size_t NextUtf8(std::string_view s, std::size_t i, char32_t* cp, std::size_t* bad_len) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  // Allowed range of the second byte per lead byte (Unicode Table 3-7); this
  // rejects overlong forms, surrogates and code points above U+10FFFF.
  std::size_t len;
  unsigned char lo = 0x80, hi = 0xBF;
  char32_t value;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    value = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    value = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    value = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    *bad_len = 1;
    return 0;
  }
  for (std::size_t k = 1; k < len; ++k) {
    const bool ok = i + k < s.size() && byte(i + k) >= (k == 1 ? lo : 0x80) && byte(i + k) <= (k == 1 ? hi : 0xBF);
    if (!ok) {
      *bad_len = k;
      return 0;
    }
    value = (value << 6) | (byte(i + k) & 0x3F);
  }
  *cp = value;
  return len;
}

std::u32string DecodeUtf8(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp;
    std::size_t bad;
    const std::size_t n = NextUtf8(s, i, &cp, &bad);
    if (n == 0) {
      throw InputError("text is not valid UTF-8 (ill-formed sequence at byte " + std::to_string(i) + ")");
    }
    out.push_back(cp);
    i += n;
  }
  return out;
}

std::u32string DecodeUtf8Lossy(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp;
    std::size_t bad;
    const std::size_t n = NextUtf8(s, i, &cp, &bad);
    if (n == 0) {
      out.push_back(0xFFFD);
      i += bad;
    } else {
      out.push_back(cp);
      i += n;
    }
  }
  return out;
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string EncodeUtf8(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t cp : s) AppendUtf8(cp, &out);
  return out;
}

}  // namespace scenescape::text::internal
