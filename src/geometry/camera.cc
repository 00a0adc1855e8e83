#include "scenescape/geometry/camera.h"

#include <cmath>

#include "scenescape/core/check.h"

namespace scenescape {

Intrinsics Intrinsics::Scaled(double scale) const {
  Intrinsics out;
  out.width = static_cast<int>(std::lround(width * scale));
  out.height = static_cast<int>(std::lround(height * scale));
  // Continuous coordinates scale linearly: the pixel corner grid is what scales.
  out.fx = fx * scale;
  out.fy = fy * scale;
  out.cx = cx * scale;
  out.cy = cy * scale;
  return out;
}

Intrinsics Intrinsics::FromHorizontalFov(int width, int height, double fov_deg) {
  SCN_CHECK(fov_deg > 0.0 && fov_deg < 180.0) << "field of view " << fov_deg;
  Intrinsics out;
  out.width = width;
  out.height = height;
  out.fx = out.fy = 0.5 * width / std::tan(0.5 * fov_deg * M_PI / 180.0);
  out.cx = 0.5 * width;
  out.cy = 0.5 * height;
  return out;
}

double Intrinsics::HorizontalFovDeg() const { return 2.0 * std::atan(0.5 * width / fx) * 180.0 / M_PI; }

Eigen::Matrix3d Intrinsics::K() const {
  Eigen::Matrix3d k;
  k << fx, 0, cx, 0, fy, cy, 0, 0, 1;
  return k;
}

Eigen::Matrix4d InverseRigid(const Eigen::Matrix4d& t) {
  Eigen::Matrix4d inv = Eigen::Matrix4d::Identity();
  const Eigen::Matrix3d rt = t.topLeftCorner<3, 3>().transpose();
  inv.topLeftCorner<3, 3>() = rt;
  inv.topRightCorner<3, 1>() = -rt * t.topRightCorner<3, 1>();
  return inv;
}

Eigen::Matrix4d MakeRigid(const Eigen::Matrix3d& rotation, const Eigen::Vector3d& translation) {
  Eigen::Matrix4d t = Eigen::Matrix4d::Identity();
  t.topLeftCorner<3, 3>() = rotation;
  t.topRightCorner<3, 1>() = translation;
  return t;
}

Eigen::Matrix4d LookAt(const Eigen::Vector3d& eye, const Eigen::Vector3d& target, const Eigen::Vector3d& up_in_world) {
  const Eigen::Vector3d z = (target - eye).normalized();
  Eigen::Vector3d x = (-up_in_world).cross(z);  // x = y × z, camera +y points down
  SCN_CHECK(x.norm() > 1e-9) << "look-at: view direction is parallel to the up vector";
  x.normalize();
  const Eigen::Vector3d y = z.cross(x);
  Eigen::Matrix3d cam_from_world_rot;
  cam_from_world_rot.row(0) = x.transpose();
  cam_from_world_rot.row(1) = y.transpose();
  cam_from_world_rot.row(2) = z.transpose();
  return MakeRigid(cam_from_world_rot, -cam_from_world_rot * eye);
}

Eigen::Matrix4d Camera::WorldFromCam() const { return InverseRigid(cam_from_world); }

Eigen::Vector3d Camera::CenterInWorld() const {
  return -cam_from_world.topLeftCorner<3, 3>().transpose() * cam_from_world.topRightCorner<3, 1>();
}

Eigen::Vector3d Camera::PointInWorld(const Eigen::Vector3d& p) const {
  return cam_from_world.topLeftCorner<3, 3>().transpose() * (p - cam_from_world.topRightCorner<3, 1>());
}

Eigen::Vector3d Camera::PointInCam(const Eigen::Vector3d& p) const {
  return cam_from_world.topLeftCorner<3, 3>() * p + cam_from_world.topRightCorner<3, 1>();
}

Eigen::Vector2d Camera::Project(const Eigen::Vector3d& point_in_world, double* depth) const {
  const Eigen::Vector3d p = PointInCam(point_in_world);
  if (depth) *depth = p.z();
  return {intrinsics.fx * p.x() / p.z() + intrinsics.cx, intrinsics.fy * p.y() / p.z() + intrinsics.cy};
}

Eigen::Vector3d Camera::Unproject(double u, double v, double depth) const {
  const Eigen::Vector3d p(
      (u - intrinsics.cx) / intrinsics.fx * depth, (v - intrinsics.cy) / intrinsics.fy * depth, depth);
  return PointInWorld(p);
}

Intrinsics CameraOptions::ToIntrinsics() const {
  SCN_CHECK(!fov.is_auto) << "camera.fov \"auto\" must be resolved before the intrinsics are made";
  if (fov.value) return Intrinsics::FromHorizontalFov(width, height, *fov.value);
  Intrinsics k;
  k.width = width;
  k.height = height;
  k.fx = k.fy = focal_length;
  k.cx = 0.5 * width;
  k.cy = 0.5 * height;
  return k;
}

}  // namespace scenescape
