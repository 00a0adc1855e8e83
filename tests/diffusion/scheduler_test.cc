#include "scenescape/diffusion/scheduler.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "scenescape/core/check.h"
#include "scenescape/diffusion/sampler.h"

namespace scenescape {
namespace {

std::vector<int64_t> Timesteps(const std::string& name, const std::string& spacing, int steps, int offset = 1) {
  ScheduleOptions options;
  options.timestep_spacing = spacing;
  options.steps_offset = offset;
  auto scheduler = MakeScheduler(name, options);
  scheduler->SetTimesteps(steps);
  return scheduler->Timesteps();
}

std::vector<int64_t> Arithmetic(int64_t first, int64_t step, int count) {
  std::vector<int64_t> out;
  for (int i = 0; i < count; ++i) out.push_back(first - i * step);
  return out;
}

double MaxAbs(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

// ---------------------------------------------------------------- timesteps

TEST(DdimTimesteps, LeadingWithOffsetIsSdDefault) {
  // diffusers: (arange(50) * 20)[::-1] + 1 = 981, 961, ..., 1.
  EXPECT_EQ(Timesteps("ddim", "leading", 50), Arithmetic(981, 20, 50));
  EXPECT_EQ(Timesteps("ddim", "leading", 50, 0), Arithmetic(980, 20, 50));
  // T // 30 = 33: 957 + 1, ..., 1.
  EXPECT_EQ(Timesteps("ddim", "leading", 30), Arithmetic(958, 33, 30));
}

TEST(DdimTimesteps, TrailingAndLinspace) {
  EXPECT_EQ(Timesteps("ddim", "trailing", 50), Arithmetic(999, 20, 50));
  EXPECT_EQ(Timesteps("ddim", "trailing", 7), (std::vector<int64_t>{999, 856, 713, 570, 428, 285, 142}));
  // round(linspace(0, 999, 50))[::-1], values from numpy's formula.
  const std::vector<int64_t> linspace = {999, 979, 958, 938, 917, 897, 877, 856, 836, 816, 795, 775, 754,
                                         734, 714, 693, 673, 652, 632, 612, 591, 571, 550, 530, 510, 489,
                                         469, 449, 428, 408, 387, 367, 347, 326, 306, 285, 265, 245, 224,
                                         204, 183, 163, 143, 122, 102, 82,  61,  41,  20,  0};
  EXPECT_EQ(Timesteps("ddim", "linspace", 50), linspace);
  // linspace(0, 999, 3) = 0, 499.5, 999; numpy rounds half to even: 500.
  EXPECT_EQ(Timesteps("ddim", "linspace", 3), (std::vector<int64_t>{999, 500, 0}));
  // steps_offset applies to "leading" only.
  EXPECT_EQ(Timesteps("ddim", "trailing", 50, 0), Timesteps("ddim", "trailing", 50, 1));
}

TEST(DpmSolverTimesteps, SpacingsFollowDiffusers) {
  // leading: (arange(51) * (1000 // 51))[::-1][:-1] + 1 = 951, 932, ..., 20.
  EXPECT_EQ(Timesteps("dpmpp_2m", "leading", 50), Arithmetic(951, 19, 50));
  EXPECT_EQ(Timesteps("dpmpp_2m", "trailing", 50), Arithmetic(999, 20, 50));
  // round(linspace(0, 999, 51))[::-1][:-1]; 499.5 rounds to 500.
  const std::vector<int64_t> linspace = {999, 979, 959, 939, 919, 899, 879, 859, 839, 819, 799, 779, 759,
                                         739, 719, 699, 679, 659, 639, 619, 599, 579, 559, 539, 519, 500,
                                         480, 460, 440, 420, 400, 380, 360, 340, 320, 300, 280, 260, 240,
                                         220, 200, 180, 160, 140, 120, 100, 80,  60,  40,  20};
  EXPECT_EQ(Timesteps("dpmpp_2m", "linspace", 50), linspace);
  EXPECT_EQ(Timesteps("dpmpp_2m", "linspace", 7), (std::vector<int64_t>{999, 856, 714, 571, 428, 285, 143}));
}

TEST(Timesteps, BadStepCountsThrowInputError) {
  for (const std::string& name : SchedulerNames()) {
    auto scheduler = MakeScheduler(name, ScheduleOptions{});
    EXPECT_THROW(scheduler->SetTimesteps(0), InputError) << name;
    EXPECT_THROW(scheduler->SetTimesteps(1001), InputError) << name;
  }
  // leading with offset 1 and 1000 steps reaches t = 1000.
  auto ddim = MakeScheduler("ddim", ScheduleOptions{});
  EXPECT_THROW(ddim->SetTimesteps(1000), InputError);
  ScheduleOptions no_offset;
  no_offset.steps_offset = 0;
  auto ddim0 = MakeScheduler("ddim", no_offset);
  EXPECT_NO_THROW(ddim0->SetTimesteps(1000));
  EXPECT_EQ(ddim0->Timesteps().front(), 999);
  EXPECT_EQ(ddim0->Timesteps().back(), 0);
  // DPM linspace with n + 1 > T repeats timesteps.
  ScheduleOptions linspace;
  linspace.timestep_spacing = "linspace";
  auto dpm = MakeScheduler("dpmpp_2m", linspace);
  EXPECT_THROW(dpm->SetTimesteps(1000), InputError);
}

TEST(Schedulers, FactoryAndErrors) {
  EXPECT_EQ(MakeScheduler("ddim", {})->Name(), "ddim");
  EXPECT_EQ(MakeScheduler("dpmpp_2m", {})->Name(), "dpmpp_2m");
  EXPECT_THROW(MakeScheduler("euler", {}), InputError);
  ScheduleOptions bad;
  bad.beta_schedule = "cosine";
  EXPECT_THROW(MakeScheduler("ddim", bad), InputError);

  auto scheduler = MakeScheduler("ddim", {});
  const at::Tensor x = at::zeros({1, 4, 2, 2});
  EXPECT_THROW(scheduler->Step(x, 981, x), Error);  // before SetTimesteps
  scheduler->SetTimesteps(10);
  EXPECT_THROW(scheduler->Step(at::zeros({1, 4, 2, 3}), 901, x), Error);  // shape mismatch
  EXPECT_THROW(scheduler->Step(x, 1000, x), Error);                       // t out of range
}

// ---------------------------------------------------------------- single steps

TEST(DdimScheduler, OneStepMatchesTheClosedForm) {
  ScheduleOptions options;
  for (const std::string prediction : {"epsilon", "v_prediction"}) {
    options.prediction_type = prediction;
    DdimScheduler scheduler(options);
    scheduler.SetTimesteps(50);
    const at::Tensor x = at::randn({2, 4, 3, 3});
    const at::Tensor out = at::randn({2, 4, 3, 3});
    const at::Tensor got = scheduler.Step(out, 961, x);
    EXPECT_EQ(got.scalar_type(), at::kFloat);
    // diffusers DDIMScheduler.step, eta 0, written out in double.
    const double a = scheduler.AlphaCumprod(961);
    const double a_prev = scheduler.AlphaCumprod(941);
    const at::Tensor xd = x.to(at::kDouble), od = out.to(at::kDouble);
    at::Tensor x0, eps;
    if (prediction == "epsilon") {
      x0 = (xd - std::sqrt(1 - a) * od) / std::sqrt(a);
      eps = od;
    } else {
      x0 = std::sqrt(a) * xd - std::sqrt(1 - a) * od;
      eps = std::sqrt(a) * od + std::sqrt(1 - a) * xd;
    }
    const at::Tensor expected = std::sqrt(a_prev) * x0 + std::sqrt(1 - a_prev) * eps;
    EXPECT_LT(MaxAbs(got, expected), 1e-5) << prediction;
  }
}

TEST(DdimScheduler, FinalAlphaFollowsSetAlphaToOne) {
  ScheduleOptions options;
  EXPECT_DOUBLE_EQ(DdimScheduler(options).FinalAlphaCumprod(), 0.99915);
  options.set_alpha_to_one = true;
  EXPECT_DOUBLE_EQ(DdimScheduler(options).FinalAlphaCumprod(), 1.0);
}

TEST(DpmSolverScheduler, SigmasEndAtZeroAndStepOrderIsChecked) {
  DpmSolverPlusPlus2MScheduler scheduler{ScheduleOptions{}};
  scheduler.SetTimesteps(20);
  const auto& sigmas = scheduler.Sigmas();
  ASSERT_EQ(sigmas.size(), 21u);
  EXPECT_EQ(sigmas.back(), 0.0);
  for (size_t i = 1; i < sigmas.size(); ++i) EXPECT_LT(sigmas[i], sigmas[i - 1]);
  const double a = scheduler.AlphaCumprod(scheduler.Timesteps()[0]);
  EXPECT_NEAR(sigmas[0], std::sqrt((1 - a) / a), 1e-12);

  const at::Tensor x = at::randn({1, 4, 2, 2});
  const int64_t t0 = scheduler.Timesteps()[0];
  const int64_t t1 = scheduler.Timesteps()[1];
  EXPECT_THROW(scheduler.Step(x, t1, x), Error);  // skipped a step
  at::Tensor y = scheduler.Step(x, t0, x);
  EXPECT_THROW(scheduler.Step(y, t0, y), Error);  // repeated a step
  // SetTimesteps resets the multistep state.
  scheduler.SetTimesteps(20);
  EXPECT_NO_THROW(scheduler.Step(x, t0, x));
}

TEST(DpmSolverScheduler, FirstStepIsDpmSolverOne) {
  // With no history the update is x_t = (sigma_t / sigma_s) x + alpha_t (1 - e^{-h}) x0,
  // which for eps prediction is exactly DDIM from t_s to t_t (Lu et al. 2022, sec. 3.3).
  ScheduleOptions options;
  options.timestep_spacing = "trailing";
  DpmSolverPlusPlus2MScheduler dpm(options);
  dpm.SetTimesteps(10);
  const at::Tensor x = at::randn({1, 4, 5, 5});
  const at::Tensor eps = at::randn({1, 4, 5, 5});
  const at::Tensor got = dpm.Step(eps, 999, x);
  // DDIM trailing 10: 999 -> 899 (= 999 - 1000 // 10).
  DdimScheduler ddim(options);
  ddim.SetTimesteps(10);
  EXPECT_LT(MaxAbs(got, ddim.Step(eps, 999, x)), 1e-5);
}

TEST(DpmSolverScheduler, StepsMatchTheDpmSolverPlusPlusFormulas) {
  // diffusers' dpm_solver_first_order_update and
  // multistep_dpm_solver_second_order_update (midpoint), written out in double
  // with lambda = log(alpha / sigma) = 0.5 log(a / (1 - a)).
  for (const std::string prediction : {"epsilon", "v_prediction"}) {
    ScheduleOptions options;
    options.prediction_type = prediction;
    DpmSolverPlusPlus2MScheduler scheduler(options);
    scheduler.SetTimesteps(10);
    const auto& ts = scheduler.Timesteps();
    auto alpha = [&](int64_t t) { return std::sqrt(scheduler.AlphaCumprod(t)); };
    auto sigma = [&](int64_t t) { return std::sqrt(1 - scheduler.AlphaCumprod(t)); };
    auto lambda = [&](int64_t t) { return std::log(alpha(t)) - std::log(sigma(t)); };
    auto data = [&](int64_t t, const at::Tensor& x, const at::Tensor& out) {
      const at::Tensor xd = x.to(at::kDouble), od = out.to(at::kDouble);
      if (prediction == "epsilon") return at::Tensor((xd - sigma(t) * od) / alpha(t));
      return at::Tensor(alpha(t) * xd - sigma(t) * od);
    };
    const at::Tensor x_a = at::randn({1, 4, 6, 6});
    const at::Tensor out_a = at::randn({1, 4, 6, 6});
    const at::Tensor out_b = at::randn({1, 4, 6, 6});

    const at::Tensor y = scheduler.Step(out_a, ts[0], x_a);
    const at::Tensor m1 = data(ts[0], x_a, out_a);
    const double h_a = lambda(ts[1]) - lambda(ts[0]);
    const at::Tensor y_expected =
        sigma(ts[1]) / sigma(ts[0]) * x_a.to(at::kDouble) - alpha(ts[1]) * std::expm1(-h_a) * m1;
    EXPECT_LT(MaxAbs(y, y_expected), 1e-5) << prediction;

    const at::Tensor z = scheduler.Step(out_b, ts[1], y);
    const at::Tensor m0 = data(ts[1], y, out_b);
    const double h = lambda(ts[2]) - lambda(ts[1]);
    const double r0 = (lambda(ts[1]) - lambda(ts[0])) / h;
    const at::Tensor d1 = (m0 - m1) / r0;
    const double phi = alpha(ts[2]) * std::expm1(-h);
    const at::Tensor z_expected = sigma(ts[2]) / sigma(ts[1]) * y.to(at::kDouble) - phi * m0 - 0.5 * phi * d1;
    EXPECT_LT(MaxAbs(z, z_expected), 1e-5) << prediction;
    // The correction term is really there.
    EXPECT_GT(MaxAbs(z, sigma(ts[2]) / sigma(ts[1]) * y.to(at::kDouble) - phi * m0), 1e-3) << prediction;
  }
}

TEST(DpmSolverScheduler, LastStepReturnsTheDataPrediction) {
  // Final sigma 0: h = inf, the first-order update collapses to x0.
  DpmSolverPlusPlus2MScheduler scheduler{ScheduleOptions{}};
  scheduler.SetTimesteps(1);
  const int64_t t = scheduler.Timesteps()[0];
  const double a = scheduler.AlphaCumprod(t);
  const at::Tensor x = at::randn({2, 4, 3, 3});
  const at::Tensor eps = at::randn({2, 4, 3, 3});
  const at::Tensor got = scheduler.Step(eps, t, x);
  EXPECT_TRUE(at::isfinite(got).all().item<bool>());
  EXPECT_LT(MaxAbs(got, (x.to(at::kDouble) - std::sqrt(1 - a) * eps.to(at::kDouble)) / std::sqrt(a)), 1e-5);
}

// ---------------------------------------------------------------- oracle

// Returns the exact network output for a sample x_t = sqrt(a) x0 + sqrt(1 - a) eps
// whose clean image x0 is known: eps = (x_t - sqrt(a) x0) / sqrt(1 - a) or
// v = sqrt(a) eps - sqrt(1 - a) x0, evaluated in double.
DenoiseFn Oracle(const Scheduler& scheduler, const at::Tensor& x0) {
  return [&scheduler, x0](const at::Tensor& x, int64_t t, int) {
    const double a = scheduler.AlphaCumprod(t);
    const at::Tensor x0d = x0.to(at::kDouble);
    const at::Tensor eps = (x.to(at::kDouble) - std::sqrt(a) * x0d) / std::sqrt(1 - a);
    if (scheduler.Prediction() == PredictionType::kEpsilon) return eps.to(at::kFloat);
    return (std::sqrt(a) * eps - std::sqrt(1 - a) * x0d).to(at::kFloat);
  };
}

struct OracleCase {
  std::string scheduler;
  std::string prediction;
  std::string spacing;
};

class OracleTest : public ::testing::TestWithParam<OracleCase> {};

TEST_P(OracleTest, RecoversTheCleanSampleFromPureNoise) {
  const OracleCase& c = GetParam();
  ScheduleOptions options;
  options.prediction_type = c.prediction;
  options.timestep_spacing = c.spacing;
  options.set_alpha_to_one = true;  // DDIM ends at alpha 1, i.e. the clean sample
  auto scheduler = MakeScheduler(c.scheduler, options);
  const at::Tensor x0 = at::rand({2, 4, 8, 8}) * 2 - 1;
  const at::Tensor noise = at::randn({2, 4, 8, 8});
  for (int steps : {1, 10, 50}) {
    const at::Tensor result = Sample(*scheduler, noise, steps, Oracle(*scheduler, x0));
    const double tolerance = c.scheduler == "ddim" ? 1e-4 : 1e-3;
    EXPECT_LT(MaxAbs(result, x0), tolerance)
        << c.scheduler << " " << c.prediction << " " << c.spacing << " steps " << steps;
  }
}

INSTANTIATE_TEST_SUITE_P(AllSchedulers,
                         OracleTest,
                         ::testing::Values(OracleCase{"ddim", "epsilon", "leading"},
                                           OracleCase{"ddim", "v_prediction", "leading"},
                                           OracleCase{"ddim", "epsilon", "trailing"},
                                           OracleCase{"ddim", "v_prediction", "linspace"},
                                           OracleCase{"dpmpp_2m", "epsilon", "leading"},
                                           OracleCase{"dpmpp_2m", "v_prediction", "leading"},
                                           OracleCase{"dpmpp_2m", "epsilon", "trailing"},
                                           OracleCase{"dpmpp_2m", "v_prediction", "linspace"}),
                         [](const ::testing::TestParamInfo<OracleCase>& info) {
                           return info.param.scheduler + "_" + info.param.prediction + "_" + info.param.spacing;
                         });

TEST(DdimScheduler, OracleWithSdFinalAlphaStopsAtAlphaZero) {
  // SD sets set_alpha_to_one = false: the last DDIM step lands on
  // alphas_cumprod[0] = 0.99915, not on the clean sample. With the oracle the
  // trajectory keeps the initial eps, so the result is sqrt(a0) x0 + sqrt(1 - a0) eps.
  for (const std::string prediction : {"epsilon", "v_prediction"}) {
    ScheduleOptions options;
    options.prediction_type = prediction;
    DdimScheduler scheduler(options);
    const at::Tensor x0 = at::rand({1, 4, 16, 16}) * 2 - 1;
    const at::Tensor noise = at::randn({1, 4, 16, 16});
    const at::Tensor result = Sample(scheduler, noise, 50, Oracle(scheduler, x0));
    const double a_first = scheduler.AlphaCumprod(981);
    const at::Tensor eps = (noise.to(at::kDouble) - std::sqrt(a_first) * x0.to(at::kDouble)) / std::sqrt(1 - a_first);
    const double a0 = 0.99915;
    const at::Tensor expected = std::sqrt(a0) * x0.to(at::kDouble) + std::sqrt(1 - a0) * eps;
    EXPECT_LT(MaxAbs(result, expected), 1e-4) << prediction;
    EXPECT_GT(MaxAbs(result, x0), 1e-2) << prediction;  // and it is not x0
  }
}

// ---------------------------------------------------------------- convergence

// Data x0 ~ N(mu, s^2) per element: the exact denoiser is linear,
//   E[x0 | x_t] = mu + s^2 alpha / (alpha^2 s^2 + sigma^2) (x_t - alpha mu),
// and the probability-flow ODE keeps z = (x_t - alpha mu) / sqrt(alpha^2 s^2 + sigma^2)
// constant, so its exact solution is known at every timestep. DDIM is a
// first-order solver of that ODE and DPM-Solver++(2M) a second-order one:
// halving the step size should halve DDIM's error and at least quarter DPM's
// (measured: DDIM 0.118 / 0.060 / 0.031 and DPM++ 0.0123 / 0.0015 / 0.00015 at
// 10 / 20 / 40 steps; a wrong sign on the second-order term makes DPM++ first
// order and worse than DDIM).
double GaussianOdeError(const std::string& name, const std::string& prediction, int steps) {
  const double mu = 0.3;
  const double s = 0.5;
  ScheduleOptions options;
  options.prediction_type = prediction;
  options.timestep_spacing = "trailing";
  auto scheduler = MakeScheduler(name, options);
  scheduler->SetTimesteps(steps);
  auto alpha_sigma = [&](int64_t t) {
    const double a = scheduler->AlphaCumprod(t);
    return std::make_pair(std::sqrt(a), std::sqrt(1 - a));
  };
  const at::Tensor start = at::linspace(-3, 3, 257, at::kDouble);
  const auto [alpha_start, sigma_start] = alpha_sigma(999);
  const at::Tensor z =
      (start - alpha_start * mu) / std::sqrt(alpha_start * alpha_start * s * s + sigma_start * sigma_start);
  // Stop at t = 99, a timestep that the 10-, 20- and 40-step trailing grids share.
  at::Tensor x = start.to(at::kFloat);
  const int stop_after = steps - steps / 10;  // 999 - k * (1000 / steps) = 99
  for (int i = 0; i < stop_after; ++i) {
    const int64_t t = scheduler->Timesteps()[i];
    const auto [alpha, sigma] = alpha_sigma(t);
    const at::Tensor xd = x.to(at::kDouble);
    const at::Tensor x0 = mu + s * s * alpha / (alpha * alpha * s * s + sigma * sigma) * (xd - alpha * mu);
    const at::Tensor eps = (xd - alpha * x0) / sigma;
    const at::Tensor out = prediction == "epsilon" ? eps : alpha * eps - sigma * x0;
    x = scheduler->Step(out.to(at::kFloat), t, x);
  }
  EXPECT_EQ(scheduler->Timesteps()[stop_after], 99);
  const auto [alpha, sigma] = alpha_sigma(99);
  const at::Tensor exact = alpha * mu + std::sqrt(alpha * alpha * s * s + sigma * sigma) * z;
  return MaxAbs(x, exact);
}

TEST(Schedulers, ConvergenceOrderOnGaussianData) {
  for (const std::string prediction : {"epsilon", "v_prediction"}) {
    const double ddim10 = GaussianOdeError("ddim", prediction, 10);
    const double ddim20 = GaussianOdeError("ddim", prediction, 20);
    const double ddim40 = GaussianOdeError("ddim", prediction, 40);
    const double dpm10 = GaussianOdeError("dpmpp_2m", prediction, 10);
    const double dpm20 = GaussianOdeError("dpmpp_2m", prediction, 20);
    const double dpm40 = GaussianOdeError("dpmpp_2m", prediction, 40);
    std::printf("%s: ddim %.3g %.3g %.3g (ratios %.2f %.2f), dpm++2m %.3g %.3g %.3g (ratios %.2f %.2f)\n",
                prediction.c_str(),
                ddim10,
                ddim20,
                ddim40,
                ddim10 / ddim20,
                ddim20 / ddim40,
                dpm10,
                dpm20,
                dpm40,
                dpm10 / dpm20,
                dpm20 / dpm40);
    // First order: error ratio ~2 per halving; second order: ~4.
    EXPECT_GT(ddim10 / ddim20, 1.6) << prediction;
    EXPECT_LT(ddim10 / ddim20, 2.6) << prediction;
    EXPECT_GT(ddim20 / ddim40, 1.6) << prediction;
    EXPECT_LT(ddim20 / ddim40, 2.6) << prediction;
    EXPECT_GT(dpm10 / dpm20, 3.0) << prediction;
    EXPECT_GT(dpm20 / dpm40, 3.0) << prediction;
    EXPECT_LT(dpm10, ddim10) << prediction;
  }
}

// ---------------------------------------------------------------- registry-wide

TEST(Schedulers, RegistryWideInvariants) {
  for (const std::string& name : SchedulerNames()) {
    for (const std::string prediction : {"epsilon", "v_prediction"}) {
      for (const std::string spacing : {"leading", "trailing", "linspace"}) {
        ScheduleOptions options;
        options.prediction_type = prediction;
        options.timestep_spacing = spacing;
        auto scheduler = MakeScheduler(name, options);
        EXPECT_EQ(scheduler->Name(), name);
        EXPECT_EQ(scheduler->InitNoiseSigma(), 1.0);
        const std::string where = name + " " + prediction + " " + spacing;
        for (int steps : {1, 2, 7, 25, 50, 500}) {
          scheduler->SetTimesteps(steps);
          const auto& timesteps = scheduler->Timesteps();
          ASSERT_EQ(static_cast<int>(timesteps.size()), steps) << where;
          for (size_t i = 0; i < timesteps.size(); ++i) {
            EXPECT_GE(timesteps[i], 0) << where;
            EXPECT_LT(timesteps[i], 1000) << where;
            if (i > 0) {
              EXPECT_LT(timesteps[i], timesteps[i - 1]) << where << " steps " << steps;
            }
          }
        }
        // A smooth, deterministic stand-in for a network.
        const DenoiseFn fake = [](const at::Tensor& x, int64_t t, int step) {
          return at::tanh(x) * 0.5 + 0.001 * static_cast<double>(t) - 0.01 * step;
        };
        const at::Tensor noise = CandidateNoise(7, 0, 0, {2, 4, 6, 5});
        const at::Tensor first = Sample(*scheduler, noise, 12, fake);
        const at::Tensor second = Sample(*scheduler, noise, 12, fake);
        EXPECT_EQ(first.sizes(), noise.sizes()) << where;
        EXPECT_EQ(first.scalar_type(), at::kFloat) << where;
        EXPECT_TRUE(at::isfinite(first).all().item<bool>()) << where;
        EXPECT_TRUE(at::equal(first, second)) << where;
        // float16 network output is accepted and the loop stays float32.
        const DenoiseFn half = [&fake](const at::Tensor& x, int64_t t, int step) {
          return fake(x, t, step).to(at::kHalf);
        };
        const at::Tensor from_half = Sample(*scheduler, noise, 12, half);
        EXPECT_EQ(from_half.scalar_type(), at::kFloat) << where;
        EXPECT_LT(MaxAbs(from_half, first), 0.05) << where;
      }
    }
  }
}

TEST(Schedulers, AddNoiseIsTheForwardProcess) {
  auto scheduler = MakeScheduler("ddim", {});
  const at::Tensor x0 = at::randn({3, 5});
  const at::Tensor noise = at::randn({3, 5});
  const double a = scheduler->AlphaCumprod(500);
  EXPECT_LT(MaxAbs(scheduler->AddNoise(x0, noise, 500), std::sqrt(a) * x0 + std::sqrt(1 - a) * noise), 1e-6);
}

}  // namespace
}  // namespace scenescape
