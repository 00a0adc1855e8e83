#include "scenescape/io/image_io.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <fstream>

#include "scenescape/core/check.h"
#include "scenescape/core/fs.h"
#include "scenescape/io/opencv_convert.h"
#include "testing.h"

namespace scenescape {
namespace {
namespace fs = std::filesystem;

// An image on the 8-bit grid: every value is k / 255.0f.
at::Tensor RandomGridImage(int h, int w) {
  return at::randint(0, 256, {h, w, 3}, at::kInt).to(at::kFloat).div_(255.0f);
}

std::vector<std::string> ListDir(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

void WriteBytes(const fs::path& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

// Expects ReadImage(path) to throw an InputError whose single-line message
// names the file and contains `problem`.
void ExpectReadError(const fs::path& path, const std::string& problem) {
  try {
    ReadImage(path);
    FAIL() << "no error for " << path;
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(path.string()), std::string::npos) << what;
    EXPECT_NE(what.find(problem), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

TEST(Convert, RgbBecomesBgrAndBack) {
  at::Tensor image = at::zeros({2, 3, 3});
  image[0][0][0] = 1.0f;  // red
  image[1][2][2] = 1.0f;  // blue
  const cv::Mat mat = TensorToMat(image, CV_8U);
  ASSERT_EQ(mat.type(), CV_8UC3);
  EXPECT_EQ(mat.at<cv::Vec3b>(0, 0), cv::Vec3b(0, 0, 255));
  EXPECT_EQ(mat.at<cv::Vec3b>(1, 2), cv::Vec3b(255, 0, 0));
  EXPECT_TRUE(at::equal(MatToTensor(mat), image));

  const at::Tensor f = at::rand({5, 7, 3});
  EXPECT_TRUE(at::equal(MatToTensor(TensorToMat(f, CV_32F)), f));
  const cv::Mat m16 = TensorToMat(f, CV_16U);
  EXPECT_TRUE(at::allclose(MatToTensor(m16), f, 0, 0.51 / 65535));

  const at::Tensor mask = at::rand({4, 6}) > 0.5;
  const cv::Mat mask_mat = MaskToMat(mask);
  EXPECT_EQ(cv::countNonZero(mask_mat), mask.sum().item<int>());
  EXPECT_TRUE(at::equal(MatToMask(mask_mat), mask));

  const at::Tensor depth = at::rand({3, 4}) * 10 - 1;
  EXPECT_TRUE(at::equal(MatToDepth(DepthToMat(depth)), depth));
  EXPECT_THROW(TensorToMat(at::zeros({4, 4})), Error);
}

TEST(ImageIo, PngRoundTripIsExact) {
  const fs::path dir = testing::CreateTestDir();
  const at::Tensor image = RandomGridImage(37, 53);
  WriteImagePng(dir / "a.png", image);
  const at::Tensor back = ReadImage(dir / "a.png");
  ASSERT_EQ(back.sizes(), image.sizes());
  EXPECT_EQ(back.dtype(), at::kFloat);
  EXPECT_TRUE(at::equal(back, image));
  // Off-grid values round to the nearest step; out-of-range values clamp.
  at::Tensor odd = at::full({2, 2, 3}, 100.4f / 255.0f);
  odd[0][0][0] = 1.7f;
  odd[0][0][1] = -0.2f;
  WriteImagePng(dir / "b.png", odd);
  const at::Tensor b = ReadImage(dir / "b.png");
  EXPECT_FLOAT_EQ(b[1][1][2].item<float>(), 100.0f / 255.0f);
  EXPECT_FLOAT_EQ(b[0][0][0].item<float>(), 1.0f);
  EXPECT_FLOAT_EQ(b[0][0][1].item<float>(), 0.0f);
}

TEST(ImageIo, ReadsGreyAnd16BitAndJpeg) {
  const fs::path dir = testing::CreateTestDir();
  cv::Mat grey(4, 5, CV_8UC1, cv::Scalar(51));
  ASSERT_TRUE(cv::imwrite((dir / "grey.png").string(), grey));
  at::Tensor g = ReadImage(dir / "grey.png");
  ASSERT_EQ(g.sizes(), (std::vector<int64_t>{4, 5, 3}));
  EXPECT_TRUE(at::equal(g, at::full({4, 5, 3}, 51.0f / 255.0f)));

  cv::Mat deep(3, 3, CV_16UC3, cv::Scalar(1000, 2000, 65535));  // BGR
  ASSERT_TRUE(cv::imwrite((dir / "deep.png").string(), deep));
  at::Tensor d = ReadImage(dir / "deep.png");
  EXPECT_FLOAT_EQ(d[0][0][0].item<float>(), 1.0f);                // R
  EXPECT_FLOAT_EQ(d[0][0][2].item<float>(), 1000.0f / 65535.0f);  // B

  cv::Mat bgra(3, 3, CV_8UC4, cv::Scalar(10, 20, 30, 0));
  ASSERT_TRUE(cv::imwrite((dir / "alpha.png").string(), bgra));
  EXPECT_FLOAT_EQ(ReadImage(dir / "alpha.png")[1][1][0].item<float>(), 30.0f / 255.0f);

  const at::Tensor smooth = at::linspace(0.2, 0.8, 32).view({1, 32, 1}).expand({32, 32, 3});
  ASSERT_TRUE(cv::imwrite((dir / "s.jpg").string(), TensorToMat(smooth)));
  EXPECT_GT(testing::Psnr(ReadImage(dir / "s.jpg"), smooth), 35.0);
}

TEST(ImageIo, ErrorsNameTheFile) {
  const fs::path dir = testing::CreateTestDir();
  ExpectReadError(dir / "missing.png", "no such file");
  ExpectReadError(dir, "folder");

  WriteBytes(dir / "empty.png", "");
  ExpectReadError(dir / "empty.png", "empty file");

  WriteBytes(dir / "text.png", "this is not a PNG, just some text\n");
  ExpectReadError(dir / "text.png", "not an image");

  // A valid PNG cut in half: the decoder fails on the missing data.
  const at::Tensor noise = at::rand({64, 64, 3});
  WriteImagePng(dir / "full.png", noise);
  const std::string png = ReadFile(dir / "full.png");
  WriteBytes(dir / "truncated.png", png.substr(0, png.size() / 2));
  ExpectReadError(dir / "truncated.png", "corrupt");

  // A PNG whose signature is intact but whose data is garbage.
  std::string garbled = png;
  for (size_t i = 40; i < garbled.size(); ++i) garbled[i] = static_cast<char>(i * 7);
  WriteBytes(dir / "garbled.png", garbled);
  ExpectReadError(dir / "garbled.png", "corrupt");

  // libjpeg only warns on a truncated JPEG; ReadImage must still refuse it.
  ASSERT_TRUE(cv::imwrite((dir / "full.jpg").string(), TensorToMat(noise)));
  const std::string jpg = ReadFile(dir / "full.jpg");
  EXPECT_NO_THROW(ReadImage(dir / "full.jpg"));
  WriteBytes(dir / "truncated.jpg", jpg.substr(0, jpg.size() * 2 / 3));
  ExpectReadError(dir / "truncated.jpg", "truncated");

  try {
    ReadImage(dir / "missing.png");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kBadInput);
  }
}

TEST(ImageIo, WritesAtomically) {
  const fs::path dir = testing::CreateTestDir();
  const at::Tensor image = RandomGridImage(8, 8);

  // An existing file is replaced on success...
  WriteBytes(dir / "a.png", "old");
  WriteImagePng(dir / "a.png", image);
  EXPECT_TRUE(at::equal(ReadImage(dir / "a.png"), image));
  EXPECT_EQ(ListDir(dir), (std::vector<std::string>{"a.png"}));

  // ...and left alone on failure (no encoder for the extension).
  WriteBytes(dir / "b.nosuchformat", "old");
  EXPECT_THROW(WriteImagePng(dir / "b.nosuchformat", image), OutputError);
  EXPECT_EQ(ReadFile(dir / "b.nosuchformat"), "old");
  EXPECT_EQ(ListDir(dir), (std::vector<std::string>{"a.png", "b.nosuchformat"}));

  // A missing folder is an OutputError naming the file.
  try {
    WriteImagePng(dir / "no" / "such" / "dir.png", image);
    FAIL();
  } catch (const OutputError& e) {
    EXPECT_NE(std::string(e.what()).find("dir.png"), std::string::npos) << e.what();
  }
  EXPECT_EQ(ListDir(dir), (std::vector<std::string>{"a.png", "b.nosuchformat"}));
}

TEST(ImageIo, MaskRoundTrip) {
  const fs::path dir = testing::CreateTestDir();
  const at::Tensor mask = at::rand({21, 17}) > 0.3;
  WriteMaskPng(dir / "m.png", mask);
  const cv::Mat raw = cv::imread((dir / "m.png").string(), cv::IMREAD_UNCHANGED);
  ASSERT_EQ(raw.type(), CV_8UC1);
  double lo, hi;
  cv::minMaxLoc(raw, &lo, &hi);
  EXPECT_EQ(lo, 0);
  EXPECT_EQ(hi, 255);
  const at::Tensor back = ReadMaskPng(dir / "m.png");
  EXPECT_EQ(back.dtype(), at::kBool);
  EXPECT_TRUE(at::equal(back, mask));
}

TEST(DepthIo, Png16RoundTripWithinQuantisation) {
  const fs::path dir = testing::CreateTestDir();
  const double scale = 1000.0;
  at::Tensor depth = at::rand({30, 40}) * 60.0f + 0.001f;
  depth.index_put_({at::rand({30, 40}) < 0.2}, -1.0f);
  depth[0][0] = 0.0001f;  // below half a step: must stay valid
  depth[0][1] = 1000.0f;  // beyond 65.535: clamped
  depth[0][2] = 12.345f;  // exactly on the grid
  const int64_t clamped = WriteDepthPng16(dir / "d.png", depth, scale);
  EXPECT_EQ(clamped, 1);

  const cv::Mat raw = cv::imread((dir / "d.png").string(), cv::IMREAD_UNCHANGED);
  ASSERT_EQ(raw.type(), CV_16UC1);
  EXPECT_EQ(raw.at<uint16_t>(0, 0), 1);
  EXPECT_EQ(raw.at<uint16_t>(0, 1), 65535);
  EXPECT_EQ(raw.at<uint16_t>(0, 2), 12345);

  const at::Tensor back = ReadDepthPng16(dir / "d.png", scale);
  ASSERT_EQ(back.sizes(), depth.sizes());
  const at::Tensor invalid = depth < 0;
  EXPECT_TRUE(at::equal(back < 0, invalid));
  EXPECT_TRUE(at::all(back.masked_select(invalid) == -1.0f).item<bool>());
  at::Tensor normal = ~invalid;
  normal[0][0] = false;
  normal[0][1] = false;
  const double err = (back - depth).abs().masked_select(normal).max().item<double>();
  EXPECT_LE(err, 0.5 / scale + 1e-5);
  EXPECT_FLOAT_EQ(back[0][0].item<float>(), 0.001f);
  EXPECT_FLOAT_EQ(back[0][1].item<float>(), 65.535f);
  EXPECT_FLOAT_EQ(back[0][2].item<float>(), 12.345f);

  // Another scale reads the same stored steps.
  EXPECT_FLOAT_EQ(ReadDepthPng16(dir / "d.png", 100.0)[0][2].item<float>(), 123.45f);
  EXPECT_THROW(WriteDepthPng16(dir / "e.png", depth, 0.0), Error);
}

TEST(DepthIo, Rejects8BitDepth) {
  const fs::path dir = testing::CreateTestDir();
  WriteImagePng(dir / "rgb.png", at::rand({4, 4, 3}));
  try {
    ReadDepthPng16(dir / "rgb.png");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find((dir / "rgb.png").string()), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("16-bit"), std::string::npos) << e.what();
  }
}

TEST(DepthIo, PreviewIsViridisOfDisparity) {
  const fs::path dir = testing::CreateTestDir();
  at::Tensor depth = at::full({4, 4}, 2.0f);
  depth[0][0] = 1.0f;   // nearest: top of the map
  depth[0][1] = 4.0f;   // farthest: bottom of the map
  depth[0][2] = -1.0f;  // invalid: black
  WriteDepthPreview(dir / "p.png", depth);
  const cv::Mat preview = cv::imread((dir / "p.png").string(), cv::IMREAD_COLOR);
  ASSERT_EQ(preview.size(), cv::Size(4, 4));
  cv::Mat levels(1, 3, CV_8UC1), ref;
  levels.at<uint8_t>(0) = 255;
  levels.at<uint8_t>(1) = 0;
  levels.at<uint8_t>(2) = 85;  // disparity 0.5 in [0.25, 1] -> 1/3
  cv::applyColorMap(levels, ref, cv::COLORMAP_VIRIDIS);
  EXPECT_EQ(preview.at<cv::Vec3b>(0, 0), ref.at<cv::Vec3b>(0));
  EXPECT_EQ(preview.at<cv::Vec3b>(0, 1), ref.at<cv::Vec3b>(1));
  EXPECT_EQ(preview.at<cv::Vec3b>(0, 2), cv::Vec3b(0, 0, 0));
  EXPECT_EQ(preview.at<cv::Vec3b>(3, 3), ref.at<cv::Vec3b>(2));

  // Nothing valid: all black, no error.
  WriteDepthPreview(dir / "none.png", at::full({3, 3}, -1.0f));
  EXPECT_EQ(cv::countNonZero(cv::imread((dir / "none.png").string(), cv::IMREAD_GRAYSCALE)), 0);
}

TEST(CropResize, ShrinksWideImageAndMapsCoordinates) {
  // A horizontal ramp: value = u / W at pixel centres u = col + 0.5.
  const int w = 200, h = 100;
  const at::Tensor u = at::arange(w, at::kFloat).add_(0.5f);
  const at::Tensor ramp = (u / w).view({1, w, 1}).expand({h, w, 3}).contiguous();
  const CropResizeResult r = CenterCropResize(ramp, 64, 64);
  EXPECT_EQ(r.crop_x, 50);
  EXPECT_EQ(r.crop_y, 0);
  EXPECT_EQ(r.crop_width, 100);
  EXPECT_EQ(r.crop_height, 100);
  EXPECT_DOUBLE_EQ(r.scale_x, 0.64);
  EXPECT_DOUBLE_EQ(r.scale_y, 0.64);
  ASSERT_EQ(r.image.sizes(), (std::vector<int64_t>{64, 64, 3}));
  for (int j = 2; j < 62; ++j) {
    const double u_in = (j + 0.5) / r.scale_x + r.crop_x;
    EXPECT_NEAR(r.image[10][j][1].item<float>(), u_in / w, 2e-3) << j;
  }
}

TEST(CropResize, EnlargesTallImage) {
  const int w = 30, h = 40;
  const at::Tensor v = at::arange(h, at::kFloat).add_(0.5f);
  const at::Tensor ramp = (v / h).view({h, 1, 1}).expand({h, w, 3}).contiguous();
  const CropResizeResult r = CenterCropResize(ramp, 90, 60);
  EXPECT_EQ(r.crop_x, 0);
  EXPECT_EQ(r.crop_width, 30);
  EXPECT_EQ(r.crop_height, 20);
  EXPECT_EQ(r.crop_y, 10);
  EXPECT_DOUBLE_EQ(r.scale_x, 3.0);
  EXPECT_DOUBLE_EQ(r.scale_y, 3.0);
  ASSERT_EQ(r.image.sizes(), (std::vector<int64_t>{60, 90, 3}));
  for (int i = 6; i < 54; ++i) {
    const double v_in = (i + 0.5) / r.scale_y + r.crop_y;
    EXPECT_NEAR(r.image[i][45][0].item<float>(), v_in / h, 2e-3) << i;
  }
  // Same size: a plain copy.
  EXPECT_TRUE(at::equal(CenterCropResize(ramp, 30, 40).image, ramp));
}

}  // namespace
}  // namespace scenescape
