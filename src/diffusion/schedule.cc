#include "scenescape/diffusion/schedule.h"

#include <ATen/ATen.h>

#include <cmath>
#include <sstream>
#include <vector>

#include "scenescape/core/check.h"

namespace scenescape {
namespace {

[[noreturn]] void Fail(const std::string& prefix, const std::string& key, const std::string& message) {
  throw InputError(prefix + "." + key + ": " + message);
}

template <typename T>
std::string Got(const T& value) {
  std::ostringstream out;
  out << ", got " << value;
  return out.str();
}

std::string GotString(const std::string& value) { return ", got \"" + value + "\""; }

// numpy.linspace(start, stop, num)[i]: start + i * step with the last value
// set to stop, as numpy computes it.
double Linspace(double start, double stop, int num, int i) {
  if (num == 1) return start;
  if (i == num - 1) return stop;
  return start + i * ((stop - start) / (num - 1));
}

}  // namespace

void ScheduleOptions::Check(const std::string& key_prefix) const {
  const std::string& p = key_prefix;
  if (num_train_timesteps < 1) Fail(p, "num_train_timesteps", "expected an integer >= 1" + Got(num_train_timesteps));
  if (beta_schedule != "linear" && beta_schedule != "scaled_linear")
    Fail(p, "beta_schedule", "expected linear or scaled_linear" + GotString(beta_schedule));
  if (!(beta_start > 0.0 && beta_start < 1.0)) Fail(p, "beta_start", "expected a number in (0, 1)" + Got(beta_start));
  if (!(beta_end >= beta_start && beta_end < 1.0))
    Fail(p, "beta_end", "expected a number in [beta_start, 1)" + Got(beta_end));
  if (prediction_type != "epsilon" && prediction_type != "v_prediction")
    Fail(p, "prediction_type", "expected epsilon or v_prediction" + GotString(prediction_type));
  if (steps_offset < 0 || steps_offset >= num_train_timesteps)
    Fail(p, "steps_offset", "expected an integer in [0, num_train_timesteps)" + Got(steps_offset));
  if (timestep_spacing != "leading" && timestep_spacing != "trailing" && timestep_spacing != "linspace")
    Fail(p, "timestep_spacing", "expected leading, trailing or linspace" + GotString(timestep_spacing));
}

NoiseSchedule MakeNoiseSchedule(const ScheduleOptions& options) {
  options.Check();
  const int count = options.num_train_timesteps;
  std::vector<double> betas(count);
  std::vector<double> alphas_cumprod(count);
  // Ref: diffusers DDIMScheduler.__init__:
  //   linear:        torch.linspace(beta_start, beta_end, T)
  //   scaled_linear: torch.linspace(beta_start**0.5, beta_end**0.5, T) ** 2
  //   alphas_cumprod = torch.cumprod(1 - betas)
  const bool scaled = options.beta_schedule == "scaled_linear";
  const double start = scaled ? std::sqrt(options.beta_start) : options.beta_start;
  const double stop = scaled ? std::sqrt(options.beta_end) : options.beta_end;
  double product = 1.0;
  for (int i = 0; i < count; ++i) {
    const double value = Linspace(start, stop, count, i);
    betas[i] = scaled ? value * value : value;
    product *= 1.0 - betas[i];
    alphas_cumprod[i] = product;
  }
  const auto f64 = at::TensorOptions().dtype(at::kDouble);
  NoiseSchedule schedule;
  schedule.betas = at::tensor(betas, f64);
  schedule.alphas_cumprod = at::tensor(alphas_cumprod, f64);
  return schedule;
}

}  // namespace scenescape
