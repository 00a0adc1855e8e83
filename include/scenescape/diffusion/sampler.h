#pragma once
// The denoising loop, classifier-free guidance and seeded noise.
//
// The three parts stay separate (as in stable-diffusion.cpp's denoiser.hpp):
// a Scheduler (scheduler.h) owns timesteps and the update rule, Sample() runs
// the loop over a denoise callback, and guidance lives inside that callback.
//
// Batching for N candidates with guidance: one UNet call per step of batch 2N.
//   latents [N,4,h,w] --GuidanceBatch--> [2N,4,h,w]   rows [0,N) uncond, [N,2N) cond
//   text    uncond [1,77,D], cond [1,77,D] --GuidanceConditioning(.., N)--> [2N,77,D]
//   unet([2N,9,h,w], TimestepBatch(t, 2N), context) -> [2N,4,h,w]
//   CombineGuidance(out, scale) -> [N,4,h,w] = uncond + scale * (cond - uncond)
// GuidedDenoiser() packages this into a DenoiseFn. The uncond-first order is
// the one diffusers uses (torch.cat([negative_prompt_embeds, prompt_embeds])).

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <functional>
#include <utility>

#include "scenescape/diffusion/scheduler.h"

namespace scenescape {

// The network call of one step: latents [B,...] float32 at timestep t (the
// step-th of the schedule, 0-based) -> eps or v prediction of the same shape,
// any floating dtype, same device.
using DenoiseFn = std::function<at::Tensor(const at::Tensor& latents, int64_t t, int step)>;

// Called after each step with (steps done, total steps). To cancel, throw from
// it; the exception leaves Sample() unchanged.
using SamplerProgress = std::function<void(int step, int total)>;

// Runs the full loop: SetTimesteps(steps), latents = initial_noise *
// InitNoiseSigma(), then for each timestep latents = Step(denoise(latents, t,
// i), t, latents).
//   initial_noise: [B,...] floating, any device (the loop runs there).
// Returns the final latents, float32, shape and device of initial_noise.
// Throws Error when denoise returns a tensor of another shape.
at::Tensor Sample(Scheduler& scheduler,
                  const at::Tensor& initial_noise,
                  int steps,
                  const DenoiseFn& denoise,
                  const SamplerProgress& progress = nullptr);

// ---------------------------------------------------------------- guidance

// Classifier-free guidance (Ho & Salimans 2022): uncond + scale * (cond - uncond).
// uncond, cond: same shape and device, floating. Returns float32.
// Ref: diffusers StableDiffusionInpaintPipeline.__call__ ("perform guidance").
at::Tensor GuidedPrediction(const at::Tensor& uncond, const at::Tensor& cond, double scale);

// [N,...] -> [2N,...] = cat([x, x]): the same latents (or mask, masked-image
// latents) for the unconditional rows [0,N) and the conditional rows [N,2N).
at::Tensor GuidanceBatch(const at::Tensor& x);

// Text conditioning for the doubled batch: uncond and cond are [1,L,D] (shared
// by all N candidates) or [N,L,D]; returns [2N,L,D] = cat([uncond x N, cond x N]).
at::Tensor GuidanceConditioning(const at::Tensor& uncond, const at::Tensor& cond, int64_t n);

// Splits a doubled-batch output [2N,...] into (uncond [N,...], cond [N,...]).
std::pair<at::Tensor, at::Tensor> SplitGuidanceBatch(const at::Tensor& output);

// SplitGuidanceBatch then GuidedPrediction: [2N,...] -> [N,...] float32.
at::Tensor CombineGuidance(const at::Tensor& output, double scale);

// The UNet's timestep input: float32 [batch] filled with t, on `device`.
at::Tensor TimestepBatch(int64_t t, int64_t batch, c10::Device device);

// A network call on the doubled batch: latents [2N,...] (GuidanceBatch of the
// loop's latents) -> prediction [2N,...]. It adds its own extra inputs
// (mask, masked-image latents, GuidanceConditioning text, TimestepBatch).
using BatchedModelFn = std::function<at::Tensor(const at::Tensor& doubled_latents, int64_t t, int step)>;

// A DenoiseFn that makes one call of `model` per step with batch 2N and
// returns CombineGuidance(output, scale). scale 1 gives the conditional
// prediction (callers that want no guidance should call the model on N rows
// with the conditional text instead, which is half the work).
DenoiseFn GuidedDenoiser(BatchedModelFn model, double scale);

// ---------------------------------------------------------------- seeded noise

// The seed of candidate `candidate` of frame `frame` in a run seeded `seed`:
//   h = SplitMix64(seed); h = SplitMix64(h ^ frame); h = SplitMix64(h ^ candidate)
// with SplitMix64(x) the finaliser of Steele et al. 2014 (Java SplittableRandom,
// Vigna's splitmix64.c): z = x + 0x9e3779b97f4a7c15;
// z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9; z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
// return z ^ (z >> 31). frame, candidate >= 0 (else InputError).
uint64_t SplitMix64(uint64_t x);
uint64_t CandidateSeed(uint64_t seed, int frame, int candidate);

// Standard normal noise of `shape`, float32, drawn on a CPU generator seeded
// with CandidateSeed(seed, frame, candidate) and then moved to `device`, so
// CPU and CUDA runs start from identical noise (for one LibTorch version).
at::Tensor CandidateNoise(
    uint64_t seed, int frame, int candidate, at::IntArrayRef shape, c10::Device device = c10::Device(c10::kCPU));

// Noise for candidates 0..num_candidates-1 stacked: [num_candidates, *shape],
// row k equal to CandidateNoise(seed, frame, k, shape).
at::Tensor CandidateNoiseBatch(
    uint64_t seed, int frame, int num_candidates, at::IntArrayRef shape, c10::Device device = c10::Device(c10::kCPU));

}  // namespace scenescape
