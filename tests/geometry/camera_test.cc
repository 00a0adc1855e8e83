#include "scenescape/geometry/camera.h"

#include <gtest/gtest.h>

#include <cmath>

namespace scenescape {
namespace {

TEST(Camera, ReferenceDefaults) {
  Intrinsics k;
  EXPECT_EQ(k.width, 512);
  EXPECT_DOUBLE_EQ(k.fx, 500.0);
  EXPECT_NEAR(k.HorizontalFovDeg(), 2.0 * std::atan(256.0 / 500.0) * 180.0 / M_PI, 1e-12);
  EXPECT_NEAR(k.HorizontalFovDeg(), 54.22, 0.01);
}

TEST(Camera, PoseRoundTrip) {
  Camera cam;
  const Eigen::Matrix3d r = Eigen::AngleAxisd(0.7, Eigen::Vector3d(0.3, 1, -0.2).normalized()).toRotationMatrix();
  cam.cam_from_world = MakeRigid(r, Eigen::Vector3d(0.5, -1.0, 2.0));
  EXPECT_TRUE((cam.cam_from_world * cam.WorldFromCam()).isIdentity(1e-12));
  EXPECT_TRUE((cam.PointInCam(cam.CenterInWorld())).isZero(1e-12));
}

TEST(Camera, ProjectUnprojectIdentity) {
  Camera cam;
  cam.cam_from_world = LookAt({1, 2, -3}, {0, 0, 1}, {0, -1, 0});
  for (double u : {0.5, 100.25, 511.5}) {
    for (double v : {0.5, 256.0, 400.75}) {
      const Eigen::Vector3d p = cam.Unproject(u, v, 2.5);
      double z = 0;
      const Eigen::Vector2d uv = cam.Project(p, &z);
      EXPECT_NEAR(uv.x(), u, 1e-9);
      EXPECT_NEAR(uv.y(), v, 1e-9);
      EXPECT_NEAR(z, 2.5, 1e-9);
    }
  }
}

TEST(Camera, PixelCentreConvention) {
  // The principal point ray hits the image at continuous (cx, cy): between the
  // centres of pixels 255 and 256 for the 512 default.
  Camera cam;
  const Eigen::Vector2d uv = cam.Project({0, 0, 3});
  EXPECT_DOUBLE_EQ(uv.x(), 256.0);
  // A point one focal unit right lands at column 756 - 0.5 centre => u = 756.
  EXPECT_DOUBLE_EQ(cam.Project({1, 0, 1}).x(), 756.0);
}

TEST(Camera, LookAtLooksAtTarget) {
  const Eigen::Matrix4d c = LookAt({0, 0, 0}, {0, 0, 5}, {0, -1, 0});
  EXPECT_TRUE(c.isIdentity(1e-12));
}

TEST(Camera, ScaledIntrinsicsKeepRays) {
  Intrinsics k;
  const Intrinsics k2 = k.Scaled(2.0);
  EXPECT_EQ(k2.width, 1024);
  EXPECT_DOUBLE_EQ(k2.fx, 1000.0);
  EXPECT_DOUBLE_EQ(k2.cx, 512.0);
}

}  // namespace
}  // namespace scenescape
