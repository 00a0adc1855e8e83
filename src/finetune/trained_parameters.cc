#include "trained_parameters.h"

#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/optim/adam.h>
#include <torch/version.h>

#include <optional>

#include "scenescape/core/check.h"
#include "scenescape/core/logging.h"
#include "scenescape/core/progress.h"
#include "scenescape/core/timer.h"

namespace scenescape::finetune_internal {

TrainedParameters TrainedParameters::Select(const ScriptModule& module,
                                            const std::function<bool(const std::string&)>& train,
                                            const std::string& what_if_none) {
  TrainedParameters t;
  for (const auto& [name, value] : module.NamedParameters()) {
    const bool trained = train(name);
    // Loaded modules keep the requires_grad they were saved with: set both ways.
    value.requires_grad_(trained);
    if (!trained) continue;
    t.names.push_back(name);
    t.live.push_back(value);
    t.pristine.push_back(value.detach().clone());
  }
  if (t.live.empty()) throw ResourceError(module.file().string() + ": " + what_if_none);
  return t;
}

void TrainedParameters::Restore() {
  at::NoGradGuard no_grad;
  for (size_t i = 0; i < live.size(); ++i) live[i].copy_(pristine[i]);
  ClearGrad();
}

void TrainedParameters::ClearGrad() {
  for (auto& p : live) p.mutable_grad() = at::Tensor();
}

int64_t TrainedParameters::NumScalars() const {
  int64_t n = 0;
  for (const auto& p : live) n += p.numel();
  return n;
}

namespace {

// Autocast on `device`'s type with `dtype` for the guard's lifetime. The
// LibTorch 2.4+ API takes the device type; 1.13 (Debian) has one switch per
// device type.
class Autocast {
 public:
  Autocast(c10::DeviceType device, at::ScalarType dtype) : device_(device) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    was_enabled_ = at::autocast::is_autocast_enabled(device_);
    was_dtype_ = at::autocast::get_autocast_dtype(device_);
    at::autocast::set_autocast_dtype(device_, dtype);
    at::autocast::set_autocast_enabled(device_, true);
#else
    const bool cuda = device_ == c10::kCUDA;
    was_enabled_ = cuda ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
    was_dtype_ = cuda ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
    cuda ? at::autocast::set_autocast_gpu_dtype(dtype) : at::autocast::set_autocast_cpu_dtype(dtype);
    cuda ? at::autocast::set_enabled(true) : at::autocast::set_cpu_enabled(true);
#endif
    at::autocast::increment_nesting();
  }
  ~Autocast() {
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    at::autocast::set_autocast_enabled(device_, was_enabled_);
    at::autocast::set_autocast_dtype(device_, was_dtype_);
#else
    const bool cuda = device_ == c10::kCUDA;
    cuda ? at::autocast::set_enabled(was_enabled_) : at::autocast::set_cpu_enabled(was_enabled_);
    cuda ? at::autocast::set_autocast_gpu_dtype(was_dtype_) : at::autocast::set_autocast_cpu_dtype(was_dtype_);
#endif
  }
  Autocast(const Autocast&) = delete;
  Autocast& operator=(const Autocast&) = delete;

 private:
  c10::DeviceType device_;
  bool was_enabled_ = false;
  at::ScalarType was_dtype_ = at::kFloat;
};

// GradScaler's defaults (torch.cuda.amp.GradScaler): initial scale 2^16,
// x2 after 2000 overflow-free steps, x0.5 on an overflow.
struct LossScaler {
  explicit LossScaler(const c10::Device& device)
      : scale(at::full({1}, 65536.0, at::TensorOptions().device(device).dtype(at::kFloat))),
        growth_tracker(at::zeros({1}, at::TensorOptions().device(device).dtype(at::kInt))),
        found_inf(at::zeros({1}, at::TensorOptions().device(device).dtype(at::kFloat))) {}

  // Unscales the gradients in place; true when they are all finite.
  bool Unscale(const std::vector<at::Tensor>& params) {
    std::vector<at::Tensor> grads;
    for (const auto& p : params)
      if (p.grad().defined()) grads.push_back(p.mutable_grad());
    found_inf.zero_();
    at::_amp_foreach_non_finite_check_and_unscale_(grads, found_inf, scale.reciprocal());
    const bool finite = found_inf.item<float>() == 0.0f;  // the one sync per step (as GradScaler)
    at::_amp_update_scale_(scale, growth_tracker, found_inf, 2.0, 0.5, 2000);
    return finite;
  }

  at::Tensor scale, growth_tracker, found_inf;
};

}  // namespace

std::vector<double> RunAdam(const std::vector<at::Tensor>& params,
                            double lr,
                            int steps,
                            const std::function<at::Tensor()>& loss,
                            Precision precision,
                            const std::string& label) {
  SCN_CHECK(!params.empty());
  for (const auto& p : params)
    SCN_CHECK(p.scalar_type() == at::kFloat) << label << ": trained parameters must be float32";
  ProgressLine progress(label);
  torch::optim::Adam adam(params, torch::optim::AdamOptions(lr));
  std::vector<at::Tensor> losses;
  losses.reserve(steps);
  const c10::Device device = params.front().device();
  const bool mixed = precision == Precision::kMixed;
  const bool scaled = mixed && device.is_cuda();  // float16 needs scaling; bfloat16 does not
  // The TorchScript graph executor's optimisation stays off while training, in both precisions: autograd
  // then records the interpreter's ops as eager mode does (the reference trains eager modules). With it on,
  // the executor's own differentiable graphs, built from the second call, do not follow autocast's casts
  // (PyTorch issues #38958, #63939, #72760), and in float32 they gave non-finite gradients from the second
  // step on for a traced MiDaS DPT (cls_token and pos_embed first; LibTorch 1.13, in scripts/gpu's
  // rehearsal: every depth after fine-tuning came out NaN). Inference outside this loop is unaffected.
  const torch::jit::GraphOptimizerEnabledGuard eager_autograd(false);
  std::optional<LossScaler> scaler;
  if (scaled) scaler.emplace(device);
  for (int step = 0; step < steps; ++step) {
    adam.zero_grad();
    at::Tensor l;
    if (mixed) {
      const Autocast autocast(device.type(), scaled ? at::kHalf : at::kBFloat16);
      l = loss().to(at::kFloat);
    } else {
      l = loss();
      SCN_CHECK(l.scalar_type() == at::kFloat) << label << ": the float32 loss came out as " << l.scalar_type();
    }
    if (scaled) {
      (l * scaler->scale).backward();
      if (scaler->Unscale(params)) adam.step();
    } else {
      l.backward();
      adam.step();
    }
    progress.Update(step + 1, steps);
    // Kept on the device: one transfer at the end, not a sync per step.
    losses.push_back(l.detach());
  }
  if (losses.empty()) return {};
  const at::Tensor all = at::stack(losses).to(at::kCPU, at::kDouble).contiguous();
  return std::vector<double>(all.data_ptr<double>(), all.data_ptr<double>() + steps);
}

FinetuneStats Finetune(TrainedParameters& params,
                       const char* who,
                       const char* label,
                       int steps,
                       double lr,
                       Precision precision,
                       const std::function<PreparedLoss()>& prepare) {
  RequireGradMode(who);
  Timer timer;
  FinetuneStats stats;
  params.Restore();
  if (steps == 0) {
    stats.skipped = "disabled (0 steps)";
    stats.ms = timer.ElapsedMs();
    return stats;
  }
  const PreparedLoss prepared = prepare();
  if (!prepared.loss) {
    stats.skipped = prepared.skipped;
    stats.ms = timer.ElapsedMs();
    return stats;
  }
  stats.losses = RunAdam(params.live, lr, steps, prepared.loss, precision, label);
  stats.steps = steps;
  params.ClearGrad();  // frees the gradients' memory
  stats.ms = timer.ElapsedMs();
  SCN_LOG_DEBUG("{}: {} steps, loss {:.5f} -> {:.5f}, {:.0f} ms",
                label,
                steps,
                stats.losses.front(),
                stats.losses.back(),
                stats.ms);
  return stats;
}

void RequireGradMode(const char* who) {
  SCN_CHECK(!c10::InferenceMode::is_enabled()) << who << " trains with autograd: call it outside c10::InferenceMode";
}

}  // namespace scenescape::finetune_internal
