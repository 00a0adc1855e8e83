#include "scenescape/backends/classical/focal.h"

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <iostream>
#include <random>

#include "focal_test_scenes.h"
#include "scenescape/backends/classical/vanishing.h"
#include "scenescape/core/timer.h"

namespace scenescape {
namespace {

using testing::BoxScene;
using testing::RenderBoxScene;

// Draws a line between continuous pixel coordinates (sub-pixel accurate).
void DrawLine(cv::Mat& img, const Eigen::Vector2d& p0, const Eigen::Vector2d& p1) {
  constexpr int kShift = 4;
  auto fixed = [](const Eigen::Vector2d& p) {
    // OpenCV puts pixel centres at integers; ours are at +0.5.
    return cv::Point(static_cast<int>(std::lround((p.x() - 0.5) * (1 << kShift))),
                     static_cast<int>(std::lround((p.y() - 0.5) * (1 << kShift))));
  };
  cv::line(img, fixed(p0), fixed(p1), cv::Scalar(0, 0, 0), 2, cv::LINE_AA, kShift);
}

struct FocalCase {
  double fov_deg;
  double yaw_deg;
  double pitch_deg;
  int width;
  int height;
  double noise_sigma = 0;
};

class FocalFromRoom : public ::testing::TestWithParam<FocalCase> {};

// A room seen with yaw and pitch: all three VPs are finite, so f is observable.
TEST_P(FocalFromRoom, WithinFivePercent) {
  const FocalCase c = GetParam();
  const Intrinsics k = Intrinsics::FromHorizontalFov(c.width, c.height, c.fov_deg);
  BoxScene scene;
  scene.box_min = {-4, -2.5, -3};
  scene.box_max = {5, 1.5, 7};
  scene.yaw_deg = c.yaw_deg;
  scene.pitch_deg = c.pitch_deg;
  scene.noise_sigma = c.noise_sigma;
  const cv::Mat bgr = RenderBoxScene(scene, k).bgr;

  Timer timer;
  const FocalEstimate e = EstimateFocal(bgr);
  const double ms = timer.ElapsedMs();
  ASSERT_TRUE(e.focal_px.has_value()) << e.reason;
  const double rel = *e.focal_px / k.fx - 1.0;
  std::cout << "fov " << c.fov_deg << " yaw " << c.yaw_deg << " pitch " << c.pitch_deg << " " << c.width << "x"
            << c.height << " noise " << c.noise_sigma << ": true f " << k.fx << ", " << e.reason << ", error "
            << 100 * rel << "%, " << ms << " ms\n";
  EXPECT_LT(std::abs(rel), 0.05);
  EXPECT_GE(e.num_finite_vps, 2);
  // The recovered Manhattan frame matches the true rotation (up to the order
  // and sign of the axes): every true axis has a recovered axis within 3 deg.
  const Eigen::Matrix3d cam_from_world = scene.WorldFromCam().transpose();
  for (int a = 0; a < 3; ++a) {
    double best = 0;
    for (int b = 0; b < 3; ++b) best = std::max(best, std::abs(cam_from_world.col(a).dot(e.manhattan_in_cam.col(b))));
    EXPECT_GT(best, std::cos(3.0 * M_PI / 180.0)) << "world axis " << a;
  }
}

INSTANTIATE_TEST_SUITE_P(Rooms,
                         FocalFromRoom,
                         ::testing::Values(FocalCase{40, 25, 10, 512, 512},
                                           FocalCase{55, 30, 12, 512, 512},
                                           FocalCase{70, 35, 8, 512, 512},
                                           FocalCase{40, -32, -12, 512, 512},
                                           FocalCase{55, 20, -15, 512, 512},
                                           FocalCase{70, -22, 14, 512, 512},
                                           FocalCase{60, 28, 10, 640, 480},
                                           FocalCase{55, 30, 12, 512, 512, 8},
                                           FocalCase{45, -26, 9, 512, 384, 8}));

// Non-Manhattan clutter drawn over the room does not move the estimate.
TEST(EstimateFocalLength, RoomWithClutter) {
  const Intrinsics k = Intrinsics::FromHorizontalFov(512, 512, 55);
  BoxScene scene;
  scene.box_min = {-4, -2.5, -3};
  scene.box_max = {5, 1.5, 7};
  scene.yaw_deg = 27;
  scene.pitch_deg = 11;
  cv::Mat bgr = RenderBoxScene(scene, k).bgr;
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> pos(0, 512), len(30, 150), ang(0, M_PI);
  for (int i = 0; i < 80; ++i) {
    const cv::Point2d p(pos(rng), pos(rng));
    const double a = ang(rng), l = len(rng);
    cv::line(bgr,
             p,
             p + cv::Point2d(l * std::cos(a), l * std::sin(a)),
             cv::Scalar(255 * (i % 2), 40 * (i % 7), 200),
             3,
             cv::LINE_AA);
  }
  const FocalEstimate e = EstimateFocal(bgr);
  ASSERT_TRUE(e.focal_px.has_value()) << e.reason;
  std::cout << "clutter: true f " << k.fx << ", " << e.reason << "\n";
  EXPECT_LT(std::abs(*e.focal_px / k.fx - 1.0), 0.05);
}

TEST(EstimateFocalLength, FeaturelessImageGivesNullopt) {
  cv::Mat img(512, 512, CV_8UC3);
  // A smooth vertical gradient: no edges LSD can see.
  for (int y = 0; y < img.rows; ++y) img.row(y).setTo(cv::Scalar(100 + y / 8, 120, 140));
  std::string reason;
  EXPECT_FALSE(EstimateFocalLength(img, {}, &reason).has_value());
  EXPECT_FALSE(reason.empty());
  std::cout << "featureless: " << reason << "\n";
}

TEST(EstimateFocalLength, RandomSegmentsGiveNullopt) {
  cv::Mat img(512, 512, CV_8UC3, cv::Scalar(128, 128, 128));
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> pos(0, 512), len(20, 120), ang(0, M_PI);
  for (int i = 0; i < 150; ++i) {
    const cv::Point2d p(pos(rng), pos(rng));
    const double a = ang(rng), l = len(rng);
    cv::line(img,
             p,
             p + cv::Point2d(l * std::cos(a), l * std::sin(a)),
             cv::Scalar(20 + i % 5 * 40, 240 - i % 7 * 30, 30),
             2,
             cv::LINE_AA);
  }
  std::string reason;
  EXPECT_FALSE(EstimateFocalLength(img, {}, &reason).has_value());
  std::cout << "random segments: " << reason << "\n";
}

// Straight ahead down a corridor only the central VP is finite: f does not
// change the image, so it must not be reported.
TEST(EstimateFocalLength, StraightCorridorIsUnobservable) {
  const Intrinsics k = Intrinsics::FromHorizontalFov(512, 512, 55);
  BoxScene scene;
  scene.box_min = {-2, -2, -1};
  scene.box_max = {2, 2, 20};
  std::string reason;
  EXPECT_FALSE(EstimateFocalLength(RenderBoxScene(scene, k).bgr, {}, &reason).has_value());
  std::cout << "straight corridor: " << reason << "\n";
}

TEST(DetectVanishingPoints, LinesThroughKnownPoints) {
  // Pencils of drawn lines through two points and one direction.
  cv::Mat img(480, 640, CV_8UC3, cv::Scalar(255, 255, 255));
  const Eigen::Vector2d a(250.5, 200.25), b(-900, 260);
  for (int i = 0; i < 12; ++i) {
    const double t = -1.2 + 0.2 * i;
    const Eigen::Vector2d da(std::cos(t), std::sin(t) + 0.3);
    DrawLine(img, a + 60 * da, a + 400 * da);
  }
  for (int i = 0; i < 10; ++i) {
    const double y0 = 20 + 45 * i;
    const Eigen::Vector2d p0(450, y0);
    const Eigen::Vector2d p1 = p0 + 0.15 * (p0 - b).normalized() * 1000;
    DrawLine(img, p0, p1);
  }
  const auto segments = DetectLineSegments(img);
  const auto vps = DetectVanishingPoints(segments, img.size());
  ASSERT_GE(vps.size(), 2u);
  bool found_a = false, found_b = false;
  for (const VanishingPoint& vp : vps) {
    if (vp.is_finite && (vp.point - a).norm() < 1.5) found_a = true;
    if (vp.is_finite && (vp.point - b).norm() < 0.02 * (b - a).norm()) found_b = true;
    if (vp.is_finite) std::cout << "vp " << vp.point.transpose() << " inliers " << vp.num_inliers << "\n";
  }
  EXPECT_TRUE(found_a);
  EXPECT_TRUE(found_b);
}

}  // namespace
}  // namespace scenescape
