#include "timesteps.h"

#include <cmath>
#include <string>

#include "scenescape/core/check.h"

namespace scenescape::internal {
namespace {

// np.round rounds half to even; std::nearbyint would depend on the global
// floating-point rounding mode, so the rule is spelled out.
int64_t RoundHalfEven(double x) {
  const double floor = std::floor(x);
  const double diff = x - floor;
  if (diff > 0.5) return static_cast<int64_t>(floor) + 1;
  if (diff < 0.5) return static_cast<int64_t>(floor);
  const auto even = static_cast<int64_t>(floor);
  return even % 2 == 0 ? even : even + 1;
}

// np.linspace(start, stop, num)[i] (numpy's own formula: start + i * step,
// last value exactly stop).
double Linspace(double start, double stop, int num, int i) {
  if (num == 1) return start;
  if (i == num - 1) return stop;
  return start + i * ((stop - start) / (num - 1));
}

// np.round(np.arange(T, 0, -T / n)) - 1: T - i * (T / n) for i in [0, n).
std::vector<int64_t> Trailing(int train_steps, int n) {
  const double ratio = static_cast<double>(train_steps) / n;
  std::vector<int64_t> out(n);
  for (int i = 0; i < n; ++i) out[i] = RoundHalfEven(train_steps + i * -ratio) - 1;
  return out;
}

void CheckInRange(const std::vector<int64_t>& timesteps, const ScheduleOptions& options, int n) {
  for (size_t i = 1; i < timesteps.size(); ++i) {
    // Too many steps for the spacing rounds two timesteps to the same value.
    if (timesteps[i] >= timesteps[i - 1])
      throw InputError("scheduler: " + std::to_string(n) + " steps are too many for timestep_spacing " +
                       options.timestep_spacing + " (timesteps repeat)");
  }
  for (int64_t t : timesteps) {
    if (t < 0 || t >= options.num_train_timesteps)
      throw InputError("scheduler: " + std::to_string(n) + " steps with timestep_spacing " + options.timestep_spacing +
                       " and steps_offset " + std::to_string(options.steps_offset) + " give timestep " +
                       std::to_string(t) + ", outside [0, " + std::to_string(options.num_train_timesteps) + ")");
  }
}

}  // namespace

std::vector<int64_t> DdimTimesteps(const ScheduleOptions& options, int n) {
  const int train_steps = options.num_train_timesteps;
  std::vector<int64_t> out(n);
  if (options.timestep_spacing == "linspace") {
    // np.linspace(0, T - 1, n).round()[::-1]
    for (int i = 0; i < n; ++i) out[n - 1 - i] = RoundHalfEven(Linspace(0.0, train_steps - 1, n, i));
  } else if (options.timestep_spacing == "leading") {
    // (np.arange(0, n) * (T // n)).round()[::-1] + steps_offset
    const int64_t ratio = train_steps / n;
    for (int i = 0; i < n; ++i) out[n - 1 - i] = i * ratio + options.steps_offset;
  } else {
    out = Trailing(train_steps, n);
  }
  CheckInRange(out, options, n);
  return out;
}

std::vector<int64_t> DpmSolverTimesteps(const ScheduleOptions& options, int n) {
  const int train_steps = options.num_train_timesteps;
  std::vector<int64_t> out(n);
  if (options.timestep_spacing == "linspace") {
    // np.linspace(0, last - 1, n + 1).round()[::-1][:-1]: drop the 0 at the end.
    for (int i = 1; i <= n; ++i) out[n - i] = RoundHalfEven(Linspace(0.0, train_steps - 1, n + 1, i));
  } else if (options.timestep_spacing == "leading") {
    // (np.arange(0, n + 1) * (last // (n + 1))).round()[::-1][:-1] + steps_offset
    const int64_t ratio = train_steps / (n + 1);
    if (ratio == 0)
      throw InputError("scheduler: dpmpp_2m with timestep_spacing leading needs fewer than " +
                       std::to_string(train_steps) + " steps, got " + std::to_string(n));
    for (int i = 1; i <= n; ++i) out[n - i] = i * ratio + options.steps_offset;
  } else {
    out = Trailing(train_steps, n);
  }
  CheckInRange(out, options, n);
  return out;
}

}  // namespace scenescape::internal
