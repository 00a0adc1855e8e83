#include "scenescape/models/manifest.h"

#include <nlohmann/json.hpp>

#include <set>
#include <utility>

#include "scenescape/core/check.h"
#include "scenescape/core/fs.h"
#include "scenescape/core/json_reader.h"

namespace scenescape {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string Brief(const json& j) { return JsonReader::Brief(j); }

// The shared JSON reader plus model-folder files. Every failure is a
// ResourceError "DIR/manifest.json: key.path: problem".
class Reader : public JsonReader {
 public:
  Reader(const json& object, std::string path, const fs::path& dir)
      : JsonReader(object,
                   std::move(path),
                   [dir](const std::string& key, const std::string& problem) {
                     throw ResourceError(ManifestPath(dir).string() + ": " + key + ": " + problem);
                   }),
        dir_(dir) {}

  const fs::path& dir() const { return dir_; }

  // A required file name, resolved against DIR; the file must exist. A model
  // folder is one self-contained thing (copied, shared, checked as a whole), so
  // its manifest names only files inside it: no absolute path, no "..".
  void ReadFile(const char* key, fs::path& out) {
    const json* j = Find(key);
    if (!j) Fail(KeyPath(key), "missing (a file name relative to the model folder)");
    if (!j->is_string() || j->get<std::string>().empty()) Fail(KeyPath(key), "expected a file name, got " + Brief(*j));
    const fs::path name = fs::path(j->get<std::string>()).lexically_normal();
    if (name.is_absolute() || name.has_root_name() || *name.begin() == "..")
      Fail(KeyPath(key),
           "\"" + j->get<std::string>() + "\" is outside the model folder (expected a file name inside it)");
    out = dir_ / name;
    std::error_code ec;
    if (!fs::is_regular_file(out, ec))
      throw ResourceError(out.string() + ": file not found (named by manifest.json " + KeyPath(key) + ")");
  }

  Reader Child(const char* key) {
    const json* j = Find(key);
    if (!j) Fail(KeyPath(key), "missing");
    return Reader(*j, KeyPath(key), dir_);
  }

 private:
  fs::path dir_;
};

void ReadTokenizer(Reader r, TokenizerFiles& t) {
  r.ReadFile("vocab", t.vocab);
  r.ReadFile("merges", t.merges);
  r.Read("context_length", t.context_length);
  r.Require("context_length", t.context_length >= 2, "expected an integer >= 2");
  r.Read("pad_id", t.pad_id);
  r.Require("pad_id", t.pad_id >= 0, "expected a non-negative integer");
  r.Finish();
}

void ReadScheduler(Reader r, SchedulerSettings& s, const fs::path& dir) {
  r.Read("num_train_timesteps", s.num_train_timesteps);
  r.Read("beta_schedule", s.beta_schedule);
  r.Read("beta_start", s.beta_start);
  r.Read("beta_end", s.beta_end);
  r.Read("prediction_type", s.prediction_type);
  r.Read("steps_offset", s.steps_offset);
  r.Read("set_alpha_to_one", s.set_alpha_to_one);
  r.Read("timestep_spacing", s.timestep_spacing);
  r.Finish();
  // The values: the diffusion module's own rules, with the key path it is given.
  try {
    s.Check(r.KeyPath(""));
  } catch (const InputError& e) {
    throw ResourceError(ManifestPath(dir).string() + ": " + e.what());
  }
}

void RequireStd(Reader& r, const char* key, const std::array<double, 3>& std) {
  r.Require(key, std[0] > 0 && std[1] > 0 && std[2] > 0, "expected 3 numbers > 0");
}

InpainterManifest ReadInpainter(Reader r) {
  InpainterManifest m;
  r.ReadFile("text_encoder", m.text_encoder);
  r.ReadFile("unet", m.unet);
  r.ReadFile("vae_encoder", m.vae_encoder);
  r.ReadFile("vae_decoder", m.vae_decoder);
  r.Read("latent_scale", m.latent_scale);
  r.Require("latent_scale", m.latent_scale > 0, "expected a number > 0");
  r.Read("latent_channels", m.latent_channels);
  r.Require("latent_channels", m.latent_channels > 0, "expected an integer > 0");
  r.Read("vae_downsample", m.vae_downsample);
  r.Require("vae_downsample", m.vae_downsample > 0, "expected an integer > 0");
  r.Read("text_embedding_dim", m.text_embedding_dim);
  r.Require("text_embedding_dim", m.text_embedding_dim > 0, "expected an integer > 0");
  r.ReadChoice("dtype", m.dtype, {"float16", "float32"});
  ReadTokenizer(r.Child("tokenizer"), m.tokenizer);
  if (r.Has("scheduler")) ReadScheduler(r.Child("scheduler"), m.scheduler, r.dir());
  r.Finish();
  return m;
}

DepthManifest ReadDepth(Reader r) {
  DepthManifest m;
  r.ReadFile("file", m.file);
  r.Read("input_size", m.input_size);
  r.Require("input_size", m.input_size > 0, "expected an integer > 0");
  r.Read("multiple_of", m.multiple_of);
  r.Require("multiple_of", m.multiple_of > 0, "expected an integer > 0");
  r.Read("keep_aspect_ratio", m.keep_aspect_ratio);
  r.Read("mean", m.mean);
  r.Read("std", m.std);
  RequireStd(r, "std", m.std);
  r.ReadChoice("output", m.output, {"disparity", "depth"});
  r.Read("min_disparity", m.min_disparity);
  r.Require("min_disparity", m.min_disparity > 0, "expected a number > 0");
  r.Finish();
  return m;
}

ClipManifest ReadClip(Reader r) {
  ClipManifest m;
  r.ReadFile("image_encoder", m.image_encoder);
  r.ReadFile("text_encoder", m.text_encoder);
  r.Read("input_size", m.input_size);
  r.Require("input_size", m.input_size > 0, "expected an integer > 0");
  r.Read("mean", m.mean);
  r.Read("std", m.std);
  RequireStd(r, "std", m.std);
  r.Read("embedding_dim", m.embedding_dim);
  r.Require("embedding_dim", m.embedding_dim > 0, "expected an integer > 0");
  ReadTokenizer(r.Child("tokenizer"), m.tokenizer);
  r.Finish();
  return m;
}

[[noreturn]] void MissingSection(const fs::path& dir, const char* name) {
  throw ResourceError(ManifestPath(dir).string() + ": no \"" + name +
                      "\" section (the torch back end needs inpainter, depth and clip)");
}

std::string Relative(const fs::path& path, const fs::path& dir) {
  const fs::path rel = path.lexically_relative(dir);
  return (rel.empty() ? path : rel).generic_string();
}

json TokenizerJson(const TokenizerFiles& t, const fs::path& dir) {
  return {{"vocab", Relative(t.vocab, dir)},
          {"merges", Relative(t.merges, dir)},
          {"context_length", t.context_length},
          {"pad_id", t.pad_id}};
}

}  // namespace

fs::path ManifestPath(const fs::path& dir) { return dir / "manifest.json"; }

const InpainterManifest& ModelManifest::RequireInpainter() const {
  if (!inpainter) MissingSection(dir, "inpainter");
  return *inpainter;
}
const DepthManifest& ModelManifest::RequireDepth() const {
  if (!depth) MissingSection(dir, "depth");
  return *depth;
}
const ClipManifest& ModelManifest::RequireClip() const {
  if (!clip) MissingSection(dir, "clip");
  return *clip;
}

ModelManifest LoadManifest(const fs::path& dir) {
  const fs::path file = ManifestPath(dir);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw ResourceError(dir.string() + ": model folder not found");
  if (!fs::is_regular_file(file, ec))
    throw ResourceError(file.string() +
                        ": file not found (a model folder needs a manifest.json; see models/README.md)");
  const json doc = ReadJsonFile(file, ExitCode::kMissingResource);
  if (!doc.is_object()) throw ResourceError(file.string() + ": expected a JSON object at the top level");

  ModelManifest m;
  m.dir = dir;
  Reader r(doc, "", dir);
  const json* format = r.Find("format");
  if (!format) r.Fail("format", std::string("missing (expected \"") + kModelManifestFormat + "\")");
  if (!format->is_string() || format->get<std::string>() != kModelManifestFormat)
    r.Fail("format", std::string("expected \"") + kModelManifestFormat + "\", got " + Brief(*format));
  m.format = format->get<std::string>();
  if (r.Has("inpainter")) m.inpainter = ReadInpainter(r.Child("inpainter"));
  if (r.Has("depth")) m.depth = ReadDepth(r.Child("depth"));
  if (r.Has("clip")) m.clip = ReadClip(r.Child("clip"));
  r.Finish();
  return m;
}

std::string ManifestToJson(const ModelManifest& m) {
  const fs::path& dir = m.dir;
  json doc = json::object();
  doc["format"] = m.format;
  if (m.inpainter) {
    const InpainterManifest& p = *m.inpainter;
    const SchedulerSettings& s = p.scheduler;
    doc["inpainter"] = {{"text_encoder", Relative(p.text_encoder, dir)},
                        {"unet", Relative(p.unet, dir)},
                        {"vae_encoder", Relative(p.vae_encoder, dir)},
                        {"vae_decoder", Relative(p.vae_decoder, dir)},
                        {"latent_scale", p.latent_scale},
                        {"latent_channels", p.latent_channels},
                        {"vae_downsample", p.vae_downsample},
                        {"text_embedding_dim", p.text_embedding_dim},
                        {"dtype", p.dtype},
                        {"tokenizer", TokenizerJson(p.tokenizer, dir)},
                        {"scheduler",
                         {{"num_train_timesteps", s.num_train_timesteps},
                          {"beta_schedule", s.beta_schedule},
                          {"beta_start", s.beta_start},
                          {"beta_end", s.beta_end},
                          {"prediction_type", s.prediction_type},
                          {"steps_offset", s.steps_offset},
                          {"set_alpha_to_one", s.set_alpha_to_one},
                          {"timestep_spacing", s.timestep_spacing}}}};
  }
  if (m.depth) {
    const DepthManifest& d = *m.depth;
    doc["depth"] = {{"file", Relative(d.file, dir)},
                    {"input_size", d.input_size},
                    {"multiple_of", d.multiple_of},
                    {"keep_aspect_ratio", d.keep_aspect_ratio},
                    {"mean", d.mean},
                    {"std", d.std},
                    {"output", d.output},
                    {"min_disparity", d.min_disparity}};
  }
  if (m.clip) {
    const ClipManifest& c = *m.clip;
    doc["clip"] = {{"image_encoder", Relative(c.image_encoder, dir)},
                   {"text_encoder", Relative(c.text_encoder, dir)},
                   {"input_size", c.input_size},
                   {"mean", c.mean},
                   {"std", c.std},
                   {"embedding_dim", c.embedding_dim},
                   {"tokenizer", TokenizerJson(c.tokenizer, dir)}};
  }
  return doc.dump(2) + "\n";
}

void WriteManifest(const ModelManifest& manifest) {
  WriteAtomically(ManifestPath(manifest.dir), ManifestToJson(manifest));
}

}  // namespace scenescape
