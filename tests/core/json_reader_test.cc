// The one JSON reader's limits (core/json_reader.h, core/limits.h): nesting,
// numbers beyond double, document and file sizes; every refusal one line
// naming the source.
#include "scenescape/core/json_reader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "scenescape/core/check.h"
#include "scenescape/core/fs.h"
#include "scenescape/core/limits.h"
#include "testing.h"

namespace scenescape {
namespace {
namespace fs = std::filesystem;

std::string Nested(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

// The InputError message of `f`, or "" when it does not throw one.
template <typename F>
std::string InputErrorOf(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(JsonReader, NestingUpToTheLimitIsReadAndDeeperIsRefused) {
  EXPECT_TRUE(ParseJson(Nested(limits::kMaxJsonDepth), "ok.json").is_array());
  const std::string what = InputErrorOf([] { ParseJson(Nested(limits::kMaxJsonDepth + 1), "deep.json"); });
  EXPECT_EQ(what, "deep.json: not read: arrays and objects nested deeper than 64 levels");
  // Tens of thousands of levels (a stack overflow in recursive code) and objects alike.
  EXPECT_NE(InputErrorOf([] { ParseJson(Nested(200000), "deep.json"); }), "");
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
  objects += "1" + std::string(100000, '}');
  EXPECT_NE(InputErrorOf([&] { ParseJson(objects, "objects.json"); }).find("nested deeper"), std::string::npos);
  EXPECT_FALSE(TryParseJson(Nested(100000)));
}

TEST(JsonReader, NumbersBeyondDoubleNameTheSourceAndTheNumber) {
  const std::string what = InputErrorOf([] { ParseJson(R"({"step": 1e999})", "c.json"); });
  EXPECT_EQ(what, "c.json: not valid JSON: number overflow parsing '1e999'");
  EXPECT_FALSE(TryParseJson("-1e999"));
  // The largest doubles are numbers like any other.
  EXPECT_EQ(ParseJson("1.7976931348623157e308", "c.json").get<double>(), 1.7976931348623157e308);
}

TEST(JsonReader, ManifestErrorsAreResourceErrors) {
  EXPECT_THROW(ParseJson(Nested(1000), "manifest.json", ExitCode::kMissingResource), ResourceError);
  EXPECT_THROW(ParseJson("1e999", "manifest.json", ExitCode::kMissingResource), ResourceError);
}

TEST(JsonReader, FileSizesAreCheckedBeforeReading) {
  const fs::path dir = testing::CreateTestDir();
  // Sparse files: the sizes cost no disk and reading them would take seconds.
  const fs::path big_json = dir / "big.json";
  WriteAtomically(big_json, "{}");
  fs::resize_file(big_json, limits::kMaxJsonBytes + 1);
  EXPECT_NE(InputErrorOf([&] { ReadJsonFile(big_json); }).find(big_json.string() + ": 268435457 bytes, more than"),
            std::string::npos);
  EXPECT_THROW(ReadJsonFile(big_json, ExitCode::kMissingResource), ResourceError);
  const fs::path huge = dir / "huge.bin";
  WriteAtomically(huge, "x");
  fs::resize_file(huge, limits::kMaxFileBytes + 1);
  EXPECT_NE(InputErrorOf([&] { ReadFile(huge); }).find("more than the limit"), std::string::npos);
}

TEST(JsonReader, MissingFilesAndFoldersNameThePath) {
  const fs::path dir = testing::CreateTestDir();
  EXPECT_NE(InputErrorOf([&] { ReadJsonFile(dir / "none.json"); }).find("none.json"), std::string::npos);
  EXPECT_NE(InputErrorOf([&] { ReadJsonFile(dir); }).find("is a folder"), std::string::npos);
}

}  // namespace
}  // namespace scenescape
