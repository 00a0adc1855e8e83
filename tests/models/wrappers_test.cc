// Model wrappers on tiny folders: documented shapes, contract failures (one
// line, naming the file), depth preprocessing, the folder check.

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/script.h>

#include <fstream>
#include <functional>
#include <iostream>
#include <random>

#include "scenescape/core/check.h"
#include "scenescape/core/timer.h"
#include "scenescape/models/check.h"
#include "scenescape/models/clip_model.h"
#include "scenescape/models/depth_model.h"
#include "scenescape/models/inpaint_models.h"
#include "scenescape/models/manifest.h"
#include "scenescape/models/tiny.h"
#include "testing.h"

namespace scenescape {
namespace {

namespace fs = std::filesystem;
const c10::Device kCpu(c10::kCPU);

// The ResourceError message `load` throws (fails the test if none).
std::string ErrorOf(const std::function<void()>& load) {
  try {
    load();
  } catch (const ResourceError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    return what;
  }
  ADD_FAILURE() << "no ResourceError";
  return "";
}

bool StartsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

void Save(torch::jit::Module& m, const fs::path& file) { m.save(file.string()); }

// A module with `source` as its forward and one parameter (so casts apply).
torch::jit::Module Scripted(const std::string& source) {
  torch::jit::Module m("TestModule");
  m.register_parameter("w", at::ones({1}), false);
  m.define(source);
  return m;
}

uint64_t FolderBytes(const fs::path& dir) {
  uint64_t total = 0;
  for (const auto& e : fs::directory_iterator(dir)) total += fs::file_size(e.path());
  return total;
}

TEST(TinyFolder, SmallFastAndComplete) {
  const fs::path dir = testing::CreateTestDir();
  Timer timer;
  MakeTinyModelFolder(dir, 1);
  const double ms = timer.ElapsedMs();
  const uint64_t bytes = FolderBytes(dir);
  std::cout << "tiny model folder: " << bytes / 1024.0 << " KiB, written in " << ms << " ms\n";
  EXPECT_LT(bytes, 2u << 20);
  for (const char* f : {"manifest.json",
                        "vocab.json",
                        "merges.txt",
                        "text_encoder.pt",
                        "unet.pt",
                        "vae_encoder.pt",
                        "vae_decoder.pt",
                        "depth.pt",
                        "clip_image.pt",
                        "clip_text.pt"})
    EXPECT_TRUE(fs::is_regular_file(dir / f)) << f;
  // Same seed, same weights; another seed, other weights.
  const fs::path again = dir / "again";
  const fs::path other = dir / "other";
  MakeTinyModelFolder(again, 1);
  MakeTinyModelFolder(other, 2);
  const auto unet = [](const fs::path& d) {
    return torch::jit::load((d / "unet.pt").string()).attr("conv_in_weight").toTensor();
  };
  EXPECT_TRUE(at::equal(unet(dir), unet(again)));
  EXPECT_FALSE(at::equal(unet(dir), unet(other)));
  // The tokenizer accepts the vocabulary and uses its merges.
  const ClipTokenizer tok = ClipTokenizer::FromFiles(dir / "vocab.json", dir / "merges.txt");
  EXPECT_EQ(tok.Encode("dungeon").size(), 1u);
  EXPECT_EQ(tok.Decode(tok.Encode("a medieval dungeon, stone walls!")), "a medieval dungeon , stone walls ! ");
  EXPECT_EQ(tok.end_id(), tok.vocab_size() - 1);
}

TEST(Wrappers, DocumentedShapes) {
  const fs::path dir = testing::CreateTestDir();
  const ModelManifest m = MakeTinyModelFolder(dir, 0);
  InpaintModels inpaint(m.RequireInpainter(), kCpu);
  EXPECT_EQ(inpaint.dtype, at::kFloat);

  const at::Tensor ids = inpaint.Tokenize({"a stone dungeon", ""});
  ASSERT_EQ(ids.sizes(), at::IntArrayRef({2, 77}));
  EXPECT_EQ(ids[0][0].item<int64_t>(), inpaint.tokenizer.start_id());
  const at::Tensor hidden = inpaint.text_encoder.Encode(ids);
  EXPECT_EQ(hidden.sizes(), at::IntArrayRef({2, 77, 32}));
  EXPECT_EQ(hidden.scalar_type(), at::kFloat);
  EXPECT_FALSE(at::allclose(hidden[0], hidden[1]));  // the ids matter

  const at::Tensor sample = at::randn({2, 9, 8, 12});
  const at::Tensor t = at::tensor({999.0f, 1.0f});
  const at::Tensor eps = inpaint.unet.Predict(sample, t, hidden);
  EXPECT_EQ(eps.sizes(), at::IntArrayRef({2, 4, 8, 12}));
  // Each input influences the prediction.
  EXPECT_FALSE(at::allclose(eps, inpaint.unet.Predict(sample, at::tensor({500.0f, 1.0f}), hidden)));
  EXPECT_FALSE(at::allclose(eps, inpaint.unet.Predict(sample, t, hidden.flip(0))));
  EXPECT_FALSE(at::allclose(eps, inpaint.unet.Predict(sample * 2, t, hidden)));
  // A scalar timestep is broadcast.
  EXPECT_EQ(inpaint.unet.Predict(sample, at::tensor(10.0f), hidden).sizes(), eps.sizes());

  const at::Tensor image = at::rand({1, 3, 64, 48}) * 2 - 1;
  const at::Tensor latent = inpaint.vae_encoder.Encode(image);
  EXPECT_EQ(latent.sizes(), at::IntArrayRef({1, 4, 8, 6}));
  const at::Tensor decoded = inpaint.vae_decoder.Decode(latent);
  EXPECT_EQ(decoded.sizes(), at::IntArrayRef({1, 3, 64, 48}));
  EXPECT_LE(decoded.abs().max().item<float>(), 1.0f);
  EXPECT_THROW(inpaint.vae_encoder.Encode(at::zeros({1, 3, 60, 64})), Error);  // not /8

  DepthModel depth(m.RequireDepth(), kCpu);
  const at::Tensor d = depth.PredictNoGrad(at::rand({2, 3, 64, 96}));
  EXPECT_EQ(d.sizes(), at::IntArrayRef({2, 64, 96}));
  EXPECT_GT(d.min().item<float>(), 0.0f);
  EXPECT_LE(d.max().item<float>(), 1.0f / 0.1f + 1e-4f);  // disparity >= 0.1 by construction

  ClipModel clip(m.RequireClip(), kCpu);
  const at::Tensor images = at::rand({3, 3, 100, 80});
  const at::Tensor e_img = clip.EncodeImages(images);
  EXPECT_EQ(e_img.sizes(), at::IntArrayRef({3, 16}));
  const at::Tensor e_txt = clip.EncodePrompts({"a photo of a forest", "a dungeon"});
  EXPECT_EQ(e_txt.sizes(), at::IntArrayRef({2, 16}));
  const at::Tensor sim = ClipModel::Similarity(e_img, e_txt);
  EXPECT_EQ(sim.sizes(), at::IntArrayRef({3, 2}));
  EXPECT_LE(sim.abs().max().item<float>(), 1.0f + 1e-5f);
  const at::Tensor self = ClipModel::Similarity(e_img, e_img);
  EXPECT_TRUE(at::allclose(self.diagonal(), at::ones({3}), 1e-5, 1e-5));
}

TEST(Wrappers, Float16FilesRunAsFloat32OnCpu) {
  const fs::path dir = testing::CreateTestDir();
  TinyModelOptions options;
  options.dtype = "float16";
  const ModelManifest m = MakeTinyModelFolder(dir, options);
  EXPECT_EQ(torch::jit::load((dir / "unet.pt").string()).attr("conv_in_weight").toTensor().scalar_type(), at::kHalf);
  InpaintModels inpaint(m.RequireInpainter(), kCpu);
  EXPECT_EQ(inpaint.dtype, at::kFloat);
  EXPECT_EQ(inpaint.unet.script().dtype(), at::kFloat);
  EXPECT_EQ(inpaint.unet.script().get().attr("conv_in_weight").toTensor().scalar_type(), at::kFloat);
  EXPECT_EQ(InferenceDtype("float16", c10::Device("cuda:0")), at::kHalf);
  EXPECT_EQ(InferenceDtype("float32", c10::Device("cuda:0")), at::kFloat);
  EXPECT_EQ(InferenceDtype("float16", kCpu), at::kFloat);
}

TEST(Wrappers, ContractFailuresAreOneLineResourceErrors) {
  const fs::path dir = testing::CreateTestDir();
  const ModelManifest m = MakeTinyModelFolder(dir, 0);
  const fs::path unet = dir / "unet.pt";

  // Wrong output shape: 3 channels instead of 4.
  torch::jit::Module wrong = Scripted(R"(
def forward(self, sample: Tensor, timestep: Tensor, encoder_hidden_states: Tensor) -> Tensor:
    return sample[:, :3] * self.w
)");
  Save(wrong, unet);
  EXPECT_EQ(ErrorOf([&] { Unet(unet, 32, kCpu, at::kFloat); }),
            unet.string() +
                ": expected forward(sample[B,9,h,w], timestep[B], "
                "encoder_hidden_states[B,77,32]) -> [B,4,h,w], got [2,3,8,8] float32");

  // A tuple instead of a tensor.
  torch::jit::Module tuple = Scripted(R"(
def forward(self, sample: Tensor, timestep: Tensor, encoder_hidden_states: Tensor) -> Tuple[Tensor, Tensor]:
    return sample, sample
)");
  Save(tuple, unet);
  EXPECT_TRUE(StartsWith(ErrorOf([&] { Unet(unet, 32, kCpu, at::kFloat); }),
                         unet.string() + ": expected forward(sample[B,9,h,w]"));

  // Wrong arity: forward takes one argument.
  torch::jit::Module one_arg = Scripted(R"(
def forward(self, sample: Tensor) -> Tensor:
    return sample
)");
  Save(one_arg, unet);
  const std::string arity = ErrorOf([&] { Unet(unet, 32, kCpu, at::kFloat); });
  EXPECT_TRUE(StartsWith(arity, unet.string() + ": expected forward(")) << arity;
  EXPECT_NE(arity.find(", got error: "), std::string::npos) << arity;

  // A forward that fails inside the TorchScript interpreter: the message names the cause (its last line),
  // not the interpreter's fixed opening sentence.
  torch::jit::Module mismatch = Scripted(R"(
def forward(self, sample: Tensor, timestep: Tensor, encoder_hidden_states: Tensor) -> Tensor:
    return sample[:, :4] + sample[:, :3]
)");
  Save(mismatch, unet);
  const std::string inside = ErrorOf([&] { Unet(unet, 32, kCpu, at::kFloat); });
  EXPECT_TRUE(StartsWith(inside, unet.string() + ": expected forward(")) << inside;
  EXPECT_NE(inside.find(", got error: in the TorchScript interpreter: RuntimeError: The size of tensor a (4) must "
                        "match the size of tensor b (3)"),
            std::string::npos)
      << inside;
  EXPECT_EQ(inside.find('\n'), std::string::npos) << inside;

  // Text encoder with the wrong width.
  const fs::path text = dir / "text_encoder.pt";
  EXPECT_EQ(ErrorOf([&] { TextEncoder(text, 64, kCpu, at::kFloat); }),
            text.string() + ": expected forward(ids[B,77] int64) -> [B,77,64], got [1,77,32] float32");

  // VAE decoder that does not upsample by 8.
  const fs::path vae = dir / "vae_decoder.pt";
  torch::jit::Module no_up = Scripted(R"(
def forward(self, latent: Tensor) -> Tensor:
    return latent[:, :3] * self.w
)");
  Save(no_up, vae);
  EXPECT_EQ(ErrorOf([&] { VaeDecoder(vae, kCpu, at::kFloat); }),
            vae.string() + ": expected forward(latent[B,4,h,w]) -> image[B,3,8h,8w], got [1,3,8,8] float32");

  // Depth that returns the wrong size.
  DepthManifest dm = m.RequireDepth();
  torch::jit::Module half_size = Scripted(R"(
def forward(self, image: Tensor) -> Tensor:
    return image[:, 0, ::2, ::2] * self.w
)");
  Save(half_size, dm.file);
  EXPECT_EQ(ErrorOf([&] { DepthModel(dm, kCpu); }),
            dm.file.string() +
                ": expected forward(image[B,3,h,w] normalised, h,w multiples of 32) -> disparity "
                "[B,h,w] or [B,1,h,w], got [1,32,32] float32");

  // CLIP image tower with the wrong embedding size.
  ClipManifest cm = m.RequireClip();
  cm.embedding_dim = 8;
  EXPECT_EQ(
      ErrorOf([&] { ClipModel(cm, kCpu); }),
      cm.image_encoder.string() + ": expected forward(image[B,3,224,224] normalised) -> [B,8], got [1,16] float32");

  // A corrupt file (random bytes).
  const fs::path corrupt = dir / "corrupt.pt";
  {
    std::mt19937 rng(7);
    std::ofstream out(corrupt, std::ios::binary);
    for (int i = 0; i < 4096; ++i) out.put(static_cast<char>(rng() & 0xFF));
  }
  const std::string bad = ErrorOf([&] { VaeEncoder(corrupt, kCpu, at::kFloat); });
  EXPECT_TRUE(StartsWith(bad, corrupt.string() + ": cannot load TorchScript: ")) << bad;

  // A missing file.
  EXPECT_EQ(ErrorOf([&] { VaeEncoder(dir / "absent.pt", kCpu, at::kFloat); }),
            (dir / "absent.pt").string() + ": file not found");
}

// A depth "network" that records its input size and returns the normalised
// first channel as disparity.
torch::jit::Module RecordingDepth() {
  torch::jit::Module m("RecordingDepth");
  m.register_parameter("w", at::ones({1}), false);
  m.register_attribute("seen_h", c10::IntType::get(), 0);
  m.register_attribute("seen_w", c10::IntType::get(), 0);
  m.define(R"(
def forward(self, image: Tensor) -> Tensor:
    self.seen_h = image.size(2)
    self.seen_w = image.size(3)
    return image[:, 0:1] * self.w
)");
  return m;
}

TEST(DepthModel, MidasMinimalSize) {
  using P = std::pair<int, int>;
  EXPECT_EQ(MidasInputSize(512, 512, 384, 32, true), P(384, 384));
  EXPECT_EQ(MidasInputSize(600, 800, 384, 32, true), P(384, 512));
  EXPECT_EQ(MidasInputSize(800, 600, 384, 32, true), P(512, 384));
  EXPECT_EQ(MidasInputSize(300, 400, 384, 32, true), P(288, 384));  // the scale closer to 1
  EXPECT_EQ(MidasInputSize(512, 1024, 384, 32, true), P(384, 768));
  EXPECT_EQ(MidasInputSize(600, 800, 384, 32, false), P(384, 384));
  EXPECT_EQ(MidasInputSize(384, 400, 384, 32, true), P(384, 384));  // scale 1; 400/32 = 12.5 -> 12 (half to even)
  EXPECT_EQ(MidasInputSize(384, 432, 384, 32, true), P(384, 448));  // 432/32 = 13.5 -> 14
  EXPECT_EQ(MidasInputSize(10, 10, 384, 32, true), P(384, 384));
  EXPECT_EQ(MidasInputSize(8, 8, 8, 32, true), P(32, 32));  // never below multiple_of
}

TEST(DepthModel, PreprocessingAndPostprocessing) {
  const fs::path dir = testing::CreateTestDir();
  DepthManifest dm = MakeTinyModelFolder(dir, 0).RequireDepth();
  torch::jit::Module rec = RecordingDepth();
  Save(rec, dm.file);
  DepthModel depth(dm, kCpu);
  const auto seen = [&] {
    return std::make_pair(depth.module().attr("seen_h").toInt(), depth.module().attr("seen_w").toInt());
  };
  // 512x512 -> the network sees 384x384; the output is back at 512x512.
  at::Tensor image = at::full({1, 3, 512, 512}, 0.8f);
  at::Tensor d = depth.PredictNoGrad(image);
  EXPECT_EQ(seen(), (std::pair<int64_t, int64_t>(384, 384)));
  EXPECT_EQ(d.sizes(), at::IntArrayRef({1, 512, 512}));
  // Normalised (0.8 - 0.5) / 0.5 = 0.6 as disparity -> depth 1 / 0.6.
  EXPECT_TRUE(at::allclose(d, at::full_like(d, 1 / 0.6f), 1e-5, 1e-5));
  // 600x800 keeps its aspect ratio: 384x512.
  depth.PredictNoGrad(at::rand({1, 3, 600, 800}));
  EXPECT_EQ(seen(), (std::pair<int64_t, int64_t>(384, 512)));
  // Disparity below min_disparity is clamped: depth 1 / 0.01 = 100.
  d = depth.PredictNoGrad(at::full({1, 3, 64, 64}, 0.2f));
  EXPECT_TRUE(at::allclose(d, at::full_like(d, 100.0f)));

  // The bilinear resize (align_corners false) and upsampling: a horizontal
  // ramp keeps its mean and monotonicity.
  const at::Tensor ramp = at::linspace(0.6, 1.0, 512).view({1, 1, 1, 512}).expand({1, 3, 512, 512});
  const at::Tensor disparity = 1 / depth.PredictNoGrad(ramp);
  const at::Tensor expected = (ramp[0][0] - 0.5) / 0.5;
  EXPECT_LT((disparity[0] - expected).abs().max().item<float>(), 2e-3);

  // "depth" output: the prediction passes through, no clamp, no inverse.
  dm.output = "depth";
  DepthModel metric(dm, kCpu);
  d = metric.PredictNoGrad(at::full({1, 3, 64, 64}, 0.8f));
  EXPECT_TRUE(at::allclose(d, at::full_like(d, 0.6f), 1e-5, 1e-5));
}

TEST(DepthModel, PredictIsDifferentiable) {
  const fs::path dir = testing::CreateTestDir();
  TinyModelOptions options;
  options.depth_input_size = 64;
  DepthModel depth(MakeTinyModelFolder(dir, options).RequireDepth(), kCpu);
  std::vector<at::Tensor> params;
  for (const auto& p : depth.module().parameters()) {
    EXPECT_FALSE(p.requires_grad());  // loaded frozen
    p.requires_grad_(true);
    params.push_back(p);
  }
  const at::Tensor d = depth.Predict(at::rand({1, 3, 96, 96}));
  EXPECT_TRUE(d.requires_grad());
  d.mean().backward();
  for (const auto& p : params) {
    ASSERT_TRUE(p.grad().defined());
    EXPECT_GT(p.grad().abs().sum().item<double>(), 0.0);
  }
  EXPECT_FALSE(depth.PredictNoGrad(at::rand({1, 3, 96, 96})).requires_grad());
}

TEST(CheckModelFolder, ReportsEveryFile) {
  const fs::path dir = testing::CreateTestDir();
  MakeTinyModelFolder(dir, 0);
  const ModelCheckReport report = CheckModelFolder(dir, kCpu);
  ASSERT_EQ(report.entries.size(), 8u);
  const std::string text = report.ToString();
  std::cout << text;
  for (const char* f : {"vocab.json",
                        "text_encoder.pt",
                        "unet.pt",
                        "vae_encoder.pt",
                        "vae_decoder.pt",
                        "depth.pt",
                        "clip_image.pt",
                        "clip_text.pt"})
    EXPECT_NE(text.find(f), std::string::npos) << f;
  EXPECT_NE(text.find("forward(sample[B,9,h,w], timestep[B], encoder_hidden_states[B,77,32]) -> [B,4,h,w]"),
            std::string::npos);
  for (const auto& e : report.entries) {
    EXPECT_EQ(e.device, "cpu");
    EXPECT_GE(e.load_ms, 0);
    EXPECT_GE(e.run_ms, 0);
  }
  // A broken file stops the check with its name.
  std::ofstream(dir / "clip_text.pt", std::ios::binary) << "not a zip";
  EXPECT_TRUE(StartsWith(ErrorOf([&] { CheckModelFolder(dir, kCpu); }),
                         (dir / "clip_text.pt").string() + ": cannot load TorchScript: "));
}

}  // namespace
}  // namespace scenescape
