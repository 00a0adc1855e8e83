#pragma once
// Pinhole cameras in the OpenCV convention.
//
// Frames and conventions (used everywhere in scenescape):
//  * Camera frame: +x right (image columns), +y down (image rows), +z forward.
//    Depth means camera-space z, not the length of the ray.
//  * Continuous pixel coordinates: the top-left corner of the image is (0, 0);
//    pixel (row v, col u) covers [u, u+1) x [v, v+1), so its centre is at
//    (u + 0.5, v + 0.5). Projection: u_cont = fx * x / z + cx.
//  * Poses are rigid 4x4 matrices acting on column vectors, named
//    target_from_source: point_in_cam = cam_from_world * point_in_world.
//    The camera centre in world coordinates is -R^T t.

#include <Eigen/Core>
#include <Eigen/Geometry>

#include "scenescape/core/options.h"

namespace scenescape {

struct Intrinsics {
  int width = 512;    // pixels
  int height = 512;   // pixels
  double fx = 500.0;  // focal length in pixels
  double fy = 500.0;
  double cx = 256.0;  // principal point, continuous pixel coordinates
  double cy = 256.0;

  // The same rays at `scale` times the resolution (used for 2x supersampling).
  Intrinsics Scaled(double scale) const;
  // Square-pixel intrinsics with the principal point at the image centre and the
  // given horizontal field of view in degrees.
  static Intrinsics FromHorizontalFov(int width, int height, double fov_deg);
  double HorizontalFovDeg() const;
  Eigen::Matrix3d K() const;
};

// camera.*: the frame size and the frame-0 focal length.
struct CameraOptions {
  int width = 512;
  int height = 512;
  double focal_length = 500.0;
  AutoNumber fov;  // unset: focal_length; degrees; or "auto" (estimated from the photo)

  // Frame-0 intrinsics (principal point at the centre). fov must not be "auto":
  // the run's resolve step replaces it first.
  Intrinsics ToIntrinsics() const;

  template <class Self, class V>
  static void List(Self& o, V& v) {
    v.Number("width", o.width, Range::Closed(16, 8192), "frame width in pixels");
    v.Number("height", o.height, Range::Closed(16, 8192), "frame height in pixels");
    v.Number("focal_length",
             o.focal_length,
             Range::Closed(1, 1e6),
             "focal length in pixels at that size (500: 54.2 degrees at 512 wide)");
    v.Auto("fov",
           o.fov,
           Range::Open(1, 179),
           "horizontal field of view in degrees (overrides `focal_length`), or `\"auto\"` to estimate it from "
           "`init_image`'s vanishing lines (falls back to `focal_length`)",
           /*nullable=*/true);
  }
};

struct Camera {
  Intrinsics intrinsics;
  Eigen::Matrix4d cam_from_world = Eigen::Matrix4d::Identity();

  Eigen::Matrix4d WorldFromCam() const;
  Eigen::Vector3d CenterInWorld() const;
  // Camera-space point to world and back.
  Eigen::Vector3d PointInWorld(const Eigen::Vector3d& point_in_cam) const;
  Eigen::Vector3d PointInCam(const Eigen::Vector3d& point_in_world) const;
  // World point to continuous pixel coordinates (u, v) and its depth z.
  Eigen::Vector2d Project(const Eigen::Vector3d& point_in_world, double* depth = nullptr) const;
  // Continuous pixel coordinates and depth (camera z) to a world point.
  Eigen::Vector3d Unproject(double u, double v, double depth) const;
};

// Inverse of a rigid transform [R t; 0 1].
Eigen::Matrix4d InverseRigid(const Eigen::Matrix4d& transform);
// Builds a rigid transform from rotation and translation.
Eigen::Matrix4d MakeRigid(const Eigen::Matrix3d& rotation, const Eigen::Vector3d& translation);
// cam_from_world for a camera at `eye` looking at `target`, image "up" close to
// `up_in_world` (camera -y is up, as the image rows grow downwards).
Eigen::Matrix4d LookAt(const Eigen::Vector3d& eye, const Eigen::Vector3d& target, const Eigen::Vector3d& up_in_world);

}  // namespace scenescape
