#pragma once
// Text clean-up that CLIP's tokenizer applies before byte-pair encoding,
// reproduced without Python, ICU or a C locale.
//
// The reference (OpenAI CLIP simple_tokenizer.py, also used by open_clip) does
//   text = whitespace_clean(basic_clean(text)).lower()
//   basic_clean(t)      = html.unescape(html.unescape(ftfy.fix_text(t))).strip()
//   whitespace_clean(t) = regex.sub(r"\s+", " ", t).strip()
// CleanClipText() is that chain; the pieces are exposed for tests and reuse.
//
// Every function takes and returns UTF-8. Input that is not valid UTF-8
// (overlong forms, surrogates, truncated sequences, > U+10FFFF) throws
// InputError: a Python str cannot hold such text, so there is no reference
// behaviour to copy and a silent replacement would hide a caller's bug.
//
// Unicode data (case mapping, white space, NFC, HTML entities) comes from
// tables generated from Python 3.11 (Unicode 14.0.0) by
// src/text/gen_unicode_tables.py; they are the same Unicode version as the
// PCRE2 10.42 that the pre-tokenizer uses.

#include <string>
#include <string_view>

namespace scenescape::text {

// Python's html.unescape(): named references from the HTML5 table (including
// the legacy ones without ';', matched by longest prefix as the standard says),
// decimal and hex numeric references with HTML5's replacements for invalid
// code points. One pass, as Python does it.
std::string HtmlUnescape(std::string_view utf8);

// A deterministic subset of ftfy.fix_text() with its default settings, run
// per line and repeated until nothing changes, in ftfy's order:
//   HTML entities (ftfy's own stricter rule, only while no line so far had '<'),
//   C1 controls -> Windows-1252, Latin ligatures (U+FB01 -> "fi"), full- and
//   half-width forms -> NFKC, curly quotes -> straight quotes, line breaks ->
//   "\n", ANSI terminal escapes removed, invisible control characters removed,
//   NFC normalisation.
// Not reproduced: ftfy's mojibake repair (fix_encoding and its helpers), which
// is a heuristic over byte re-decodings; clean UTF-8 prompts are unaffected by
// it. fix_surrogates has nothing to do because valid UTF-8 holds no surrogates.
std::string FixText(std::string_view utf8);

// Unicode canonical composition (NFC), as unicodedata.normalize("NFC", s).
std::string NormalizeNfc(std::string_view utf8);

// Python's str.lower(): full Unicode lower-casing, including U+0130 -> "i̇"
// and the context-dependent final sigma (Σ -> ς at the end of a word).
std::string UnicodeLower(std::string_view utf8);

// Replaces every run of white space (as the `regex` module's \s) by one space
// and strips both ends (str.strip()).
std::string CollapseWhitespace(std::string_view utf8);

// The whole reference chain: FixText, HtmlUnescape twice, strip,
// CollapseWhitespace, UnicodeLower. The result is what CLIP's pre-tokenizer
// regex splits.
std::string CleanClipText(std::string_view utf8);

}  // namespace scenescape::text
