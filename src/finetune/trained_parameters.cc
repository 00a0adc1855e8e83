#include "trained_parameters.h"

#include <ATen/autocast_mode.h>

#include "scenescape/core/progress.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <torch/optim/adam.h>

#include "scenescape/core/check.h"
#include "scenescape/core/logging.h"
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
// bf16 autocast around the forward pass and the loss on CUDA (the reference uses
// torch.amp.autocast for the depth network). bf16 has float32's range, so unlike
// fp16 it needs no GradScaler. Not exercised here: no GPU was available.
class CudaAutocast {
 public:
  explicit CudaAutocast(bool on) : on_(on) {
    if (!on_) return;
    at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
    at::autocast::set_enabled(true);
  }
  ~CudaAutocast() {
    if (!on_) return;
    at::autocast::set_enabled(false);
    at::autocast::clear_cache();
  }

 private:
  bool on_;
};
}  // namespace

std::vector<double> RunAdam(const std::vector<at::Tensor>& params, double lr, int steps,
                            const std::function<at::Tensor()>& loss, bool mixed_precision,
                            const std::string& label) {
  ProgressLine progress(label);
  torch::optim::Adam adam(params, torch::optim::AdamOptions(lr));
  std::vector<at::Tensor> losses;
  losses.reserve(steps);
  const bool autocast = mixed_precision && !params.empty() && params.front().is_cuda();
  for (int step = 0; step < steps; ++step) {
    adam.zero_grad();
    at::Tensor l;
    {
      const CudaAutocast guard(autocast);
      l = loss().to(at::kFloat);
    }
    l.backward();
    adam.step();
    progress.Update(step + 1, steps);
    // Kept on the device: one transfer at the end, not a sync per step.
    losses.push_back(l.detach());
  }
  if (losses.empty()) return {};
  const at::Tensor all = at::stack(losses).to(at::kCPU, at::kDouble).contiguous();
  return std::vector<double>(all.data_ptr<double>(), all.data_ptr<double>() + steps);
}

FinetuneStats Finetune(TrainedParameters& params, const char* who, const char* label, int steps, double lr,
                       bool mixed_precision, const std::function<PreparedLoss()>& prepare) {
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
  stats.losses = RunAdam(params.live, lr, steps, prepared.loss, mixed_precision, label);
  stats.steps = steps;
  params.ClearGrad();  // frees the gradients' memory
  stats.ms = timer.ElapsedMs();
  SCN_LOG_DEBUG("{}: {} steps, loss {:.5f} -> {:.5f}, {:.0f} ms", label, steps, stats.losses.front(),
                stats.losses.back(), stats.ms);
  return stats;
}

void RequireGradMode(const char* who) {
  SCN_CHECK(!c10::InferenceMode::is_enabled())
      << who << " trains with autograd: call it outside c10::InferenceMode";
}

}  // namespace scenescape::finetune_internal
