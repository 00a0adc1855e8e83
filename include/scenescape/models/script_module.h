#pragma once
// One TorchScript file loaded onto a device: the common part of every model
// wrapper (TextEncoder, Unet, VaeEncoder, VaeDecoder, DepthModel, ClipModel).
//
// Loading: torch::jit::load(file, device); every floating-point parameter and
// buffer is cast to the wrapper's dtype (integer buffers such as position ids
// keep theirs); eval(); requires_grad is false on every parameter (fine-tuners
// switch it on for what they train). Any failure, whatever the exception
// LibTorch throws, becomes a one-line ResourceError naming the file.
//
// dtype: float16 only on CUDA. On the CPU every module runs in float32 (half
// convolutions are not implemented there), whatever was asked.
//
// torch/script.h stays out of this header: torch::jit::Module is only
// declared, so callers that never touch the module compile without it.

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace torch::jit {
struct Module;
}  // namespace torch::jit

namespace scenescape {

// The dtype a model runs in: float16 when the manifest says the files are
// float16 and the device is CUDA, float32 otherwise.
c10::ScalarType InferenceDtype(const std::string& manifest_dtype, const c10::Device& device);

// "float32", "float16", "int64", ... (numpy-style names, as the manifest uses).
std::string DtypeName(c10::ScalarType dtype);

class ScriptModule {
 public:
  // Throws ResourceError "<file>: file not found" / "<file>: cannot load
  // TorchScript: <first line of LibTorch's message>".
  ScriptModule(std::filesystem::path file, c10::Device device, c10::ScalarType dtype);
  ~ScriptModule();
  ScriptModule(ScriptModule&&) noexcept;
  ScriptModule& operator=(ScriptModule&&) noexcept;

  const std::filesystem::path& file() const { return file_; }
  c10::Device device() const { return device_; }
  // float32 or float16: the dtype of the floating-point parameters.
  c10::ScalarType dtype() const { return dtype_; }
  // Wall time of torch::jit::load plus the casts, in milliseconds.
  double load_ms() const { return load_ms_; }

  // The loaded module. Callers include <torch/script.h> to use it. The
  // wrappers' methods are logically const, so this is too.
  torch::jit::Module& get() const { return *module_; }

  // Every parameter of the module and its submodules with its dotted name
  // ("decoder.conv_in.weight"); the tensors are the module's own (in-place
  // changes reach the module).
  std::vector<std::pair<std::string, at::Tensor>> NamedParameters() const;

  // Throws ResourceError "<file>: expected <signature>, got <got>" (one line).
  [[noreturn]] void FailContract(const std::string& signature, const std::string& got) const;

 private:
  std::filesystem::path file_;
  c10::Device device_;
  c10::ScalarType dtype_;
  double load_ms_ = 0;
  std::unique_ptr<torch::jit::Module> module_;
};

}  // namespace scenescape
