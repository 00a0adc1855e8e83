#include "scenescape/diffusion/scheduler.h"

#include <ATen/ATen.h>

#include <cmath>
#include <string>

#include "scenescape/core/check.h"

namespace scenescape {

Scheduler::Scheduler(const ScheduleOptions& options)
    : options_(options),
      prediction_(options.prediction_type == "v_prediction" ? PredictionType::kVPrediction : PredictionType::kEpsilon),
      schedule_(MakeNoiseSchedule(options)) {
  const auto values = schedule_.alphas_cumprod.contiguous();
  alphas_cumprod_.assign(values.data_ptr<double>(), values.data_ptr<double>() + values.numel());
}

double Scheduler::AlphaCumprod(int64_t t) const {
  SCN_CHECK(t >= 0 && t < static_cast<int64_t>(alphas_cumprod_.size()))
      << "timestep " << t << " outside [0, " << alphas_cumprod_.size() << ")";
  return alphas_cumprod_[t];
}

at::Tensor Scheduler::AddNoise(const at::Tensor& original, const at::Tensor& noise, int64_t t) const {
  SCN_CHECK(original.sizes() == noise.sizes())
      << "AddNoise: original " << original.sizes() << " and noise " << noise.sizes() << " differ";
  const double a = AlphaCumprod(t);
  return original.to(at::kFloat).mul(std::sqrt(a)).add_(noise.to(original.device(), at::kFloat), std::sqrt(1.0 - a));
}

Scheduler::Combination Scheduler::OriginalFrom(double alpha, double sigma) const {
  // Ref: diffusers DDIMScheduler.step, pred_original_sample.
  if (prediction_ == PredictionType::kEpsilon) return {1.0 / alpha, -sigma / alpha};
  return {alpha, -sigma};
}

Scheduler::Combination Scheduler::EpsilonFrom(double alpha, double sigma) const {
  // Ref: diffusers DDIMScheduler.step, pred_epsilon.
  if (prediction_ == PredictionType::kEpsilon) return {0.0, 1.0};
  return {sigma, alpha};
}

std::pair<at::Tensor, at::Tensor> Scheduler::PrepareStep(const at::Tensor& model_output,
                                                         int64_t t,
                                                         const at::Tensor& sample) const {
  SCN_CHECK(!timesteps_.empty()) << Name() << ": call SetTimesteps before Step";
  SCN_CHECK(model_output.defined() && sample.defined()) << Name() << ": undefined tensor given to Step";
  SCN_CHECK(model_output.is_floating_point() && sample.is_floating_point())
      << Name() << ": Step needs floating tensors, got " << model_output.scalar_type() << " and "
      << sample.scalar_type();
  SCN_CHECK(model_output.sizes() == sample.sizes())
      << Name() << ": model output " << model_output.sizes() << " and sample " << sample.sizes() << " differ in shape";
  SCN_CHECK(model_output.device() == sample.device())
      << Name() << ": model output on " << model_output.device() << ", sample on " << sample.device();
  SCN_CHECK(t >= 0 && t < options_.num_train_timesteps)
      << Name() << ": timestep " << t << " outside [0, " << options_.num_train_timesteps << ")";
  return {model_output.to(at::kFloat), sample.to(at::kFloat)};
}

void Scheduler::CheckNumSteps(int num_inference_steps) const {
  if (num_inference_steps < 1 || num_inference_steps > options_.num_train_timesteps)
    throw InputError(Name() + ": number of inference steps must be in [1, " +
                     std::to_string(options_.num_train_timesteps) + "], got " + std::to_string(num_inference_steps));
}

std::unique_ptr<Scheduler> MakeScheduler(const std::string& name, const ScheduleOptions& options) {
  if (name == "ddim") return std::make_unique<DdimScheduler>(options);
  if (name == "dpmpp_2m") return std::make_unique<DpmSolverPlusPlus2MScheduler>(options);
  throw InputError("unknown scheduler \"" + name + "\": expected ddim or dpmpp_2m");
}

const std::vector<std::string>& SchedulerNames() {
  static const std::vector<std::string> names = {"ddim", "dpmpp_2m"};
  return names;
}

}  // namespace scenescape
