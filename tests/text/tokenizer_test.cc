// CLIP tokenizer: the shared reference cases (../shared/data/clip), extra
// cases checked against the Python reference, and unit tests of the text
// clean-up, model input layout and file errors on a tiny synthetic vocabulary.

#include "scenescape/text/tokenizer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>
#include <map>
#include <thread>

#include "scenescape/core/check.h"
#include "scenescape/text/normalize.h"
#include "testing.h"

namespace scenescape {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// ---------------------------------------------------------------- helpers

ClipTokenizer LoadShared(const fs::path& shared) {
  const fs::path dir = shared / "data" / "clip";
  return ClipTokenizer::FromFiles(dir / "vocab.json", dir / "merges.txt");
}

// UTF-8 of one code point (test-side, independent of the library's encoder).
std::string Utf8(char32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return s;
}

// CLIP's byte alphabet, spelled out again here so that the synthetic
// vocabulary does not depend on the code under test.
std::vector<std::string> ByteSymbols() {
  std::vector<std::string> symbols(256);
  char32_t next = 256;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
    symbols[b] = Utf8(printable ? static_cast<char32_t>(b) : next++);
  }
  return symbols;
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteText(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

// A byte-level vocabulary with the 512 byte symbols, the given merges'
// results and the two special tokens, written in the Hugging Face layout.
struct TinyVocab {
  fs::path vocab_json, merges_txt;
  std::map<std::string, int> ids;

  std::vector<int> Ids(const std::vector<std::string>& tokens) const {
    std::vector<int> out;
    for (const auto& t : tokens) out.push_back(ids.at(t));
    return out;
  }
};

TinyVocab WriteTinyVocab(const fs::path& dir, const std::vector<std::pair<std::string, std::string>>& merges) {
  TinyVocab v;
  v.vocab_json = dir / "vocab.json";
  v.merges_txt = dir / "merges.txt";
  json vocab = json::object();
  int next = 0;
  const auto add = [&](const std::string& token) {
    if (!vocab.contains(token)) {
      vocab[token] = next;
      v.ids[token] = next++;
    }
  };
  const auto symbols = ByteSymbols();
  for (const auto& s : symbols) add(s);
  for (const auto& s : symbols) add(s + "</w>");
  std::string merges_text = "#version: 0.2\n";
  for (const auto& [left, right] : merges) {
    add(left + right);
    merges_text += left + " " + right + "\n";
  }
  add("<|startoftext|>");
  add("<|endoftext|>");
  WriteText(v.vocab_json, vocab.dump());
  WriteText(v.merges_txt, merges_text);
  return v;
}

template <typename Fn>
std::string ResourceErrorMessage(Fn&& fn) {
  try {
    fn();
  } catch (const ResourceError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected ResourceError, got: " << e.what();
    return "";
  }
  ADD_FAILURE() << "expected ResourceError, nothing was thrown";
  return "";
}

// ---------------------------------------------------------------- reference cases

TEST(ClipTokenizerShared, ReproducesEveryReferenceCase) {
  SCN_REQUIRE_SHARED(shared);
  const ClipTokenizer tokenizer = LoadShared(shared);
  const json cases = json::parse(ReadText(shared / "data" / "clip" / "tokenizer_cases.json"));
  EXPECT_EQ(tokenizer.start_id(), cases.at("start_of_text").get<int>());
  EXPECT_EQ(tokenizer.end_id(), cases.at("end_of_text").get<int>());
  EXPECT_EQ(tokenizer.vocab_size(), cases.at("vocab_size").get<int>());
  ASSERT_FALSE(cases.at("cases").empty());
  int passed = 0;
  for (const json& c : cases.at("cases")) {
    const std::string text = c.at("text").get<std::string>();
    const std::vector<int> expected = c.at("ids").get<std::vector<int>>();
    const std::vector<int> ids = tokenizer.Encode(text);
    EXPECT_EQ(ids, expected) << "text: \"" << text << "\"";
    passed += ids == expected;
  }
  std::cout << "[ reference ] " << passed << "/" << cases.at("cases").size() << " tokenizer cases reproduced\n";
}

// Ids produced by OpenAI CLIP's simple_tokenizer.py (ftfy 6.3, regex) on the
// shared vocabulary. They cover what the shared cases do not: non-Latin
// case mapping, ftfy's fixes, HTML, special tokens typed in a prompt.
TEST(ClipTokenizerShared, ReproducesPythonReferenceOnHarderText) {
  SCN_REQUIRE_SHARED(shared);
  const ClipTokenizer tokenizer = LoadShared(shared);
  const std::vector<std::pair<std::string, std::vector<int>>> cases = {
      // Greek with final sigma (str.lower() context rule): "οδος σας".
      {"ΟΔΟΣ ΣΑΣ", {138, 123, 138, 112, 138, 123, 139, 480, 139, 225, 138, 109, 139, 480}},
      {"МОСКВА, Красная площадь", {38018, 13506, 23669, 27152, 39813, 27080, 267, 27152, 16370, 16912, 23669, 22705,
                                   16912, 141,   493,   26302, 47611, 13506, 141, 231,   31090, 112,   141,   490}},
      // U+0130 lower-cases to two code points, "i" + U+0307.
      {"İstanbul", {328, 16384, 11231}},
      // ftfy: curly quotes straightened, "ﬁ" ligature split.
      {"it\u2019s a \u201cquoted\u201d \uFB01ne day", {585, 568, 320, 257, 27706, 257, 3797, 575}},
      // ftfy: full-width forms and the ideographic space.
      {"ＦＵＬＬＷＩＤＴＨ\u3000ｔｅｘｔ１２３", {9407, 23571, 4160, 272, 273, 274}},
      // ftfy: NFC, so a decomposed accent gives the same id as "café".
      {"cafe\u0301", {15304}},
      {"Tom &amp;amp; Jerry &lt;3 &#39;quoted&#39; &eacute;t&eacute;",
       {2435, 261, 9164, 283, 274, 262, 27706, 262, 3459, 39694}},
      // With a '<' ftfy leaves entities alone, so only the two html.unescape
      // passes run: "&amp;amp;amp;" -> "&amp;".
      {"<b>bold</b> &amp;amp;amp; x", {283, 321, 285, 8911, 34308, 321, 285, 261, 6259, 282, 343}},
      // Without one, ftfy unescapes until nothing changes.
      {"&amp;amp;amp;amp; x", {261, 343}},
      {"<|startoftext|>a photo<|endoftext|>", {49406, 320, 1125, 49407}},
      // ftfy: ANSI colour escapes and the BEL control character removed.
      {"a\x1b[31mred\x1b[0m photo\x07", {5369, 1125}},
      {"一只猫 🐱 on a 日本 street 👩\u200d💻",
       {19759, 222, 34517, 103, 163, 234, 360, 22979, 525, 320, 39121, 19277, 361, 2012, 26304, 18135}},
      {"don't STOP 'til you're done", {847, 713, 1691, 713, 958, 592, 982, 1700}},
      // U+0345 matches no alternative of the caseless pattern and is dropped.
      {"a\u0345b", {320, 321}},
  };
  for (const auto& [text, expected] : cases) EXPECT_EQ(tokenizer.Encode(text), expected) << "text: \"" << text << "\"";
}

TEST(ClipTokenizerShared, EncodeForModelAddsStartEndAndPads) {
  SCN_REQUIRE_SHARED(shared);
  const ClipTokenizer tokenizer = LoadShared(shared);
  const std::vector<int> body = {320, 1125, 539, 320, 2368};  // "a photo of a cat"

  const ClipTokenizer::Tokens sd1 = tokenizer.EncodeForModel("a photo of a cat");
  ASSERT_EQ(sd1.ids.size(), 77u);
  EXPECT_EQ(sd1.ids[0], 49406);
  for (std::size_t i = 0; i < body.size(); ++i) EXPECT_EQ(sd1.ids[1 + i], body[i]);
  for (std::size_t i = 6; i < 77; ++i) EXPECT_EQ(sd1.ids[i], 49407) << i;  // end + end padding
  EXPECT_EQ(sd1.untruncated_length, 7);
  EXPECT_FALSE(sd1.truncated);

  const ClipTokenizer::Tokens sd2 = tokenizer.EncodeForModel("a photo of a cat", 77, 0);
  EXPECT_EQ(sd2.ids[6], 49407);
  for (std::size_t i = 7; i < 77; ++i) EXPECT_EQ(sd2.ids[i], 0) << i;

  const ClipTokenizer::Tokens empty = tokenizer.EncodeForModel("   ", 77, 0);
  EXPECT_EQ(empty.ids[0], 49406);
  EXPECT_EQ(empty.ids[1], 49407);
  EXPECT_EQ(empty.ids[2], 0);
  EXPECT_EQ(empty.untruncated_length, 2);
}

TEST(ClipTokenizerShared, EncodeForModelTruncatesKeepingTheEndToken) {
  SCN_REQUIRE_SHARED(shared);
  const ClipTokenizer tokenizer = LoadShared(shared);
  const auto words = [](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += "cat ";  // one token (2368) each
    return s;
  };
  // 75 text tokens fill the context exactly.
  const ClipTokenizer::Tokens exact = tokenizer.EncodeForModel(words(75), 77, 0);
  EXPECT_EQ(exact.untruncated_length, 77);
  EXPECT_FALSE(exact.truncated);
  EXPECT_EQ(exact.ids[75], 2368);
  EXPECT_EQ(exact.ids[76], 49407);

  const ClipTokenizer::Tokens longer = tokenizer.EncodeForModel(words(100), 77, 0);
  ASSERT_EQ(longer.ids.size(), 77u);
  EXPECT_EQ(longer.untruncated_length, 102);
  EXPECT_TRUE(longer.truncated);
  EXPECT_EQ(longer.ids[0], 49406);
  EXPECT_EQ(longer.ids[75], 2368);
  EXPECT_EQ(longer.ids[76], 49407);

  const ClipTokenizer::Tokens tiny = tokenizer.EncodeForModel("a photo", 3, 0);
  EXPECT_EQ(tiny.ids, (std::vector<int64_t>{49406, 320, 49407}));
  EXPECT_TRUE(tiny.truncated);
  const ClipTokenizer::Tokens bare = tokenizer.EncodeForModel("a photo", 2, 0);
  EXPECT_EQ(bare.ids, (std::vector<int64_t>{49406, 49407}));
  EXPECT_THROW(tokenizer.EncodeForModel("a photo", 1, 0), InputError);
}

TEST(ClipTokenizerShared, DecodeInvertsEncode) {
  SCN_REQUIRE_SHARED(shared);
  const ClipTokenizer tokenizer = LoadShared(shared);
  // The reference decode turns every "</w>" into a space, trailing one included.
  EXPECT_EQ(tokenizer.Decode(tokenizer.Encode("A Photo of a CAT, 100% café!")), "a photo of a cat , 1 0 0 % café ! ");
  EXPECT_EQ(tokenizer.Decode(std::vector<int>{49406, 320, 49407}), "<|startoftext|>a <|endoftext|>");
  // Half of a multi-byte character decodes to U+FFFD, as errors="replace".
  EXPECT_EQ(tokenizer.Decode(std::vector<int>{156}), "\xEF\xBF\xBD");
  EXPECT_THROW(tokenizer.Decode(std::vector<int>{49408}), InputError);
  EXPECT_THROW(tokenizer.Decode(std::vector<int>{-1}), InputError);
}

// ---------------------------------------------------------------- synthetic vocabulary

TEST(ClipTokenizerTiny, MergesApplyInRankOrder) {
  const fs::path dir = testing::CreateTestDir();
  // "a b" ranks before "ab c</w>", which ranks before "b c</w>": "abc" must
  // become one token although "b c</w>" is also a valid merge.
  const TinyVocab v = WriteTinyVocab(dir, {{"a", "b"}, {"ab", "c</w>"}, {"b", "c</w>"}, {"a", "a"}, {"x", "y</w>"}});
  const ClipTokenizer tokenizer = ClipTokenizer::FromFiles(v.vocab_json, v.merges_txt);
  EXPECT_EQ(tokenizer.Encode("abc"), v.Ids({"abc</w>"}));
  EXPECT_EQ(tokenizer.Encode("bc"), v.Ids({"bc</w>"}));
  // Occurrences merge left to right without overlap: (aa)(aa)(a</w>).
  EXPECT_EQ(tokenizer.Encode("aaaaa"), v.Ids({"aa", "aa", "a</w>"}));
  // Lower-casing, white space and the pre-tokenizer split ("ab," -> "ab" ",").
  EXPECT_EQ(tokenizer.Encode("  ABC\t\n XY, "), v.Ids({"abc</w>", "xy</w>", ",</w>"}));
  EXPECT_EQ(tokenizer.Encode("it's"), v.Ids({"i", "t</w>", "'", "s</w>"}));
  EXPECT_EQ(tokenizer.start_id(), v.ids.at("<|startoftext|>"));
  EXPECT_EQ(tokenizer.end_id(), v.ids.at("<|endoftext|>"));
  // Copies share the (thread-safe) cache; concurrent use gives the same ids.
  const ClipTokenizer copy = tokenizer;
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const ClipTokenizer& tok = t % 2 ? copy : tokenizer;
      int good = 0;
      for (int i = 0; i < 200; ++i) good += tok.Encode("abc bc aaaaa xy " + std::to_string(i)).size() >= 6;
      ok[t] = good;
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(ok[t], 200);
}

TEST(ClipTokenizerTiny, EncodeForModelLayout) {
  const fs::path dir = testing::CreateTestDir();
  const TinyVocab v = WriteTinyVocab(dir, {{"a", "b</w>"}});
  const ClipTokenizer tokenizer = ClipTokenizer::FromFiles(v.vocab_json, v.merges_txt);
  const int64_t start = tokenizer.start_id(), end = tokenizer.end_id();
  const int64_t ab = v.ids.at("ab</w>"), x = v.ids.at("x</w>");

  ClipTokenizer::Tokens t = tokenizer.EncodeForModel("ab x", 6, 0);
  EXPECT_EQ(t.ids, (std::vector<int64_t>{start, ab, x, end, 0, 0}));
  EXPECT_EQ(t.untruncated_length, 4);
  EXPECT_FALSE(t.truncated);
  t = tokenizer.EncodeForModel("ab x", 6);  // pads with the end token by default
  EXPECT_EQ(t.ids, (std::vector<int64_t>{start, ab, x, end, end, end}));
  t = tokenizer.EncodeForModel("ab x ab", 4, 7);  // exactly full
  EXPECT_EQ(t.ids, (std::vector<int64_t>{start, ab, x, end}));
  EXPECT_EQ(t.untruncated_length, 5);
  EXPECT_TRUE(t.truncated);
  t = tokenizer.EncodeForModel("ab x", 4, 7);
  EXPECT_EQ(t.ids, (std::vector<int64_t>{start, ab, x, end}));
  EXPECT_FALSE(t.truncated);
  t = tokenizer.EncodeForModel("", 3, 7);
  EXPECT_EQ(t.ids, (std::vector<int64_t>{start, end, 7}));
  EXPECT_EQ(t.untruncated_length, 2);
  EXPECT_THROW(tokenizer.EncodeForModel("ab", 1, 0), InputError);
  // Special tokens typed in the text map to their ids, not to BPE pieces.
  EXPECT_EQ(tokenizer.Encode("<|endoftext|>ab<|STARTOFTEXT|>"),
            (std::vector<int>{static_cast<int>(end), static_cast<int>(ab), static_cast<int>(start)}));
}

TEST(ClipTokenizerTiny, InvalidUtf8IsAnInputError) {
  const fs::path dir = testing::CreateTestDir();
  const TinyVocab v = WriteTinyVocab(dir, {{"a", "b"}});
  const ClipTokenizer tokenizer = ClipTokenizer::FromFiles(v.vocab_json, v.merges_txt);
  EXPECT_THROW(tokenizer.Encode("caf\xC3"), InputError);           // truncated
  EXPECT_THROW(tokenizer.Encode("\xC0\xAF"), InputError);          // overlong '/'
  EXPECT_THROW(tokenizer.Encode("\xED\xA0\x80"), InputError);      // surrogate
  EXPECT_THROW(tokenizer.Encode("\xF4\x90\x80\x80"), InputError);  // above U+10FFFF
}

TEST(ClipTokenizerTiny, BadFilesAreResourceErrorsNamingTheFile) {
  const fs::path dir = testing::CreateTestDir();
  const TinyVocab v = WriteTinyVocab(dir, {{"a", "b"}});
  const fs::path bad = dir / "bad.txt";
  const auto load = [&](const fs::path& vocab, const fs::path& merges) {
    return [vocab, merges] { ClipTokenizer::FromFiles(vocab, merges); };
  };
  const auto expect_error =
      [&](const fs::path& vocab, const fs::path& merges, const std::string& file, const std::string& detail) {
        const std::string message = ResourceErrorMessage(load(vocab, merges));
        EXPECT_NE(message.find(file), std::string::npos) << message;
        EXPECT_NE(message.find(detail), std::string::npos) << message;
      };

  expect_error(dir / "missing.json", v.merges_txt, (dir / "missing.json").string(), "not found");
  expect_error(v.vocab_json, dir / "missing.txt", (dir / "missing.txt").string(), "not found");

  WriteText(bad, "{\"a\": 1,");
  expect_error(bad, v.merges_txt, bad.string(), "not valid JSON");
  WriteText(bad, "[1, 2, 3]");
  expect_error(bad, v.merges_txt, bad.string(), "JSON object");
  WriteText(bad, "{\"a\": \"one\"}");
  expect_error(bad, v.merges_txt, bad.string(), "non-negative integer");
  WriteText(bad, "{\"a\": 0, \"b\": 0}");
  expect_error(bad, v.merges_txt, bad.string(), "more than one token");
  WriteText(bad, "{\"a\": 0, \"b\": 1}");
  expect_error(bad, v.merges_txt, bad.string(), "<|startoftext|>");

  WriteText(bad, "a b\n");
  expect_error(v.vocab_json, bad, bad.string() + ":1", "#version");
  WriteText(bad, "#version: 0.2\na b\nb\n");
  expect_error(v.vocab_json, bad, bad.string() + ":3", "two tokens");
  WriteText(bad, "#version: 0.2\na b c\n");
  expect_error(v.vocab_json, bad, bad.string() + ":2", "two tokens");
  WriteText(bad, "#version: 0.2\na b\nq r\n");  // "qr" is not in the vocabulary
  expect_error(v.vocab_json, bad, bad.string() + ":3", "\"qr\"");
  WriteText(bad, "");
  expect_error(v.vocab_json, bad, bad.string(), "empty");

  // Trailing blank lines and CRLF line ends are fine.
  WriteText(bad, "#version: 0.2\r\na b\r\n\n\n");
  EXPECT_NO_THROW(ClipTokenizer::FromFiles(v.vocab_json, bad));
  EXPECT_NO_THROW(ClipTokenizer::FromFiles(v.vocab_json, v.merges_txt));
}

// ---------------------------------------------------------------- text clean-up

TEST(TextNormalize, HtmlUnescapeMatchesPython) {
  using text::HtmlUnescape;
  EXPECT_EQ(HtmlUnescape("&amp;"), "&");
  EXPECT_EQ(HtmlUnescape("&amp;amp;"), "&amp;");  // one pass only
  EXPECT_EQ(HtmlUnescape("&lt;b&gt; a & b"), "<b> a & b");
  EXPECT_EQ(HtmlUnescape("&#39;&#x41;&#X42;"), "'AB");
  EXPECT_EQ(HtmlUnescape("&ampx &Eacute"), "&x É");  // legacy names without ';'
  EXPECT_EQ(HtmlUnescape("&notit;"), "¬it;");        // longest legacy prefix
  EXPECT_EQ(HtmlUnescape("&#128;"), "€");            // Windows-1252 for C1 references
  EXPECT_EQ(HtmlUnescape("&#0;"), "\uFFFD");
  EXPECT_EQ(HtmlUnescape("&#xD800;"), "\uFFFD");
  EXPECT_EQ(HtmlUnescape("&#99999999999;"), "\uFFFD");
  EXPECT_EQ(HtmlUnescape("[&#1;]"), "[]");  // invalid code points vanish
  EXPECT_EQ(HtmlUnescape("&#65a;"), "Aa;");
  EXPECT_EQ(HtmlUnescape("&unknown; &#; &#x;"), "&unknown; &#; &#x;");
}

TEST(TextNormalize, CleanClipTextUnescapesTwiceAndCollapsesSpace) {
  using text::CleanClipText;
  EXPECT_EQ(CleanClipText("  Tom &amp;amp; JERRY  "), "tom & jerry");
  // A '<' stops ftfy's unescaping, leaving the reference's two passes.
  EXPECT_EQ(CleanClipText("<p>&amp;amp;amp;"), "<p>&amp;");
  EXPECT_EQ(CleanClipText("&amp;amp;amp;"), "&");
  EXPECT_EQ(CleanClipText("a\t\tb\n\nc\r\nd\u00A0\u2003e\u3000f"), "a b c d e f");
  EXPECT_EQ(CleanClipText("\n \t "), "");
}

TEST(TextNormalize, CollapseWhitespaceUsesPythonsSpaceSets) {
  using text::CollapseWhitespace;
  EXPECT_EQ(CollapseWhitespace("   multiple    spaces\tand\ttabs\nand newlines   "),
            "multiple spaces and tabs and newlines");
  EXPECT_EQ(CollapseWhitespace("a\u2028\u2029\u0085\u000Bb"), "a b");
  // U+180E is not white space for Python (PCRE2 10.42's \s says it is).
  EXPECT_EQ(CollapseWhitespace("a\u180Eb"), "a\u180Eb");
  // U+001C..U+001F are str.isspace() (stripped) but not regex \s (kept inside).
  EXPECT_EQ(CollapseWhitespace("\x1C"
                               "a\x1F"
                               "b\x1D"),
            "a\x1F"
            "b");
}

TEST(TextNormalize, UnicodeLowerMatchesPythonStrLower) {
  using text::UnicodeLower;
  EXPECT_EQ(UnicodeLower("A Photo Of A CAT"), "a photo of a cat");
  EXPECT_EQ(UnicodeLower("ÀÉÎÕÜ Ærø"), "àéîõü ærø");
  EXPECT_EQ(UnicodeLower("МОСКВА Київ"), "москва київ");
  EXPECT_EQ(UnicodeLower("ΟΔΟΣ ΣΑΣ Σ ΑΣ. ΑΣ'Α"), "οδος σας σ ας. ασ'α");
  EXPECT_EQ(UnicodeLower("İ"), "i\u0307");
  EXPECT_EQ(UnicodeLower("ǅ ẞ \u212A"), "ǆ ß k");     // title case, capital sharp s, Kelvin
  EXPECT_EQ(UnicodeLower("ԱՐԱՐԱՏ ႠႡ"), "արարատ ⴀⴁ");  // Armenian, Georgian
}

TEST(TextNormalize, FixTextAppliesFtfyDefaults) {
  using text::FixText;
  EXPECT_EQ(FixText("it\u2019s \u201Cok\u201D"), "it's \"ok\"");
  EXPECT_EQ(FixText("\uFB01ne"), "fine");
  EXPECT_EQ(FixText("ＡＢＣ１\u3000x"), "ABC1 x");
  EXPECT_EQ(FixText("e\u0301"), "é");
  EXPECT_EQ(FixText("a\x1b[1;31mb\x1b[0mc"), "abc");
  EXPECT_EQ(FixText(std::string("a\0b\x07"
                                "c\uFEFFd",
                                9)),
            "abcd");
  EXPECT_EQ(FixText("x\r\ny\rz"), "x\ny\nz");
  EXPECT_EQ(FixText("\u0093hi\u0094"), "\"hi\"");  // C1 controls read as Windows-1252
  EXPECT_EQ(FixText("&NTILDE;"), "Ñ");
  // The '<' on line 2 turns HTML unescaping off from there on.
  EXPECT_EQ(FixText("one &amp;amp;\n<b> &amp;amp;\nlast &amp;amp;"), "one &\n<b> &amp;amp;\nlast &amp;amp;");
}

TEST(TextNormalize, NfcComposes) {
  using text::NormalizeNfc;
  EXPECT_EQ(NormalizeNfc("cafe\u0301"), "café");
  EXPECT_EQ(NormalizeNfc("a\u0323\u0302"), "\u1EAD");   // reordered marks: ậ
  EXPECT_EQ(NormalizeNfc("\u1100\u1161\u11A8"), "각");  // Hangul jamo
  EXPECT_EQ(NormalizeNfc("\u212B"), "Å");               // singleton decomposition
}

TEST(TextNormalize, InvalidUtf8Throws) {
  EXPECT_THROW(text::CleanClipText("\xFF"), InputError);
  EXPECT_THROW(text::UnicodeLower("a\x80"), InputError);  // stray continuation byte
}

}  // namespace
}  // namespace scenescape
