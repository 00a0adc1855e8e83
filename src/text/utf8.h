#pragma once
// UTF-8 <-> code points for the text module (private).

#include <cstddef>
#include <string>
#include <string_view>

namespace scenescape::text::internal {

// Length of the well-formed UTF-8 sequence starting at s[i] (1..4), or 0 when
// the bytes there are ill-formed. `*cp` receives the code point. The
// ill-formed case also sets `*bad_len` to the length of the maximal subpart
// (Unicode's "maximal subpart of an ill-formed subsequence", >= 1), which is
// what Python's errors="replace" turns into one U+FFFD.
std::size_t NextUtf8(std::string_view s, std::size_t i, char32_t* cp, std::size_t* bad_len);

// Strict decoding; throws InputError naming the byte offset of the first
// ill-formed sequence.
std::u32string DecodeUtf8(std::string_view s);

// Decoding with one U+FFFD per maximal ill-formed subpart (Python's
// bytes.decode("utf-8", errors="replace")).
std::u32string DecodeUtf8Lossy(std::string_view s);

void AppendUtf8(char32_t cp, std::string* out);
std::string EncodeUtf8(std::u32string_view s);

}  // namespace scenescape::text::internal
