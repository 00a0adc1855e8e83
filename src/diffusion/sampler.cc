#include "scenescape/diffusion/sampler.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <string>
#include <vector>

#include "scenescape/core/check.h"

namespace scenescape {

at::Tensor Sample(Scheduler& scheduler,
                  const at::Tensor& initial_noise,
                  int steps,
                  const DenoiseFn& denoise,
                  const SamplerProgress& progress) {
  SCN_CHECK(initial_noise.defined() && initial_noise.is_floating_point())
      << "Sample: initial noise must be a defined floating tensor";
  SCN_CHECK(denoise) << "Sample: no denoise callback";
  scheduler.SetTimesteps(steps);
  // Ref: diffusers StableDiffusionInpaintPipeline.prepare_latents:
  // latents = noise * scheduler.init_noise_sigma.
  at::Tensor latents = initial_noise.to(at::kFloat).mul(scheduler.InitNoiseSigma());
  // Copy: SetTimesteps of a nested call would otherwise change the list under us.
  const std::vector<int64_t> timesteps = scheduler.Timesteps();
  const int total = static_cast<int>(timesteps.size());
  for (int i = 0; i < total; ++i) {
    const int64_t t = timesteps[i];
    // Both schedulers here have scale_model_input = identity, so the latents
    // go to the network unchanged.
    const at::Tensor prediction = denoise(latents, t, i);
    SCN_CHECK(prediction.defined() && prediction.sizes() == latents.sizes())
        << "Sample: denoise returned " << (prediction.defined() ? prediction.sizes() : at::IntArrayRef{})
        << " for latents " << latents.sizes() << " at step " << i << " (t=" << t << ")";
    latents = scheduler.Step(prediction.to(latents.device()), t, latents);
    if (progress) progress(i + 1, total);
  }
  return latents;
}

at::Tensor GuidedPrediction(const at::Tensor& uncond, const at::Tensor& cond, double scale) {
  SCN_CHECK(uncond.sizes() == cond.sizes())
      << "GuidedPrediction: uncond " << uncond.sizes() << " and cond " << cond.sizes() << " differ";
  // Ref: diffusers pipelines: noise_pred_uncond + guidance_scale * (noise_pred_text - noise_pred_uncond).
  const at::Tensor u = uncond.to(at::kFloat);
  return u.add(cond.to(u.device(), at::kFloat).sub(u), scale);
}

at::Tensor GuidanceBatch(const at::Tensor& x) {
  SCN_CHECK(x.defined() && x.dim() >= 1) << "GuidanceBatch: need a batched tensor";
  return at::cat({x, x}, 0);
}

at::Tensor GuidanceConditioning(const at::Tensor& uncond, const at::Tensor& cond, int64_t n) {
  SCN_CHECK(n >= 1) << "GuidanceConditioning: n must be >= 1, got " << n;
  SCN_CHECK(uncond.dim() >= 1 && cond.dim() >= 1 && uncond.sizes().slice(1) == cond.sizes().slice(1))
      << "GuidanceConditioning: uncond " << uncond.sizes() << " and cond " << cond.sizes()
      << " differ past the batch dimension";
  auto expand = [n](const at::Tensor& e, const char* what) {
    if (e.size(0) == n) return e;
    SCN_CHECK(e.size(0) == 1) << "GuidanceConditioning: " << what << " has batch " << e.size(0) << ", expected 1 or "
                              << n;
    std::vector<int64_t> repeats(e.dim(), 1);
    repeats[0] = n;
    return e.repeat(repeats);
  };
  return at::cat({expand(uncond, "uncond"), expand(cond.to(uncond.device()), "cond")}, 0);
}

std::pair<at::Tensor, at::Tensor> SplitGuidanceBatch(const at::Tensor& output) {
  SCN_CHECK(output.dim() >= 1 && output.size(0) % 2 == 0)
      << "SplitGuidanceBatch: batch must be even (uncond rows then cond rows), got " << output.sizes();
  const int64_t n = output.size(0) / 2;
  return {output.narrow(0, 0, n), output.narrow(0, n, n)};
}

at::Tensor CombineGuidance(const at::Tensor& output, double scale) {
  auto [uncond, cond] = SplitGuidanceBatch(output);
  return GuidedPrediction(uncond, cond, scale);
}

at::Tensor TimestepBatch(int64_t t, int64_t batch, c10::Device device) {
  return at::full({batch}, static_cast<double>(t), at::TensorOptions().dtype(at::kFloat).device(device));
}

DenoiseFn GuidedDenoiser(BatchedModelFn model, double scale) {
  SCN_CHECK(model) << "GuidedDenoiser: no model callback";
  return [model = std::move(model), scale](const at::Tensor& latents, int64_t t, int step) {
    const at::Tensor output = model(GuidanceBatch(latents), t, step);
    SCN_CHECK(output.defined() && output.size(0) == 2 * latents.size(0))
        << "GuidedDenoiser: model returned " << (output.defined() ? output.sizes() : at::IntArrayRef{})
        << " for a doubled batch of " << 2 * latents.size(0);
    return CombineGuidance(output, scale);
  };
}

uint64_t SplitMix64(uint64_t x) {
  // Ref: Vigna, splitmix64.c (public domain); Steele, Lea, Flood 2014.
  uint64_t z = x + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t CandidateSeed(uint64_t seed, int frame, int candidate) {
  if (frame < 0) throw InputError("CandidateSeed: frame must be >= 0, got " + std::to_string(frame));
  if (candidate < 0) throw InputError("CandidateSeed: candidate must be >= 0, got " + std::to_string(candidate));
  // Chained rather than XOR-ed together so that (frame, candidate) = (1, 2) and
  // (2, 1) land on unrelated seeds.
  uint64_t h = SplitMix64(seed);
  h = SplitMix64(h ^ static_cast<uint64_t>(frame));
  return SplitMix64(h ^ static_cast<uint64_t>(candidate));
}

at::Tensor CandidateNoise(uint64_t seed, int frame, int candidate, at::IntArrayRef shape, c10::Device device) {
  at::Generator generator = at::detail::createCPUGenerator(CandidateSeed(seed, frame, candidate));
  // Drawn on the CPU whatever the target device: CUDA's Philox stream differs
  // from the CPU's mt19937, and we want the same noise on either.
  at::Tensor noise = at::randn(shape, generator, at::TensorOptions().dtype(at::kFloat));
  return noise.to(device);
}

at::Tensor CandidateNoiseBatch(
    uint64_t seed, int frame, int num_candidates, at::IntArrayRef shape, c10::Device device) {
  SCN_CHECK(num_candidates >= 1) << "CandidateNoiseBatch: num_candidates must be >= 1, got " << num_candidates;
  std::vector<at::Tensor> rows;
  rows.reserve(num_candidates);
  for (int k = 0; k < num_candidates; ++k) rows.push_back(CandidateNoise(seed, frame, k, shape));
  return at::stack(rows, 0).to(device);
}

}  // namespace scenescape
