// DDIM, eta = 0.
// Ref: diffusers src/diffusers/schedulers/scheduling_ddim.py, DDIMScheduler
// (set_timesteps, step); Song et al. 2021, "Denoising Diffusion Implicit
// Models", eq. 12 with sigma_t = 0.

#include <ATen/ATen.h>

#include <cmath>

#include "scenescape/core/check.h"
#include "scenescape/diffusion/scheduler.h"
#include "timesteps.h"

namespace scenescape {

DdimScheduler::DdimScheduler(const ScheduleOptions& options) : Scheduler(options) {
  // Ref: DDIMScheduler.__init__: final_alpha_cumprod = 1.0 if set_alpha_to_one
  // else alphas_cumprod[0].
  final_alpha_cumprod_ = options_.set_alpha_to_one ? 1.0 : alphas_cumprod_.front();
}

void DdimScheduler::SetTimesteps(int num_inference_steps) {
  CheckNumSteps(num_inference_steps);
  timesteps_ = internal::DdimTimesteps(options_, num_inference_steps);
}

at::Tensor DdimScheduler::Step(const at::Tensor& model_output, int64_t t, const at::Tensor& sample) {
  auto [output, x] = PrepareStep(model_output, t, sample);
  // Ref: DDIMScheduler.step: prev_timestep = timestep - T // num_inference_steps,
  // for every spacing (with "trailing" or "linspace" this is not always the
  // next listed timestep; diffusers does the same).
  const int64_t prev_t = t - options_.num_train_timesteps / NumInferenceSteps();
  const double a_t = alphas_cumprod_[t];
  const double a_prev = prev_t >= 0 ? alphas_cumprod_[prev_t] : final_alpha_cumprod_;

  // prev = sqrt(a_prev) * x0 + sqrt(1 - a_prev - std^2) * eps with std = 0 (eta 0).
  // x0 and eps are linear in (x, output), so the whole step folds into two
  // double-precision coefficients; that is the same arithmetic as diffusers'
  // with the scalar products done once in double instead of per element in float.
  const Combination x0 = OriginalFrom(std::sqrt(a_t), std::sqrt(1.0 - a_t));
  const Combination eps = EpsilonFrom(std::sqrt(a_t), std::sqrt(1.0 - a_t));
  const double root_prev = std::sqrt(a_prev);
  const double root_noise_prev = std::sqrt(1.0 - a_prev);
  const double c_sample = root_prev * x0.sample + root_noise_prev * eps.sample;
  const double c_output = root_prev * x0.output + root_noise_prev * eps.output;
  return x.mul(c_sample).add_(output, c_output);
}

}  // namespace scenescape
