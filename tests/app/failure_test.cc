// Nothing complete-looking after a failure: a write that fails (a file-size limit, a full tmpfs) leaves run.json
// saying "failed" and no final products; resume rebuilds what was damaged after it was written (a truncated frame
// or mesh delta) and refuses a config that differs from the run's; a finished run is never modified by a failing
// command. Every run here is the real binary on a small 6-frame scene.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <map>
#include <vector>

#include "scenescape/core/fs.h"
#include "testing.h"

namespace scenescape {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

const std::string kSmall =
    " --candidates 2 --seed 3 --set camera.width=128 --set camera.height=128 --set camera.focal_length=125"
    " --set render.frustum_margin_px=32";
const std::string kArgs = " --frames 6" + kSmall;

using Result = testing::CommandResult;
Result Cli(const std::string& args) { return testing::Run(std::string(SCN_BINARY) + " " + args); }

std::string Padded(int index) {
  char name[16];
  std::snprintf(name, sizeof(name), "%05d", index);
  return name;
}

std::string FrameName(const std::string& sub, int index) { return sub + "/" + Padded(index) + ".png"; }

json ReadJson(const fs::path& file) { return json::parse(ReadFile(file)); }

// The same frames, depth maps, masks, mesh and cameras as the reference, and a complete record.
void ExpectSameAsReference(const fs::path& ref, const fs::path& dir, const std::string& what) {
  std::vector<std::string> files = {"mesh.ply", "cameras.json"};
  for (int i = 0; i < 6; ++i)
    for (const char* sub : {"frames", "depth", "masks"}) files.push_back(FrameName(sub, i));
  for (const auto& f : files) {
    ASSERT_TRUE(fs::exists(dir / f)) << what << ": " << f << " missing";
    EXPECT_TRUE(ReadFile(ref / f) == ReadFile(dir / f)) << what << ": " << f << " differs";
  }
  const json run = ReadJson(dir / "run.json");
  EXPECT_EQ(run["status"], "complete") << what;
  EXPECT_EQ(run["frames"].size(), 6u) << what;
  EXPECT_TRUE(fs::exists(dir / "video.mp4")) << what;
}

// A failed run: run.json (when there is one) does not say complete, and none of the final products is there.
void ExpectNothingComplete(const fs::path& dir, const std::string& what) {
  if (fs::exists(dir / "run.json")) {
    EXPECT_NE(ReadJson(dir / "run.json")["status"], "complete") << what;
  }
  for (const char* product : {"video.mp4", "video_reverse.mp4", "mesh.ply", "mesh.glb", "transforms.json", "colmap"})
    EXPECT_FALSE(fs::exists(dir / product)) << what << ": " << product;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << what << ": " << e.path();
}

// Every file of a folder with its size, content and modification time.
std::map<std::string, std::string> Snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string rel = fs::relative(e.path(), dir).string();
    if (!e.is_regular_file()) {
      files[rel] = "dir";
      continue;
    }
    files[rel] = ReadFile(e.path()) + "|" + std::to_string(fs::last_write_time(e.path()).time_since_epoch().count());
  }
  return files;
}

class Failure : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new fs::path(fs::temp_directory_path() / ("scenescape_failure_" + std::to_string(::getpid())));
    fs::remove_all(*root_);
    fs::create_directories(*root_);
    const Result r = Cli(kArgs + " --out " + Ref().string());
    ASSERT_EQ(r.code, 0) << r.output;
  }
  static void TearDownTestSuite() {
    fs::remove_all(*root_);
    delete root_;
  }
  static fs::path Ref() { return *root_ / "reference"; }
  // A run stopped by a crash in the middle of its `write`-th file write (frame 2 or 3 of 6).
  static fs::path StoppedRun(const std::string& name, int write = 30) {
    const fs::path dir = *root_ / name;
    std::string out;
    const int code = testing::RunCommand(
        "SCN_TEST_CRASH_AT_WRITE=" + std::to_string(write) + " " + SCN_BINARY + kArgs + " --out " + dir.string(), &out);
    EXPECT_EQ(code, 86) << out;
    return dir;
  }
  static int NextIndex(const fs::path& dir) { return ReadJson(dir / "state/state.json")["next_index"].get<int>(); }
  static fs::path* root_;
};
fs::path* Failure::root_ = nullptr;

void Truncate(const fs::path& file) { fs::resize_file(file, fs::file_size(file) / 2); }

// ------------------------------------------------------------ write failures

// RLIMIT_FSIZE (ulimit -f, in KiB) with SIGXFSZ ignored: every write past the limit fails with EFBIG, as a full
// disk fails with ENOSPC. A limit above every per-frame file but below mesh.ply makes the run fail in its last
// step; one below frame 0's mesh delta makes it fail in its first frame.
TEST_F(Failure, AWriteThatFailsLeavesAFailedRecordAndResumeFinishesTheRun) {
  uintmax_t largest_frame_file = 0;
  for (const auto& e : fs::recursive_directory_iterator(Ref()))
    if (e.is_regular_file() && e.path().filename() != "mesh.ply" && e.path().filename() != "mesh.glb" &&
        e.path().extension() != ".mp4" && e.path().parent_path().filename() != "colmap")
      largest_frame_file = std::max<uintmax_t>(largest_frame_file, e.file_size());
  const uintmax_t ply = fs::file_size(Ref() / "mesh.ply");
  const uintmax_t delta0 = fs::file_size(Ref() / "state/mesh/00000.bin");
  ASSERT_GT(ply, largest_frame_file + 2048) << "the test needs mesh.ply to be the largest file";
  const uintmax_t png0 = fs::file_size(Ref() / FrameName("frames", 0));
  ASSERT_GT(delta0, png0 + 2048);
  struct Case {
    const char* name;
    uintmax_t limit_kib;
    int frames_done;
  };
  for (const Case& c : {Case{"fsize_in_complete", (largest_frame_file + ply) / 2 / 1024, 6},
                        Case{"fsize_in_frame0", (png0 + delta0) / 2 / 1024, 0}}) {
    const fs::path dir = *root_ / c.name;
    std::string out;
    const int code = testing::RunCommand("bash -c 'trap \"\" XFSZ; ulimit -f " + std::to_string(c.limit_kib) +
                                             "; exec " + SCN_BINARY + kArgs + " --out " + dir.string() + "'",
                                         &out);
    EXPECT_EQ(code, 4) << c.name << ": " << out;
    EXPECT_EQ(testing::ErrorLines(out).size(), 1u) << c.name << ": " << out;
    EXPECT_NE(out.find("write failed"), std::string::npos) << c.name << ": " << out;
    EXPECT_EQ(out.find("LOG ERROR"), std::string::npos) << c.name << ": " << out;
    ExpectNothingComplete(dir, c.name);
    const json run = ReadJson(dir / "run.json");
    EXPECT_EQ(run["status"], "failed") << c.name;
    EXPECT_NE(run["error"].get<std::string>().find("write failed"), std::string::npos) << run["error"];
    EXPECT_EQ(run["frames"].size(), static_cast<size_t>(c.frames_done)) << c.name;
    // eval and render refuse a run that is not complete.
    EXPECT_EQ(Cli("render " + dir.string()).code, 2) << c.name;
    // The space is back: resume finishes the same run.
    const Result resumed = Cli("--resume " + dir.string());
    ASSERT_EQ(resumed.code, 0) << c.name << ": " << resumed.output;
    ExpectSameAsReference(Ref(), dir, c.name);
  }
}

// A real full disk: a 3 MiB tmpfs in a private mount namespace (root only; the CI root runs as root). The frames
// fill it long before the run ends.
TEST_F(Failure, AFullDiskLeavesAFailedRecord) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs needs root";
  const fs::path mnt = *root_ / "tmpfs";
  const fs::path copy = *root_ / "tmpfs_record.json";
  fs::create_directories(mnt);
  // Frame 0 writes ~1 MB (its mesh delta is most of it), later frames ~0.2 MB: 3 MiB lasts a few frames.
  const fs::path run = mnt / "run";
  const std::string script = "mount -t tmpfs -o size=3m tmpfs " + mnt.string() + " || exit 99; " + SCN_BINARY +
                             " --frames 20" + kSmall + " --out " + run.string() + "; code=$?; cp " +
                             (run / "run.json").string() + " " + copy.string() + "; echo products=$(find " +
                             run.string() + " -name \"*.tmp-*\" -o -name \"video*\" -o -name \"mesh.*\" | wc -l); " +
                             "exit $code";
  std::string out;
  // unshare -m makes "/" private first, which fails (EINVAL) in a chroot whose "/" is not a mount point, as in
  // .ci/run's root; there the whole chroot already lives in a private namespace, so "unchanged" leaks nothing.
  const bool private_root = testing::RunCommand("unshare -m true", &out) == 0;
  const std::string unshare = private_root ? "unshare -m" : "unshare -m --propagation unchanged";
  const int code = testing::RunCommand(unshare + " bash -c '" + script + "'", &out);
  ASSERT_NE(code, 99) << "could not mount a tmpfs: " << out;
  EXPECT_EQ(code, 4) << out;
  EXPECT_EQ(testing::ErrorLines(out).size(), 1u) << out;
  EXPECT_NE(out.find("disk full"), std::string::npos) << out;
  EXPECT_EQ(out.find("LOG ERROR"), std::string::npos) << out;
  // No video, mesh or temporary file was left in the full folder.
  EXPECT_NE(out.find("products=0"), std::string::npos) << out;
  ASSERT_TRUE(fs::exists(copy)) << out;
  const json record = ReadJson(copy);
  EXPECT_EQ(record["status"], "failed");
  EXPECT_LT(record["frames"].size(), 20u);
}

// ------------------------------------------------------------ resume verifies what it builds on

TEST_F(Failure, ATruncatedFrameOrMeshDeltaIsMadeAgainOnResume) {
  struct Case {
    const char* name;
    std::function<std::string(int last)> damaged;  // relative path, given the last finished frame
  };
  const std::vector<Case> cases = {
      {"last_frame_png", [](int last) { return FrameName("frames", last); }},
      {"first_mask_png", [](int) { return FrameName("masks", 1); }},
      {"mesh_delta", [](int last) { return "state/mesh/" + Padded(last) + ".bin"; }},
  };
  for (const Case& c : cases) {
    const fs::path dir = StoppedRun(c.name);
    const int last = NextIndex(dir) - 1;
    ASSERT_GE(last, 1) << c.name;
    const std::string damaged = c.damaged(last);
    Truncate(dir / damaged);
    const Result r = Cli("--resume " + dir.string());
    ASSERT_EQ(r.code, 0) << c.name << ": " << r.output;
    EXPECT_NE(r.output.find(damaged + ": "), std::string::npos) << c.name << ": " << r.output;
    EXPECT_NE(r.output.find("damaged after the run wrote it"), std::string::npos) << r.output;
    ExpectSameAsReference(Ref(), dir, c.name);
  }
}

TEST_F(Failure, AFileWithTheSameSizeButOtherContentIsNoticed) {
  const fs::path dir = StoppedRun("same_size");
  const fs::path frame = dir / FrameName("frames", 1);
  std::string bytes = ReadFile(frame);
  bytes[bytes.size() / 2] ^= 0x5a;
  WriteAtomically(frame, bytes);
  const Result r = Cli("--resume " + dir.string());
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("content differs"), std::string::npos) << r.output;
  ExpectSameAsReference(Ref(), dir, "same size");
}

TEST_F(Failure, ADamagedCompleteRunIsRefusedUntouchedAndRedoRepairsIt) {
  const fs::path dir = *root_ / "complete_damaged";
  fs::copy(Ref(), dir, fs::copy_options::recursive);
  Truncate(dir / FrameName("frames", 4));
  const auto before = Snapshot(dir);
  const Result r = Cli("--resume " + dir.string());
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_EQ(testing::ErrorLines(r.output).size(), 1u) << r.output;
  EXPECT_NE(r.output.find("frames/00004.png"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--redo-frames 4-4"), std::string::npos) << r.output;
  EXPECT_TRUE(Snapshot(dir) == before);
  const Result redo = Cli("--resume " + dir.string() + " --redo-frames 4-4");
  ASSERT_EQ(redo.code, 0) << redo.output;
  ExpectSameAsReference(Ref(), dir, "redo of the damaged frame");
}

// ------------------------------------------------------------ one config per run

TEST_F(Failure, AResumeWithAnotherConfigIsRefusedNamingTheKeys) {
  const fs::path dir = StoppedRun("other_config");
  const auto before = Snapshot(dir);
  Result r = Cli("--resume " + dir.string() + " --frames 8 --set render.supersample=3");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_EQ(testing::ErrorLines(r.output).size(), 1u) << r.output;
  EXPECT_NE(r.output.find("frames (run.json: 6, asked: 8)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("render.supersample (run.json: 2, asked: 3)"), std::string::npos) << r.output;
  // A config file names a whole config: the defaults' 50 frames differ from the run's 6.
  r = Cli("--resume " + dir.string() + " -c " + (testing::SourceDir() / "configs/default.json").string());
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("frames (run.json: 6, asked: 50)"), std::string::npos) << r.output;
  r = Cli("--resume " + dir.string() + " --out " + (*root_ / "elsewhere").string());
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--out: not with --resume"), std::string::npos) << r.output;
  EXPECT_TRUE(Snapshot(dir) == before);
  // run.json edited after frames were made: it no longer describes them.
  json run = ReadJson(dir / "run.json");
  const std::string original = ReadFile(dir / "run.json");
  run["config"]["frames"] = 9;
  WriteAtomically(dir / "run.json", run.dump(1));
  r = Cli("--resume " + dir.string());
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("frames (state/state.json: 6, run.json: 9)"), std::string::npos) << r.output;
  WriteAtomically(dir / "run.json", original);
  // The same values as the run's are no difference.
  r = Cli("--resume " + dir.string() + " --frames 6 --seed 3 --set camera.width=128");
  ASSERT_EQ(r.code, 0) << r.output;
  ExpectSameAsReference(Ref(), dir, "resume with the run's own values");
}

TEST_F(Failure, ABatchLineThatNoLongerMatchesItsRunIsRefusedBeforeAnythingRuns) {
  const fs::path dir = *root_ / "batch";
  fs::create_directories(dir / "runs");
  fs::copy(Ref(), dir / "runs/done", fs::copy_options::recursive);
  const std::string same =
      R"("frames": 6, "seed": 3, "overrides": {"camera.width": 128, "camera.height": 128, "camera.focal_length": 125, "inpaint.num_candidates": 2, "render.frustum_margin_px": 32})";
  WriteAtomically(dir / "jobs.jsonl",
                  "{\"name\": \"done\", " + same + "}\n{\"name\": \"new\", \"frames\": 2, \"seed\": 1}\n");
  const std::string batch = "batch " + (dir / "jobs.jsonl").string() + " --out " + (dir / "runs").string();
  const auto before = Snapshot(dir / "runs");
  std::string edited = ReadFile(dir / "jobs.jsonl");
  edited.replace(edited.find("\"seed\": 3"), 9, "\"seed\": 4");
  WriteAtomically(dir / "jobs.jsonl", edited);
  const Result r = Cli(batch);
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_EQ(testing::ErrorLines(r.output).size(), 1u) << r.output;
  EXPECT_NE(r.output.find("jobs.jsonl:1: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("seed (run.json: 3, this line: 4)"), std::string::npos) << r.output;
  EXPECT_TRUE(Snapshot(dir / "runs") == before) << "the batch ran something";
}

// ------------------------------------------------------------ a finished run stays as it is

TEST_F(Failure, FailingCommandsLeaveAFinishedRunUntouched) {
  const fs::path dir = *root_ / "finished";
  fs::copy(Ref(), dir, fs::copy_options::recursive);
  const auto before = Snapshot(dir);
  const std::string d = dir.string();
  for (const std::string& args : {"--resume " + d + " --frames 9",
                                  "--resume " + d + " --redo-frames 0-2",
                                  "--resume " + d + " --redo-frames 7-8",
                                  "--resume " + d + " --redo-frames x",
                                  "--resume " + d + " --seed 4",
                                  "--frames 2 --out " + d,
                                  "render " + d + " -t " + (*root_ / "no_such_path.json").string(),
                                  "render " + d + " --frames x",
                                  "render " + d + " -t not_a_motion",
                                  "eval " + d + " --no-such-flag",
                                  "eval " + d + " " + (*root_ / "no_such_run").string()}) {
    const Result r = Cli(args);
    EXPECT_NE(r.code, 0) << args << ": " << r.output;
    EXPECT_TRUE(Snapshot(dir) == before) << args << " changed the finished run";
  }
}

}  // namespace
}  // namespace scenescape
