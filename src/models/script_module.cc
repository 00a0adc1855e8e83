#include "scenescape/models/script_module.h"

#include <torch/script.h>

#include <algorithm>
#include <sstream>

#include "scenescape/core/check.h"
#include "scenescape/core/logging.h"
#include "scenescape/core/timer.h"
#include "script_util.h"

namespace scenescape {
namespace fs = std::filesystem;

c10::ScalarType InferenceDtype(const std::string& manifest_dtype, const c10::Device& device) {
  return (device.is_cuda() && manifest_dtype == "float16") ? at::kHalf : at::kFloat;
}

std::string DtypeName(c10::ScalarType dtype) {
  switch (dtype) {
    case at::kFloat:
      return "float32";
    case at::kHalf:
      return "float16";
    case at::kBFloat16:
      return "bfloat16";
    case at::kDouble:
      return "float64";
    case at::kLong:
      return "int64";
    case at::kInt:
      return "int32";
    case at::kBool:
      return "bool";
    case at::kByte:
      return "uint8";
    default:
      return c10::toString(dtype);
  }
}

namespace {
void CastFloating(const at::Tensor& t, c10::ScalarType dtype) {
  if (t.is_floating_point() && t.scalar_type() != dtype) t.set_data(t.to(dtype));
}
}  // namespace

ScriptModule::ScriptModule(fs::path file, c10::Device device, c10::ScalarType dtype)
    : file_(std::move(file)), device_(device), dtype_(device.is_cuda() ? dtype : at::kFloat) {
  SCN_CHECK(dtype_ == at::kFloat || dtype_ == at::kHalf)
      << file_.string() << ": models run in float32 or float16, not " << DtypeName(dtype_);
  std::error_code ec;
  if (!fs::is_regular_file(file_, ec)) throw ResourceError(file_.string() + ": file not found");
  Timer timer;
  try {
    module_ = std::make_unique<torch::jit::Module>(torch::jit::load(file_.string(), device_));
  } catch (const std::exception& e) {
    // Not only c10::Error: unknown operators and bad archives throw others.
    throw ResourceError(file_.string() + ": cannot load TorchScript: " + models_internal::FirstLine(e.what()));
  }
  try {
    for (const auto& p : module_->parameters()) {
      CastFloating(p, dtype_);
      p.requires_grad_(false);
    }
    for (const auto& b : module_->buffers()) CastFloating(b, dtype_);
    module_->eval();
  } catch (const std::exception& e) {
    throw ResourceError(file_.string() + ": cannot prepare the module: " + models_internal::FirstLine(e.what()));
  }
  load_ms_ = timer.ElapsedMs();
  SCN_LOG_DEBUG("loaded {} on {} as {} in {:.1f} ms", file_.string(), device_.str(), DtypeName(dtype_), load_ms_);
}

ScriptModule::~ScriptModule() = default;
ScriptModule::ScriptModule(ScriptModule&&) noexcept = default;
ScriptModule& ScriptModule::operator=(ScriptModule&&) noexcept = default;

std::vector<std::pair<std::string, at::Tensor>> ScriptModule::NamedParameters() const {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (const auto& p : module_->named_parameters(/*recurse=*/true)) out.emplace_back(p.name, p.value);
  return out;
}

void ScriptModule::FailContract(const std::string& signature, const std::string& got) const {
  throw ResourceError(file_.string() + ": expected " + signature + ", got " + got);
}

namespace models_internal {

std::string Describe(const at::Tensor& t) {
  if (!t.defined()) return "an undefined tensor";
  std::ostringstream s;
  s << "[";
  for (int64_t i = 0; i < t.dim(); ++i) s << (i ? "," : "") << t.size(i);
  s << "] " << DtypeName(t.scalar_type());
  return s.str();
}

namespace {
std::string Describe(const c10::IValue& v) {
  if (v.isTensor()) return Describe(v.toTensor());
  return "a value of type " + v.type()->annotation_str() + " (expected a tensor)";
}
}  // namespace

std::string FirstLine(const std::string& what) {
  // The non-blank lines; TorchScript's "Unknown builtin op" message starts with a newline.
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < what.size()) {
    const size_t end = std::min(what.find('\n', start), what.size());
    std::string line = what.substr(start, end - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) lines.push_back(line);
    start = end + 1;
  }
  if (lines.empty()) return "unknown error";
  // An error raised inside a TorchScript graph opens with a fixed sentence and the two tracebacks;
  // its cause ("RuntimeError: expected scalar type BFloat16 but found Float") is the last line.
  static const std::string kInterpreter = "The following operation failed in the TorchScript interpreter.";
  if (lines.front() == kInterpreter && lines.size() > 1) return "in the TorchScript interpreter: " + lines.back();
  return lines.front();
}

std::string Dims(std::initializer_list<std::string> dims) {
  std::string s = "[";
  for (const auto& d : dims) s += (s.size() > 1 ? "," : "") + d;
  return s + "]";
}

at::Tensor ForwardTensor(const ScriptModule& module,
                         const std::vector<at::Tensor>& inputs,
                         const std::string& signature) {
  c10::IValue out;
  try {
    out = module.get().forward(std::vector<c10::IValue>(inputs.begin(), inputs.end()));
  } catch (const std::exception& e) {
    module.FailContract(signature, "error: " + FirstLine(e.what()));
  }
  if (!out.isTensor()) module.FailContract(signature, Describe(out));
  return out.toTensor();
}

void ExpectShape(const ScriptModule& module,
                 const at::Tensor& out,
                 const std::vector<int64_t>& sizes,
                 const std::string& signature) {
  bool ok = out.defined() && out.is_floating_point() && out.dim() == static_cast<int64_t>(sizes.size());
  for (size_t i = 0; ok && i < sizes.size(); ++i) ok = sizes[i] < 0 || out.size(static_cast<int64_t>(i)) == sizes[i];
  if (!ok) module.FailContract(signature, Describe(out));
}

at::Tensor ToModule(const ScriptModule& module, const at::Tensor& t) {
  return t.to(module.device(), t.is_floating_point() ? module.dtype() : t.scalar_type());
}

}  // namespace models_internal
}  // namespace scenescape
