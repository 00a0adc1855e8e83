// Resume: runs killed at many moments (in the middle of file writes, and by
// SIGKILL at random times) and then resumed give exactly the frames, mesh and
// cameras of a run that was never stopped. Also --redo-frames.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <random>

#include "scenescape/core/fs.h"
#include "testing.h"

namespace scenescape {
namespace {
namespace fs = std::filesystem;

const std::string kArgs =
    " --frames 6 --candidates 2 --seed 3 --set camera.width=128 --set camera.height=128"
    " --set camera.focal_length=125 --set render.frustum_margin_px=32";

int Exec(const std::string& cmd, std::string* output = nullptr) { return testing::RunCommand(cmd, output); }

std::string Bin() { return SCN_BINARY; }

// The products that must match an uninterrupted run byte for byte.
std::vector<std::string> Products(const fs::path& dir) {
  std::vector<std::string> files = {"mesh.ply"};
  for (int i = 0; i < 6; ++i) {
    char name[32];
    std::snprintf(name, sizeof(name), "%05d.png", i);
    files.push_back(std::string("frames/") + name);
    files.push_back(std::string("depth/") + name);
    files.push_back(std::string("masks/") + name);
  }
  return files;
}

void ExpectSameRun(const fs::path& a, const fs::path& b, const std::string& what) {
  for (const auto& f : Products(a)) {
    ASSERT_TRUE(fs::exists(b / f)) << what << ": " << f << " missing";
    EXPECT_TRUE(ReadFile(a / f) == ReadFile(b / f)) << what << ": " << f << " differs";
  }
  const auto cams_a = nlohmann::json::parse(ReadFile(a / "cameras.json"));
  const auto cams_b = nlohmann::json::parse(ReadFile(b / "cameras.json"));
  EXPECT_EQ(cams_a, cams_b) << what;
  const auto run = nlohmann::json::parse(ReadFile(b / "run.json"));
  EXPECT_EQ(run["status"], "complete") << what;
  EXPECT_EQ(run["frames"].size(), 6u) << what;
  EXPECT_TRUE(fs::exists(b / "video.mp4")) << what;
  for (const auto& e : fs::recursive_directory_iterator(b))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << what << ": " << e.path();
}

class Resume : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new fs::path(fs::temp_directory_path() / ("scenescape_resume_" + std::to_string(::getpid())));
    fs::remove_all(*root_);
    fs::create_directories(*root_);
    std::string out;
    ASSERT_EQ(Exec(Bin() + kArgs + " --out " + (*root_ / "reference").string(), &out), 0) << out;
  }
  static fs::path* root_;
};
fs::path* Resume::root_ = nullptr;

TEST_F(Resume, CrashesInTheMiddleOfFileWrites) {
  int crashed = 0;
  for (int n : {1, 3, 6, 9, 14, 20, 27, 33, 41, 48, 55, 60, 64}) {
    const fs::path dir = *root_ / ("crash" + std::to_string(n));
    std::string out;
    const int code =
        Exec("SCN_TEST_CRASH_AT_WRITE=" + std::to_string(n) + " " + Bin() + kArgs + " --out " + dir.string(), &out);
    if (code == 0) continue;  // the run has fewer writes than n
    ASSERT_EQ(code, 86) << out;
    ++crashed;
    if (!fs::exists(dir / "run.json")) {
      // Killed before the first frame was recorded: a fresh start is the recovery.
      ASSERT_EQ(Exec(Bin() + kArgs + " --out " + dir.string() + " --overwrite", &out), 0) << out;
    } else {
      ASSERT_EQ(Exec(Bin() + " --resume " + dir.string(), &out), 0) << "write " << n << ": " << out;
    }
    ExpectSameRun(*root_ / "reference", dir, "crash at write " + std::to_string(n));
  }
  EXPECT_GE(crashed, 10);
}

TEST_F(Resume, SigkillAtRandomTimes) {
  // Each run is killed while it works: once frame k's PNG appears (k = 1..4 of
  // 6), after a random extra 0-40 ms, so the kill lands at a random moment of
  // the following frame's work, whatever the machine's load.
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> delay_ms(0, 40);
  int interrupted = 0;
  for (int k = 1; k <= 4; ++k) {
    const fs::path dir = *root_ / ("kill" + std::to_string(k));
    char frame[32];
    std::snprintf(frame, sizeof(frame), "%05d.png", k);
    const double delay = delay_ms(rng) / 1000.0;
    const std::string script = Bin() + kArgs + " --out " + dir.string() + " > /dev/null 2>&1 & pid=$!; " +
                               "while [ ! -f " + (dir / "frames" / frame).string() +
                               " ] && kill -0 $pid 2>/dev/null; do sleep 0.005; done; sleep " + std::to_string(delay) +
                               "; kill -9 $pid 2>/dev/null && echo killed; wait $pid";
    std::string out;
    Exec("bash -c '" + script + "'", &out);
    const bool killed = out.find("killed") != std::string::npos && !fs::exists(dir / "video.mp4");
    interrupted += killed;
    ASSERT_EQ(Exec(Bin() + " --resume " + dir.string(), &out), 0) << out;
    ExpectSameRun(*root_ / "reference", dir, "SIGKILL after frame " + std::to_string(k));
  }
  std::printf("%d of 4 kills interrupted a run\n", interrupted);
  EXPECT_GE(interrupted, 3) << "the kills landed after the runs had finished";
}

TEST_F(Resume, ResumingACompleteRunChangesNothing) {
  const fs::path ref = *root_ / "reference";
  const std::string before = ReadFile(ref / "mesh.ply");
  std::string out;
  EXPECT_EQ(Exec(Bin() + " --resume " + ref.string(), &out), 0) << out;
  EXPECT_NE(out.find("already complete"), std::string::npos) << out;
  EXPECT_TRUE(ReadFile(ref / "mesh.ply") == before);
}

TEST_F(Resume, RedoFramesWithTheSameSeedReproducesAndANewSeedChangesOnlyThoseFrames) {
  // 8 candidates: the classical inpainter's textured variants (k >= 5) draw
  // their noise from (seed, frame, k), so a new seed changes their scores.
  std::string args = kArgs;
  args.replace(args.find("--candidates 2"), 14, "--candidates 8");
  const fs::path ref = *root_ / "redo_reference";
  const fs::path dir = *root_ / "redo";
  std::string out;
  ASSERT_EQ(Exec(Bin() + args + " --out " + ref.string(), &out), 0) << out;
  ASSERT_EQ(Exec(Bin() + args + " --out " + dir.string(), &out), 0) << out;
  ASSERT_EQ(Exec(Bin() + " --resume " + dir.string() + " --redo-frames 3-4", &out), 0) << out;
  ExpectSameRun(ref, dir, "redo with the same seed");
  ASSERT_EQ(Exec(Bin() + " --resume " + dir.string() + " --redo-frames 3-4 --seed 99", &out), 0) << out;
  const auto run = nlohmann::json::parse(ReadFile(dir / "run.json"));
  const auto run_ref = nlohmann::json::parse(ReadFile(ref / "run.json"));
  EXPECT_EQ(run["reseed"]["seed"], 99);
  EXPECT_EQ(run["frames"].size(), 6u);
  EXPECT_TRUE(ReadFile(dir / "frames/00002.png") == ReadFile(ref / "frames/00002.png"));
  EXPECT_EQ(run["frames"][2]["scores"], run_ref["frames"][2]["scores"]);
  EXPECT_NE(run["frames"][3]["scores"], run_ref["frames"][3]["scores"]);
  EXPECT_NE(run["frames"][4]["scores"], run_ref["frames"][4]["scores"]);

  // The run as a kill after its last frame leaves it (status still "running"), then frame 0 damaged outside the
  // tool: resume starts the run again from frame 0 and keeps the recorded reseed, so frames 3-4 come out as the
  // seed-99 redo made them.
  auto killed = run;
  killed["status"] = "running";
  WriteAtomically(dir / "run.json", killed.dump(2));
  std::string frame0 = ReadFile(dir / "frames/00000.png");
  frame0[frame0.size() / 2] ^= 0x5a;
  WriteAtomically(dir / "frames/00000.png", frame0);
  ASSERT_EQ(Exec(Bin() + " --resume " + dir.string(), &out), 0) << out;
  EXPECT_NE(out.find("starting the run again"), std::string::npos) << out;
  const auto restarted = nlohmann::json::parse(ReadFile(dir / "run.json"));
  EXPECT_EQ(restarted["status"], "complete");
  ASSERT_TRUE(restarted.contains("reseed")) << restarted.dump();
  EXPECT_EQ(restarted["reseed"]["seed"], 99);
  EXPECT_TRUE(ReadFile(dir / "frames/00000.png") == ReadFile(ref / "frames/00000.png"));
  for (int i : {2, 3, 4}) EXPECT_EQ(restarted["frames"][i]["scores"], run["frames"][i]["scores"]) << "frame " << i;
}

TEST_F(Resume, BadResumeTargets) {
  std::string out;
  EXPECT_EQ(Exec(Bin() + " --resume " + (*root_ / "does_not_exist").string(), &out), 2) << out;
  EXPECT_NE(out.find("no such run folder"), std::string::npos) << out;
  const fs::path not_run = *root_ / "not_a_run";
  fs::create_directories(not_run);
  EXPECT_EQ(Exec(Bin() + " --resume " + not_run.string(), &out), 2) << out;
  EXPECT_NE(out.find("not a scenescape run folder"), std::string::npos) << out;
  EXPECT_EQ(Exec(Bin() + " --resume " + (*root_ / "reference").string() + " --redo-frames 0-2", &out), 2) << out;
  EXPECT_EQ(Exec(Bin() + " --redo-frames 2-3", &out), 2) << out;
}

}  // namespace
}  // namespace scenescape
