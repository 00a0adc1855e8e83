// The torch back end end to end on tiny TorchScript models (made in C++ by
// MakeTinyModelFolder): the whole layout, bit-identical repeats, CLIP
// reranking with a crafted CLIP pair, and bad model folders.
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/script.h>

#include <array>
#include <cstdio>

#include "scenescape/core/fs.h"
#include "scenescape/io/image_io.h"
#include "scenescape/models/tiny.h"
#include "testing.h"

namespace scenescape {
namespace {
namespace fs = std::filesystem;

int Exec(const std::string& cmd, std::string* output = nullptr) { return testing::RunCommand(cmd, output); }

// Small and quick, but every stage runs: 3 frames, 2 candidates, 4 DDIM steps,
// a few fine-tuning steps, 128x128 frames on a 160x160 canvas.
const std::string kRun =
    " --prompt \"a candy house, indoor scene\" --frames 3 --candidates 2 --steps 4 --seed 11"
    " --set camera.width=128 --set camera.height=128 --set camera.focal_length=125"
    " --set inpaint.canvas_border=16 --set render.frustum_margin_px=32"
    " --set finetune.depth_steps=3 --set finetune.decoder_steps=3";

TEST(TorchBackend, RunsEndToEndAndRepeatsBitForBit) {
  const fs::path dir = testing::CreateTestDir();
  MakeTinyModelFolder(dir / "models", 1);
  std::string out;
  const std::string bin = SCN_BINARY;
  ASSERT_EQ(Exec(bin + kRun + " --models " + (dir / "models").string() + " --out " + (dir / "a").string(), &out), 0)
      << out;
  ASSERT_EQ(Exec(bin + kRun + " --models " + (dir / "models").string() + " --out " + (dir / "b").string(), &out), 0)
      << out;
  for (const char* f : {"frames/00000.png",
                        "frames/00002.png",
                        "depth/00002.png",
                        "masks/00002.png",
                        "video.mp4",
                        "video_reverse.mp4",
                        "mesh.ply",
                        "mesh.glb",
                        "cameras.json",
                        "transforms.json",
                        "run.json"})
    EXPECT_TRUE(fs::exists(dir / "a" / f)) << f;
  for (int i = 0; i < 3; ++i) {
    char name[32];
    std::snprintf(name, sizeof(name), "frames/%05d.png", i);
    EXPECT_TRUE(ReadFile(dir / "a" / name) == ReadFile(dir / "b" / name)) << name;
  }
  EXPECT_TRUE(ReadFile(dir / "a" / "mesh.ply") == ReadFile(dir / "b" / "mesh.ply"));
  const auto run = nlohmann::json::parse(ReadFile(dir / "a" / "run.json"));
  EXPECT_EQ(run["backend"]["name"], "torch");
  EXPECT_EQ(run["backend"]["scorer"], "clip");
  const auto& f2 = run["frames"][2];
  EXPECT_EQ(f2["scores"].size(), 2u);
  EXPECT_TRUE(f2["diagnostics"].contains("depth_l1_before_finetune")) << f2.dump();
  EXPECT_TRUE(f2["diagnostics"].contains("depth_l1_after_finetune")) << f2.dump();
  EXPECT_TRUE(f2["diagnostics"].contains("decoder_loss_before_finetune")) << f2.dump();
  EXPECT_EQ(f2["diagnostics"]["depth_finetune_steps"], 3);
  // eval picks up the run's CLIP model and the fine-tuning diagnostics.
  ASSERT_EQ(Exec(bin + " eval --no-plots " + (dir / "a").string(), &out), 0) << out;
  const auto metrics = nlohmann::json::parse(ReadFile(dir / "a" / "metrics.json"));
  EXPECT_TRUE(metrics["overall"]["clip_score_mean"].is_number()) << metrics["overall"].dump();
  EXPECT_TRUE(metrics["overall"]["depth_l1_before_finetune_mean"].is_number());
  EXPECT_TRUE(metrics["overall"]["depth_l1_after_finetune_mean"].is_number());
  EXPECT_TRUE(metrics["frames"][1]["clip_score"].is_number());
}

// CLIP pair with known scores: the image tower returns the mean of each
// normalised colour channel (then zeros), the text tower the unit vector e_R,
// so a candidate's score is its normalised mean red over the norm of its means.
void WriteCraftedClip(const fs::path& models) {
  torch::jit::Module image("ImageTower");
  image.define(R"(
def forward(self, x: Tensor) -> Tensor:
    m = x.mean([2, 3])
    z = torch.zeros_like(m).narrow(1, 0, 1).repeat([1, 13])
    return torch.cat([m, z], 1)
)");
  image.save((models / "clip_image.pt").string());
  torch::jit::Module text("TextTower");
  text.define(R"(
def forward(self, ids: Tensor) -> Tensor:
    e = (ids.narrow(1, 0, 1) * 0).float().repeat([1, 16])
    return torch.cat([e.narrow(1, 0, 1) + 1.0, e.narrow(1, 1, 15)], 1)
)");
  text.save((models / "clip_text.pt").string());
}

TEST(TorchBackend, ClipRerankingPicksTheArgmaxOfKnownScores) {
  const fs::path dir = testing::CreateTestDir();
  MakeTinyModelFolder(dir / "models", 2);
  WriteCraftedClip(dir / "models");
  std::string out;
  std::string run4 = kRun;
  run4.replace(run4.find("--candidates 2"), 14, "--candidates 4");
  ASSERT_EQ(Exec(std::string(SCN_BINARY) + run4 + " --keep-candidates --models " + (dir / "models").string() +
                     " --out " + (dir / "run").string(),
                 &out),
            0)
      << out;
  const auto run = nlohmann::json::parse(ReadFile(dir / "run" / "run.json"));
  const std::array<double, 3> mean = {0.48145466, 0.4578275, 0.40821073};
  const std::array<double, 3> stdev = {0.26862954, 0.26130258, 0.27577711};
  for (int frame = 0; frame < 3; ++frame) {
    const auto& scores = run["frames"][frame]["scores"];
    ASSERT_EQ(scores.size(), 4u) << "frame " << frame;
    int argmax = 0;
    for (int k = 0; k < 4; ++k) {
      if (scores[k].get<double>() > scores[argmax].get<double>()) argmax = k;
      // The score recomputed from the saved candidate: normalised channel
      // means m, score = m_R / |m| (CLIP's resize keeps the means up to a
      // small error, the PNG rounds to 8 bits).
      char name[32];
      std::snprintf(name, sizeof(name), "%05d_%d.png", frame, k);
      const at::Tensor image = ReadImage(dir / "run" / "candidates" / name);
      double m[3], norm = 0;
      for (int c = 0; c < 3; ++c) {
        m[c] = (image.select(2, c).mean().item<double>() - mean[c]) / stdev[c];
        norm += m[c] * m[c];
      }
      EXPECT_NEAR(scores[k].get<double>(), m[0] / std::sqrt(norm), 0.02) << "frame " << frame << " candidate " << k;
    }
    EXPECT_EQ(run["frames"][frame]["chosen"].get<int>(), argmax) << "frame " << frame;
  }
}

TEST(TorchBackend, BadModelFoldersFailBeforeAnyFrame) {
  const fs::path dir = testing::CreateTestDir();
  const std::string bin = SCN_BINARY;
  std::string out;
  const auto expect_failure = [&](const fs::path& models, const std::string& needle) {
    const fs::path run = dir / ("run_" + std::to_string(std::rand()));
    const int code = Exec(bin + kRun + " --models " + models.string() + " --out " + run.string(), &out);
    EXPECT_EQ(code, 3) << out;
    EXPECT_NE(out.find(needle), std::string::npos) << "expected '" << needle << "' in: " << out;
    EXPECT_FALSE(fs::exists(run / "frames")) << "frames were written";
  };
  // Missing folder / manifest.
  expect_failure(dir / "nothing", "nothing: model folder not found");
  // A missing file.
  MakeTinyModelFolder(dir / "m1", 1);
  fs::remove(dir / "m1" / "unet.pt");
  expect_failure(dir / "m1", "unet.pt: file not found");
  // A corrupt file.
  MakeTinyModelFolder(dir / "m2", 1);
  WriteAtomically(dir / "m2" / "depth.pt", std::string(2000, '\x42'));
  expect_failure(dir / "m2", "depth.pt");
  // A module with the wrong output shape.
  MakeTinyModelFolder(dir / "m3", 1);
  torch::jit::Module wrong("Wrong");
  wrong.define(R"(
def forward(self, sample: Tensor, timestep: Tensor, hidden: Tensor) -> Tensor:
    return sample.narrow(1, 0, 3)
)");
  wrong.save((dir / "m3" / "unet.pt").string());
  expect_failure(dir / "m3", "unet.pt: expected forward(");
  // An unknown manifest key.
  MakeTinyModelFolder(dir / "m4", 1);
  auto manifest = nlohmann::json::parse(ReadFile(dir / "m4" / "manifest.json"));
  manifest["depth"]["colour"] = 1;
  WriteAtomically(dir / "m4" / "manifest.json", manifest.dump());
  expect_failure(dir / "m4", "depth.colour: unknown key");
}

}  // namespace
}  // namespace scenescape
