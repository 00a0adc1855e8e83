// Model folder manifest: round trip, the schema example, and one-line
// ResourceErrors that name the file and the key path.

#include "scenescape/models/manifest.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <functional>

#include "scenescape/core/check.h"
#include "scenescape/models/tiny.h"
#include "testing.h"

namespace scenescape {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A complete manifest (models/manifest.example.json, with the CLIP section
// sharing the inpainter's tokenizer files).
const char* kExample = R"({
  "format": "scenescape-models/1",
  "inpainter": {
    "text_encoder": "text_encoder.pt",
    "unet": "unet.pt",
    "vae_encoder": "vae_encoder.pt",
    "vae_decoder": "vae_decoder.pt",
    "latent_scale": 0.18215,
    "latent_channels": 4,
    "vae_downsample": 8,
    "text_embedding_dim": 1024,
    "dtype": "float16",
    "tokenizer": {"vocab": "vocab.json", "merges": "merges.txt", "context_length": 77, "pad_id": 0},
    "scheduler": {"num_train_timesteps": 1000, "beta_schedule": "scaled_linear", "beta_start": 0.00085,
                  "beta_end": 0.012, "prediction_type": "epsilon", "steps_offset": 1,
                  "set_alpha_to_one": false, "timestep_spacing": "leading"}
  },
  "depth": {"file": "depth.pt", "input_size": 384, "multiple_of": 32, "keep_aspect_ratio": true,
            "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5], "output": "disparity", "min_disparity": 0.01},
  "clip": {"image_encoder": "clip_image.pt", "text_encoder": "clip_text.pt", "input_size": 224,
           "mean": [0.48145466, 0.4578275, 0.40821073], "std": [0.26862954, 0.26130258, 0.27577711],
           "embedding_dim": 512,
           "tokenizer": {"vocab": "vocab.json", "merges": "merges.txt", "context_length": 77, "pad_id": 0}}
})";

void WriteText(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// A folder with the example manifest and empty placeholder files.
fs::path ExampleFolder() {
  const fs::path dir = testing::CreateTestDir();
  for (const char* f : {"text_encoder.pt",
                        "unet.pt",
                        "vae_encoder.pt",
                        "vae_decoder.pt",
                        "depth.pt",
                        "clip_image.pt",
                        "clip_text.pt",
                        "vocab.json",
                        "merges.txt"})
    WriteText(dir / f, "");
  WriteText(dir / "manifest.json", kExample);
  return dir;
}

// Runs `edit` on the example's JSON, writes it back, and returns the
// ResourceError message LoadManifest gives (fails the test if none).
std::string LoadError(const fs::path& dir, const std::function<void(json&)>& edit) {
  json doc = json::parse(kExample);
  edit(doc);
  WriteText(dir / "manifest.json", doc.dump(2));
  try {
    LoadManifest(dir);
  } catch (const ResourceError& e) {
    EXPECT_EQ(e.code(), ExitCode::kMissingResource);
    const std::string what = e.what();
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    return what;
  }
  ADD_FAILURE() << "no ResourceError for " << doc.dump();
  return "";
}

TEST(Manifest, ExampleParses) {
  const fs::path dir = ExampleFolder();
  const ModelManifest m = LoadManifest(dir);
  EXPECT_EQ(m.format, "scenescape-models/1");
  const InpainterManifest& p = m.RequireInpainter();
  EXPECT_EQ(p.unet, dir / "unet.pt");
  EXPECT_EQ(p.tokenizer.vocab, dir / "vocab.json");
  EXPECT_DOUBLE_EQ(p.latent_scale, 0.18215);
  EXPECT_EQ(p.text_embedding_dim, 1024);
  EXPECT_EQ(p.dtype, "float16");
  EXPECT_EQ(p.scheduler.num_train_timesteps, 1000);
  EXPECT_EQ(p.scheduler.beta_schedule, "scaled_linear");
  EXPECT_DOUBLE_EQ(p.scheduler.beta_end, 0.012);
  EXPECT_EQ(p.scheduler.timestep_spacing, "leading");
  EXPECT_FALSE(p.scheduler.set_alpha_to_one);
  const DepthManifest& d = m.RequireDepth();
  EXPECT_EQ(d.file, dir / "depth.pt");
  EXPECT_EQ(d.input_size, 384);
  EXPECT_EQ(d.multiple_of, 32);
  EXPECT_DOUBLE_EQ(d.min_disparity, 0.01);
  const ClipManifest& c = m.RequireClip();
  EXPECT_EQ(c.embedding_dim, 512);
  EXPECT_DOUBLE_EQ(c.std[2], 0.27577711);
}

TEST(Manifest, TinyFolderRoundTrip) {
  const fs::path dir = testing::CreateTestDir();
  const ModelManifest made = MakeTinyModelFolder(dir, 3);
  const ModelManifest loaded = LoadManifest(dir);
  EXPECT_EQ(ManifestToJson(loaded), ManifestToJson(made));
  EXPECT_EQ(loaded.RequireInpainter().vae_decoder, dir / "vae_decoder.pt");
  EXPECT_EQ(loaded.RequireClip().tokenizer.merges, dir / "merges.txt");

  // Every value survives a write and a read.
  ModelManifest changed = loaded;
  InpainterManifest& p = *changed.inpainter;
  p.scheduler = {500, "linear", 0.0001, 0.02, "v_prediction", 0, true, "trailing"};
  p.dtype = "float16";
  p.latent_scale = 0.13025;
  p.tokenizer.pad_id = 49407;
  changed.depth->output = "depth";
  changed.depth->keep_aspect_ratio = false;
  changed.depth->mean = {0.485, 0.456, 0.406};
  changed.clip->input_size = 336;
  changed.inpainter->unet = dir / "merges.txt";  // any existing file
  WriteManifest(changed);
  const ModelManifest again = LoadManifest(dir);
  EXPECT_EQ(ManifestToJson(again), ManifestToJson(changed));
  EXPECT_EQ(again.inpainter->scheduler.prediction_type, "v_prediction");
  EXPECT_EQ(again.inpainter->scheduler.num_train_timesteps, 500);
  EXPECT_TRUE(again.inpainter->scheduler.set_alpha_to_one);
  EXPECT_EQ(again.inpainter->tokenizer.pad_id, 49407);
  EXPECT_EQ(again.inpainter->unet, dir / "merges.txt");
  EXPECT_DOUBLE_EQ(again.depth->mean[0], 0.485);

  // Sections are optional in the file; Require* names the missing one.
  changed.depth.reset();
  WriteManifest(changed);
  const ModelManifest partial = LoadManifest(dir);
  EXPECT_FALSE(partial.depth.has_value());
  try {
    partial.RequireDepth();
    ADD_FAILURE();
  } catch (const ResourceError& e) {
    EXPECT_EQ(std::string(e.what()),
              (dir / "manifest.json").string() +
                  ": no \"depth\" section (the torch back end needs "
                  "inpainter, depth and clip)");
  }
}

TEST(Manifest, ErrorsNameTheFileAndKey) {
  const fs::path dir = ExampleFolder();
  const std::string file = (dir / "manifest.json").string();

  EXPECT_EQ(LoadError(dir, [](json& j) { j["inpainter"]["scheduler"]["beta_end"] = "x"; }),
            file + ": inpainter.scheduler.beta_end: expected a number, got \"x\"");
  EXPECT_EQ(LoadError(dir, [](json& j) { j["inpainter"]["scheduler"]["gamma"] = 1; }),
            file + ": inpainter.scheduler.gamma: unknown key");
  EXPECT_EQ(LoadError(dir, [](json& j) { j["depth"]["colour"] = true; }), file + ": depth.colour: unknown key");
  EXPECT_EQ(LoadError(dir, [](json& j) { j["extra"] = 1; }), file + ": extra: unknown key");
  EXPECT_EQ(LoadError(dir, [](json& j) { j["inpainter"]["latent_channels"] = 4.5; }),
            file + ": inpainter.latent_channels: expected an integer, got 4.5");
  EXPECT_EQ(LoadError(dir, [](json& j) { j["inpainter"]["dtype"] = "bfloat16"; }),
            file + ": inpainter.dtype: expected \"float16\" | \"float32\", got \"bfloat16\"");
  EXPECT_EQ(LoadError(dir, [](json& j) { j["inpainter"]["scheduler"]["prediction_type"] = "sample"; }),
            file +
                ": inpainter.scheduler.prediction_type: expected epsilon or v_prediction, got "
                "\"sample\"");
  EXPECT_EQ(LoadError(dir, [](json& j) { j["inpainter"]["scheduler"]["beta_end"] = 0.0001; }),
            file + ": inpainter.scheduler.beta_end: expected a number in [beta_start, 1), got 0.0001");
  EXPECT_EQ(LoadError(dir,
                      [](json& j) {
                        j["depth"]["mean"] = {0.5, 0.5};
                      }),
            file + ": depth.mean: expected an array of 3 numbers, got [0.5,0.5]");
  EXPECT_EQ(LoadError(dir,
                      [](json& j) {
                        j["clip"]["std"] = {0.5, 0.0, 0.5};
                      }),
            file + ": clip.std: expected 3 numbers > 0");
  EXPECT_EQ(LoadError(dir, [](json& j) { j["clip"]["tokenizer"]["context_length"] = 1; }),
            file + ": clip.tokenizer.context_length: expected an integer >= 2");
  EXPECT_EQ(LoadError(dir, [](json& j) { j["format"] = "scenescape-models/2"; }),
            file + ": format: expected \"scenescape-models/1\", got \"scenescape-models/2\"");
  EXPECT_EQ(LoadError(dir, [](json& j) { j["inpainter"].erase("unet"); }),
            file + ": inpainter.unet: missing (a file name relative to the model folder)");
  EXPECT_EQ(LoadError(dir, [](json& j) { j["inpainter"].erase("tokenizer"); }),
            file + ": inpainter.tokenizer: missing");
  EXPECT_EQ(LoadError(dir, [](json& j) { j["depth"] = 3; }), file + ": depth: expected an object, got 3");
  EXPECT_EQ(LoadError(dir, [](json& j) { j["inpainter"]["unet"] = "nothing_here.pt"; }),
            (dir / "nothing_here.pt").string() + ": file not found (named by manifest.json inpainter.unet)");
  EXPECT_EQ(LoadError(dir, [](json& j) { j["clip"]["tokenizer"]["merges"] = "m.txt"; }),
            (dir / "m.txt").string() + ": file not found (named by manifest.json clip.tokenizer.merges)");

  fs::remove(dir / "unet.pt");
  EXPECT_EQ(LoadError(dir, [](json&) {}),
            (dir / "unet.pt").string() + ": file not found (named by manifest.json inpainter.unet)");
}

TEST(Manifest, MissingOrBrokenManifest) {
  const fs::path dir = testing::CreateTestDir();
  const auto message = [&] {
    try {
      LoadManifest(dir);
    } catch (const ResourceError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message(),
            (dir / "manifest.json").string() +
                ": file not found (a model folder needs a manifest.json; see "
                "models/README.md)");
  WriteText(dir / "manifest.json", "{\"format\": ");
  EXPECT_EQ(message().rfind((dir / "manifest.json").string() + ": not valid JSON: ", 0), 0u);
  WriteText(dir / "manifest.json", "[1, 2]");
  EXPECT_EQ(message(), (dir / "manifest.json").string() + ": expected a JSON object at the top level");
  EXPECT_THROW(LoadManifest(dir / "absent"), ResourceError);
}

}  // namespace
}  // namespace scenescape
