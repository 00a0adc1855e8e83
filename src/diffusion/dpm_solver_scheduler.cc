// DPM-Solver++(2M): multistep second-order solver of the diffusion ODE in
// data (x0) prediction form.
// Ref: diffusers src/diffusers/schedulers/scheduling_dpmsolver_multistep.py,
// DPMSolverMultistepScheduler (set_timesteps, convert_model_output,
// dpm_solver_first_order_update, multistep_dpm_solver_second_order_update,
// step) with algorithm_type="dpmsolver++", solver_order=2,
// solver_type="midpoint", lower_order_final=True, final_sigmas_type="zero";
// Lu et al. 2022, "DPM-Solver++", algorithm 2.

#include <ATen/ATen.h>

#include <cmath>

#include "scenescape/core/check.h"
#include "scenescape/diffusion/scheduler.h"
#include "timesteps.h"

namespace scenescape {
namespace {

// Ref: DPMSolverMultistepScheduler._sigma_to_alpha_sigma_t. `sigma` is the
// VE-style sigma sqrt((1 - a) / a); returns the VP pair (sqrt(a), sqrt(1 - a)).
struct AlphaSigma {
  double alpha;
  double sigma;
  double lambda;  // log(alpha / sigma), the half log-SNR; +inf at sigma 0
};

AlphaSigma FromSigma(double sigma) {
  AlphaSigma out;
  out.alpha = 1.0 / std::sqrt(sigma * sigma + 1.0);
  out.sigma = sigma * out.alpha;
  // log(0) = -inf gives lambda = +inf at the final sigma 0; h = inf and
  // expm1(-h) = -1 then make the last update return the x0 prediction, as in
  // diffusers (which computes the same infinities in torch).
  out.lambda = std::log(out.alpha) - std::log(out.sigma);
  return out;
}

}  // namespace

DpmSolverPlusPlus2MScheduler::DpmSolverPlusPlus2MScheduler(const ScheduleOptions& options) : Scheduler(options) {}

void DpmSolverPlusPlus2MScheduler::SetTimesteps(int num_inference_steps) {
  CheckNumSteps(num_inference_steps);
  timesteps_ = internal::DpmSolverTimesteps(options_, num_inference_steps);
  // Ref: set_timesteps: sigmas = ((1 - alphas_cumprod) / alphas_cumprod) ** 0.5
  // interpolated at the (integer) timesteps, then sigma_last = 0 ("zero").
  sigmas_.clear();
  for (int64_t t : timesteps_) {
    const double a = alphas_cumprod_[t];
    sigmas_.push_back(std::sqrt((1.0 - a) / a));
  }
  sigmas_.push_back(0.0);
  step_index_ = 0;
  previous_x0_ = at::Tensor();
}

at::Tensor DpmSolverPlusPlus2MScheduler::Step(const at::Tensor& model_output, int64_t t, const at::Tensor& sample) {
  auto [output, x] = PrepareStep(model_output, t, sample);
  const int n = NumInferenceSteps();
  SCN_CHECK(step_index_ < n) << "dpmpp_2m: all " << n << " steps are done; call SetTimesteps again";
  // diffusers keeps its own step index after the first call and ignores later
  // timesteps; a mismatch here means the caller skipped or repeated a step.
  SCN_CHECK(t == timesteps_[step_index_])
      << "dpmpp_2m: step " << step_index_ << " expects timestep " << timesteps_[step_index_] << ", got " << t;

  const AlphaSigma s0 = FromSigma(sigmas_[step_index_]);
  const AlphaSigma next = FromSigma(sigmas_[step_index_ + 1]);

  // Ref: convert_model_output (dpmsolver++): the data prediction x0.
  const Combination c = OriginalFrom(s0.alpha, s0.sigma);
  at::Tensor x0 = x.mul(c.sample).add_(output, c.output);

  const double h = next.lambda - s0.lambda;
  const double sample_coeff = next.sigma / s0.sigma;
  // alpha_t * (exp(-h) - 1), with expm1 for accuracy at small h.
  const double phi = next.alpha * std::expm1(-h);

  at::Tensor result;
  // Ref: step: first order when there is no history yet (lower_order_nums < 1)
  // and on the last step (lower_order_final; final_sigmas_type "zero" forces it).
  const bool first_order = !previous_x0_.defined() || step_index_ == n - 1;
  if (first_order) {
    // Ref: dpm_solver_first_order_update:
    //   x_t = (sigma_t / sigma_s) * x - alpha_t * (exp(-h) - 1) * x0
    result = x.mul(sample_coeff).add_(x0, -phi);
  } else {
    // Ref: multistep_dpm_solver_second_order_update (midpoint):
    //   r0 = h_0 / h, D0 = m0, D1 = (m0 - m1) / r0,
    //   x_t = (sigma_t / sigma_s0) * x - alpha_t (exp(-h) - 1) D0 - 0.5 alpha_t (exp(-h) - 1) D1
    const AlphaSigma s1 = FromSigma(sigmas_[step_index_ - 1]);
    const double h0 = s0.lambda - s1.lambda;
    const double r0 = h0 / h;
    const double d1_coeff = -0.5 * phi / r0;
    result = x.mul(sample_coeff).add_(x0, -phi + d1_coeff).add_(previous_x0_, -d1_coeff);
  }
  previous_x0_ = x0;
  ++step_index_;
  return result;
}

}  // namespace scenescape
