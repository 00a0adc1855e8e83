// Python-compatible text clean-up for the CLIP tokenizer. Each function
// follows one CPython / ftfy routine; the comment above it names the source.

#include "scenescape/text/normalize.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <utility>

#include "text/utf8.h"

namespace scenescape::text {
namespace {

#include "text/unicode_tables.inc"

using internal::AppendUtf8;
using internal::DecodeUtf8;
using internal::EncodeUtf8;
using U32 = std::u32string;

template <std::size_t N>
bool InRanges(const CpRange (&table)[N], char32_t c) {
  const CpRange* it = std::upper_bound(table, table + N, c, [](char32_t v, const CpRange& r) { return v < r.first; });
  return it != table && c <= (it - 1)->last;
}

// Entry of a table sorted by `cp`, or nullptr.
template <typename T, std::size_t N>
const T* FindCp(const T (&table)[N], char32_t c) {
  const T* it = std::lower_bound(table, table + N, c, [](const T& e, char32_t v) { return e.cp < v; });
  return it != table + N && it->cp == c ? it : nullptr;
}

// Entity value (UTF-8) for `name` in a table sorted bytewise by name, or nullptr.
template <std::size_t N>
const char* FindEntity(const Entity (&table)[N], const std::string& name) {
  const Entity* it = std::lower_bound(
      table, table + N, name, [](const Entity& e, const std::string& v) { return std::strcmp(e.name, v.c_str()) < 0; });
  return it != table + N && name == it->name ? it->utf8 : nullptr;
}

void AppendTableString(const char* utf8, U32* out) {
  // Table strings are generated from Python str values, hence valid UTF-8.
  out->append(DecodeUtf8(utf8));
}

bool IsAsciiDigit(char32_t c) { return c >= '0' && c <= '9'; }
bool IsAsciiHex(char32_t c) { return IsAsciiDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool IsAsciiAlnum(char32_t c) { return IsAsciiDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiAlpha(char32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// ---------------------------------------------------------------- html.unescape

// html._replace_charref for a numeric reference whose value is `num`
// (saturated at 0x110000, which Python's unbounded int would also reject).
void AppendCharref(uint32_t num, U32* out) {
  for (const CpToCp& e : kInvalidCharrefs) {
    if (e.from == num) {
      out->push_back(e.to);
      return;
    }
  }
  if ((num >= 0xD800 && num <= 0xDFFF) || num > 0x10FFFF) {
    out->push_back(0xFFFD);
    return;
  }
  if (InRanges(kInvalidCodepoints, num)) return;
  out->push_back(num);
}

// Python's html.unescape (Lib/html/__init__.py): one left-to-right pass of
//   &(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)
U32 HtmlUnescape32(const U32& s) {
  if (s.find(U'&') == U32::npos) return s;
  U32 out;
  out.reserve(s.size());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    if (s[i] != U'&') {
      out.push_back(s[i++]);
      continue;
    }
    const std::size_t j = i + 1;
    if (j < n && s[j] == U'#') {
      const bool hex = j + 1 < n && (s[j + 1] == U'x' || s[j + 1] == U'X');
      const std::size_t start = hex ? j + 2 : j + 1;
      const bool decimal_ok = j + 1 < n && IsAsciiDigit(s[j + 1]);
      const bool hex_ok = hex && start < n && IsAsciiHex(s[start]);
      if (!decimal_ok && !hex_ok) {  // '#' cannot start a named reference
        out.push_back(s[i++]);
        continue;
      }
      const std::size_t digits_from = decimal_ok ? j + 1 : start;
      uint32_t num = 0;
      std::size_t e = digits_from;
      for (; e < n && (decimal_ok ? IsAsciiDigit(s[e]) : IsAsciiHex(s[e])); ++e) {
        const char32_t c = s[e];
        const uint32_t d = IsAsciiDigit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
        num = std::min<uint64_t>(uint64_t{num} * (decimal_ok ? 10 : 16) + d, 0x110000);
      }
      if (e < n && s[e] == U';') ++e;
      AppendCharref(num, &out);
      i = e;
      continue;
    }
    std::size_t e = j;
    while (e < n && e - j < 32 && std::u32string_view(U"\t\n\f <&#;").find(s[e]) == std::u32string_view::npos) ++e;
    if (e == j) {
      out.push_back(s[i++]);
      continue;
    }
    if (e < n && s[e] == U';') ++e;
    const U32 name = s.substr(j, e - j);
    const std::string name_utf8 = EncodeUtf8(name);
    if (const char* value = FindEntity(kHtml5Entities, name_utf8)) {
      AppendTableString(value, &out);
      i = e;
      continue;
    }
    // The longest prefix (at least 2 characters) that is an entity name,
    // i.e. one of the legacy names allowed without ';' ("&ampx" -> "&x").
    bool found = false;
    for (std::size_t x = name.size() - 1; x >= 2 && !found; --x) {
      const char* value = FindEntity(kHtml5Entities, EncodeUtf8(name.substr(0, x)));
      if (value) {
        AppendTableString(value, &out);
        out.append(name, x, U32::npos);
        found = true;
      }
    }
    if (!found) {
      out.push_back(U'&');
      out.append(name);
    }
    i = e;
  }
  return out;
}

// ---------------------------------------------------------------- ftfy subset

// ftfy.fixes.unescape_html: &#?[0-9A-Za-z]{1,24}; replaced only when it is a
// known entity (ftfy.chardata.HTML_ENTITIES) or a numeric reference that
// html.unescape decodes completely.
U32 FtfyUnescapeHtml(const U32& s) {
  if (s.find(U'&') == U32::npos) return s;
  U32 out;
  out.reserve(s.size());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    if (s[i] != U'&') {
      out.push_back(s[i++]);
      continue;
    }
    std::size_t j = i + 1;
    const bool numeric = j < n && s[j] == U'#';
    if (numeric) ++j;
    std::size_t e = j;
    while (e < n && IsAsciiAlnum(s[e])) ++e;
    if (e == j || e - j > 24 || e >= n || s[e] != U';') {
      out.push_back(s[i++]);
      continue;
    }
    const U32 text = s.substr(i, e + 1 - i);
    const std::string name = EncodeUtf8(text.substr(1));
    const char* value = nullptr;
    if (!numeric) {
      value = FindEntity(kHtml5Entities, name);
      if (!value) value = FindEntity(kFtfyUpperEntities, name);
    }
    if (value) {
      AppendTableString(value, &out);
    } else if (numeric) {
      const U32 unescaped = HtmlUnescape32(text);
      out.append(unescaped.find(U';') != U32::npos ? text : unescaped);
    } else {
      out.append(text);
    }
    i = e + 1;
  }
  return out;
}

// ---------------------------------------------------------------- NFC

constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28;
constexpr char32_t kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;

uint8_t CombiningClass(char32_t c) {
  if (c < 0x300) return 0;
  const CccRange* it = std::upper_bound(
      std::begin(kCccTable), std::end(kCccTable), c, [](char32_t v, const CccRange& r) { return v < r.first; });
  return it != std::begin(kCccTable) && c <= (it - 1)->last ? (it - 1)->ccc : 0;
}

// The primary composite of (a, b), or 0.
char32_t Compose(char32_t a, char32_t b) {
  if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount)
    return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
  if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase && b < kTBase + kTCount)
    return a + (b - kTBase);
  const CompEntry* it = std::lower_bound(std::begin(kCompTable),
                                         std::end(kCompTable),
                                         std::make_pair(a, b),
                                         [](const CompEntry& e, const std::pair<char32_t, char32_t>& v) {
                                           return e.first != v.first ? e.first < v.first : e.second < v.second;
                                         });
  return it != std::end(kCompTable) && it->first == a && it->second == b ? it->composite : 0;
}

// UAX #15: canonical decomposition, canonical ordering, canonical composition.
U32 Nfc32(const U32& s) {
  // Below U+0300 nothing decomposes into something different after
  // recomposition and nothing combines, so the common case costs one scan.
  if (std::all_of(s.begin(), s.end(), [](char32_t c) { return c < 0x300; })) return s;

  U32 d;
  d.reserve(s.size() + 8);
  for (char32_t c : s) {
    if (c >= kSBase && c < kSBase + kSCount) {
      const char32_t k = c - kSBase;
      d.push_back(kLBase + k / kNCount);
      d.push_back(kVBase + (k % kNCount) / kTCount);
      if (k % kTCount) d.push_back(kTBase + k % kTCount);
    } else if (const DecompEntry* e = FindCp(kDecompTable, c)) {
      d.append(kDecompPool + e->offset, e->length);
    } else {
      d.push_back(c);
    }
  }
  // Stable sort of each run of non-starters by combining class.
  for (std::size_t i = 0; i < d.size();) {
    if (CombiningClass(d[i]) == 0) {
      ++i;
      continue;
    }
    std::size_t e = i;
    while (e < d.size() && CombiningClass(d[e]) != 0) ++e;
    std::stable_sort(
        d.begin() + i, d.begin() + e, [](char32_t a, char32_t b) { return CombiningClass(a) < CombiningClass(b); });
    i = e;
  }
  if (d.empty()) return d;
  // Composition: a character joins the last starter unless a character of the
  // same or higher class (or a starter) lies between them.
  std::size_t starter = 0;
  int last_class = CombiningClass(d[0]) ? 256 : 0;
  std::size_t out = 1;
  for (std::size_t i = 1; i < d.size(); ++i) {
    const char32_t c = d[i];
    const int cls = CombiningClass(c);
    const char32_t composite = Compose(d[starter], c);
    if (composite && (last_class < cls || last_class == 0)) {
      d[starter] = composite;
      continue;
    }
    if (cls == 0) starter = out;
    last_class = cls;
    d[out++] = c;
  }
  d.resize(out);
  return d;
}

// ---------------------------------------------------------------- ftfy fixers

// One pass of ftfy's per-segment fixers after unescape_html, in its order.
U32 FtfyFixersOnce(const U32& s) {
  U32 t;
  t.reserve(s.size());
  for (char32_t c : s) {
    // fix_c1_controls: C1 controls read as sloppy-windows-1252, which maps
    // them exactly as html._invalid_charrefs does (undefined bytes stay).
    if (c >= 0x80 && c <= 0x9F) {
      for (const CpToCp& e : kInvalidCharrefs)
        if (e.from == c) c = e.to;
    }
    // fix_latin_ligatures, then fix_character_width (translate tables).
    if (const CpToString* e = FindCp(kLigatures, c)) {
      const U32 rep = DecodeUtf8(e->utf8);
      for (char32_t r : rep) {
        const CpToString* w = FindCp(kWidthMap, r);
        if (w)
          AppendTableString(w->utf8, &t);
        else
          t.push_back(r);
      }
      continue;
    }
    if (const CpToString* w = FindCp(kWidthMap, c)) {
      AppendTableString(w->utf8, &t);
      continue;
    }
    t.push_back(c);
  }
  // uncurl_quotes and fix_line_breaks.
  U32 u;
  u.reserve(t.size());
  for (std::size_t i = 0; i < t.size(); ++i) {
    char32_t c = t[i];
    if (c == 0x2BC || (c >= 0x2018 && c <= 0x201B))
      c = U'\'';
    else if (c >= 0x201C && c <= 0x201F)
      c = U'"';
    if (c == U'\r' && i + 1 < t.size() && t[i + 1] == U'\n') continue;
    if (c == U'\r' || c == 0x2028 || c == 0x2029 || c == 0x85) c = U'\n';
    u.push_back(c);
  }
  // remove_terminal_escapes: \x1b\[((?:\d|;)*)([a-zA-Z]), then
  // remove_control_chars.
  U32 v;
  v.reserve(u.size());
  for (std::size_t i = 0; i < u.size(); ++i) {
    if (u[i] == 0x1B && i + 1 < u.size() && u[i + 1] == U'[') {
      std::size_t e = i + 2;
      while (e < u.size() && (u[e] == U';' || InRanges(kReDigit, u[e]))) ++e;
      if (e < u.size() && IsAsciiAlpha(u[e])) {
        i = e;
        continue;
      }
    }
    v.push_back(u[i]);
  }
  U32 w;
  w.reserve(v.size());
  for (char32_t c : v) {
    const bool control = c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F ||
                         (c >= 0x206A && c <= 0x206F) || c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFC);
    if (!control) w.push_back(c);
  }
  return Nfc32(w);
}

// ftfy.fix_text with default settings minus fix_encoding (see normalize.h).
U32 FixText32(const U32& text) {
  U32 out;
  out.reserve(text.size());
  bool unescape_html = true;  // "auto" until a segment contains '<'
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t brk = text.find(U'\n', pos);
    brk = brk == U32::npos ? text.size() : brk + 1;
    U32 segment = text.substr(pos, brk - pos);
    if (segment.find(U'<') != U32::npos) unescape_html = false;
    // fix_and_explain repeats its fixers until the text stops changing; each
    // round either shortens the text or leaves it alone, so this terminates.
    for (int round = 0; round < 1000; ++round) {
      U32 fixed = unescape_html ? FtfyUnescapeHtml(segment) : segment;
      fixed = FtfyFixersOnce(fixed);
      if (fixed == segment) break;
      segment = std::move(fixed);
    }
    out.append(segment);
    pos = brk;
  }
  return out;
}

// ---------------------------------------------------------------- lower / space

// CPython's handle_capital_sigma (Objects/unicodeobject.c): U+03A3 becomes
// final sigma when preceded by a cased letter and not followed by one,
// skipping case-ignorable characters both ways.
char32_t LowerSigma(const U32& s, std::size_t i) {
  std::size_t j = i;
  while (j > 0 && InRanges(kCaseIgnorable, s[j - 1])) --j;
  if (j == 0 || !InRanges(kCased, s[j - 1])) return 0x3C3;
  std::size_t k = i + 1;
  while (k < s.size() && InRanges(kCaseIgnorable, s[k])) ++k;
  return k == s.size() || !InRanges(kCased, s[k]) ? 0x3C2 : 0x3C3;
}

U32 Lower32(const U32& s) {
  U32 out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char32_t c = s[i];
    if (c < 0x80) {
      out.push_back(c >= 'A' && c <= 'Z' ? c + 32 : c);
    } else if (c == 0x3A3) {
      out.push_back(LowerSigma(s, i));
    } else if (const LowerEntry* e = FindCp(kLowerTable, c)) {
      out.push_back(e->lower[0]);
      if (e->lower[1]) out.push_back(e->lower[1]);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool IsRegexSpace(char32_t c) { return InRanges(kRegexSpace, c); }
bool IsPySpace(char32_t c) { return InRanges(kPySpace, c); }

U32 Strip32(const U32& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && IsPySpace(s[b])) ++b;
  while (e > b && IsPySpace(s[e - 1])) --e;
  return s.substr(b, e - b);
}

// regex.sub(r"\s+", " ", s).strip()
U32 CollapseWhitespace32(const U32& s) {
  U32 out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    if (IsRegexSpace(s[i])) {
      while (i < s.size() && IsRegexSpace(s[i])) ++i;
      out.push_back(U' ');
    } else {
      out.push_back(s[i++]);
    }
  }
  return Strip32(out);
}

}  // namespace

std::string HtmlUnescape(std::string_view utf8) { return EncodeUtf8(HtmlUnescape32(DecodeUtf8(utf8))); }

std::string FixText(std::string_view utf8) { return EncodeUtf8(FixText32(DecodeUtf8(utf8))); }

std::string NormalizeNfc(std::string_view utf8) { return EncodeUtf8(Nfc32(DecodeUtf8(utf8))); }

std::string UnicodeLower(std::string_view utf8) { return EncodeUtf8(Lower32(DecodeUtf8(utf8))); }

std::string CollapseWhitespace(std::string_view utf8) { return EncodeUtf8(CollapseWhitespace32(DecodeUtf8(utf8))); }

std::string CleanClipText(std::string_view utf8) {
  U32 s = FixText32(DecodeUtf8(utf8));
  s = Strip32(HtmlUnescape32(HtmlUnescape32(s)));
  return EncodeUtf8(Lower32(CollapseWhitespace32(s)));
}

}  // namespace scenescape::text
