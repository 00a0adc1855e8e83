#pragma once
// Synthetic Manhattan scenes with known intrinsics for the classical depth and
// focal tests: the inside of an axis-aligned box ("room" or "corridor") is ray
// cast exactly, each face carrying a checkerboard in its own two colours.
//
// World frame = camera frame at zero rotation: +x right, +y down, +z forward.
// The camera sits at `eye` with world_from_cam = Ry(yaw) * Rx(pitch).

#include <Eigen/Core>
#include <Eigen/Geometry>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "scenescape/geometry/camera.h"

namespace scenescape::testing {

struct BoxScene {
  Eigen::Vector3d box_min{-3, -2, -3};
  Eigen::Vector3d box_max{3, 2, 10};
  Eigen::Vector3d eye{0, 0, 0};
  double yaw_deg = 0;      // about world y
  double pitch_deg = 0;    // about camera x (positive: looks down, as +y is down)
  double checker = 0.5;    // checker cell size, world units
  int supersample = 2;     // per-axis supersampling for anti-aliasing
  double noise_sigma = 0;  // Gaussian pixel noise, grey levels (fixed seed)

  Eigen::Matrix3d WorldFromCam() const {
    const double d2r = M_PI / 180.0;
    return (Eigen::AngleAxisd(yaw_deg * d2r, Eigen::Vector3d::UnitY()) *
            Eigen::AngleAxisd(-pitch_deg * d2r, Eigen::Vector3d::UnitX()))
        .toRotationMatrix();
  }
  // VP (continuous pixels, homogeneous) of world axis `axis` for intrinsics k.
  Eigen::Vector3d VanishingPoint(const Intrinsics& k, int axis) const {
    return k.K() * (WorldFromCam().transpose() * Eigen::Vector3d::Unit(axis));
  }
};

struct RenderedScene {
  cv::Mat bgr;    // CV_8UC3
  cv::Mat depth;  // CV_32FC1 camera z at the pixel centres
};

// Ray casts `scene` for intrinsics `k`.
inline RenderedScene RenderBoxScene(const BoxScene& scene, const Intrinsics& k) {
  // Per face (axis, side): two checker colours (BGR). Distinct grey levels
  // give the face boundaries an edge as well.
  static const cv::Vec3f kColours[6][2] = {{{200, 170, 150}, {90, 70, 60}},
                                           {{150, 200, 170}, {60, 90, 70}},
                                           {{170, 150, 200}, {70, 60, 90}},
                                           {{220, 220, 180}, {110, 110, 80}},
                                           {{180, 220, 220}, {80, 110, 110}},
                                           {{235, 235, 235}, {120, 120, 120}}};
  const Eigen::Matrix3d wc = scene.WorldFromCam();
  const int ss = std::max(1, scene.supersample);
  const Intrinsics kh = k.Scaled(ss);
  cv::Mat hi(kh.height, kh.width, CV_32FC3);
  cv::Mat depth(k.height, k.width, CV_32FC1);
  auto cast = [&](const Intrinsics& kk, double u, double v, int* face, Eigen::Vector3d* hit) {
    const Eigen::Vector3d ray_cam((u - kk.cx) / kk.fx, (v - kk.cy) / kk.fy, 1.0);
    const Eigen::Vector3d ray = wc * ray_cam;
    double t = 1e30;
    for (int a = 0; a < 3; ++a) {
      if (std::abs(ray[a]) < 1e-12) continue;
      const double bound = ray[a] > 0 ? scene.box_max[a] : scene.box_min[a];
      const double ta = (bound - scene.eye[a]) / ray[a];
      if (ta > 0 && ta < t) {
        t = ta;
        *face = 2 * a + (ray[a] > 0);
      }
    }
    *hit = scene.eye + t * ray;
    return t;  // camera z, as ray_cam.z = 1
  };
  for (int y = 0; y < kh.height; ++y) {
    for (int x = 0; x < kh.width; ++x) {
      int face = 0;
      Eigen::Vector3d p;
      cast(kh, x + 0.5, y + 0.5, &face, &p);
      const int a = face / 2;
      const double s = p[(a + 1) % 3] / scene.checker;
      const double t = p[(a + 2) % 3] / scene.checker;
      const int parity = (static_cast<int>(std::floor(s)) + static_cast<int>(std::floor(t))) & 1;
      hi.at<cv::Vec3f>(y, x) = kColours[face][parity];
    }
  }
  for (int y = 0; y < k.height; ++y)
    for (int x = 0; x < k.width; ++x) {
      int face = 0;
      Eigen::Vector3d p;
      depth.at<float>(y, x) = static_cast<float>(cast(k, x + 0.5, y + 0.5, &face, &p));
    }
  RenderedScene out;
  cv::Mat lo;
  cv::resize(hi, lo, cv::Size(k.width, k.height), 0, 0, cv::INTER_AREA);
  if (scene.noise_sigma > 0) {
    cv::Mat noise(lo.size(), lo.type());
    cv::RNG rng(12345);
    rng.fill(noise, cv::RNG::NORMAL, 0.0, scene.noise_sigma);
    lo += noise;
  }
  lo.convertTo(out.bgr, CV_8UC3);  // saturating
  out.depth = depth;
  return out;
}

}  // namespace scenescape::testing
