// The declared size read from image headers (io/image_header.h) against
// OpenCV's decoder on the small images of the fuzz corpus (4 x 3 each), and the
// header-only images that must be refused before decoding.
#include "scenescape/io/image_header.h"

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "scenescape/core/check.h"
#include "scenescape/core/fs.h"
#include "scenescape/io/image_io.h"
#include "testing.h"

namespace scenescape {
namespace {
namespace fs = std::filesystem;

fs::path Corpus() { return testing::SourceDir() / "tests" / "fuzz" / "corpus" / "image_header"; }

TEST(ImageHeader, EveryFormatDeclaresItsSize) {
  const std::pair<const char*, const char*> files[] = {{"a.png", "PNG"},
                                                       {"a.bmp", "BMP"},
                                                       {"a.ppm", "PNM"},
                                                       {"a.pam", "PAM"},
                                                       {"a.pfm", "PFM"},
                                                       {"a.jpg", "JPEG"},
                                                       {"a.tif", "TIFF"},
                                                       {"big.tif", "TIFF"},
                                                       {"a.ras", "Sun raster"},
                                                       {"a.hdr", "Radiance HDR"},
                                                       {"lossless.webp", "WebP"},
                                                       {"extended.webp", "WebP"},
                                                       {"lossy.webp", "WebP"}};
  for (const auto& [name, format] : files) {
    const std::optional<DeclaredImageSize> size = ReadDeclaredImageSize(ReadFile(Corpus() / name));
    ASSERT_TRUE(size) << name;
    EXPECT_EQ(size->format, format) << name;
    EXPECT_EQ(size->width, 4) << name;
    EXPECT_EQ(size->height, 3) << name;
  }
}

TEST(ImageHeader, AgreesWithTheDecoder) {
  // The complete images of the corpus (the others are headers only).
  for (const char* name : {"a.png", "a.bmp", "a.ppm", "a.pam", "a.pfm", "a.ras", "a.hdr"}) {
    const cv::Mat decoded = cv::imread((Corpus() / name).string(), cv::IMREAD_UNCHANGED);
    ASSERT_FALSE(decoded.empty()) << name;
    EXPECT_EQ(decoded.cols, 4) << name;
    EXPECT_EQ(decoded.rows, 3) << name;
    EXPECT_EQ(ReadImage(Corpus() / name).sizes(), (std::vector<int64_t>{3, 4, 3})) << name;
  }
}

TEST(ImageHeader, CutShortOrUnknownIsNoSize) {
  const std::string png = ReadFile(Corpus() / "a.png");
  EXPECT_FALSE(ReadDeclaredImageSize(png.substr(0, 20)));
  EXPECT_FALSE(ReadDeclaredImageSize("GIF89a\x04\x00\x03\x00"));
  EXPECT_FALSE(ReadDeclaredImageSize(""));
}

TEST(ImageHeader, ABombIsRefusedBeforeDecoding) {
  // A PNG signature and IHDR declaring 30000 x 30000: 33 bytes, 2.7 GB decoded.
  std::string bomb = ReadFile(Corpus() / "a.png").substr(0, 33);
  const auto put32 = [&bomb](size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) bomb[at + i] = static_cast<char>(v >> (24 - 8 * i));
  };
  put32(16, 30000);
  put32(20, 30000);
  const fs::path file = testing::CreateTestDir() / "bomb.png";
  WriteAtomically(file, bomb);
  try {
    ReadImage(file);
    FAIL() << "a 30000 x 30000 PNG was decoded";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("30000 x 30000"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace scenescape
