// Runs the real `scenescape` binary: the demo end to end, and every kind of bad
// input (one line naming the problem, a distinct exit code, nothing that looks complete).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "scenescape/core/fs.h"
#include "scenescape/io/image_io.h"
#include "testing.h"

namespace scenescape {
namespace {
namespace fs = std::filesystem;

using Result = testing::CommandResult;
Result RunCli(const std::string& args) { return testing::Run(std::string(SCN_BINARY) + " " + args); }

at::Tensor ReadImageForTest(const fs::path& path) { return ReadImage(path); }

void ExpectCleanFailure(const Result& r, int code, const std::string& needle, const fs::path& out) {
  EXPECT_EQ(r.code, code) << r.output;
  EXPECT_EQ(testing::ErrorLines(r.output).size(), 1u) << r.output;
  EXPECT_NE(r.output.find(needle), std::string::npos) << "expected '" << needle << "' in: " << r.output;
  EXPECT_FALSE(fs::exists(out / "run.json")) << "a failed run left run.json";
  EXPECT_FALSE(fs::exists(out / "video.mp4"));
}

TEST(Cli, DemoRunWritesTheWholeLayout) {
  const fs::path out = testing::CreateTestDir() / "run";
  const Result r = RunCli("--frames 4 --candidates 2 --seed 5 --out " + out.string());
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("frame 4/4"), std::string::npos) << r.output;
  for (const char* f : {"frames/00000.png",
                        "frames/00003.png",
                        "depth/00003.png",
                        "depth/00003_preview.png",
                        "masks/00003.png",
                        "warped/00003.png",
                        "video.mp4",
                        "video_reverse.mp4",
                        "mesh.ply",
                        "cameras.json",
                        "run.json",
                        "log.txt"})
    EXPECT_TRUE(fs::exists(out / f)) << f;
  const auto run = nlohmann::json::parse(ReadFile(out / "run.json"));
  EXPECT_EQ(run["status"], "complete");
  EXPECT_EQ(run["seed"], 5);
  ASSERT_EQ(run["frames"].size(), 4u);
  EXPECT_EQ(run["frames"][1]["scores"].size(), 2u);
  EXPECT_TRUE(run["frames"][1]["timings_ms"].contains("inpaint"));
  const auto cams = nlohmann::json::parse(ReadFile(out / "cameras.json"));
  EXPECT_EQ(cams["frames"].size(), 4u);
  EXPECT_DOUBLE_EQ(cams["frames"][0]["fx"].get<double>(), 500.0);
  // No temporary files are left behind.
  for (const auto& e : fs::recursive_directory_iterator(out))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
  // A second run into the same folder is refused.
  const Result again = RunCli("--frames 2 --out " + out.string());
  EXPECT_EQ(again.code, 2);
  EXPECT_NE(again.output.find("already holds a run"), std::string::npos);
}

TEST(Cli, OpenMpThreadsSleepWhileTheyWaitUnlessTheUserChose) {
  // Without OMP_WAIT_POLICY (ctest sets it for the tests, so it is taken away here) scenescape re-executes
  // itself with PASSIVE (src/cli/main.cc); one the user set is kept.
  const fs::path dir = testing::CreateTestDir();
  for (const auto& [env, expected] : {std::pair<std::string, std::string>{"env -u OMP_WAIT_POLICY", "PASSIVE"},
                                      {"env OMP_WAIT_POLICY=ACTIVE", "ACTIVE"}}) {
    const Result r = testing::Run(env + " " + SCN_BINARY + " --frames 1 --out " + (dir / expected).string());
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("(OpenMP waits: " + expected + ")"), std::string::npos) << r.output;
  }
}

TEST(Cli, HelpAndVersion) {
  const Result help = RunCli("--help");
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.output.find("--init-image"), std::string::npos);
  EXPECT_NE(help.output.find("--trajectory"), std::string::npos);
  const Result version = RunCli("version");
  EXPECT_EQ(version.code, 0);
  EXPECT_NE(version.output.find("LibTorch"), std::string::npos);
}

TEST(Cli, BadImages) {
  const fs::path dir = testing::CreateTestDir();
  ExpectCleanFailure(
      RunCli("--frames 2 --init-image " + (dir / "nope.png").string() + " --out " + (dir / "o1").string()),
      2,
      "nope.png",
      dir / "o1");
  WriteAtomically(dir / "empty.png", "");
  ExpectCleanFailure(
      RunCli("--frames 2 --init-image " + (dir / "empty.png").string() + " --out " + (dir / "o2").string()),
      2,
      "empty.png",
      dir / "o2");
  WriteAtomically(dir / "text.jpg", "this is not an image at all, just text");
  ExpectCleanFailure(
      RunCli("--frames 2 --init-image " + (dir / "text.jpg").string() + " --out " + (dir / "o3").string()),
      2,
      "text.jpg",
      dir / "o3");
  // A PNG cut in half.
  const Result ok = RunCli("--frames 1 --out " + (dir / "src").string());
  ASSERT_EQ(ok.code, 0) << ok.output;
  const std::string png = ReadFile(dir / "src" / "frames" / "00000.png");
  WriteAtomically(dir / "cut.png", png.substr(0, png.size() / 2));
  ExpectCleanFailure(
      RunCli("--frames 2 --init-image " + (dir / "cut.png").string() + " --out " + (dir / "o4").string()),
      2,
      "cut.png",
      dir / "o4");
  // An unreadable file (permissions; root can read anything, so only when not root).
  if (::geteuid() != 0) {
    fs::copy(dir / "src" / "frames" / "00000.png", dir / "locked.png");
    ::chmod((dir / "locked.png").c_str(), 0);
    ExpectCleanFailure(
        RunCli("--frames 2 --init-image " + (dir / "locked.png").string() + " --out " + (dir / "o5").string()),
        2,
        "locked.png",
        dir / "o5");
  }
}

TEST(Cli, UnwritableOutput) {
  const fs::path dir = testing::CreateTestDir();
  WriteAtomically(dir / "file", "x");
  // A folder inside a regular file can never be created, even as root.
  ExpectCleanFailure(
      RunCli("--frames 2 --out " + (dir / "file" / "run").string()), 4, "file/run", dir / "file" / "run");
}

TEST(Cli, BadConfigs) {
  const fs::path dir = testing::CreateTestDir();
  WriteAtomically(dir / "unknown.json", R"({"render": {"supersampel": 2}})");
  ExpectCleanFailure(RunCli("--config " + (dir / "unknown.json").string() + " --out " + (dir / "o1").string()),
                     2,
                     "render.supersampel: unknown key",
                     dir / "o1");
  WriteAtomically(dir / "bad.json", R"({"mesh": {"sobel_threshold": 7}})");
  ExpectCleanFailure(RunCli("--config " + (dir / "bad.json").string() + " --out " + (dir / "o2").string()),
                     2,
                     "mesh.sobel_threshold",
                     dir / "o2");
  ExpectCleanFailure(RunCli("--set frames=-4 --out " + (dir / "o3").string()), 2, "frames", dir / "o3");
  WriteAtomically(dir / "broken.json", "{");
  ExpectCleanFailure(RunCli("--config " + (dir / "broken.json").string() + " --out " + (dir / "o4").string()),
                     2,
                     "broken.json",
                     dir / "o4");
  ExpectCleanFailure(RunCli("--fov wide --out " + (dir / "o5").string()), 2, "--fov", dir / "o5");
}

TEST(Cli, BadTrajectoryFiles) {
  const fs::path dir = testing::CreateTestDir();
  WriteAtomically(dir / "path.json", R"({"keyframes": [{"frame": 0, "position": [0, 0]}]})");
  ExpectCleanFailure(
      RunCli("--frames 3 --trajectory " + (dir / "path.json").string() + " --out " + (dir / "o1").string()),
      2,
      "keyframes[0].position",
      dir / "o1");
  WriteAtomically(dir / "notjson.json", "keyframes: none");
  ExpectCleanFailure(
      RunCli("--frames 3 --trajectory " + (dir / "notjson.json").string() + " --out " + (dir / "o2").string()),
      2,
      "notjson.json",
      dir / "o2");
  ExpectCleanFailure(
      RunCli("--frames 3 --trajectory " + (dir / "missing.json").string() + " --out " + (dir / "o3").string()),
      2,
      "missing.json",
      dir / "o3");
  ExpectCleanFailure(RunCli("--frames 3 --trajectory zigzag --out " + (dir / "o4").string()), 2, "zigzag", dir / "o4");
}

}  // namespace
}  // namespace scenescape

namespace scenescape {
namespace {

TEST(Cli, TokenizeMatchesTheReferenceAndWarnsOnLongPrompts) {
  SCN_REQUIRE_SHARED(shared);
  const std::string vocab = (shared / "data" / "clip").string();
  const Result r = RunCli("tokenize --vocab " + vocab + " \"a photo of a cat\"");
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("320 1125 539 320 2368"), std::string::npos) << r.output;
  std::string long_prompt;
  for (int i = 0; i < 90; ++i) long_prompt += "cat ";
  const Result w = RunCli("tokenize --vocab " + vocab + " \"" + long_prompt + "\"");
  EXPECT_EQ(w.code, 0);
  EXPECT_NE(w.output.find("needs 92 tokens"), std::string::npos) << w.output;
  const Result bad = RunCli("tokenize --vocab /nonexistent \"x\"");
  EXPECT_EQ(bad.code, 3) << bad.output;
  EXPECT_NE(bad.output.find("/nonexistent/vocab.json"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace scenescape

namespace scenescape {
namespace {

TEST(Cli, ExportedCameraPathsReplayTheSameFrames) {
  const fs::path dir = testing::CreateTestDir();
  const std::string small =
      " --frames 5 --candidates 2 --set camera.width=128 --set camera.height=128"
      " --set camera.focal_length=125 --set render.frustum_margin_px=32";
  Result r = RunCli(small + " --out " + (dir / "a").string());
  ASSERT_EQ(r.code, 0) << r.output;
  for (const char* f :
       {"transforms.json", "colmap/cameras.txt", "colmap/images.txt", "colmap/points3D.txt", "mesh.glb"})
    EXPECT_TRUE(fs::exists(dir / "a" / f)) << f;
  r = RunCli(small + " --trajectory " + (dir / "a" / "transforms.json").string() + " --out " + (dir / "b").string());
  ASSERT_EQ(r.code, 0) << r.output;
  r = RunCli(small + " --trajectory " + (dir / "a" / "colmap").string() + " --out " + (dir / "c").string());
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(fs::exists(dir / "b" / "trajectory.json"));
  for (const char* other : {"b", "c"}) {
    for (int i = 0; i < 5; ++i) {
      char name[32];
      std::snprintf(name, sizeof(name), "frames/%05d.png", i);
      EXPECT_TRUE(ReadFile(dir / "a" / name) == ReadFile(dir / other / name)) << other << " " << name;
    }
    const auto ca = nlohmann::json::parse(ReadFile(dir / "a" / "cameras.json"))["frames"];
    const auto cb = nlohmann::json::parse(ReadFile(dir / other / "cameras.json"))["frames"];
    for (int i = 0; i < 5; ++i)
      for (int row = 0; row < 4; ++row)
        for (int col = 0; col < 4; ++col)
          EXPECT_NEAR(
              ca[i]["cam_from_world"][row][col].get<double>(), cb[i]["cam_from_world"][row][col].get<double>(), 1e-9);
  }
}

}  // namespace
}  // namespace scenescape

namespace scenescape {
namespace {

TEST(Cli, DryRunPreviewsThePathWithoutARun) {
  const fs::path out = testing::CreateTestDir() / "dry";
  const Result r = RunCli("--dry-run --frames 12 --trajectory round --out " + out.string());
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_TRUE(fs::exists(out / "preview.mp4"));
  EXPECT_TRUE(fs::exists(out / "preview" / "00011.png"));
  EXPECT_EQ(nlohmann::json::parse(ReadFile(out / "cameras.json"))["frames"].size(), 12u);
  EXPECT_FALSE(fs::exists(out / "run.json"));
  EXPECT_FALSE(fs::exists(out / "frames"));
}

}  // namespace
}  // namespace scenescape

namespace scenescape {
namespace {

TEST(Cli, KeyframePromptsScheduleThePromptPerFrame) {
  const fs::path dir = testing::CreateTestDir();
  WriteAtomically(dir / "path.json", R"({
    "keyframes": [
      {"frame": 0, "position": [0, 0, 0], "prompt": "a library"},
      {"frame": 2, "position": [0, 0, 0.1]},
      {"frame": 3, "position": [0, 0, 0.15], "prompt": "a garden"},
      {"frame": 4, "position": [0, 0, 0.2], "prompt": ""}
    ]})");
  const Result r = RunCli(
      "--prompt \"a hall\" --frames 5 --candidates 1 --set camera.width=96 --set camera.height=96"
      " --set camera.focal_length=94 --set render.frustum_margin_px=24 --trajectory " +
      (dir / "path.json").string() + " --out " + (dir / "run").string());
  ASSERT_EQ(r.code, 0) << r.output;
  const auto run = nlohmann::json::parse(ReadFile(dir / "run" / "run.json"));
  const std::vector<std::string> expected = {"a library", "a library", "a library", "a garden", "a hall"};
  ASSERT_EQ(run["frames"].size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(run["frames"][i]["prompt"], expected[i]) << i;
}

}  // namespace
}  // namespace scenescape

namespace scenescape {
namespace {

TEST(Cli, ProgressJsonEmitsOneEventPerFrame) {
  const fs::path out = testing::CreateTestDir() / "run";
  std::string stdout_only;
  // The logs go to stderr, which is dropped here: stdout must hold only the events.
  const int code =
      testing::RunCommand("(" + std::string(SCN_BINARY) + " --frames 3 --candidates 1 --progress json --out " +
                              out.string() + " 2>/dev/null)",
                          &stdout_only);
  ASSERT_EQ(code, 0) << stdout_only;
  std::istringstream lines(stdout_only);
  std::vector<nlohmann::json> events;
  for (std::string line; std::getline(lines, line);) events.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(events.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(events[i]["event"], "frame");
    EXPECT_EQ(events[i]["frame"], i);
    EXPECT_EQ(events[i]["frames"], 3);
  }
  EXPECT_EQ(events[3]["event"], "done");
  EXPECT_EQ(events[3]["out"], out.string());
}

}  // namespace
}  // namespace scenescape

namespace scenescape {
namespace {

TEST(Cli, RenderReplaysAFinishedRunAndTakesOtherPaths) {
  const fs::path dir = testing::CreateTestDir();
  const std::string small =
      " --set camera.width=128 --set camera.height=128 --set camera.focal_length=125"
      " --set render.frustum_margin_px=32";
  Result r = RunCli("--backend oracle --frames 6 --candidates 1" + small + " --out " + (dir / "run").string());
  ASSERT_EQ(r.code, 0) << r.output;
  r = RunCli("render " + (dir / "run").string() + " --out " + (dir / "same").string());
  ASSERT_EQ(r.code, 0) << r.output;
  const auto ca = nlohmann::json::parse(ReadFile(dir / "run" / "cameras.json"))["frames"];
  const auto cb = nlohmann::json::parse(ReadFile(dir / "same" / "cameras.json"))["frames"];
  ASSERT_EQ(cb.size(), 6u);
  for (int i = 0; i < 6; ++i) {
    for (int row = 0; row < 4; ++row)
      for (int col = 0; col < 4; ++col)
        EXPECT_NEAR(
            ca[i]["cam_from_world"][row][col].get<double>(), cb[i]["cam_from_world"][row][col].get<double>(), 1e-9);
    char name[32];
    std::snprintf(name, sizeof(name), "%05d.png", i);
    const at::Tensor frame = ReadImageForTest(dir / "run" / "frames" / name);
    const at::Tensor render = ReadImageForTest(dir / "same" / "frames" / name);
    // The final mesh seen from each camera is the frame (the oracle back end is consistent).
    EXPECT_GT(testing::Psnr(frame, render), 30.0) << name;
  }
  EXPECT_TRUE(fs::exists(dir / "same" / "video.mp4"));
  r = RunCli("render " + (dir / "run").string() + " -t round --frames 8");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(nlohmann::json::parse(ReadFile(dir / "run" / "render_round" / "cameras.json"))["frames"].size(), 8u);
  r = RunCli("render " + (dir / "nothing").string());
  EXPECT_EQ(r.code, 2) << r.output;
}

}  // namespace
}  // namespace scenescape
