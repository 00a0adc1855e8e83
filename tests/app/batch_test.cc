// `scenescape batch`: restartable batches, shards, and bad job files.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "scenescape/core/fs.h"
#include "testing.h"

namespace scenescape {
namespace {
namespace fs = std::filesystem;

int Exec(const std::string& cmd, std::string* output = nullptr) { return testing::RunCommand(cmd, output); }

const char* kSmall =
    R"("overrides": {"camera.width": 96, "camera.height": 96, "camera.focal_length": 94, "inpaint.num_candidates": 2, "render.frustum_margin_px": 24})";

std::string Job(const std::string& name, int seed) {
  return "{\"name\": \"" + name + "\", \"frames\": 3, \"seed\": " + std::to_string(seed) + ", " + kSmall + "}\n";
}

std::string Status(const fs::path& run) {
  return nlohmann::json::parse(ReadFile(run / "run.json"))["status"].get<std::string>();
}

TEST(Batch, RestartSkipsFinishedAndResumesStoppedRuns) {
  const fs::path dir = testing::CreateTestDir();
  WriteAtomically(dir / "jobs.jsonl", "# three small runs\n" + Job("a", 1) + Job("b", 2) + "\n" + Job("c", 3));
  const std::string batch =
      std::string(SCN_BINARY) + " batch " + (dir / "jobs.jsonl").string() + " --out " + (dir / "runs").string();
  std::string out;
  // Crash in the middle of a file write during the second job.
  EXPECT_EQ(Exec("SCN_TEST_CRASH_AT_WRITE=58 " + batch, &out), 86) << out;
  EXPECT_EQ(Status(dir / "runs/a"), "complete");
  ASSERT_TRUE(fs::exists(dir / "runs/b/run.json")) << out;
  EXPECT_EQ(Status(dir / "runs/b"), "running");
  EXPECT_FALSE(fs::exists(dir / "runs/c"));
  const std::string a_before = ReadFile(dir / "runs/a/run.json");
  ASSERT_EQ(Exec(batch, &out), 0) << out;
  EXPECT_NE(out.find("skipped (complete)"), std::string::npos) << out;
  EXPECT_NE(out.find("resumed"), std::string::npos) << out;
  EXPECT_NE(out.find("started"), std::string::npos) << out;
  for (const char* run : {"a", "b", "c"}) EXPECT_EQ(Status(dir / "runs" / run), "complete") << run;
  EXPECT_EQ(ReadFile(dir / "runs/a/run.json"), a_before);  // a finished run is not touched
  // A third pass does nothing.
  ASSERT_EQ(Exec(batch, &out), 0) << out;
  EXPECT_EQ(out.find("started"), std::string::npos) << out;
  EXPECT_EQ(out.find("resumed"), std::string::npos) << out;
}

TEST(Batch, ShardsSplitTheJobs) {
  const fs::path dir = testing::CreateTestDir();
  WriteAtomically(dir / "jobs.jsonl", Job("a", 1) + Job("b", 2) + Job("c", 3));
  const std::string batch =
      std::string(SCN_BINARY) + " batch " + (dir / "jobs.jsonl").string() + " --out " + (dir / "runs").string();
  std::string out;
  ASSERT_EQ(Exec(batch + " --shard 1/2", &out), 0) << out;
  EXPECT_FALSE(fs::exists(dir / "runs/a"));
  EXPECT_TRUE(fs::exists(dir / "runs/b/run.json"));
  EXPECT_FALSE(fs::exists(dir / "runs/c"));
  ASSERT_EQ(Exec(batch + " --shard 0/2", &out), 0) << out;
  EXPECT_TRUE(fs::exists(dir / "runs/a/run.json"));
  EXPECT_TRUE(fs::exists(dir / "runs/c/run.json"));
  EXPECT_EQ(Exec(batch + " --shard 2/2", &out), 2) << out;
}

TEST(Batch, BadJobFilesChangeNothing) {
  const fs::path dir = testing::CreateTestDir();
  WriteAtomically(dir / "good.jsonl", Job("done", 1));
  std::string out;
  const std::string bin = SCN_BINARY;
  const std::string runs = (dir / "runs").string();
  ASSERT_EQ(Exec(bin + " batch " + (dir / "good.jsonl").string() + " --out " + runs, &out), 0) << out;
  const std::string before = ReadFile(dir / "runs/done/run.json");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {Job("done", 1) + "{\"name\": \"x\", \"promt\": \"typo\"}\n", "bad.jsonl:2: promt: unknown key"},
      {Job("done", 1) + "{\"name\": \"x\",\n", "bad.jsonl:2: not valid JSON"},
      {Job("done", 1) + Job("done", 2), "bad.jsonl:2: name: \"done\" is used by an earlier line"},
      {Job("done", 1) + "{\"name\": \"y\", \"overrides\": {\"mesh.sobel_threshold\": 5}}\n",
       "bad.jsonl:2: mesh.sobel_threshold"},
      {Job("done", 1) + "{\"name\": \"../escape\"}\n", "bad.jsonl:2: name"},
      {Job("done", 1) + "{\"frames\": 3}\n", "bad.jsonl:2: name: required"},
      {Job("done", 1) + "{\"name\": \"z\", \"trajectory\": \"nope.json\"}\n", "bad.jsonl:2: trajectory"},
  };
  for (const auto& [text, expected] : cases) {
    WriteAtomically(dir / "bad.jsonl", text);
    EXPECT_EQ(Exec(bin + " batch " + (dir / "bad.jsonl").string() + " --out " + runs, &out), 2) << out;
    EXPECT_NE(out.find(expected), std::string::npos) << "expected '" << expected << "' in: " << out;
    EXPECT_EQ(ReadFile(dir / "runs/done/run.json"), before);
    EXPECT_EQ(std::distance(fs::directory_iterator(dir / "runs"), {}), 1) << "a bad file started a run";
  }
  EXPECT_EQ(Exec(bin + " batch " + (dir / "missing.jsonl").string(), &out), 2) << out;
}

}  // namespace
}  // namespace scenescape
