#include "scenescape/models/check.h"

#include <c10/core/ScalarType.h>
#include <fmt/format.h>

#include <algorithm>

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
  e.contract = fmt::format("CLIP BPE, {} ids, + {}, context {}, pad {}", tokenizer.vocab_size(),
                           t.merges.filename().string(), t.context_length, t.pad_id);
  e.device = "cpu";
  e.dtype = "int64";
  return e;
}

}  // namespace

ModelCheckReport CheckModelFolder(const fs::path& dir, const c10::Device& device) {
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
  // Loads with `make` (no dry run), then times one dry run.
  const auto add = [&](const std::string& role, auto make) {
    Timer timer;
    const auto model = make();
    const double load_ms = timer.ElapsedMs();
    timer.Restart();
    model.CheckContract();
    ModelCheckEntry e = Entry(role, model.script(), model.Contract());
    e.load_ms = load_ms;
    e.run_ms = timer.ElapsedMs();
    report.entries.push_back(e);
  };
  add("inpainter.text_encoder",
      [&] { return TextEncoder(p.text_encoder, p.text_embedding_dim, device, dtype, l, false); });
  add("inpainter.unet", [&] {
    return Unet(p.unet, p.text_embedding_dim, device, dtype, p.latent_channels, l, false);
  });
  add("inpainter.vae_encoder", [&] {
    return VaeEncoder(p.vae_encoder, device, dtype, p.latent_channels, p.vae_downsample, false);
  });
  add("inpainter.vae_decoder", [&] {
    return VaeDecoder(p.vae_decoder, device, dtype, p.latent_channels, p.vae_downsample, false);
  });
  add("depth.file", [&] { return DepthModel(d, device, at::kFloat, false); });
  {
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
  std::string out = fmt::format("model folder {} ({}): all {} files load and meet their contracts\n",
                                dir.string(), format, entries.size());
  for (const auto& e : entries) {
    out += fmt::format("  {:<{}}  {:<{}}  {:<{}}  {:<7} {:<8} load {:>8.1f} ms  run {:>8.1f} ms\n",
                       e.role, role_w, e.file.filename().string(), file_w, e.contract, contract_w,
                       e.device, e.dtype, e.load_ms, e.run_ms);
  }
  return out;
}

}  // namespace scenescape
