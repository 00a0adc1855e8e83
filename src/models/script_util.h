#pragma once
// Private helpers shared by the model wrappers' .cc files. ATen only: the
// wrappers compile without torch/script.h (which costs seconds per file);
// only script_module.cc touches torch::jit.

#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "scenescape/models/script_module.h"

namespace scenescape::models_internal {

// "[2,4,8,8] float32"
std::string Describe(const at::Tensor& t);
// The first line of an exception message (LibTorch's carry backtraces); for an error raised inside a
// TorchScript graph, its cause (the message's last line) after "in the TorchScript interpreter: ".
std::string FirstLine(const std::string& what);
// "[B,77] int64"-style shape text from sizes, for signatures.
std::string Dims(std::initializer_list<std::string> dims);

// Runs module.forward(inputs). A thrown exception or an output that is not a
// tensor becomes ResourceError "<file>: expected <signature>, got ...".
at::Tensor ForwardTensor(const ScriptModule& module,
                         const std::vector<at::Tensor>& inputs,
                         const std::string& signature);

// Checks `out` has exactly `sizes` (-1 = any) and a floating dtype; otherwise
// FailContract(signature, Describe(out)).
void ExpectShape(const ScriptModule& module,
                 const at::Tensor& out,
                 const std::vector<int64_t>& sizes,
                 const std::string& signature);

// Casts a floating input to the module's dtype on its device.
at::Tensor ToModule(const ScriptModule& module, const at::Tensor& t);

}  // namespace scenescape::models_internal
