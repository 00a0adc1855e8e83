#pragma once
// The skeleton both finetuners share: the parameters a finetuner trains, with
// their pristine copy, and one Finetune() that restores them and runs the Adam
// loop on a loss the finetuner supplies (this is the only TU that includes the
// optimizer). DepthFinetuner and DecoderFinetuner only prepare their losses.

#include <ATen/core/Tensor.h>

#include <functional>
#include <string>
#include <vector>

#include "scenescape/finetune/finetune_options.h"
#include "scenescape/models/script_module.h"

namespace scenescape::finetune_internal {

struct TrainedParameters {
  std::vector<std::string> names;
  std::vector<at::Tensor> live;      // the module's own tensors (requires_grad true)
  std::vector<at::Tensor> pristine;  // clones taken at selection time

  // Selects the parameters of `module` whose dotted name passes `train`, sets
  // requires_grad true on them and false on the rest, and clones them.
  // ResourceError "<file>: <what_if_none>" when none passes.
  static TrainedParameters Select(const ScriptModule& module,
                                  const std::function<bool(const std::string&)>& train,
                                  const std::string& what_if_none);

  // copy_ of the pristine values into the live tensors under NoGradGuard;
  // drops their gradients.
  void Restore();
  // Drops the gradients (frees their memory after training).
  void ClearGrad();
  int64_t NumScalars() const;
};

// How the forward passes and the loss of a fine-tuning step are computed.
enum class Precision {
  kFloat32,  // everything in float32 (the decoder always; the depth network by default)
  // Autocast around forward and loss, as the reference's depth fine-tuning
  // (torch.autocast + GradScaler): float16 with dynamic loss scaling on CUDA,
  // bfloat16 (no scaling needed) on the CPU.
  kMixed,
};

// `steps` steps of a fresh torch::optim::Adam (default betas and eps) over
// `params` (float32), each minimising loss() (a scalar tensor built with
// autograd), with the TorchScript graph executor's optimisation off (autograd
// records the interpreter's ops as eager mode does; see the .cc for why). Returns the loss of every step, read back
// once at the end (kMixed on CUDA reads one flag per step: a step whose scaled gradients overflowed is skipped and the
// scale halved, as GradScaler does).
std::vector<double> RunAdam(const std::vector<at::Tensor>& params,
                            double lr,
                            int steps,
                            const std::function<at::Tensor()>& loss,
                            Precision precision,
                            const std::string& label);

// Throws Error when c10::InferenceMode is on (no autograd possible).
void RequireGradMode(const char* who);

// One training step's loss (a scalar tensor built with autograd), or, when it
// is empty, the reason there is nothing to fit.
struct PreparedLoss {
  std::function<at::Tensor()> loss;
  std::string skipped;
};

// The fine-tuning skeleton: RequireGradMode(who); restore the pristine weights;
// with steps > 0, prepare() the loss (input checks and constant targets) and run
// `steps` Adam steps on it (RunAdam), then free the gradients. The module keeps
// the fine-tuned weights. `label` names the run in the progress line and log.
FinetuneStats Finetune(TrainedParameters& params,
                       const char* who,
                       const char* label,
                       int steps,
                       double lr,
                       Precision precision,
                       const std::function<PreparedLoss()>& prepare);

}  // namespace scenescape::finetune_internal
