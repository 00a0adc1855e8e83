#pragma once
// The discrete DDPM noise schedule: betas and their cumulative products, built
// from the "scheduler" block of the model manifest (models/README.md).
//
// Forward process (Ho et al. 2020): x_t = sqrt(a_t) * x_0 + sqrt(1 - a_t) * eps,
// with a_t = alphas_cumprod[t] = prod_{i<=t} (1 - betas[i]), t in [0, T).
//
// Ref: diffusers DDIMScheduler.__init__ / DPMSolverMultistepScheduler.__init__
// (betas, alphas_cumprod). diffusers builds them in float32; we build them in
// double, so values agree with diffusers to float32 rounding (~1e-7 relative).

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>

namespace scenescape {

struct ScheduleOptions {
  // Number of discrete training timesteps T (>= 1). SD uses 1000.
  int num_train_timesteps = 1000;
  // "linear": betas = linspace(beta_start, beta_end, T);
  // "scaled_linear": betas = linspace(sqrt(beta_start), sqrt(beta_end), T)^2 (Stable Diffusion).
  std::string beta_schedule = "scaled_linear";
  double beta_start = 0.00085;  // first beta, in (0, 1)
  double beta_end = 0.012;      // last beta, in [beta_start, 1)
  // What the network predicts: "epsilon" (the added noise) or "v_prediction"
  // (v = sqrt(a_t) * eps - sqrt(1 - a_t) * x_0, Salimans & Ho 2022).
  std::string prediction_type = "epsilon";
  // Added to every timestep of the "leading" spacing (>= 0); SD uses 1.
  int steps_offset = 1;
  // DDIM only: the alpha_cumprod used after the last step. true = 1 (a clean
  // sample); false = alphas_cumprod[0] (what SD's config sets).
  bool set_alpha_to_one = false;
  // How inference timesteps are picked from [0, T): "leading", "trailing" or
  // "linspace" (see "Common Diffusion Noise Schedules and Sample Steps are
  // Flawed", Lin et al. 2023, table 2). Exact formulas: scheduler.h.
  std::string timestep_spacing = "leading";

  // Throws InputError naming the offending key as "<key_prefix>.<key>: expected
  // ..., got ...", e.g. "scheduler.beta_schedule: expected linear or
  // scaled_linear, got \"cosine\"".
  void Check(const std::string& key_prefix = "scheduler") const;
};

// Per-timestep constants, double precision, CPU, contiguous.
struct NoiseSchedule {
  at::Tensor betas;           // [T] float64
  at::Tensor alphas_cumprod;  // [T] float64, strictly decreasing, in (0, 1)
};

// Checks `options` (InputError) and builds the schedule.
NoiseSchedule MakeNoiseSchedule(const ScheduleOptions& options);

}  // namespace scenescape
