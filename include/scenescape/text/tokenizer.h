#pragma once
// CLIP's byte-level BPE tokenizer (OpenAI CLIP simple_tokenizer.py; the same
// vocabulary and ids serve Stable Diffusion 1.x and 2.x), torch-free.
//
// Encoding, as the reference does it:
//   1. clean the text: ftfy subset, html.unescape twice, collapse white space,
//      Unicode lower-case (text::CleanClipText, see normalize.h);
//   2. split with CLIP's pattern (PCRE2, UTF + UCP + caseless)
//        <\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|
//        [\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
//      where \s is the `regex` module's white space (PCRE2's own \s also
//      takes U+180E);
//   3. map each piece's UTF-8 bytes to CLIP's byte-to-unicode alphabet, mark
//      the last symbol with "</w>", and apply the merges in rank order;
//   4. look the resulting symbols up in the vocabulary. A piece that is
//      exactly "<|startoftext|>" or "<|endoftext|>" becomes that special id.
//
// Vocabulary files use the Hugging Face layout that a model folder carries:
// vocab.json (object: token -> id) and merges.txt (a "#version" line, then
// one "left right" pair per line in rank order).
//
// Thread safety: all const methods may be called concurrently. The per-word
// BPE cache is shared by copies of a tokenizer and guarded by a mutex.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace scenescape {

// CLIP's text context length (start token + 75 tokens + end token).
constexpr int kClipContextLength = 77;

class ClipTokenizer {
 public:
  // Loads vocab.json and merges.txt. Throws ResourceError naming the file (and
  // line, for merges.txt) when a file is missing, unreadable or malformed:
  // not a JSON object of token -> non-negative integer id, duplicate ids,
  // missing byte symbols or special tokens, no "#version" first line, a merge
  // line that is not two tokens, or a merge whose parts or result are not in
  // the vocabulary. Like CLIP and Hugging Face's CLIPTokenizer, only the
  // first 49152 - 256 - 2 = 48894 merges are used.
  static ClipTokenizer FromFiles(const std::filesystem::path& vocab_json, const std::filesystem::path& merges_txt);

  // Token ids of `text` (UTF-8) without start/end tokens and without
  // truncation. Throws InputError for invalid UTF-8.
  std::vector<int> Encode(const std::string& text) const;

  struct Tokens {
    // [context_length] ids: start, up to context_length - 2 text tokens, end,
    // then pad_id. int64 because that is what the text encoders take.
    std::vector<int64_t> ids;
    // Tokens the prompt needs including start and end, before truncation.
    int untruncated_length = 0;
    // untruncated_length > context_length: text tokens were dropped.
    bool truncated = false;
  };

  // The model input for one prompt: [start] + Encode(text) cut to
  // context_length - 2 + [end], padded to context_length with pad_id (the end
  // token when nullopt). SD 1.x (Hugging Face CLIPTokenizer) pads with the end
  // token 49407, SD 2.x (open_clip) and OpenAI's clip.tokenize pad with 0.
  // The end token always stays last when truncating, as clip.tokenize(...,
  // truncate=True) and Hugging Face truncation do. context_length must be >= 2
  // (InputError otherwise).
  Tokens EncodeForModel(const std::string& text,
                        int context_length = kClipContextLength,
                        std::optional<int64_t> pad_id = std::nullopt) const;

  // The reference's decode: tokens concatenated, "</w>" read as a space,
  // bytes decoded as UTF-8 with U+FFFD for invalid sequences. Special tokens
  // decode to their text ("<|startoftext|>"). Throws InputError for an id
  // outside [0, vocab_size()).
  std::string Decode(const std::vector<int>& ids) const;
  std::string Decode(const std::vector<int64_t>& ids) const;

  int start_id() const;    // "<|startoftext|>", 49406 in CLIP's vocabulary
  int end_id() const;      // "<|endoftext|>", 49407
  int vocab_size() const;  // one past the largest id (49408)

 private:
  struct Impl;
  explicit ClipTokenizer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace scenescape
