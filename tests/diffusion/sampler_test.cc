#include "scenescape/diffusion/sampler.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "scenescape/core/check.h"

namespace scenescape {
namespace {

// ---------------------------------------------------------------- guidance

TEST(Guidance, GuidedPredictionOnCraftedTensors) {
  const at::Tensor uncond = at::tensor({1.0f, 2.0f, -1.0f, 0.0f}).reshape({1, 4});
  const at::Tensor cond = at::tensor({3.0f, 5.0f, -1.0f, -2.0f}).reshape({1, 4});
  // 1 + 7.5 * 2 = 16, 2 + 7.5 * 3 = 24.5, -1 + 0 = -1, 0 + 7.5 * -2 = -15.
  EXPECT_TRUE(
      at::allclose(GuidedPrediction(uncond, cond, 7.5), at::tensor({16.0f, 24.5f, -1.0f, -15.0f}).reshape({1, 4})));
  EXPECT_TRUE(at::equal(GuidedPrediction(uncond, cond, 0.0), uncond));
  EXPECT_TRUE(at::equal(GuidedPrediction(uncond, cond, 1.0), cond));
  // Half-precision inputs give a float32 result.
  const at::Tensor half = GuidedPrediction(uncond.to(at::kHalf), cond.to(at::kHalf), 7.5);
  EXPECT_EQ(half.scalar_type(), at::kFloat);
  EXPECT_FLOAT_EQ(half[0][1].item<float>(), 24.5f);
  EXPECT_THROW(GuidedPrediction(uncond, at::zeros({1, 3}), 2.0), Error);
}

TEST(Guidance, BatchLayoutIsUncondThenCond) {
  const int64_t n = 3;
  const at::Tensor latents = at::arange(n * 2, at::kFloat).reshape({n, 2});
  const at::Tensor doubled = GuidanceBatch(latents);
  ASSERT_EQ(doubled.sizes(), at::IntArrayRef({2 * n, 2}));
  EXPECT_TRUE(at::equal(doubled.narrow(0, 0, n), latents));
  EXPECT_TRUE(at::equal(doubled.narrow(0, n, n), latents));

  // Shared [1,L,D] embeddings are repeated per candidate; per-candidate [N,L,D] kept.
  const at::Tensor uncond = at::full({1, 77, 8}, -1.0f);
  const at::Tensor cond = at::full({1, 77, 8}, 1.0f);
  const at::Tensor context = GuidanceConditioning(uncond, cond, n);
  ASSERT_EQ(context.sizes(), at::IntArrayRef({2 * n, 77, 8}));
  EXPECT_TRUE((context.narrow(0, 0, n) == -1.0f).all().item<bool>());
  EXPECT_TRUE((context.narrow(0, n, n) == 1.0f).all().item<bool>());
  const at::Tensor per_candidate = at::randn({n, 77, 8});
  EXPECT_TRUE(at::equal(GuidanceConditioning(uncond, per_candidate, n).narrow(0, n, n), per_candidate));
  EXPECT_THROW(GuidanceConditioning(at::zeros({2, 77, 8}), cond, n), Error);
  EXPECT_THROW(GuidanceConditioning(uncond, at::zeros({1, 77, 4}), n), Error);

  const auto [u, c] = SplitGuidanceBatch(at::cat({at::zeros({n, 2}), at::ones({n, 2})}));
  EXPECT_TRUE((u == 0).all().item<bool>());
  EXPECT_TRUE((c == 1).all().item<bool>());
  EXPECT_THROW(SplitGuidanceBatch(at::zeros({3, 2})), Error);

  const at::Tensor t = TimestepBatch(981, 2 * n, at::kCPU);
  EXPECT_EQ(t.scalar_type(), at::kFloat);
  ASSERT_EQ(t.sizes(), at::IntArrayRef({2 * n}));
  EXPECT_TRUE((t == 981.0f).all().item<bool>());
}

TEST(Guidance, GuidedDenoiserMakesOneCallOfBatchTwoNPerStep) {
  const int n = 3;
  const int steps = 5;
  const double scale = 7.5;
  int calls = 0;
  // A fake UNet whose two branches differ: uncond rows predict 0.1 x, cond
  // rows 0.3 x + 0.01 t.
  const BatchedModelFn unet = [&](const at::Tensor& doubled, int64_t t, int step) {
    ++calls;
    EXPECT_EQ(doubled.size(0), 2 * n);
    EXPECT_EQ(step, calls - 1);
    EXPECT_TRUE(at::equal(doubled.narrow(0, 0, n), doubled.narrow(0, n, n)));
    const at::Tensor x = doubled.narrow(0, 0, n);
    return at::cat({0.1 * x, 0.3 * x + 0.01 * static_cast<double>(t)});
  };
  const DenoiseFn guided = GuidedDenoiser(unet, scale);
  const DenoiseFn reference = [&](const at::Tensor& x, int64_t t, int) {
    return GuidedPrediction(0.1 * x, 0.3 * x + 0.01 * static_cast<double>(t), scale);
  };
  auto scheduler = MakeScheduler("ddim", ScheduleOptions{});
  const at::Tensor noise = CandidateNoiseBatch(13, 2, n, {4, 8, 8});
  int progress_calls = 0;
  const at::Tensor result = Sample(*scheduler, noise, steps, guided, [&](int step, int total) {
    ++progress_calls;
    EXPECT_EQ(step, progress_calls);
    EXPECT_EQ(total, steps);
  });
  EXPECT_EQ(calls, steps);
  EXPECT_EQ(progress_calls, steps);
  ASSERT_EQ(result.sizes(), noise.sizes());
  const at::Tensor expected = Sample(*scheduler, noise, steps, reference);
  EXPECT_TRUE(at::allclose(result, expected, 1e-5, 1e-5));
}

TEST(Sampler, ChecksTheCallbackAndCancelsByException) {
  auto scheduler = MakeScheduler("dpmpp_2m", ScheduleOptions{});
  const at::Tensor noise = at::randn({1, 4, 4, 4});
  const DenoiseFn wrong_shape = [](const at::Tensor& x, int64_t, int) { return x.narrow(1, 0, 3); };
  EXPECT_THROW(Sample(*scheduler, noise, 5, wrong_shape), Error);

  struct Cancelled {};
  int calls = 0;
  const DenoiseFn counting = [&](const at::Tensor& x, int64_t, int) {
    ++calls;
    return at::zeros_like(x);
  };
  EXPECT_THROW(Sample(*scheduler,
                      noise,
                      10,
                      counting,
                      [](int step, int) {
                        if (step == 3) throw Cancelled{};
                      }),
               Cancelled);
  EXPECT_EQ(calls, 3);
  // The scheduler is usable again afterwards.
  EXPECT_NO_THROW(Sample(*scheduler, noise, 4, counting));
}

// ---------------------------------------------------------------- seeded noise

TEST(CandidateNoise, SplitMix64KnownValues) {
  // splitmix64.c seeded with 0 yields 0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, ...
  EXPECT_EQ(SplitMix64(0), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(SplitMix64(0x9e3779b97f4a7c15ULL), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(CandidateSeed(13, 2, 1), SplitMix64(SplitMix64(SplitMix64(13) ^ 2) ^ 1));
  EXPECT_NE(CandidateSeed(13, 1, 2), CandidateSeed(13, 2, 1));
  EXPECT_THROW(CandidateSeed(13, -1, 0), InputError);
  EXPECT_THROW(CandidateSeed(13, 0, -1), InputError);
}

TEST(CandidateNoise, RepeatsAndDiffers) {
  const std::vector<int64_t> shape = {4, 64, 64};
  const at::Tensor a = CandidateNoise(13, 5, 2, shape);
  EXPECT_EQ(a.scalar_type(), at::kFloat);
  EXPECT_EQ(a.device(), at::Device(at::kCPU));
  ASSERT_EQ(a.sizes(), at::IntArrayRef(shape));
  // Same key, identical noise, whatever the global RNG did in between.
  at::manual_seed(99);
  (void)at::randn({100});
  EXPECT_TRUE(at::equal(a, CandidateNoise(13, 5, 2, shape)));
  // Another frame, candidate or seed gives other noise.
  for (const at::Tensor& other : {CandidateNoise(13, 6, 2, shape),
                                  CandidateNoise(13, 5, 3, shape),
                                  CandidateNoise(14, 5, 2, shape),
                                  CandidateNoise(13, 2, 5, shape)}) {
    EXPECT_FALSE(at::equal(a, other));
    // Independent: sample correlation ~ N(0, 1/sqrt(16384)) = 0.008.
    const double corr = (a * other).mean().item<double>() / (a.std().item<double>() * other.std().item<double>());
    EXPECT_LT(std::abs(corr), 0.05);
  }
  // Batch rows are the individual candidates.
  const at::Tensor batch = CandidateNoiseBatch(13, 5, 4, shape);
  ASSERT_EQ(batch.sizes(), at::IntArrayRef({4, 4, 64, 64}));
  for (int k = 0; k < 4; ++k) EXPECT_TRUE(at::equal(batch[k], CandidateNoise(13, 5, k, shape)));
}

TEST(CandidateNoise, IsStandardNormal) {
  const at::Tensor x = CandidateNoise(2024, 0, 0, {4, 128, 128}).to(at::kDouble);  // 65536 draws
  const double mean = x.mean().item<double>();
  const double std = x.std().item<double>();
  EXPECT_LT(std::abs(mean), 0.02);  // 5 standard errors (1/256)
  EXPECT_LT(std::abs(std - 1.0), 0.015);
  const double skew = at::pow((x - mean) / std, 3).mean().item<double>();
  const double kurtosis = at::pow((x - mean) / std, 4).mean().item<double>();
  EXPECT_LT(std::abs(skew), 0.05);
  EXPECT_LT(std::abs(kurtosis - 3.0), 0.1);
  // Tail mass beyond 2 sigma: 4.55% for a normal.
  const double tail = (x.abs() > 2.0).to(at::kDouble).mean().item<double>();
  EXPECT_NEAR(tail, 0.0455, 0.004);
}

}  // namespace
}  // namespace scenescape
