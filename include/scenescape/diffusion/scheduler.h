#pragma once
// Diffusion schedulers: pick the inference timesteps and advance a latent from
// one timestep to the next given the network's output. They follow diffusers'
// DDIMScheduler and DPMSolverMultistepScheduler step for step (cited per
// function in src/diffusion/), so a run with the same network, timesteps and
// noise reproduces the reference pipeline up to float rounding.
//
// Usage (the loop of sampler.h does exactly this):
//   auto scheduler = MakeScheduler("ddim", options);
//   scheduler->SetTimesteps(50);
//   for (int64_t t : scheduler->Timesteps())
//     latents = scheduler->Step(unet(latents, t), t, latents);
//
// Tensor contract of Step: model_output and sample have the same shape (any
// rank, usually [B,4,h,w]) and device, any floating dtype; the result is
// float32 on the sample's device with that shape. The update runs in float32;
// the per-step coefficients are computed in double on the host.
//
// Timestep spacings (T = num_train_timesteps, n = inference steps, all lists
// are strictly decreasing):
//   DDIM  leading : arange(n) * (T / n) reversed, + steps_offset   (SD, n=50: 981, 961, ..., 1)
//   DDIM  trailing: round(arange(T, 0, -T/n)) - 1                   (999, 979, ..., 19)
//   DDIM  linspace: round(linspace(0, T - 1, n)) reversed           (999, 979, ..., 0)
//   DPM   leading : arange(n + 1) * (T / (n + 1)) reversed, last dropped, + steps_offset
//                                                                   (n=50: 951, 932, ..., 20)
//   DPM   trailing: as DDIM trailing
//   DPM   linspace: round(linspace(0, T - 1, n + 1)) reversed, last dropped
// ("/" is integer division, "T/n" in trailing is real; round is half-to-even, as numpy.)

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "scenescape/diffusion/schedule.h"

namespace scenescape {

enum class PredictionType {
  kEpsilon,      // the network predicts the noise eps
  kVPrediction,  // the network predicts v = sqrt(a_t) * eps - sqrt(1 - a_t) * x_0
};

class Scheduler {
 public:
  // Checks `options` (InputError naming the key) and builds the noise schedule.
  explicit Scheduler(const ScheduleOptions& options);
  virtual ~Scheduler() = default;

  // "ddim" or "dpmpp_2m" (the MakeScheduler name).
  virtual std::string Name() const = 0;

  // Picks `num_inference_steps` timesteps (1 <= n <= T; DPM "leading" needs
  // n < T) and resets any multistep state. Throws InputError for a bad n.
  virtual void SetTimesteps(int num_inference_steps) = 0;

  // The timesteps chosen by SetTimesteps, strictly decreasing, each in [0, T).
  // Empty before the first SetTimesteps.
  const std::vector<int64_t>& Timesteps() const { return timesteps_; }
  int NumInferenceSteps() const { return static_cast<int>(timesteps_.size()); }

  // Advances `sample` (the latent at timestep t) to the next timestep of the
  // list (or to the final clean estimate after the last one). `model_output` is
  // the network's eps or v prediction for (sample, t). Must be called with the
  // timesteps in order; DPM-Solver keeps the previous outputs and throws Error
  // when t is not the expected next timestep.
  virtual at::Tensor Step(const at::Tensor& model_output, int64_t t, const at::Tensor& sample) = 0;

  // Scale of the initial noise: x_T = noise * InitNoiseSigma(). 1 for both
  // schedulers here (variance-preserving).
  double InitNoiseSigma() const { return 1.0; }

  // The forward process q(x_t | x_0) = sqrt(a_t) * original + sqrt(1 - a_t) * noise.
  // original, noise: same shape and device, floating; returns float32.
  // Ref: diffusers DDIMScheduler.add_noise.
  at::Tensor AddNoise(const at::Tensor& original, const at::Tensor& noise, int64_t t) const;

  const ScheduleOptions& Options() const { return options_; }
  PredictionType Prediction() const { return prediction_; }
  const NoiseSchedule& Schedule() const { return schedule_; }
  // alphas_cumprod[t] in double, t in [0, T).
  double AlphaCumprod(int64_t t) const;

 protected:
  // x_0 and eps as linear combinations of (sample, model_output), given
  // alpha = sqrt(a_t) and sigma = sqrt(1 - a_t):
  //   epsilon: x_0 = (x - sigma * out) / alpha,  eps = out
  //   v:       x_0 = alpha * x - sigma * out,    eps = alpha * out + sigma * x
  // Ref: diffusers DDIMScheduler.step (pred_original_sample / pred_epsilon).
  struct Combination {
    double sample = 0.0;
    double output = 0.0;
  };
  Combination OriginalFrom(double alpha, double sigma) const;
  Combination EpsilonFrom(double alpha, double sigma) const;

  // Validates Step's arguments; returns (model_output, sample) as float32 on
  // the sample's device.
  std::pair<at::Tensor, at::Tensor> PrepareStep(const at::Tensor& model_output,
                                                int64_t t,
                                                const at::Tensor& sample) const;
  void CheckNumSteps(int num_inference_steps) const;

  ScheduleOptions options_;
  PredictionType prediction_;
  NoiseSchedule schedule_;
  std::vector<double> alphas_cumprod_;  // host copy of schedule_.alphas_cumprod
  std::vector<int64_t> timesteps_;
};

// DDIM with eta = 0 (deterministic), Song et al. 2021, "Denoising Diffusion
// Implicit Models", eq. 12. The step from t goes to prev = t - T / n (integer
// division, whatever the spacing, exactly as diffusers); when prev < 0 the
// target is final_alpha_cumprod = 1 if set_alpha_to_one else alphas_cumprod[0].
// clip_sample / thresholding are not implemented (SD configs turn them off).
class DdimScheduler : public Scheduler {
 public:
  explicit DdimScheduler(const ScheduleOptions& options);
  std::string Name() const override { return "ddim"; }
  void SetTimesteps(int num_inference_steps) override;
  at::Tensor Step(const at::Tensor& model_output, int64_t t, const at::Tensor& sample) override;
  double FinalAlphaCumprod() const { return final_alpha_cumprod_; }

 private:
  double final_alpha_cumprod_;
};

// DPM-Solver++ (2M), Lu et al. 2022, "DPM-Solver++: Fast Solver for Guided
// Sampling of Diffusion Probabilistic Models", algorithm 2 (multistep, data
// prediction). diffusers settings: algorithm_type "dpmsolver++", solver_order
// 2, solver_type "midpoint", lower_order_final true, final_sigmas_type "zero"
// (the last step goes to sigma 0 with a first-order update and returns the
// clean estimate), no Karras sigmas, no thresholding. The first step is first
// order (no history yet). set_alpha_to_one is not used.
class DpmSolverPlusPlus2MScheduler : public Scheduler {
 public:
  explicit DpmSolverPlusPlus2MScheduler(const ScheduleOptions& options);
  std::string Name() const override { return "dpmpp_2m"; }
  void SetTimesteps(int num_inference_steps) override;
  at::Tensor Step(const at::Tensor& model_output, int64_t t, const at::Tensor& sample) override;
  // sigma_k = sqrt((1 - a) / a) at each timestep, then a final 0 (n + 1 values).
  const std::vector<double>& Sigmas() const { return sigmas_; }

 private:
  std::vector<double> sigmas_;
  int step_index_ = 0;
  at::Tensor previous_x0_;  // the data prediction of the previous step, float32
};

// "ddim" | "dpmpp_2m"; throws InputError naming the unknown name.
std::unique_ptr<Scheduler> MakeScheduler(const std::string& name, const ScheduleOptions& options);

// Every name MakeScheduler accepts.
const std::vector<std::string>& SchedulerNames();

}  // namespace scenescape
