#include "scenescape/models/tiny.h"

#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>
#include <torch/script.h>

#include <cmath>
#include <set>
#include <sstream>
#include <vector>

#include "scenescape/core/check.h"
#include "scenescape/core/fs.h"

namespace scenescape {
namespace fs = std::filesystem;

namespace {

constexpr int kContext = 77;
constexpr int kLatentChannels = 4;

// Deterministic weights from one generator (the global RNG is left alone).
class Weights {
 public:
  explicit Weights(uint64_t seed) : gen_(at::make_generator<at::CPUGeneratorImpl>(seed)) {}
  at::Tensor Normal(at::IntArrayRef sizes, double scale) { return at::randn(sizes, gen_) * scale; }
  // A conv weight [out,in,k,k] with fan-in scaling, and a small bias.
  void Conv(torch::jit::Module& m,
            const std::string& name,
            int64_t in,
            int64_t out,
            int64_t k,
            double gain = 1.0,
            double bias_mean = 0.0) {
    m.register_parameter(name + "_weight", Normal({out, in, k, k}, gain / std::sqrt(in * k * k)), false);
    m.register_parameter(name + "_bias", Normal({out}, 0.05) + bias_mean, false);
  }
  void Matrix(torch::jit::Module& m, const std::string& name, int64_t rows, int64_t cols, double gain = 1.0) {
    m.register_parameter(name, Normal({rows, cols}, gain / std::sqrt(rows)), false);
  }

 private:
  at::Generator gen_;
};

void Save(torch::jit::Module& m, const fs::path& file, c10::ScalarType dtype) {
  if (dtype != at::kFloat) m.to(dtype);
  std::ostringstream out;
  m.save(out);
  WriteAtomically(file, out.str());
}

// CLIP's bytes_to_unicode: printable bytes map to themselves, the others to
// 256 + n in byte order. Returned in CLIP's vocabulary order.
std::vector<std::pair<int, char32_t>> BytesToUnicode() {
  std::vector<std::pair<int, char32_t>> table;
  std::set<int> printable;
  for (int b = '!'; b <= '~'; ++b) printable.insert(b);
  for (int b = 0xA1; b <= 0xAC; ++b) printable.insert(b);
  for (int b = 0xAE; b <= 0xFF; ++b) printable.insert(b);
  for (int b : printable) table.emplace_back(b, static_cast<char32_t>(b));
  int n = 0;
  for (int b = 0; b < 256; ++b)
    if (!printable.count(b)) table.emplace_back(b, static_cast<char32_t>(256 + n++));
  return table;
}

std::string Utf8(char32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    s.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
  return s;
}

// Token count of the tiny vocabulary (written by WriteTinyClipVocabulary).
int WriteVocabulary(const fs::path& dir) {
  std::vector<std::string> tokens;
  for (const auto& [b, cp] : BytesToUnicode()) tokens.push_back(Utf8(cp));
  const size_t bytes = tokens.size();
  for (size_t i = 0; i < bytes; ++i) tokens.push_back(tokens[i] + "</w>");
  // Merges spelling a few scene words left to right (all ASCII, so each
  // byte symbol is the character itself).
  std::vector<std::pair<std::string, std::string>> merges;
  std::set<std::string> known(tokens.begin(), tokens.end());
  for (const char* word : {"the",
                           "a",
                           "of",
                           "and",
                           "dungeon",
                           "stone",
                           "walls",
                           "torch",
                           "room",
                           "photo",
                           "medieval",
                           "corridor",
                           "forest",
                           "beautiful"}) {
    const std::string w = word;
    std::string cur(1, w[0]);
    if (w.size() == 1) continue;
    for (size_t i = 1; i < w.size(); ++i) {
      const std::string next = std::string(1, w[i]) + (i + 1 == w.size() ? "</w>" : "");
      const std::string merged = cur + next;
      if (!known.count(merged)) {
        merges.emplace_back(cur, next);
        tokens.push_back(merged);
        known.insert(merged);
      }
      cur = merged;
    }
  }
  tokens.push_back("<|startoftext|>");
  tokens.push_back("<|endoftext|>");
  nlohmann::json vocab = nlohmann::json::object();
  for (size_t i = 0; i < tokens.size(); ++i) vocab[tokens[i]] = static_cast<int>(i);
  std::string merges_txt = "#version: 0.2\n";
  for (const auto& [l, r] : merges) merges_txt += l + " " + r + "\n";
  WriteAtomically(dir / "vocab.json", vocab.dump() + "\n");
  WriteAtomically(dir / "merges.txt", merges_txt);
  return static_cast<int>(tokens.size());
}

void MakeTextEncoder(Weights& w, int vocab, int dim, const fs::path& file, c10::ScalarType dtype) {
  torch::jit::Module m("TinyTextEncoder");
  m.register_parameter("token_embedding", w.Normal({vocab, dim}, 1.0), false);
  m.register_parameter("position_embedding", w.Normal({kContext, dim}, 0.1), false);
  w.Matrix(m, "mix", dim, dim);
  m.define(R"(
def forward(self, ids: Tensor) -> Tensor:
    e = self.token_embedding
    x = torch.embedding(e, torch.remainder(ids, e.size(0)))
    x = x + self.position_embedding[: x.size(1)]
    x = x + x.mean(1, keepdim=True)
    return torch.tanh(torch.matmul(x, self.mix))
)");
  Save(m, file, dtype);
}

void MakeUnet(Weights& w, int dim, const fs::path& file, c10::ScalarType dtype) {
  constexpr int kHidden = 16;
  torch::jit::Module m("TinyUnet");
  w.Conv(m, "conv_in", 2 * kLatentChannels + 1, kHidden, 3);
  // Sinusoidal timestep frequencies, as in the real UNet's time embedding.
  at::Tensor freqs = at::exp(at::arange(kHidden / 2, at::kFloat) * (-std::log(1000.0) / (kHidden / 2)));
  m.register_parameter("time_freqs", freqs, /*is_buffer=*/true);
  w.Matrix(m, "time_proj", kHidden, kHidden);
  w.Matrix(m, "text_proj", dim, kHidden);
  w.Conv(m, "conv_out", kHidden, kLatentChannels, 3);
  m.define(R"(
def forward(self, sample: Tensor, timestep: Tensor, encoder_hidden_states: Tensor) -> Tensor:
    wt = self.conv_in_weight
    x = torch.conv2d(sample.to(wt.dtype), wt, self.conv_in_bias, [1, 1], [1, 1])
    t = timestep.to(wt.dtype).reshape(-1, 1) * self.time_freqs.reshape(1, -1)
    temb = torch.matmul(torch.cat([torch.sin(t), torch.cos(t)], 1), self.time_proj)
    ctx = torch.matmul(encoder_hidden_states.to(wt.dtype).mean(1), self.text_proj)
    x = x + (temb + ctx).reshape(x.size(0), -1, 1, 1)
    x = x * torch.sigmoid(x)
    return torch.conv2d(x, self.conv_out_weight, self.conv_out_bias, [1, 1], [1, 1])
)");
  Save(m, file, dtype);
}

void MakeVaeEncoder(Weights& w, const fs::path& file, c10::ScalarType dtype) {
  torch::jit::Module m("TinyVaeEncoder");
  w.Conv(m, "conv1", 3, 8, 3);
  w.Conv(m, "conv2", 8, 8, 3);
  w.Conv(m, "conv3", 8, kLatentChannels, 3);
  m.define(R"(
def forward(self, image: Tensor) -> Tensor:
    wt = self.conv1_weight
    x = torch.conv2d(image.to(wt.dtype), wt, self.conv1_bias, [2, 2], [1, 1])
    x = x * torch.sigmoid(x)
    x = torch.conv2d(x, self.conv2_weight, self.conv2_bias, [2, 2], [1, 1])
    x = x * torch.sigmoid(x)
    return torch.conv2d(x, self.conv3_weight, self.conv3_bias, [2, 2], [1, 1])
)");
  Save(m, file, dtype);
}

void MakeVaeDecoder(Weights& w, const fs::path& file, c10::ScalarType dtype) {
  torch::jit::Module post("TinyPostQuantConv");
  post.register_parameter("weight", w.Normal({kLatentChannels, kLatentChannels, 1, 1}, 0.5), false);
  post.register_parameter("bias", w.Normal({kLatentChannels}, 0.05), false);
  post.define(R"(
def forward(self, z: Tensor) -> Tensor:
    return torch.conv2d(z, self.weight, self.bias)
)");
  torch::jit::Module body("TinyDecoder");
  w.Conv(body, "conv_in", kLatentChannels, 16, 3);
  w.Conv(body, "up1", 16, 8, 3);
  w.Conv(body, "up2", 8, 8, 3);
  w.Conv(body, "up3", 8, 8, 3);
  w.Conv(body, "conv_out", 8, 3, 3);
  body.define(R"(
def forward(self, z: Tensor) -> Tensor:
    x = torch.conv2d(z, self.conv_in_weight, self.conv_in_bias, [1, 1], [1, 1])
    x = x * torch.sigmoid(x)
    x = x.repeat_interleave(2, 2).repeat_interleave(2, 3)
    x = torch.conv2d(x, self.up1_weight, self.up1_bias, [1, 1], [1, 1])
    x = x * torch.sigmoid(x)
    x = x.repeat_interleave(2, 2).repeat_interleave(2, 3)
    x = torch.conv2d(x, self.up2_weight, self.up2_bias, [1, 1], [1, 1])
    x = x * torch.sigmoid(x)
    x = x.repeat_interleave(2, 2).repeat_interleave(2, 3)
    x = torch.conv2d(x, self.up3_weight, self.up3_bias, [1, 1], [1, 1])
    x = x * torch.sigmoid(x)
    return torch.tanh(torch.conv2d(x, self.conv_out_weight, self.conv_out_bias, [1, 1], [1, 1]))
)");
  torch::jit::Module m("TinyVaeDecoder");
  m.register_module("post_quant_conv", post);
  m.register_module("decoder", body);
  m.define(R"(
def forward(self, latent: Tensor) -> Tensor:
    z = self.post_quant_conv.forward(latent.to(self.post_quant_conv.weight.dtype))
    return self.decoder.forward(z)
)");
  Save(m, file, dtype);
}

void MakeDepth(Weights& w, const fs::path& file) {
  torch::jit::Module m("TinyDepth");
  w.Conv(m, "conv1", 3, 8, 3, 1.5);
  w.Conv(m, "conv2", 8, 8, 3, 1.5);
  // A positive bias keeps most outputs in the ReLU's linear part, so
  // fine-tuning has gradients almost everywhere.
  w.Conv(m, "conv3", 8, 1, 3, 0.5, 0.5);
  m.define(R"(
def forward(self, image: Tensor) -> Tensor:
    wt = self.conv1_weight
    x = torch.relu(torch.conv2d(image.to(wt.dtype), wt, self.conv1_bias, [1, 1], [1, 1]))
    x = torch.relu(torch.conv2d(x, self.conv2_weight, self.conv2_bias, [1, 1], [1, 1]))
    x = torch.conv2d(x, self.conv3_weight, self.conv3_bias, [1, 1], [1, 1])
    return (torch.relu(x) + 0.1).squeeze(1)
)");
  Save(m, file, at::kFloat);
}

void MakeClipImage(Weights& w, int dim, const fs::path& file) {
  torch::jit::Module m("TinyClipImage");
  w.Conv(m, "conv", 3, 16, 4);
  w.Matrix(m, "proj", 16, dim);
  m.define(R"(
def forward(self, image: Tensor) -> Tensor:
    wt = self.conv_weight
    x = torch.relu(torch.conv2d(image.to(wt.dtype), wt, self.conv_bias, [4, 4], [0, 0]))
    return torch.matmul(x.mean([2, 3]), self.proj)
)");
  Save(m, file, at::kFloat);
}

void MakeClipText(Weights& w, int vocab, int dim, const fs::path& file) {
  constexpr int kWidth = 16;
  torch::jit::Module m("TinyClipText");
  m.register_parameter("token_embedding", w.Normal({vocab, kWidth}, 1.0), false);
  m.register_parameter("position_embedding", w.Normal({kContext, kWidth}, 0.1), false);
  w.Matrix(m, "proj", kWidth, dim);
  m.define(R"(
def forward(self, ids: Tensor) -> Tensor:
    e = self.token_embedding
    x = torch.embedding(e, torch.remainder(ids, e.size(0)))
    x = torch.tanh(x + self.position_embedding[: x.size(1)])
    return torch.matmul(x.mean(1), self.proj)
)");
  Save(m, file, at::kFloat);
}

}  // namespace

void WriteTinyClipVocabulary(const fs::path& dir) {
  fs::create_directories(dir);
  WriteVocabulary(dir);
}

ModelManifest MakeTinyModelFolder(const fs::path& dir, uint64_t seed) {
  TinyModelOptions options;
  options.seed = seed;
  return MakeTinyModelFolder(dir, options);
}

ModelManifest MakeTinyModelFolder(const fs::path& dir, const TinyModelOptions& o) {
  SCN_CHECK(o.dtype == "float32" || o.dtype == "float16") << "dtype " << o.dtype;
  SCN_CHECK(o.text_embedding_dim > 0 && o.clip_embedding_dim > 0 && o.depth_input_size > 0 && o.clip_input_size >= 4);
  EnsureWritableDir(dir);
  const int vocab = WriteVocabulary(dir);
  const c10::ScalarType dtype = o.dtype == "float16" ? at::kHalf : at::kFloat;
  // One generator per file, so each file's weights depend only on the seed.
  const auto weights = [&](uint64_t k) { return Weights(o.seed * 16 + k); };
  {
    Weights w = weights(1);
    MakeTextEncoder(w, vocab, o.text_embedding_dim, dir / "text_encoder.pt", dtype);
  }
  {
    Weights w = weights(2);
    MakeUnet(w, o.text_embedding_dim, dir / "unet.pt", dtype);
  }
  {
    Weights w = weights(3);
    MakeVaeEncoder(w, dir / "vae_encoder.pt", dtype);
  }
  {
    Weights w = weights(4);
    MakeVaeDecoder(w, dir / "vae_decoder.pt", dtype);
  }
  {
    Weights w = weights(5);
    MakeDepth(w, dir / "depth.pt");
  }
  {
    Weights w = weights(6);
    MakeClipImage(w, o.clip_embedding_dim, dir / "clip_image.pt");
  }
  {
    Weights w = weights(7);
    MakeClipText(w, vocab, o.clip_embedding_dim, dir / "clip_text.pt");
  }

  ModelManifest m;
  m.dir = dir;
  TokenizerFiles tokenizer;
  tokenizer.vocab = dir / "vocab.json";
  tokenizer.merges = dir / "merges.txt";
  InpainterManifest& p = m.inpainter.emplace();
  p.text_encoder = dir / "text_encoder.pt";
  p.unet = dir / "unet.pt";
  p.vae_encoder = dir / "vae_encoder.pt";
  p.vae_decoder = dir / "vae_decoder.pt";
  p.latent_channels = kLatentChannels;
  p.text_embedding_dim = o.text_embedding_dim;
  p.dtype = o.dtype;
  p.tokenizer = tokenizer;
  DepthManifest& d = m.depth.emplace();
  d.file = dir / "depth.pt";
  d.input_size = o.depth_input_size;
  d.output = o.depth_output;
  ClipManifest& c = m.clip.emplace();
  c.image_encoder = dir / "clip_image.pt";
  c.text_encoder = dir / "clip_text.pt";
  c.input_size = o.clip_input_size;
  c.embedding_dim = o.clip_embedding_dim;
  c.tokenizer = tokenizer;
  WriteManifest(m);
  return m;
}

}  // namespace scenescape
