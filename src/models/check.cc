#include "scenescape/models/check.h"

#include <ATen/ATen.h>
#include <c10/core/ScalarType.h>
#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <fstream>

#include "scenescape/core/check.h"
#include "scenescape/core/timer.h"
#include "scenescape/models/clip_model.h"
#include "scenescape/models/depth_model.h"
#include "scenescape/models/inpaint_models.h"
#include "scenescape/models/manifest.h"

namespace scenescape {
namespace fs = std::filesystem;

namespace {

ModelCheckEntry Entry(const std::string& role, const ScriptModule& s, const std::string& contract) {
  ModelCheckEntry e;
  e.role = role;
  e.file = s.file();
  e.contract = contract;
  e.device = s.device().str();
  e.dtype = DtypeName(s.dtype());
  return e;
}

ModelCheckEntry TokenizerEntry(const std::string& role, const TokenizerFiles& t) {
  ModelCheckEntry e;
  e.role = role;
  e.file = t.vocab;
  Timer timer;
  const ClipTokenizer tokenizer = ClipTokenizer::FromFiles(t.vocab, t.merges);
  e.load_ms = timer.ElapsedMs();
  timer.Restart();
  tokenizer.EncodeForModel("a photo of a room", t.context_length, t.pad_id);
  e.run_ms = timer.ElapsedMs();
  e.contract = fmt::format("CLIP BPE, {} ids, + {}, context {}, pad {}",
                           tokenizer.vocab_size(),
                           t.merges.filename().string(),
                           t.context_length,
                           t.pad_id);
  e.device = "cpu";
  e.dtype = "int64";
  return e;
}

// Peak resident memory since the last ResetPeakMemory, in MB (Linux: VmHWM);
// 0 where /proc is not there.
double PeakMemoryMb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

// Resets VmHWM to the current resident size ("5" > clear_refs, Linux >= 4.0).
void ResetPeakMemory() { std::ofstream("/proc/self/clear_refs") << "5"; }

std::string Shape(const at::Tensor& t) {
  std::string s = "[";
  for (int64_t i = 0; i < t.dim(); ++i) s += (i ? "," : "") + std::to_string(t.size(i));
  return s + "]";
}

// User + system CPU time of the process so far, in ms.
double CpuMs() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

// Times fn() (inputs prepared by the caller) and records the stage with the
// peak memory since the model's loading began.
template <typename Fn>
void TimeStage(std::vector<FullSizeRun>& out, const std::string& stage, const std::string& input, Fn fn) {
  const double cpu0 = CpuMs();
  Timer timer;
  fn();
  const double ms = timer.ElapsedMs();
  out.push_back({stage, input, ms, CpuMs() - cpu0, PeakMemoryMb()});
}

// One training step's worth of autograd through `script`: requires_grad on
// the parameters that `trained` selects, loss() built and backpropagated,
// then the gradients dropped and the flags restored.
template <typename Loss>
void Backward(const ScriptModule& script, bool (*trained)(const std::string&), Loss loss) {
  std::vector<at::Tensor> params;
  for (const auto& [name, p] : script.NamedParameters())
    if (trained(name)) params.push_back(p.requires_grad_(true));
  loss().backward();
  for (auto& p : params) {
    p.mutable_grad() = at::Tensor();
    p.requires_grad_(false);
  }
}

}  // namespace

ModelCheckReport CheckModelFolder(const fs::path& dir, const c10::Device& device, const ModelCheckOptions& options) {
  const ModelManifest manifest = LoadManifest(dir);
  const InpainterManifest& p = manifest.RequireInpainter();
  const DepthManifest& d = manifest.RequireDepth();
  const ClipManifest& c = manifest.RequireClip();
  ModelCheckReport report;
  report.dir = dir;
  report.format = manifest.format;
  const c10::ScalarType dtype = InferenceDtype(p.dtype, device);
  const int l = p.tokenizer.context_length;

  report.entries.push_back(TokenizerEntry("inpainter.tokenizer", p.tokenizer));
  const bool full = options.full;
  const int64_t n = options.candidates, c_lat = p.latent_channels;
  SCN_CHECK(n >= 1 && options.canvas > 0 && options.canvas % p.vae_downsample == 0)
      << "models check: candidates >= 1 and a canvas that is a multiple of " << p.vae_downsample;
  const int64_t lat = options.canvas / p.vae_downsample;
  const auto fopts = at::TensorOptions().device(device);
  std::vector<FullSizeRun>& runs = report.full;
  // Loads with `make` (no dry run), times one dry run, then (full) the real sizes with `at_size`.
  const auto add = [&](const std::string& role, auto make, auto at_size) {
    if (full) ResetPeakMemory();
    Timer timer;
    const auto model = make();
    const double load_ms = timer.ElapsedMs();
    timer.Restart();
    model.CheckContract();
    ModelCheckEntry e = Entry(role, model.script(), model.Contract());
    e.load_ms = load_ms;
    e.run_ms = timer.ElapsedMs();
    report.entries.push_back(e);
    if (full) at_size(model);
  };
  add(
      "inpainter.text_encoder",
      [&] { return TextEncoder(p.text_encoder, p.text_embedding_dim, device, dtype, l, false); },
      [&](const TextEncoder& m) {
        const at::Tensor ids = at::zeros({2, l}, fopts.dtype(at::kLong));
        TimeStage(runs, "text_encoder (prompt + negative)", Shape(ids), [&] { m.Encode(ids); });
      });
  add(
      "inpainter.unet",
      [&] { return Unet(p.unet, p.text_embedding_dim, device, dtype, p.latent_channels, l, false); },
      [&](const Unet& m) {
        for (const int64_t s : {int64_t{64}, lat}) {
          const at::Tensor x = at::randn({2 * n, 2 * c_lat + 1, s, s}, fopts);
          const at::Tensor t = at::full({2 * n}, 500.0, fopts);
          const at::Tensor hidden = at::randn({2 * n, l, p.text_embedding_dim}, fopts);
          TimeStage(runs,
                    fmt::format("unet {}x{} latent, one step", s, s),
                    Shape(x) + " + " + Shape(t) + " + " + Shape(hidden),
                    [&] { m.Predict(x, t, hidden); });
        }
      });
  add(
      "inpainter.vae_encoder",
      [&] { return VaeEncoder(p.vae_encoder, device, dtype, p.latent_channels, p.vae_downsample, false); },
      [&](const VaeEncoder& m) {
        const at::Tensor x = at::rand({1, 3, options.canvas, options.canvas}, fopts) * 2 - 1;
        TimeStage(runs, "vae_encoder (masked canvas)", Shape(x), [&] { m.Encode(x); });
      });
  add(
      "inpainter.vae_decoder",
      [&] { return VaeDecoder(p.vae_decoder, device, at::kFloat, p.latent_channels, p.vae_downsample, false); },
      [&](const VaeDecoder& m) {
        const at::Tensor z = at::randn({n, c_lat, lat, lat}, fopts);
        TimeStage(runs, "vae_decoder (the candidates)", Shape(z), [&] { m.Decode(z); });
        const at::Tensor z1 = z.narrow(0, 0, 1).clone();
        TimeStage(runs, "vae_decoder forward + backward (a fine-tuning step)", Shape(z1), [&] {
          Backward(
              m.script(),
              [](const std::string& name) { return name.rfind("decoder.", 0) == 0; },
              [&] { return m.DecodeWithGrad(z1).square().mean(); });
        });
      });
  add(
      "depth.file",
      [&] { return DepthModel(d, device, at::kFloat, false); },
      [&](const DepthModel& m) {
        // A 512x512 frame: the network runs at InputSize (384x384 for DPT-Large).
        const at::Tensor x = at::rand({1, 3, 512, 512}, fopts);
        const auto [h, w] = m.InputSize(512, 512);
        const std::string size = fmt::format("{} (network at {}x{})", Shape(x), h, w);
        TimeStage(runs, "depth forward", size, [&] { m.PredictNoGrad(x); });
        TimeStage(runs, "depth forward + backward (a fine-tuning step)", size, [&] {
          Backward(
              m.script(), [](const std::string&) { return true; }, [&] { return m.Predict(x).mean(); });
        });
      });
  {
    if (full) ResetPeakMemory();
    ClipModel m(c, device, at::kFloat, false);
    Timer timer;
    m.CheckImageContract();
    const double image_ms = timer.ElapsedMs();
    timer.Restart();
    m.CheckTextContract();
    const double text_ms = timer.ElapsedMs();
    report.entries.push_back(Entry("clip.image_encoder", m.image_script(), m.ImageContract()));
    report.entries.back().load_ms = m.image_script().load_ms();
    report.entries.back().run_ms = image_ms;
    report.entries.push_back(Entry("clip.text_encoder", m.text_script(), m.TextContract()));
    report.entries.back().load_ms = m.text_script().load_ms();
    report.entries.back().run_ms = text_ms;
    if (full) {
      const at::Tensor images = at::rand({n, 3, 512, 512}, fopts);
      TimeStage(runs, "clip image tower (the candidates)", Shape(images), [&] { m.EncodeImages(images); });
      TimeStage(runs, "clip text tower (the prompt)", "[1,77]", [&] { m.EncodePrompts({"a photo of a room"}); });
    }
  }
  if (c.tokenizer.vocab != p.tokenizer.vocab || c.tokenizer.merges != p.tokenizer.merges)
    report.entries.push_back(TokenizerEntry("clip.tokenizer", c.tokenizer));
  return report;
}

std::string ModelCheckReport::ToString() const {
  size_t role_w = 4, file_w = 4, contract_w = 8;
  for (const auto& e : entries) {
    role_w = std::max(role_w, e.role.size());
    file_w = std::max(file_w, e.file.filename().string().size());
    contract_w = std::max(contract_w, e.contract.size());
  }
  std::string out = fmt::format(
      "model folder {} ({}): all {} files load and meet their contracts\n", dir.string(), format, entries.size());
  for (const auto& e : entries) {
    out += fmt::format("  {:<{}}  {:<{}}  {:<{}}  {:<7} {:<8} load {:>8.1f} ms  run {:>8.1f} ms\n",
                       e.role,
                       role_w,
                       e.file.filename().string(),
                       file_w,
                       e.contract,
                       contract_w,
                       e.device,
                       e.dtype,
                       e.load_ms,
                       e.run_ms);
  }
  if (!full.empty()) {
    size_t stage_w = 5, input_w = 5;
    for (const auto& r : full) {
      stage_w = std::max(stage_w, r.stage.size());
      input_w = std::max(input_w, r.input.size());
    }
    out += "at full size (cpu: process CPU time, all threads; peak: resident peak from the model's loading on):\n";
    for (const auto& r : full)
      out += fmt::format("  {:<{}}  {:<{}}  {:>10.1f} ms  cpu {:>10.1f} ms  peak {:>8.0f} MB\n",
                         r.stage,
                         stage_w,
                         r.input,
                         input_w,
                         r.ms,
                         r.cpu_ms,
                         r.peak_mb);
  }
  return out;
}

}  // namespace scenescape
