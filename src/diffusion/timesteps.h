#pragma once
// Inference timestep lists, exactly as diffusers' set_timesteps computes them
// (formulas in include/scenescape/diffusion/scheduler.h). Private to diffusion.

#include <cstdint>
#include <vector>

#include "scenescape/diffusion/schedule.h"

namespace scenescape::internal {

// Ref: diffusers DDIMScheduler.set_timesteps.
std::vector<int64_t> DdimTimesteps(const ScheduleOptions& options, int num_inference_steps);

// Ref: diffusers DPMSolverMultistepScheduler.set_timesteps (lambda_min_clipped
// = -inf, so its last_timestep is num_train_timesteps).
std::vector<int64_t> DpmSolverTimesteps(const ScheduleOptions& options, int num_inference_steps);

}  // namespace scenescape::internal
