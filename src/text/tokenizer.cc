// CLIP byte-level BPE. Ref: openai/CLIP clip/simple_tokenizer.py and
// transformers' CLIPTokenizer (tokenization_clip.py), which it follows.

#include "scenescape/text/tokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <nlohmann/json.hpp>
#include <pcre2.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <limits>
#include <mutex>
#include <sstream>
#include <unordered_map>

#include "scenescape/core/check.h"
#include "scenescape/core/json_reader.h"
#include "scenescape/text/normalize.h"
#include "text/utf8.h"

namespace scenescape {
namespace {

namespace fs = std::filesystem;
using text::internal::AppendUtf8;

constexpr const char* kStartToken = "<|startoftext|>";
constexpr const char* kEndToken = "<|endoftext|>";
constexpr const char* kEndOfWord = "</w>";
// CLIP reads only the first 49152 - 256 - 2 merges of its merge list (the
// vocabulary is 256 bytes, 256 bytes + "</w>", the merges and 2 specials);
// Hugging Face's CLIPTokenizer slices merges.txt the same way.
constexpr std::size_t kMaxMerges = 49152 - 256 - 2;
// Words cached before the cache is emptied, bounding its memory for long
// running processes fed arbitrary text.
constexpr std::size_t kMaxCachedWords = 1 << 16;

// CLIP's bytes_to_unicode(): printable Latin-1 bytes map to themselves, the
// other 68 bytes to U+0100 onwards in byte order, so every byte becomes a
// visible, non-space character.
std::array<char32_t, 256> BytesToUnicode() {
  std::array<char32_t, 256> table{};
  char32_t next = 256;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
    table[b] = printable ? static_cast<char32_t>(b) : next++;
  }
  return table;
}

// CLIP's pre-tokenizer pattern. \s is spelled out as the `regex` module's
// white space, because PCRE2 10.42 also counts U+180E. U+0345 is excluded from
// the "other" class: under IGNORECASE `regex` treats it as its case partner
// iota, a letter, so none of the alternatives matches it and the reference
// drops it; PCRE2 would keep it as punctuation.
constexpr const char* kPattern =
    R"(<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|)"
    R"([^\t\n\x0B\f\r \x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F})"
    R"(\x{3000}\x{345}\p{L}\p{N}]+)";

std::string ReadFile(const fs::path& path, const char* what) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw ResourceError(std::string(what) + " not found: " + path.string());
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (!in.good() && !in.eof()) throw ResourceError(std::string(what) + " cannot be read: " + path.string());
  return buffer.str();
}

uint64_t PairKey(int a, int b) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
}

}  // namespace

struct ClipTokenizer::Impl {
  std::array<int, 256> byte_id{};      // vocab id of the byte's symbol
  std::array<int, 256> byte_end_id{};  // ... of the byte's symbol + "</w>"
  struct Merge {
    int rank;
    int merged_id;
  };
  std::unordered_map<uint64_t, Merge> merges;  // (left id, right id) -> merge
  std::vector<std::string> id_bytes;           // id -> the bytes it stands for ("</w>" kept)
  std::vector<bool> id_valid;
  int start_id = -1;
  int end_id = -1;

  pcre2_code* pattern = nullptr;
  bool jit = false;

  mutable std::mutex cache_mutex;
  mutable std::unordered_map<std::string, std::vector<int>> cache;

  ~Impl() {
    if (pattern) pcre2_code_free(pattern);
  }

  // simple_tokenizer.py bpe(): repeatedly merge every occurrence of the
  // lowest-ranked adjacent pair, left to right, until no pair has a rank.
  // Symbols are vocabulary ids: merge results are checked to be in the
  // vocabulary when loading, and token strings map to ids one to one, so this
  // is the reference's string algorithm.
  std::vector<int> Bpe(const std::string& word) const {
    std::vector<int> symbols(word.size());
    for (std::size_t i = 0; i < word.size(); ++i) {
      const auto b = static_cast<unsigned char>(word[i]);
      symbols[i] = i + 1 == word.size() ? byte_end_id[b] : byte_id[b];
    }
    std::vector<int> merged;
    while (symbols.size() > 1) {
      int best_rank = std::numeric_limits<int>::max();
      Merge best{};
      int best_left = -1, best_right = -1;
      for (std::size_t i = 0; i + 1 < symbols.size(); ++i) {
        const auto it = merges.find(PairKey(symbols[i], symbols[i + 1]));
        if (it != merges.end() && it->second.rank < best_rank) {
          best_rank = it->second.rank;
          best = it->second;
          best_left = symbols[i];
          best_right = symbols[i + 1];
        }
      }
      if (best_left < 0) break;
      merged.clear();
      for (std::size_t i = 0; i < symbols.size();) {
        if (i + 1 < symbols.size() && symbols[i] == best_left && symbols[i + 1] == best_right) {
          merged.push_back(best.merged_id);
          i += 2;
        } else {
          merged.push_back(symbols[i++]);
        }
      }
      symbols.swap(merged);
    }
    return symbols;
  }

  void EncodeWord(const std::string& word, std::vector<int>* ids) const {
    if (word == kStartToken) {
      ids->push_back(start_id);
      return;
    }
    if (word == kEndToken) {
      ids->push_back(end_id);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(cache_mutex);
      const auto it = cache.find(word);
      if (it != cache.end()) {
        ids->insert(ids->end(), it->second.begin(), it->second.end());
        return;
      }
    }
    std::vector<int> result = Bpe(word);
    ids->insert(ids->end(), result.begin(), result.end());
    std::lock_guard<std::mutex> lock(cache_mutex);
    if (cache.size() >= kMaxCachedWords) cache.clear();
    cache.emplace(word, std::move(result));
  }
};

ClipTokenizer::ClipTokenizer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

ClipTokenizer ClipTokenizer::FromFiles(const fs::path& vocab_json, const fs::path& merges_txt) {
  auto impl = std::make_shared<Impl>();
  const std::string vocab_name = vocab_json.string();
  const std::string merges_name = merges_txt.string();

  // ------------------------------------------------------------ vocab.json
  const nlohmann::json vocab =
      ParseJson(ReadFile(vocab_json, "CLIP vocabulary (vocab.json)"), vocab_name, ExitCode::kMissingResource);
  if (!vocab.is_object() || vocab.empty())
    throw ResourceError(vocab_name + ": expected a JSON object mapping token -> id");
  std::unordered_map<std::string, int> token_to_id;
  token_to_id.reserve(vocab.size());
  int max_id = -1;
  for (const auto& [token, value] : vocab.items()) {
    if (!value.is_number_integer() || value.get<int64_t>() < 0 ||
        value.get<int64_t>() > std::numeric_limits<int>::max() / 2)
      throw ResourceError(vocab_name + ": token \"" + token + "\" has id " + value.dump() +
                          ", expected a non-negative integer");
    const int id = value.get<int>();
    token_to_id.emplace(token, id);
    max_id = std::max(max_id, id);
  }
  if (max_id >= static_cast<int>(4 * vocab.size() + 1024))
    throw ResourceError(vocab_name + ": id " + std::to_string(max_id) + " is far beyond the " +
                        std::to_string(vocab.size()) + " tokens of the vocabulary");
  const std::array<char32_t, 256> byte_to_unicode = BytesToUnicode();
  std::unordered_map<char32_t, unsigned char> unicode_to_byte;
  for (int b = 0; b < 256; ++b) unicode_to_byte[byte_to_unicode[b]] = static_cast<unsigned char>(b);
  impl->id_bytes.assign(max_id + 1, std::string());
  impl->id_valid.assign(max_id + 1, false);
  for (const auto& [token, id] : token_to_id) {
    if (impl->id_valid[id])
      throw ResourceError(vocab_name + ": id " + std::to_string(id) + " is used by more than one token (\"" + token +
                          "\")");
    impl->id_valid[id] = true;
    // Tokens are spelled in the byte alphabet; anything else (never the case
    // in CLIP's vocabulary) decodes as its own UTF-8.
    std::string bytes;
    for (char32_t cp : text::internal::DecodeUtf8(token)) {
      const auto it = unicode_to_byte.find(cp);
      if (it != unicode_to_byte.end()) {
        bytes.push_back(static_cast<char>(it->second));
      } else {
        AppendUtf8(cp, &bytes);
      }
    }
    impl->id_bytes[id] = std::move(bytes);
  }
  const auto require = [&](const std::string& token, const char* why) {
    const auto it = token_to_id.find(token);
    if (it == token_to_id.end())
      throw ResourceError(vocab_name + ": missing token \"" + token + "\" (" + why + "); is this a CLIP vocabulary?");
    return it->second;
  };
  impl->start_id = require(kStartToken, "start of text");
  impl->end_id = require(kEndToken, "end of text");
  for (int b = 0; b < 256; ++b) {
    std::string symbol;
    AppendUtf8(byte_to_unicode[b], &symbol);
    impl->byte_id[b] = require(symbol, "byte symbol");
    impl->byte_end_id[b] = require(symbol + kEndOfWord, "byte symbol at the end of a word");
  }

  // ------------------------------------------------------------ merges.txt
  const std::string merges = ReadFile(merges_txt, "CLIP merges (merges.txt)");
  std::istringstream lines(merges);
  std::string line;
  int line_no = 0;
  std::size_t rank = 0;
  std::size_t blank_lines = 0;
  while (std::getline(lines, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line_no == 1) {
      // Hugging Face writes "#version: 0.2"; OpenAI's original list starts
      // with "\"bpe_simple_vocab_16e6.txt#version: 0.2".
      if (line.find("#version") == std::string::npos)
        throw ResourceError(merges_name + ":1: expected a \"#version\" header line, got \"" + line.substr(0, 80) +
                            "\"");
      continue;
    }
    if (line.empty()) {  // only allowed at the end (the reference strips the file)
      ++blank_lines;
      continue;
    }
    if (blank_lines > 0) throw ResourceError(merges_name + ":" + std::to_string(line_no - 1) + ": empty line");
    if (rank >= kMaxMerges) break;
    std::istringstream fields(line);
    std::string left, right, extra;
    if (!(fields >> left >> right) || (fields >> extra))
      throw ResourceError(merges_name + ":" + std::to_string(line_no) +
                          ": expected two tokens separated by a space, got \"" + line.substr(0, 80) + "\"");
    const auto find = [&](const std::string& token) {
      const auto it = token_to_id.find(token);
      if (it == token_to_id.end())
        throw ResourceError(merges_name + ":" + std::to_string(line_no) + ": token \"" + token + "\" is not in " +
                            vocab_name);
      return it->second;
    };
    const int left_id = find(left), right_id = find(right), merged_id = find(left + right);
    // A repeated pair keeps its last rank, as dict(zip(merges, range(...))) does.
    impl->merges[PairKey(left_id, right_id)] = {static_cast<int>(rank), merged_id};
    ++rank;
  }
  if (line_no == 0) throw ResourceError(merges_name + ": file is empty");
  if (rank == 0) throw ResourceError(merges_name + ": no merges after the header line");

  // ------------------------------------------------------------ pattern
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  impl->pattern = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(kPattern),
                                PCRE2_ZERO_TERMINATED,
                                PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS,
                                &error_code,
                                &error_offset,
                                nullptr);
  if (!impl->pattern) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error_code, message, sizeof(message));
    throw Error(std::string("CLIP pre-tokenizer pattern does not compile: ") + reinterpret_cast<const char*>(message));
  }
  impl->jit = pcre2_jit_compile(impl->pattern, PCRE2_JIT_COMPLETE) == 0;
  return ClipTokenizer(std::move(impl));
}

std::vector<int> ClipTokenizer::Encode(const std::string& input) const {
  const std::string clean = text::CleanClipText(input);
  std::vector<int> ids;
  std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> match(
      pcre2_match_data_create_from_pattern(impl_->pattern, nullptr), &pcre2_match_data_free);
  SCN_CHECK(match != nullptr) << "out of memory for PCRE2 match data";
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(clean.data());
  PCRE2_SIZE offset = 0;
  // The text is valid UTF-8 (CleanClipText re-encodes it), so PCRE2's own
  // check is skipped on each call.
  while (offset < clean.size()) {
    const int rc =
        impl_->jit
            ? pcre2_jit_match(impl_->pattern, subject, clean.size(), offset, PCRE2_NO_UTF_CHECK, match.get(), nullptr)
            : pcre2_match(impl_->pattern, subject, clean.size(), offset, PCRE2_NO_UTF_CHECK, match.get(), nullptr);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    SCN_CHECK(rc > 0) << "PCRE2 match failed with code " << rc;
    const PCRE2_SIZE* span = pcre2_get_ovector_pointer(match.get());
    SCN_CHECK(span[1] > span[0]) << "empty pre-token match";  // no alternative is empty
    impl_->EncodeWord(clean.substr(span[0], span[1] - span[0]), &ids);
    offset = span[1];
  }
  return ids;
}

ClipTokenizer::Tokens ClipTokenizer::EncodeForModel(const std::string& text,
                                                    int context_length,
                                                    std::optional<int64_t> pad_id) const {
  if (context_length < 2)
    throw InputError("CLIP context length must be at least 2 (start and end tokens), got " +
                     std::to_string(context_length));
  const std::vector<int> ids = Encode(text);
  Tokens tokens;
  tokens.untruncated_length = static_cast<int>(ids.size()) + 2;
  tokens.truncated = tokens.untruncated_length > context_length;
  const std::size_t kept = std::min<std::size_t>(ids.size(), context_length - 2);
  tokens.ids.reserve(context_length);
  tokens.ids.push_back(impl_->start_id);
  tokens.ids.insert(tokens.ids.end(), ids.begin(), ids.begin() + kept);
  tokens.ids.push_back(impl_->end_id);
  tokens.ids.resize(context_length, pad_id.value_or(impl_->end_id));
  return tokens;
}

std::string ClipTokenizer::Decode(const std::vector<int64_t>& ids) const {
  std::string bytes;
  for (int64_t id : ids) {
    if (id < 0 || id >= static_cast<int64_t>(impl_->id_valid.size()) || !impl_->id_valid[id])
      throw InputError("CLIP token id " + std::to_string(id) + " is not in the vocabulary");
    bytes += impl_->id_bytes[id];
  }
  // The reference replaces "</w>" after joining all tokens, so a marker
  // spelled across token boundaries is replaced too.
  std::string joined;
  joined.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size();) {
    if (bytes.compare(i, 4, kEndOfWord) == 0) {
      joined.push_back(' ');
      i += 4;
    } else {
      joined.push_back(bytes[i++]);
    }
  }
  return text::internal::EncodeUtf8(text::internal::DecodeUtf8Lossy(joined));
}

std::string ClipTokenizer::Decode(const std::vector<int>& ids) const {
  return Decode(std::vector<int64_t>(ids.begin(), ids.end()));
}

int ClipTokenizer::start_id() const { return impl_->start_id; }
int ClipTokenizer::end_id() const { return impl_->end_id; }
int ClipTokenizer::vocab_size() const { return static_cast<int>(impl_->id_valid.size()); }

}  // namespace scenescape
