// Test-time fine-tuning on tiny model folders: the masked losses are the
// reference's, they fall, only the intended parameters move, and Restore()
// brings back the pristine weights bit-exactly.

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <gtest/gtest.h>
#include <torch/script.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "scenescape/core/check.h"
#include "scenescape/finetune/decoder_finetuner.h"
#include "scenescape/finetune/depth_finetuner.h"
#include "scenescape/models/depth_model.h"
#include "scenescape/models/tiny.h"
#include "scenescape/models/vae.h"
#include "testing.h"

namespace scenescape {
namespace {

namespace fs = std::filesystem;
const c10::Device kCpu(c10::kCPU);

using Snapshot = std::map<std::string, at::Tensor>;

Snapshot Take(const torch::jit::Module& m) {
  Snapshot s;
  for (const auto& p : m.named_parameters(true)) s[p.name] = p.value.detach().clone();
  return s;
}

// Names of the parameters that differ from the snapshot (bitwise).
std::vector<std::string> Changed(const torch::jit::Module& m, const Snapshot& s) {
  std::vector<std::string> changed;
  for (const auto& p : m.named_parameters(true))
    if (!at::equal(p.value, s.at(p.name))) changed.push_back(p.name);
  return changed;
}

size_t Count(const torch::jit::Module& m) {
  size_t n = 0;
  for (const auto& p : m.named_parameters(true)) (void)p, ++n;
  return n;
}

ModelManifest Folder() {
  TinyModelOptions options;
  options.depth_input_size = 64;  // keeps the depth steps cheap
  return MakeTinyModelFolder(testing::CreateTestDir(), options);
}

TEST(DepthFinetuner, MaskedL1FallsParametersMoveRestoreIsExact) {
  const ModelManifest m = Folder();
  DepthModel depth(m.RequireDepth(), kCpu);
  const Snapshot pristine = Take(depth.module());

  const at::Tensor image = at::rand({1, 3, 48, 64});
  const at::Tensor before = depth.PredictNoGrad(image);
  // The mesh says everything is 1.5x further away; the left third has no mesh.
  at::Tensor target = before.clone() * 1.5;
  target.slice(2, 0, 20).fill_(-1);

  FinetuneOptions options;
  options.depth_steps = 25;
  options.depth_lr = 2e-3;
  DepthFinetuner finetuner(depth, options);
  EXPECT_EQ(finetuner.num_tensors(), static_cast<int64_t>(Count(depth.module())));
  for (const auto& p : depth.module().parameters()) EXPECT_TRUE(p.requires_grad());

  const FinetuneStats stats = finetuner.Finetune(image, target);
  ASSERT_EQ(stats.steps, 25);
  ASSERT_EQ(stats.losses.size(), 25u);
  // The first loss is the reference's: mean |target - depth| over target != -1.
  const at::Tensor valid = target != -1;
  const double expected0 = (target.masked_select(valid) - before.masked_select(valid)).abs().mean().item<double>();
  EXPECT_NEAR(stats.losses.front(), expected0, 1e-5 * expected0);
  EXPECT_LT(stats.losses.back(), 0.7 * stats.losses.front());
  // The model keeps the fine-tuned weights: its prediction moved toward the target.
  const at::Tensor after = depth.PredictNoGrad(image);
  const double err_after = (target.masked_select(valid) - after.masked_select(valid)).abs().mean().item<double>();
  EXPECT_LT(err_after, stats.losses.front());
  // Every parameter moved.
  EXPECT_EQ(Changed(depth.module(), pristine).size(), pristine.size());

  // Each frame starts from the pristine weights: a second run repeats the first.
  const FinetuneStats again = finetuner.Finetune(image, target);
  EXPECT_DOUBLE_EQ(again.losses.front(), stats.losses.front());

  finetuner.Restore();
  EXPECT_TRUE(Changed(depth.module(), pristine).empty());
  EXPECT_TRUE(at::equal(depth.PredictNoGrad(image), before));
}

TEST(DepthFinetuner, ZeroStepsOrNoTargetChangesNothing) {
  const ModelManifest m = Folder();
  DepthModel depth(m.RequireDepth(), kCpu);
  const Snapshot pristine = Take(depth.module());
  const at::Tensor image = at::rand({1, 3, 32, 32});

  FinetuneOptions options;
  options.depth_steps = 3;
  options.depth_lr = 1e-2;
  DepthFinetuner finetuner(depth, options);
  // No pixel has mesh depth: nothing to fit.
  FinetuneStats stats = finetuner.Finetune(image, at::full({32, 32}, -1.0f));
  EXPECT_EQ(stats.steps, 0);
  EXPECT_FALSE(stats.skipped.empty());
  EXPECT_TRUE(Changed(depth.module(), pristine).empty());
  // A disabled finetuner (built on the pristine weights) undoes an earlier
  // run and trains nothing.
  options.depth_steps = 0;
  DepthFinetuner disabled(depth, options);
  stats = finetuner.Finetune(image, at::full({32, 32}, 2.0f));
  EXPECT_EQ(stats.steps, 3);
  EXPECT_FALSE(Changed(depth.module(), pristine).empty());
  stats = disabled.Finetune(image, at::full({1, 32, 32}, 2.0f));
  EXPECT_EQ(stats.steps, 0);
  EXPECT_TRUE(stats.losses.empty());
  EXPECT_TRUE(Changed(depth.module(), pristine).empty());
}

TEST(DepthFinetuner, NeedsGradMode) {
  const ModelManifest m = Folder();
  DepthModel depth(m.RequireDepth(), kCpu);
  DepthFinetuner finetuner(depth, {});
  c10::InferenceMode guard;
  EXPECT_THROW(finetuner.Finetune(at::rand({1, 3, 32, 32}), at::ones({32, 32})), Error);
}

TEST(DecoderFinetuner, TrainsOnlyDecoderParameters) {
  const ModelManifest m = Folder();
  VaeDecoder decoder(m.RequireInpainter().vae_decoder, kCpu, at::kFloat);
  const Snapshot pristine = Take(decoder.module());

  const at::Tensor latent = at::randn({1, 4, 8, 8});
  // The inpainted image is an inference tensor, as the pipeline's would be.
  const at::Tensor inpainted = decoder.Decode(at::randn({1, 4, 8, 8})) / 2 + 0.5;
  // The known pixels: what a nearby latent decodes to (a target the decoder can reach).
  const at::Tensor warped = decoder.Decode(latent + 0.5 * at::randn({1, 4, 8, 8})) / 2 + 0.5;
  at::Tensor mask = at::ones({64, 64}, at::kBool);
  mask.slice(0, 8, 56).slice(1, 8, 56).fill_(false);   // known centre
  mask.slice(0, 24, 40).slice(1, 24, 40).fill_(true);  // a hole in it
  const at::Tensor mf = mask.to(at::kFloat).view({1, 1, 64, 64});

  // The reference's two terms, means over all 3*H*W elements.
  const auto terms = [&] {
    const at::Tensor recon = (decoder.Decode(latent) / 2 + 0.5).clamp(0, 1);
    return std::make_pair(at::mse_loss(inpainted * mf, recon * mf).item<double>(),
                          at::mse_loss(warped * (1 - mf), recon * (1 - mf)).item<double>());
  };
  const auto [gen0, keep0] = terms();

  FinetuneOptions options;
  options.decoder_steps = 30;
  options.decoder_lr = 1e-3;
  DecoderFinetuner finetuner(decoder, options);
  EXPECT_EQ(finetuner.num_tensors(), 10);  // 5 convs in "decoder", weight + bias
  for (const auto& p : decoder.module().named_parameters(true))
    EXPECT_EQ(p.value.requires_grad(), p.name.rfind("decoder.", 0) == 0) << p.name;

  const FinetuneStats stats = finetuner.Finetune(latent, inpainted, warped, mask);
  ASSERT_EQ(stats.steps, 30);
  EXPECT_NEAR(stats.losses.front(), gen0 + 100 * keep0, 1e-5 * stats.losses.front());
  EXPECT_LT(stats.losses.back(), 0.7 * stats.losses.front());
  const auto [gen1, keep1] = terms();
  EXPECT_LT(keep1, 0.7 * keep0);  // the known pixels are reproduced better
  EXPECT_LT(gen1 + 100 * keep1, gen0 + 100 * keep0);

  // post_quant_conv is untouched; every decoder.* parameter moved.
  std::vector<std::string> changed = Changed(decoder.module(), pristine);
  std::vector<std::string> expected;
  for (const auto& [name, value] : pristine)
    if (name.rfind("decoder.", 0) == 0) expected.push_back(name);
  std::sort(changed.begin(), changed.end());
  EXPECT_EQ(changed, expected);
  EXPECT_TRUE(at::equal(decoder.module().attr("post_quant_conv").toModule().attr("weight").toTensor(),
                        pristine.at("post_quant_conv.weight")));

  finetuner.Restore();
  EXPECT_TRUE(Changed(decoder.module(), pristine).empty());

  // Zero steps: nothing changes, and an earlier run is undone.
  options.decoder_steps = 0;
  DecoderFinetuner disabled(decoder, options);
  finetuner.Finetune(latent, inpainted, warped, mask);
  EXPECT_FALSE(Changed(decoder.module(), pristine).empty());
  const FinetuneStats none = disabled.Finetune(latent, inpainted, warped, mask);
  EXPECT_EQ(none.steps, 0);
  EXPECT_TRUE(none.losses.empty());
  EXPECT_TRUE(Changed(decoder.module(), pristine).empty());
}

// The decoder fine-tunes in float32 whatever finetune.mixed_precision says (the
// reference's; in reduced precision the known pixels drift by 8-bit levels).
// With mixed precision on, the depth test below shows that autocast does
// change the losses on this CPU (bfloat16), so equal losses here mean float32.
TEST(DecoderFinetuner, TrainsInFloat32EvenWithMixedPrecisionOn) {
  const ModelManifest m = Folder();
  VaeDecoder decoder(m.RequireInpainter().vae_decoder, kCpu, at::kFloat);
  const at::Tensor latent = at::randn({1, 4, 8, 8});
  const at::Tensor inpainted = decoder.Decode(at::randn({1, 4, 8, 8})) / 2 + 0.5;
  const at::Tensor warped = decoder.Decode(latent + 0.5 * at::randn({1, 4, 8, 8})) / 2 + 0.5;
  at::Tensor mask = at::zeros({64, 64}, at::kBool);
  mask.slice(0, 0, 16).fill_(true);
  std::vector<double> losses[2];
  for (const bool mixed : {false, true}) {
    FinetuneOptions options;
    options.decoder_steps = 6;
    options.decoder_lr = 1e-3;
    options.mixed_precision = mixed;
    DecoderFinetuner finetuner(decoder, options);
    losses[mixed] = finetuner.Finetune(latent, inpainted, warped, mask).losses;
    finetuner.Restore();
  }
  ASSERT_EQ(losses[0].size(), 6u);
  EXPECT_EQ(losses[0], losses[1]) << "the decoder fine-tuning ran in reduced precision";
  for (const auto& p : decoder.module().parameters()) EXPECT_EQ(p.scalar_type(), at::kFloat);
}

// Mixed precision (off by default) runs through the TorchScript module's
// autograd for more steps than the profiling executor needs to optimise the
// graph, really lowers the precision (the losses differ from float32's), and
// tracks float32 closely; the parameters stay float32.
TEST(DepthFinetuner, MixedPrecisionTracksFloat32) {
  EXPECT_FALSE(FinetuneOptions{}.mixed_precision);
  const ModelManifest m = Folder();
  DepthModel depth(m.RequireDepth(), kCpu);
  const at::Tensor image = at::rand({1, 3, 48, 64});
  at::Tensor target = depth.PredictNoGrad(image).clone() * 1.5;
  target.slice(2, 0, 20).fill_(-1);
  std::vector<double> losses[2];
  for (const bool mixed : {false, true}) {
    FinetuneOptions options;
    options.depth_steps = 8;
    options.depth_lr = 2e-3;
    options.mixed_precision = mixed;
    DepthFinetuner finetuner(depth, options);
    losses[mixed] = finetuner.Finetune(image, target).losses;
    for (const auto& p : depth.module().parameters()) EXPECT_EQ(p.scalar_type(), at::kFloat);
    finetuner.Restore();
  }
  ASSERT_EQ(losses[1].size(), 8u);
  EXPECT_NE(losses[0], losses[1]) << "autocast changed nothing: the test above would prove nothing";
  for (size_t i = 0; i < losses[0].size(); ++i) {
    ASSERT_TRUE(std::isfinite(losses[1][i]));
    // bfloat16 keeps 8 bits of mantissa (0.4%); the trajectories drift apart by a few % in 8 steps.
    EXPECT_NEAR(losses[1][i], losses[0][i], 0.06 * losses[0][i]) << "step " << i;
  }
  EXPECT_LT(losses[1].back(), losses[1].front());
}

TEST(DecoderFinetuner, NeedsDecoderParameters) {
  const fs::path dir = testing::CreateTestDir();
  torch::jit::Module m("NoDecoder");
  m.register_parameter("w", at::ones({1}), false);
  m.define(R"(
def forward(self, latent: Tensor) -> Tensor:
    return torch.tanh(latent[:, :3].repeat_interleave(8, 2).repeat_interleave(8, 3) * self.w)
)");
  m.save((dir / "vae_decoder.pt").string());
  VaeDecoder decoder(dir / "vae_decoder.pt", kCpu, at::kFloat);  // meets the I/O contract
  try {
    DecoderFinetuner finetuner(decoder, {});
    ADD_FAILURE();
  } catch (const ResourceError& e) {
    EXPECT_EQ(std::string(e.what()).rfind((dir / "vae_decoder.pt").string() + ": no parameter named \"decoder.*\"", 0),
              0u)
        << e.what();
  }
}

}  // namespace
}  // namespace scenescape
