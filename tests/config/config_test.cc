#include "scenescape/config/config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "scenescape/core/check.h"
#include "scenescape/core/fs.h"
#include "scenescape/core/json_reader.h"
#include "testing.h"

namespace scenescape {
namespace {
using nlohmann::json;

std::string ErrorOf(const json& doc) {
  try {
    ConfigFromJson(doc, "c.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Config, DefaultsAreTheReferenceValues) {
  const Config c = ConfigFromJson(json::object(), "defaults");
  EXPECT_EQ(c.camera.width, 512);
  EXPECT_DOUBLE_EQ(c.camera.focal_length, 500.0);
  EXPECT_EQ(c.trajectory.type, Motion::kRotations);
  EXPECT_DOUBLE_EQ(c.trajectory.rotation_step_rad, 0.03);
  EXPECT_DOUBLE_EQ(c.trajectory.translation_step, 0.0065625);
  EXPECT_DOUBLE_EQ(c.mesh.sobel_beta, 12.0);
  EXPECT_DOUBLE_EQ(c.mesh.normal_filter_threshold, -0.05);
  EXPECT_EQ(c.render.supersample, 2);
  EXPECT_DOUBLE_EQ(c.output.fps, 10.0);
}

TEST(Config, ShippedDefaultJsonIsCompleteAndEqualToTheBuiltIns) {
  const json shipped = LoadConfigJson(testing::SourceDir() / "configs" / "default.json");
  EXPECT_EQ(shipped, ConfigToJson(Config{}));
  const Config c = ConfigFromJson(shipped, "default.json");
  EXPECT_EQ(ConfigToJson(c), shipped);
}

TEST(Config, EveryShippedPresetLoads) {
  for (const auto& entry : std::filesystem::directory_iterator(testing::SourceDir() / "configs")) {
    if (entry.path().extension() != ".json") continue;
    SCOPED_TRACE(entry.path().string());
    EXPECT_NO_THROW(ConfigFromJson(LoadConfigJson(entry.path()), entry.path().string()));
  }
}

TEST(Config, UnknownKeysNameTheirPath) {
  EXPECT_EQ(ErrorOf({{"render", {{"supersampel", 2}}}}), "c.json: render.supersampel: unknown key");
  EXPECT_EQ(ErrorOf({{"colour", 1}}), "c.json: colour: unknown key");
}

TEST(Config, BadValuesNameTheirPath) {
  EXPECT_NE(ErrorOf({{"render", {{"supersample", 0}}}}).find("render.supersample"), std::string::npos);
  EXPECT_NE(ErrorOf({{"frames", "ten"}}).find("frames: expected an integer"), std::string::npos);
  EXPECT_NE(ErrorOf({{"mesh", {{"sobel_threshold", 2.0}}}}).find("mesh.sobel_threshold"), std::string::npos);
  EXPECT_NE(ErrorOf({{"trajectory", {{"rotation_steps", -3}}}}).find("trajectory.rotation_steps"), std::string::npos);
  EXPECT_NE(ErrorOf({{"camera", {{"fov", "wide"}}}}).find("camera.fov"), std::string::npos);
  EXPECT_NE(ErrorOf({{"camera", 5}}).find("camera: expected an object"), std::string::npos);
}

TEST(Config, ParentChainAndOverrides) {
  const auto dir = testing::CreateTestDir();
  WriteAtomically(dir / "base.json", R"({"frames": 7, "render": {"supersample": 3}})");
  WriteAtomically(dir / "child.json", R"({"parent": "base.json", "frames": 9})");
  json doc = LoadConfigJson(dir / "child.json");
  ApplyOverride(doc, "trajectory.type=round");
  ApplyOverride(doc, "camera.fov=60");
  const Config c = ConfigFromJson(doc, "child.json");
  EXPECT_EQ(c.frames, 9);
  EXPECT_EQ(c.render.supersample, 3);
  EXPECT_EQ(c.trajectory.type, Motion::kRound);
  ASSERT_TRUE(c.camera.fov.value.has_value());
  EXPECT_DOUBLE_EQ(*c.camera.fov.value, 60.0);
  EXPECT_NEAR(c.camera.ToIntrinsics().HorizontalFovDeg(), 60.0, 1e-9);
}

// Found by fuzz_config: a --set value that is not UTF-8 became a JSON string that nlohmann_json then refused to
// write (type_error 316) in the middle of an error message. It is refused where it is read.
TEST(Config, OverrideThatIsNotUtf8IsRefusedWithALine) {
  json doc = json::object();
  try {
    ApplyOverride(doc,
                  "camera.w\x9a"
                  "dth=512");
    ADD_FAILURE() << "accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("not valid UTF-8"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(doc.empty());
  // A message about a value never throws, whatever the value holds.
  EXPECT_EQ(JsonReader::Brief(json(std::string("a\x9a"))), "\"a\xef\xbf\xbd\"");
}

TEST(Config, BadFilesNameTheFile) {
  const auto dir = testing::CreateTestDir();
  WriteAtomically(dir / "broken.json", "{\"frames\": ");
  WriteAtomically(dir / "loop.json", R"({"parent": "loop.json"})");
  for (const char* name : {"broken.json", "loop.json", "missing.json"}) {
    try {
      LoadConfigJson(dir / name);
      ADD_FAILURE() << name;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  }
}

// configs/README.md holds the key table generated from the listing
// (`scenescape config keys`), verbatim.
TEST(Config, ReadmeKeyTableMatchesTheListing) {
  const std::string readme = ReadFile(testing::SourceDir() / "configs" / "README.md");
  const std::string table = ConfigKeyTable();
  EXPECT_NE(readme.find(table), std::string::npos)
      << "configs/README.md does not hold the current key table; regenerate it with `scenescape config keys`:\n"
      << table;
}

TEST(Config, RangesNameTheKeyAndTheRange) {
  EXPECT_EQ(ErrorOf({{"render", {{"supersample", 0}}}}),
            "c.json: render.supersample: expected an integer in [1, 4], got 0");
  EXPECT_EQ(ErrorOf({{"frames", 0}}), "c.json: frames: expected an integer in [1, 100000], got 0");
  EXPECT_EQ(ErrorOf({{"sampler", {{"guidance_scale", -1}}}}),
            "c.json: sampler.guidance_scale: expected a number in [0, 100], got -1");
  EXPECT_EQ(ErrorOf({{"mesh", {{"discontinuity_dilation", 4}}}}),
            "c.json: mesh.discontinuity_dilation: expected an odd integer in [1, 31], got 4");
  EXPECT_EQ(ErrorOf({{"sampler", {{"name", "euler"}}}}),
            "c.json: sampler.name: expected ddim or dpmpp_2m, got \"euler\"");
  EXPECT_EQ(ErrorOf({{"device", "gpu"}}), "c.json: device: expected auto, cpu, cuda or cuda:N, got \"gpu\"");
  // Values set outside a file (flags) meet the same ranges.
  Config c;
  c.inpaint.num_candidates = 0;
  try {
    CheckConfig(c, "command line");
    ADD_FAILURE();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "command line: inpaint.num_candidates: expected an integer in [1, 64], got 0");
  }
}

}  // namespace
}  // namespace scenescape
