// Bad input of every kind, given to the real `scenescape` binary, one table row
// per input: deeply nested JSON, numbers beyond double, damaged run folders
// (run.json, cameras.json, state.json, mesh deltas, mesh.ply), values outside
// their ranges, decompression bombs, non-UTF-8 paths, manifests naming files
// outside their folder and batch names that cannot be folder names. Each must
// give one error line naming the file and the key or value, the README's exit
// code (no signal, no exit 1 from a library's exception), leave nothing that
// looks complete, and never change a finished run. The binary runs under a
// virtual-memory cap, so an allocation sized by an unchecked count fails the
// row instead of passing on a machine with enough swap.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "scenescape/core/fs.h"
#include "testing.h"

namespace scenescape {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

// Small and quick: 3 frames of 96x96 on the classical back end.
const std::string kRunArgs =
    " --frames 3 --candidates 1 --seed 2 --set camera.width=96 --set camera.height=96"
    " --set camera.focal_length=90 --set render.frustum_margin_px=16";

// Far above what a run of the sizes here needs (LibTorch maps about 1 GB at
// start), far below the 176 GB or terabytes an unchecked count asks for.
// Under AddressSanitizer (scripts/sanitize.sh) no address-space cap can apply, since its shadow memory reserves
// terabytes at start; that script sets ASan's own per-allocation limit to the same 6 GB instead.
#if defined(__SANITIZE_ADDRESS__)
#define SCN_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SCN_UNDER_ASAN 1
#endif
#endif
#ifdef SCN_UNDER_ASAN
const char* kMemoryCap = "";
#else
const char* kMemoryCap = "ulimit -v 6000000; ";
#endif

// SCN_BAD_INPUT_BINARY runs the table against another build (an older one, to
// see which rows it fails).
std::string Binary() {
  const char* other = std::getenv("SCN_BAD_INPUT_BINARY");
  return other ? other : SCN_BINARY;
}

std::string Nested(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

// A PNG of `width` x `height` whose header is all there is: 33 bytes that
// declare the size, then an empty IDAT and IEND (CRCs are not checked before
// the size is).
std::string PngDeclaring(uint32_t width, uint32_t height) {
  std::string png = "\x89PNG\r\n\x1a\n";
  const auto be32 = [&png](uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) png += static_cast<char>((v >> s) & 0xff);
  };
  be32(13);
  png += "IHDR";
  be32(width);
  be32(height);
  png += std::string("\x08\x02\x00\x00\x00", 5);  // 8-bit RGB
  be32(0);                                        // CRC (not reached)
  be32(0);
  png += "IDAT";
  be32(0);
  be32(0);
  png += "IEND";
  be32(0);
  return png;
}

// Every file under `dir` with its bytes.
std::map<std::string, std::string> Snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  if (!fs::exists(dir)) return files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) files[fs::relative(e.path(), dir).string()] = ReadFile(e.path());
  return files;
}

json ReadJson(const fs::path& file) { return json::parse(ReadFile(file)); }
void WriteJson(const fs::path& file, const json& doc) { WriteAtomically(file, doc.dump(1)); }

// The mesh delta layout of app/run_folder.h: "SCNMESH1", int64 {vertices before,
// new vertices, faces before, new faces}, then float32 xyz, float32 rgb, int32 faces.
constexpr size_t kDeltaHeader = 8;
void PatchInt64(const fs::path& file, size_t index, int64_t value) {
  std::string data = ReadFile(file);
  std::memcpy(&data[kDeltaHeader + 8 * index], &value, 8);
  WriteAtomically(file, data);
}
void PatchFirstFaceIndex(const fs::path& file, int32_t value) {
  std::string data = ReadFile(file);
  int64_t new_vertices = 0;
  std::memcpy(&new_vertices, &data[kDeltaHeader + 8], 8);
  const size_t faces_at = kDeltaHeader + 32 + static_cast<size_t>(new_vertices) * 24;
  std::memcpy(&data[faces_at], &value, 4);
  WriteAtomically(file, data);
}

// One bad input: `setup` writes what the row needs under `dir` (a finished run
// is at dir/"run" when `needs_run`) and returns the arguments.
struct Case {
  const char* name;
  int code;
  std::vector<std::string> needles;  // each must be in the error line
  std::function<std::string(const fs::path& dir)> setup;
  bool needs_run = false;
};

class BadInput : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new fs::path(testing::CreateTestDir());
    std::string out;
    const int code = testing::RunCommand(Binary() + kRunArgs + " --out " + (*root_ / "finished").string(), &out);
    ASSERT_EQ(code, 0) << out;
  }

  // Runs every case in a fresh folder and checks the common promises.
  void RunCases(const std::vector<Case>& cases) {
    for (const Case& c : cases) {
      SCOPED_TRACE(c.name);
      const fs::path dir = *root_ / c.name;
      fs::remove_all(dir);
      fs::create_directories(dir);
      if (c.needs_run) fs::copy(*root_ / "finished", dir / "run", fs::copy_options::recursive);
      const std::string args = c.setup(dir);
      const auto before = Snapshot(dir);
      std::string output;
      const int code = testing::RunCommand(kMemoryCap + Binary() + " " + args, &output);
      EXPECT_EQ(code, c.code) << c.name << ": " << output;
      const std::vector<std::string> errors = testing::ErrorLines(output);
      ASSERT_EQ(errors.size(), 1u) << c.name << ": " << output;
      for (std::string needle : c.needles) {
        for (size_t p = needle.find("DIR"); p != std::string::npos; p = needle.find("DIR", p))
          needle.replace(p, 3, dir.string());
        EXPECT_NE(errors[0].find(needle), std::string::npos) << c.name << ": '" << needle << "' not in " << errors[0];
      }
      EXPECT_EQ(errors[0].find("json.exception"), std::string::npos) << errors[0];
      EXPECT_EQ(errors[0].find("Check failed"), std::string::npos) << errors[0];
      // Nothing changed but a log; nothing new that looks like a result.
      const auto after = Snapshot(dir);
      for (const auto& [name, bytes] : after) {
        if (fs::path(name).filename() == "log.txt") continue;
        const auto it = before.find(name);
        EXPECT_TRUE(it != before.end() && it->second == bytes) << c.name << ": " << name << " was written";
      }
      for (const auto& [name, bytes] : before) EXPECT_TRUE(after.count(name)) << c.name << ": " << name << " removed";
    }
  }

  static fs::path* root_;
};
fs::path* BadInput::root_ = nullptr;

std::string Out(const fs::path& dir) { return " --out " + (dir / "out").string(); }

// Class 1: JSON nested tens of thousands deep, in every kind of JSON file.
TEST_F(BadInput, DeeplyNestedJson) {
  const std::string deep = Nested(100000);
  RunCases({
      {"deep_config",
       2,
       {"DIR/c.json", "nested deeper than 64"},
       [&](const fs::path& d) {
         WriteAtomically(d / "c.json", R"({"oracle": )" + deep + "}");
         return "--config " + (d / "c.json").string() + Out(d);
       }},
      {"deep_set",
       2,
       {"frames: expected an integer"},
       [&](const fs::path& d) { return "--set 'frames=" + Nested(60000) + "'" + Out(d); }},
      {"deep_keyframes",
       2,
       {"DIR/k.json", "nested deeper"},
       [&](const fs::path& d) {
         WriteAtomically(d / "k.json", R"({"keyframes": )" + deep + "}");
         return "--trajectory " + (d / "k.json").string() + Out(d);
       }},
      {"deep_transforms",
       2,
       {"DIR/transforms.json", "nested deeper"},
       [&](const fs::path& d) {
         WriteAtomically(d / "transforms.json", R"({"frames": )" + deep + "}");
         return "--trajectory " + (d / "transforms.json").string() + Out(d);
       }},
      {"deep_manifest",
       3,
       {"DIR/m/manifest.json", "nested deeper"},
       [&](const fs::path& d) {
         fs::create_directories(d / "m");
         WriteAtomically(d / "m" / "manifest.json", R"({"format": )" + deep + "}");
         return "models check " + (d / "m").string();
       }},
      {"deep_batch_line",
       2,
       {"DIR/jobs.jsonl:2", "nested deeper"},
       [&](const fs::path& d) {
         WriteAtomically(d / "jobs.jsonl", "{\"name\": \"a\"}\n{\"name\": \"b\", \"overrides\": " + deep + "}\n");
         return "batch " + (d / "jobs.jsonl").string() + Out(d);
       }},
      {"deep_run_json",
       2,
       {"DIR/run/run.json", "nested deeper"},
       [&](const fs::path& d) {
         WriteAtomically(d / "run" / "run.json", R"({"config": )" + deep + "}");
         return "render " + (d / "run").string();
       },
       true},
      {"deep_cameras_json",
       2,
       {"DIR/run/cameras.json", "nested deeper"},
       [&](const fs::path& d) {
         WriteAtomically(d / "run" / "cameras.json", R"({"frames": )" + deep + "}");
         return "eval " + (d / "run").string();
       },
       true},
  });
}

// Class 2: numbers beyond double and damaged files named by file and key, exit 2.
TEST_F(BadInput, OverflowsAndDamagedRunFolders) {
  RunCases({
      {"overflow_config",
       2,
       {"DIR/c.json", "1e999"},
       [](const fs::path& d) {
         WriteAtomically(d / "c.json", R"({"trajectory": {"translation_step": 1e999}})");
         return "--config " + (d / "c.json").string() + Out(d);
       }},
      {"overflow_keyframes",
       2,
       {"DIR/k.json", "1e999"},
       [](const fs::path& d) {
         WriteAtomically(d / "k.json", R"({"keyframes": [{"frame": 0, "position": [0, 0, -1e999]}]})");
         return "--trajectory " + (d / "k.json").string() + Out(d);
       }},
      {"overflow_batch",
       2,
       {"DIR/jobs.jsonl:1", "1e999"},
       [](const fs::path& d) {
         WriteAtomically(d / "jobs.jsonl", "{\"name\": \"a\", \"fov\": 1e999}\n");
         return "batch " + (d / "jobs.jsonl").string() + Out(d);
       }},
      {"config_frames_1e9",
       2,
       {"DIR/c.json", "frames", "1000000000"},
       [](const fs::path& d) {
         WriteAtomically(d / "c.json", R"({"frames": 1e9})");
         return "--config " + (d / "c.json").string() + Out(d);
       }},
      {"run_json_no_status",
       2,
       {"DIR/run/run.json", "status: missing"},
       [](const fs::path& d) {
         json run = ReadJson(d / "run" / "run.json");
         run.erase("status");
         WriteJson(d / "run" / "run.json", run);
         return "render " + (d / "run").string();
       },
       true},
      {"run_json_frames_type",
       2,
       {"DIR/run/run.json", "frames[1]", "expected an object"},
       [](const fs::path& d) {
         json run = ReadJson(d / "run" / "run.json");
         run["frames"][1] = "x";
         WriteJson(d / "run" / "run.json", run);
         return "eval " + (d / "run").string();
       },
       true},
      {"run_json_chosen_type",
       2,
       {"DIR/run/run.json", "frames[2].chosen"},
       [](const fs::path& d) {
         json run = ReadJson(d / "run" / "run.json");
         run["frames"][2]["chosen"] = "first";
         WriteJson(d / "run" / "run.json", run);
         return "eval " + (d / "run").string();
       },
       true},
      {"cameras_fx_type",
       2,
       {"DIR/run/cameras.json", "frames[0].fx"},
       [](const fs::path& d) {
         json cams = ReadJson(d / "run" / "cameras.json");
         cams["frames"][0]["fx"] = "wide";
         WriteJson(d / "run" / "cameras.json", cams);
         return "render " + (d / "run").string();
       },
       true},
      {"cameras_huge_width",
       2,
       {"DIR/run/cameras.json", "frames[0].width", "2000000000"},
       [](const fs::path& d) {
         json cams = ReadJson(d / "run" / "cameras.json");
         cams["frames"][0]["width"] = 2000000000;
         WriteJson(d / "run" / "cameras.json", cams);
         return "render " + (d / "run").string();
       },
       true},
      {"cameras_missing_pose",
       2,
       {"DIR/run/cameras.json", "frames[1].cam_from_world: missing"},
       [](const fs::path& d) {
         json cams = ReadJson(d / "run" / "cameras.json");
         cams["frames"][1].erase("cam_from_world");
         WriteJson(d / "run" / "cameras.json", cams);
         return "eval " + (d / "run").string();
       },
       true},
      {"cameras_fewer_than_frames",
       2,
       {"DIR/run/cameras.json", "3 frames"},
       [](const fs::path& d) {
         json cams = ReadJson(d / "run" / "cameras.json");
         cams["frames"].erase(2);
         WriteJson(d / "run" / "cameras.json", cams);
         return "eval " + (d / "run").string();
       },
       true},
      {"state_missing_key",
       2,
       {"DIR/run/state/state.json", "median_depth0: missing"},
       [](const fs::path& d) {
         json s = ReadJson(d / "run" / "state" / "state.json");
         s.erase("median_depth0");
         WriteJson(d / "run" / "state" / "state.json", s);
         return "--resume " + (d / "run").string() + " --redo-frames 2-2";
       },
       true},
      {"state_wrong_type",
       2,
       {"DIR/run/state/state.json", "next_index: expected an integer"},
       [](const fs::path& d) {
         json s = ReadJson(d / "run" / "state" / "state.json");
         s["next_index"] = "3";
         WriteJson(d / "run" / "state" / "state.json", s);
         return "--resume " + (d / "run").string() + " --redo-frames 2-2";
       },
       true},
      {"state_huge_size",
       2,
       {"DIR/run/state/state.json", "height", "100000000"},
       [](const fs::path& d) {
         json s = ReadJson(d / "run" / "state" / "state.json");
         s["height"] = 100000000;
         s["width"] = 100000000;
         WriteJson(d / "run" / "state" / "state.json", s);
         return "--resume " + (d / "run").string() + " --redo-frames 2-2";
       },
       true},
      {"delta_huge_count",
       2,
       {"DIR/run/state/mesh/00000.bin", "damaged"},
       [](const fs::path& d) {
         PatchInt64(d / "run" / "state" / "mesh" / "00000.bin", 1, int64_t{1} << 40);
         return "--resume " + (d / "run").string() + " --redo-frames 2-2";
       },
       true},
      {"delta_negative_count",
       2,
       {"DIR/run/state/mesh/00001.bin", "damaged", "-5"},
       [](const fs::path& d) {
         PatchInt64(d / "run" / "state" / "mesh" / "00001.bin", 3, -5);
         return "--resume " + (d / "run").string() + " --redo-frames 2-2";
       },
       true},
      {"delta_face_out_of_range",
       2,
       {"DIR/run/state/mesh/00000.bin", "face vertex index 1000000"},
       [](const fs::path& d) {
         PatchFirstFaceIndex(d / "run" / "state" / "mesh" / "00000.bin", 1000000);
         return "--resume " + (d / "run").string() + " --redo-frames 2-2";
       },
       true},
      {"ply_huge_counts",
       2,
       {"DIR/run/mesh.ply", "4000000000 vertices"},
       [](const fs::path& d) {
         std::string ply = ReadFile(d / "run" / "mesh.ply");
         const size_t at = ply.find("element vertex ");
         const size_t end = ply.find('\n', at);
         ply.replace(at, end - at, "element vertex 4000000000");
         WriteAtomically(d / "run" / "mesh.ply", ply);
         return "eval " + (d / "run").string();
       },
       true},
      {"ply_face_out_of_range",
       2,
       {"DIR/run/mesh.ply", "face 0: vertex index"},
       [](const fs::path& d) {
         std::string ply = ReadFile(d / "run" / "mesh.ply");
         int64_t nv = 0;
         std::sscanf(ply.c_str() + ply.find("element vertex ") + 15, "%ld", &nv);
         const size_t faces_at = ply.find("end_header\n") + 11 + static_cast<size_t>(nv) * 15;
         const int32_t bad = 1 << 30;
         std::memcpy(&ply[faces_at + 1], &bad, 4);
         WriteAtomically(d / "run" / "mesh.ply", ply);
         return "render " + (d / "run").string();
       },
       true},
  });
}

// Class 3: every range is held where the option is defined, and named.
TEST_F(BadInput, ValuesOutsideTheirRanges) {
  const auto flag = [](const char* name, const char* flag_args, std::vector<std::string> needles) {
    return Case{name, 2, std::move(needles), [flag_args](const fs::path& d) { return flag_args + Out(d); }};
  };
  RunCases({
      flag("frames_negative", "--frames -3", {"--frames: expected an integer in [1, 100000], got -3"}),
      flag("steps_negative", "--steps -1", {"--steps", "got -1"}),
      flag("candidates_zero", "--candidates 0", {"--candidates", "[1, 64]"}),
      flag("threads_negative", "--threads -2", {"--threads", "got -2"}),
      flag("threads_4096", "--threads 4096", {"--threads", "[0, 1024]", "4096"}),
      flag("cfg_scale_negative", "--cfg-scale -1", {"--cfg-scale", "got -1"}),
      flag("seed_below", "--seed -5", {"--seed", "got -5"}),
      flag("seed_above", "--seed 18446744073709551615", {"--seed", "18446744073709551615"}),
      flag("fov_zero", "--fov 0", {"camera.fov", "(1, 179)"}),
      flag("set_sobel_inf", "--set mesh.sobel_threshold=inf", {"mesh.sobel_threshold", "inf"}),
      flag("set_rotation_step_big", "--set trajectory.rotation_step_rad=1e300", {"trajectory.rotation_step_rad"}),
      flag("set_focal_tiny", "--set camera.focal_length=1e-300", {"camera.focal_length", "1e-300"}),
      flag("set_step_huge", "--set trajectory.translation_step=1e300", {"trajectory.translation_step", "1e+300"}),
      flag("set_fps_tiny", "--set output.fps=1e-300", {"output.fps", "[1, 1000]"}),
      flag("set_reference_depth_tiny",
           "--set trajectory.reference_median_depth=1e-300",
           {"trajectory.reference_median_depth"}),
      {"render_frames_negative",
       2,
       {"--frames", "got -4"},
       [](const fs::path& d) { return "render " + (d / "run").string() + " --frames -4"; },
       true},
  });
}

// Class 4: an image's declared size is checked before decoding; paths must be UTF-8.
TEST_F(BadInput, Images) {
  RunCases({
      {"png_bomb",
       2,
       {"DIR/bomb.png", "30000 x 30000", "100000000"},
       [](const fs::path& d) {
         WriteAtomically(d / "bomb.png", PngDeclaring(30000, 30000));
         return "--init-image " + (d / "bomb.png").string() + Out(d);
       }},
      {"png_zero_width",
       2,
       {"DIR/zero.png", "0 x 10"},
       [](const fs::path& d) {
         WriteAtomically(d / "zero.png", PngDeclaring(0, 10));
         return "--init-image " + (d / "zero.png").string() + Out(d);
       }},
      {"non_utf8_path",
       2,
       {"not valid UTF-8"},
       [](const fs::path& d) {
         const fs::path bad = d / "photo\xff\xfe.png";
         fs::copy(*root_ / "finished" / "frames" / "00000.png", bad);
         return "--init-image '" + bad.string() + "'" + Out(d);
       }},
  });
}

// Class 5: a manifest names files inside its folder; batch names become folder names.
TEST_F(BadInput, Paths) {
  RunCases({
      {"manifest_outside",
       3,
       {"DIR/m/manifest.json", "inpainter.unet", "../outside/unet.pt", "outside the model folder"},
       [](const fs::path& d) {
         fs::create_directories(d / "m");
         fs::create_directories(d / "outside");
         for (const char* f :
              {"m/te.pt", "m/vae_e.pt", "m/vae_d.pt", "m/vocab.json", "m/merges.txt", "outside/unet.pt"})
           WriteAtomically(d / f, "x");
         WriteJson(d / "m" / "manifest.json",
                   {{"format", "scenescape-models/1"},
                    {"inpainter",
                     {{"text_encoder", "te.pt"},
                      {"unet", "../outside/unet.pt"},
                      {"vae_encoder", "vae_e.pt"},
                      {"vae_decoder", "vae_d.pt"},
                      {"tokenizer", {{"vocab", "vocab.json"}, {"merges", "merges.txt"}}}}}});
         return "models check " + (d / "m").string();
       }},
      {"batch_name_too_long",
       2,
       {"DIR/jobs.jsonl:1", "name", "200 bytes long"},
       [](const fs::path& d) {
         WriteAtomically(d / "jobs.jsonl", "{\"name\": \"" + std::string(200, 'a') + "\"}\n");
         return "batch " + (d / "jobs.jsonl").string() + Out(d);
       }},
      {"batch_name_separator",
       2,
       {"DIR/jobs.jsonl:2", "name", "a/b"},
       [](const fs::path& d) {
         WriteAtomically(d / "jobs.jsonl", "{\"name\": \"ok\"}\n{\"name\": \"a/b\"}\n");
         return "batch " + (d / "jobs.jsonl").string() + Out(d);
       }},
  });
}

}  // namespace
}  // namespace scenescape
