#include "scenescape/io/video_io.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <opencv2/videoio.hpp>

#include "scenescape/core/check.h"
#include "scenescape/io/image_io.h"
#include "scenescape/io/opencv_convert.h"
#include "testing.h"

namespace scenescape {
namespace {
namespace fs = std::filesystem;

// Smooth frames that differ from frame to frame (a moving ramp and a colour
// that changes with i), so that a wrong order or a dropped frame shows.
std::vector<at::Tensor> MakeFrames(int n, int h, int w) {
  std::vector<at::Tensor> frames;
  const at::Tensor x = at::linspace(0, 1, w).view({1, w});
  const at::Tensor y = at::linspace(0, 1, h).view({h, 1});
  for (int i = 0; i < n; ++i) {
    const float t = static_cast<float>(i) / n;
    at::Tensor r = (x * 0.5 + t * 0.5).expand({h, w});
    at::Tensor g = (y * 0.6 + 0.2).expand({h, w});
    at::Tensor b = at::full({h, w}, 1.0f - t);
    frames.push_back(at::stack({r, g, b}, 2).to(at::kFloat).contiguous());
  }
  return frames;
}

std::vector<at::Tensor> ReadBack(const fs::path& path) {
  cv::VideoCapture capture(path.string(), cv::CAP_FFMPEG);
  EXPECT_TRUE(capture.isOpened()) << path;
  std::vector<at::Tensor> frames;
  cv::Mat mat;
  while (capture.read(mat)) frames.push_back(MatToTensor(mat));
  return frames;
}

size_t CountFiles(const fs::path& dir) { return std::distance(fs::directory_iterator(dir), fs::directory_iterator()); }

void ExpectSameVideo(const std::vector<at::Tensor>& got, const std::vector<at::Tensor>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].sizes(), want[i].sizes()) << "frame " << i;
    EXPECT_GT(testing::Psnr(got[i], want[i]), 30.0) << "frame " << i;
  }
}

TEST(VideoIo, TensorRoundTrip) {
  const fs::path dir = testing::CreateTestDir();
  const auto frames = MakeFrames(12, 48, 64);
  const std::string codec = WriteVideo(dir / "v.mp4", frames, 10.0);
  EXPECT_TRUE(codec == "avc1" || codec == "mp4v") << codec;
  EXPECT_EQ(CountFiles(dir), 1u);  // no temporary left behind
  ExpectSameVideo(ReadBack(dir / "v.mp4"), frames);

  cv::VideoCapture capture((dir / "v.mp4").string(), cv::CAP_FFMPEG);
  EXPECT_NEAR(capture.get(cv::CAP_PROP_FPS), 10.0, 0.01);
}

TEST(VideoIo, PngFilesRoundTrip) {
  const fs::path dir = testing::CreateTestDir();
  const auto frames = MakeFrames(5, 32, 48);
  std::vector<fs::path> files;
  for (size_t i = 0; i < frames.size(); ++i) {
    files.push_back(dir / (std::to_string(i) + ".png"));
    WriteImagePng(files.back(), frames[i]);
  }
  WriteVideo(dir / "v.mp4", files, 10.0);
  ExpectSameVideo(ReadBack(dir / "v.mp4"), frames);
}

TEST(VideoIo, FallsBackToTheNextCodec) {
  const fs::path dir = testing::CreateTestDir();
  const auto frames = MakeFrames(4, 32, 32);
  EXPECT_EQ(WriteVideo(dir / "v.mp4", frames, 5.0, {"zzzz", "mp4v"}), "mp4v");
  EXPECT_EQ(CountFiles(dir), 1u);
  ExpectSameVideo(ReadBack(dir / "v.mp4"), frames);
  EXPECT_THROW(WriteVideo(dir / "w.mp4", frames, 5.0, {"zzzz"}), OutputError);
  EXPECT_EQ(CountFiles(dir), 1u);
}

TEST(VideoIo, OddSizeIsPadded) {
  const fs::path dir = testing::CreateTestDir();
  const auto frames = MakeFrames(3, 31, 45);
  WriteVideo(dir / "v.mp4", frames, 10.0);
  const auto back = ReadBack(dir / "v.mp4");
  ASSERT_EQ(back.size(), 3u);
  ASSERT_EQ(back[0].sizes(), (std::vector<int64_t>{32, 46, 3}));
  for (size_t i = 0; i < back.size(); ++i)
    EXPECT_GT(testing::Psnr(back[i].slice(0, 0, 31).slice(1, 0, 45), frames[i]), 30.0);
}

TEST(VideoIo, BadInputsAreInputErrors) {
  const fs::path dir = testing::CreateTestDir();
  EXPECT_THROW(WriteVideo(dir / "a.mp4", std::vector<at::Tensor>{}, 10.0), InputError);

  auto frames = MakeFrames(3, 32, 32);
  frames[2] = at::zeros({16, 32, 3});
  try {
    WriteVideo(dir / "b.mp4", frames, 10.0);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("frame 2"), std::string::npos) << e.what();
  }

  const std::vector<fs::path> files = {dir / "missing.png"};
  try {
    WriteVideo(dir / "c.mp4", files, 10.0);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("missing.png"), std::string::npos) << e.what();
  }
  EXPECT_EQ(CountFiles(dir), 0u);  // nothing half-written, no temporaries
}

}  // namespace
}  // namespace scenescape
