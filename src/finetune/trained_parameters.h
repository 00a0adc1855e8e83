#pragma once
// The parameters a finetuner trains, with their pristine copy, and the Adam
// loop both finetuners share (the only TU that includes the optimizer).

#include <ATen/core/Tensor.h>

#include <functional>
#include <string>
#include <vector>

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

// `steps` steps of a fresh torch::optim::Adam (default betas and eps) over
// `params`, each minimising loss() (a scalar tensor built with autograd).
// Returns the loss of every step, read back once at the end.
std::vector<double> RunAdam(const std::vector<at::Tensor>& params, double lr, int steps,
                            const std::function<at::Tensor()>& loss, bool mixed_precision,
                            const std::string& label);

// Throws Error when c10::InferenceMode is on (no autograd possible).
void RequireGradMode(const char* who);

}  // namespace scenescape::finetune_internal
