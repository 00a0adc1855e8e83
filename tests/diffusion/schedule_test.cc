#include "scenescape/diffusion/schedule.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "scenescape/core/check.h"

namespace scenescape {
namespace {

// Expects options.Check() to throw InputError whose message starts with `prefix`.
void ExpectInputError(const ScheduleOptions& options, const std::string& prefix) {
  try {
    options.Check();
    FAIL() << "expected InputError starting with " << prefix;
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(prefix, 0), 0u) << e.what();
  }
}

TEST(ScheduleOptions, DefaultsAreStableDiffusion2) {
  ScheduleOptions options;
  EXPECT_NO_THROW(options.Check());
  EXPECT_EQ(options.num_train_timesteps, 1000);
  EXPECT_EQ(options.beta_schedule, "scaled_linear");
  EXPECT_DOUBLE_EQ(options.beta_start, 0.00085);
  EXPECT_DOUBLE_EQ(options.beta_end, 0.012);
  EXPECT_EQ(options.prediction_type, "epsilon");
  EXPECT_EQ(options.steps_offset, 1);
  EXPECT_FALSE(options.set_alpha_to_one);
  EXPECT_EQ(options.timestep_spacing, "leading");
}

TEST(ScheduleOptions, CheckNamesTheKey) {
  ScheduleOptions options;
  options.beta_schedule = "cosine";
  try {
    options.Check();
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "scheduler.beta_schedule: expected linear or scaled_linear, got \"cosine\"");
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
  }

  options = {};
  options.num_train_timesteps = 0;
  ExpectInputError(options, "scheduler.num_train_timesteps: ");
  options = {};
  options.beta_start = 0.0;
  ExpectInputError(options, "scheduler.beta_start: ");
  options = {};
  options.beta_end = 0.0001;  // below beta_start
  ExpectInputError(options, "scheduler.beta_end: ");
  options = {};
  options.beta_end = 1.0;
  ExpectInputError(options, "scheduler.beta_end: ");
  options = {};
  options.prediction_type = "sample";
  ExpectInputError(options, "scheduler.prediction_type: expected epsilon or v_prediction, got \"sample\"");
  options = {};
  options.steps_offset = -1;
  ExpectInputError(options, "scheduler.steps_offset: ");
  options = {};
  options.timestep_spacing = "karras";
  ExpectInputError(options, "scheduler.timestep_spacing: expected leading, trailing or linspace");
}

TEST(ScheduleOptions, CheckUsesTheKeyPrefix) {
  ScheduleOptions options;
  options.prediction_type = "eps";
  try {
    options.Check("inpainter.scheduler");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("inpainter.scheduler.prediction_type: ", 0), 0u) << e.what();
  }
}

TEST(NoiseSchedule, ScaledLinearBetasFollowTheFormula) {
  const NoiseSchedule schedule = MakeNoiseSchedule(ScheduleOptions{});
  ASSERT_EQ(schedule.betas.scalar_type(), at::kDouble);
  ASSERT_EQ(schedule.alphas_cumprod.scalar_type(), at::kDouble);
  ASSERT_EQ(schedule.betas.sizes(), at::IntArrayRef({1000}));
  ASSERT_EQ(schedule.alphas_cumprod.sizes(), at::IntArrayRef({1000}));
  const auto betas = schedule.betas.accessor<double, 1>();
  const double lo = std::sqrt(0.00085);
  const double hi = std::sqrt(0.012);
  for (int i = 0; i < 1000; ++i) {
    const double root = lo + (hi - lo) * i / 999.0;
    EXPECT_NEAR(betas[i], root * root, 1e-16) << i;
  }
  EXPECT_DOUBLE_EQ(betas[0], 0.00085);
  EXPECT_DOUBLE_EQ(betas[999], 0.012);
}

TEST(NoiseSchedule, LinearBetasFollowTheFormula) {
  ScheduleOptions options;
  options.beta_schedule = "linear";
  options.beta_start = 0.0001;
  options.beta_end = 0.02;
  const NoiseSchedule schedule = MakeNoiseSchedule(options);
  const auto betas = schedule.betas.accessor<double, 1>();
  for (int i = 0; i < 1000; ++i) EXPECT_NEAR(betas[i], 0.0001 + (0.02 - 0.0001) * i / 999.0, 1e-17) << i;
}

TEST(NoiseSchedule, AlphasCumprodMatchHandComputedValues) {
  const NoiseSchedule schedule = MakeNoiseSchedule(ScheduleOptions{});
  const auto a = schedule.alphas_cumprod.accessor<double, 1>();
  // a[0] = 1 - beta_start.
  EXPECT_DOUBLE_EQ(a[0], 0.99915);
  // a[1] = (1 - b0)(1 - b1), b1 = (sqrt(.00085) + (sqrt(.012) - sqrt(.00085)) / 999)^2.
  const double root1 = std::sqrt(0.00085) + (std::sqrt(0.012) - std::sqrt(0.00085)) / 999.0;
  EXPECT_NEAR(a[1], 0.99915 * (1.0 - root1 * root1), 1e-15);
  // Product over all 1000 betas, evaluated independently in double
  // (prod(1 - (sqrt(.00085) + i (sqrt(.012) - sqrt(.00085)) / 999)^2)); SD's
  // well-known final value ~0.00466.
  EXPECT_NEAR(a[999], 0.004660098513077234, 1e-14);
  EXPECT_NEAR(a[500], 0.2763326838229746, 1e-13);
  // Strictly decreasing, in (0, 1).
  for (int i = 1; i < 1000; ++i) EXPECT_LT(a[i], a[i - 1]) << i;
  EXPECT_GT(a[999], 0.0);
  EXPECT_LT(a[0], 1.0);
}

TEST(NoiseSchedule, MakeChecksOptions) {
  ScheduleOptions options;
  options.timestep_spacing = "evenly";
  EXPECT_THROW(MakeNoiseSchedule(options), InputError);
}

}  // namespace
}  // namespace scenescape
