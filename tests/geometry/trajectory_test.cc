#include "scenescape/geometry/trajectory.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "scenescape/core/check.h"
#include "scenescape/geometry/camera.h"
#include "testing.h"

namespace scenescape {
namespace {

constexpr double kRefStep = 0.0065625;  // 0.035 * 0.1875

Eigen::Matrix3d Rot(const Eigen::Matrix4d& m) { return m.topLeftCorner<3, 3>(); }

Eigen::Vector3d Center(const Eigen::Matrix4d& cam_from_world) {
  return -Rot(cam_from_world).transpose() * cam_from_world.topRightCorner<3, 1>();
}

// Optical axis (camera +z) in world coordinates.
Eigen::Vector3d Axis(const Eigen::Matrix4d& cam_from_world) { return Rot(cam_from_world).row(2).transpose(); }

// Yaw of frame i relative to frame 0, assuming R_i = Ry(yaw) R_0.
double YawFrom(const Eigen::Matrix4d& first, const Eigen::Matrix4d& m) {
  const Eigen::Matrix3d rel = Rot(m) * Rot(first).transpose();
  return std::atan2(rel(0, 2), rel(0, 0));
}

void ExpectRigid(const std::vector<PathFrame>& path) {
  for (size_t i = 0; i < path.size(); ++i) {
    const Eigen::Matrix4d& m = path[i].cam_from_world;
    const Eigen::Matrix3d r = Rot(m);
    EXPECT_TRUE((r.transpose() * r).isIdentity(1e-9)) << "frame " << i;
    EXPECT_NEAR(r.determinant(), 1.0, 1e-9) << "frame " << i;
    EXPECT_TRUE(m.row(3).isApprox(Eigen::RowVector4d(0, 0, 0, 1))) << "frame " << i;
    EXPECT_TRUE(m.allFinite()) << "frame " << i;
  }
}

Eigen::Matrix4d SomeFirstCamera() { return LookAt({0.3, -0.2, -1.0}, {0.5, 0.1, 2.0}, {0.1, -1.0, 0.05}); }

// Independent statement of the reference schedule (section 2.3): 12 turning
// frames, 1 still frame, direction flips; period 26.
std::vector<double> ExpectedYaw(int num_frames, int dir, double step) {
  std::vector<double> yaw(num_frames, 0.0);
  for (int i = 1; i < num_frames; ++i) {
    const int half = (i - 1) / 13;
    const int pos = (i - 1) % 13;
    const int sign = (half % 2 == 0) ? dir : -dir;
    yaw[i] = yaw[i - 1] + (pos < 12 ? sign * step : 0.0);
  }
  return yaw;
}

// ---------------------------------------------------------------- rotations

TEST(Trajectory, RotationScheduleMatchesReferenceCounters) {
  const std::vector<int> s = RotationSchedule(10, 0, 1, 60);
  ASSERT_EQ(s.size(), 60u);
  EXPECT_EQ(s[0], 0);
  for (int i = 1; i <= 12; ++i) EXPECT_EQ(s[i], 1) << i;
  EXPECT_EQ(s[13], 0);
  for (int i = 14; i <= 25; ++i) EXPECT_EQ(s[i], -1) << i;
  EXPECT_EQ(s[26], 0);
  for (int i = 27; i <= 38; ++i) EXPECT_EQ(s[i], 1) << i;
  EXPECT_EQ(s[39], 0);
  // Longer pauses: no_rotation_steps = 2 holds 3 frames.
  const std::vector<int> p = RotationSchedule(1, 2, -1, 12);
  EXPECT_EQ(p, (std::vector<int>{0, -1, -1, -1, 0, 0, 0, 1, 1, 1, 0, 0}));
}

TEST(Trajectory, RotationsYawSequenceOver60Frames) {
  for (int dir : {1, -1}) {
    TrajectoryOptions o;
    o.first_direction = dir;
    const Eigen::Matrix4d first = SomeFirstCamera();
    const auto path = ComputePath(o, first, 0.1, 60, 7);
    ASSERT_EQ(path.size(), 60u);
    EXPECT_TRUE(path[0].cam_from_world.isApprox(first, 1e-15));
    const std::vector<double> expected = ExpectedYaw(60, dir, 0.03);
    double max_abs = 0.0;
    for (int i = 0; i < 60; ++i) {
      EXPECT_NEAR(YawFrom(first, path[i].cam_from_world), expected[i], 1e-12) << "frame " << i;
      // Pure yaw: the camera's y axis never changes.
      EXPECT_TRUE(Rot(path[i].cam_from_world).row(1).isApprox(Rot(first).row(1), 1e-12));
      max_abs = std::max(max_abs, std::abs(expected[i]));
      EXPECT_FALSE(path[i].fov_deg.has_value());
      EXPECT_TRUE(path[i].prompt.empty());
    }
    EXPECT_NEAR(max_abs, 0.36, 1e-12);      // 12 * 0.03 rad = 20.63 deg
    EXPECT_NEAR(expected[26], 0.0, 1e-12);  // back to 0 after one period
    EXPECT_NEAR(expected[12], dir * 0.36, 1e-12);
    ExpectRigid(path);
  }
}

TEST(Trajectory, RotationsMatchReferenceUpdateLiterally) {
  // From R = I, T = 0 the reference gives, with theta = 0.03 * dir and s = step:
  // frame 1: R = Ry, T = (0, 0, s); frame 2: R = Ry^2, T = Ry (0, 0, s) + (0, 0, s).
  TrajectoryOptions o;
  o.first_direction = -1;
  const auto path = ComputePath(o, Eigen::Matrix4d::Identity(), 0.1, 3, 0);
  const double th = -0.03;
  Eigen::Matrix3d ry;
  ry << std::cos(th), 0, std::sin(th), 0, 1, 0, -std::sin(th), 0, std::cos(th);
  const Eigen::Vector3d s(0, 0, kRefStep);
  EXPECT_TRUE(Rot(path[1].cam_from_world).isApprox(ry, 1e-14));
  EXPECT_TRUE(path[1].cam_from_world.col(3).head<3>().isApprox(s, 1e-14));
  EXPECT_TRUE(Rot(path[2].cam_from_world).isApprox(ry * ry, 1e-14));
  EXPECT_TRUE(path[2].cam_from_world.col(3).head<3>().isApprox(ry * s + s, 1e-14));
}

TEST(Trajectory, RotationsCameraMovesBackwardsByScaledStep) {
  const Eigen::Matrix4d first = SomeFirstCamera();
  struct Case {
    double median;
    bool scale;
    double step;
  };
  for (const Case& c : {Case{0.1, true, kRefStep},
                        Case{0.25, true, 2.5 * kRefStep},
                        Case{3.0, true, 30.0 * kRefStep},
                        Case{3.0, false, kRefStep}}) {
    TrajectoryOptions o;
    o.scale_with_depth = c.scale;
    const auto path = ComputePath(o, first, c.median, 40, 123);
    for (int i = 1; i < 40; ++i) {
      const Eigen::Vector3d move = Center(path[i].cam_from_world) - Center(path[i - 1].cam_from_world);
      EXPECT_NEAR(move.norm(), c.step, 1e-12) << "frame " << i;
      // Along minus the (new) optical axis: backwards.
      EXPECT_TRUE(move.isApprox(-c.step * Axis(path[i].cam_from_world), 1e-9)) << "frame " << i;
    }
  }
}

TEST(Trajectory, RotationsDirectionFromSeed) {
  TrajectoryOptions o;  // first_direction = 0
  std::set<int> seen;
  for (uint64_t seed = 0; seed < 16; ++seed) {
    const auto a = ComputePath(o, Eigen::Matrix4d::Identity(), 0.1, 3, seed);
    const auto b = ComputePath(o, Eigen::Matrix4d::Identity(), 0.1, 3, seed);
    EXPECT_TRUE(a[2].cam_from_world == b[2].cam_from_world);  // deterministic
    const double yaw = YawFrom(Eigen::Matrix4d::Identity(), a[1].cam_from_world);
    EXPECT_NEAR(std::abs(yaw), 0.03, 1e-12);
    seen.insert(yaw > 0 ? 1 : -1);
  }
  EXPECT_EQ(seen.size(), 2u);  // both directions occur
}

// ---------------------------------------------------------------- translations

TEST(Trajectory, TranslationsFlipEveryN) {
  TrajectoryOptions o;
  o.type = Motion::kTranslations;
  const Eigen::Matrix4d first = SomeFirstCamera();
  const double median = 0.4;
  const double step = kRefStep * median / 0.1;
  const auto path = ComputePath(o, first, median, 61, 0);
  const Eigen::Vector3d x_axis = Rot(first).row(0).transpose();
  for (int i = 1; i < 61; ++i) {
    const int dir = ((i / 20) % 2 == 0) ? 1 : -1;  // flips at 20, 40, 60
    EXPECT_TRUE(Rot(path[i].cam_from_world).isApprox(Rot(first), 1e-15));
    EXPECT_NEAR(path[i].cam_from_world(0, 3) - path[i - 1].cam_from_world(0, 3), dir * step, 1e-12);
    const Eigen::Vector3d move = Center(path[i].cam_from_world) - Center(path[i - 1].cam_from_world);
    // t_x grows with dir = +1, so the centre moves along -x (sideways).
    EXPECT_TRUE(move.isApprox(-dir * step * x_axis, 1e-9)) << "frame " << i;
  }
  // 19 frames right, 20 left, 20 right, then one left.
  EXPECT_NEAR(path[60].cam_from_world(0, 3) - first(0, 3), (19 - 20 + 20 - 1) * step, 1e-12);
  ExpectRigid(path);
}

// ---------------------------------------------------------------- round

TEST(Trajectory, RoundKeepsRadiusAndLooksAtCentre) {
  TrajectoryOptions o;
  o.type = Motion::kRound;
  const Eigen::Matrix4d first = SomeFirstCamera();
  const double median = 0.7;
  const double r = 2.0 * median;
  const Eigen::Vector3d centre = Center(first) + r * Axis(first);
  const auto path = ComputePath(o, first, median, 101, 0);
  EXPECT_TRUE(path[0].cam_from_world.isApprox(first, 1e-15));
  for (int i = 0; i <= 100; ++i) {
    const Eigen::Matrix4d& m = path[i].cam_from_world;
    EXPECT_NEAR((Center(m) - centre).norm(), r, 1e-12) << "frame " << i;
    const Eigen::Vector3d c_in_cam = Rot(m) * centre + m.topRightCorner<3, 1>();
    EXPECT_NEAR(c_in_cam.x(), 0.0, 1e-12);
    EXPECT_NEAR(c_in_cam.y(), 0.0, 1e-12);
    EXPECT_NEAR(c_in_cam.z(), r, 1e-12);
    // The orbit stays in the first camera's x-z plane (no roll, no tilt).
    EXPECT_TRUE(Rot(m).row(1).isApprox(Rot(first).row(1), 1e-12));
  }
  // Quarter turn after 25 frames; full circle after 100.
  const Eigen::Vector3d a = Center(first) - centre, b = Center(path[25].cam_from_world) - centre;
  EXPECT_NEAR(std::acos(a.normalized().dot(b.normalized())), M_PI / 2, 1e-9);
  EXPECT_TRUE(path[100].cam_from_world.isApprox(first, 1e-12));
  // first_direction +1 (default) starts moving to the camera's right.
  const Eigen::Vector3d move = Center(path[1].cam_from_world) - Center(first);
  EXPECT_GT(move.dot(Rot(first).row(0).transpose()), 0.0);
  o.first_direction = -1;
  const auto left = ComputePath(o, first, median, 2, 0);
  EXPECT_LT((Center(left[1].cam_from_world) - Center(first)).dot(Rot(first).row(0).transpose()), 0.0);
  ExpectRigid(path);
}

// ---------------------------------------------------------------- forward

TEST(Trajectory, ForwardWalksAlongOpticalAxis) {
  TrajectoryOptions o;
  o.type = Motion::kForward;
  const Eigen::Matrix4d first = SomeFirstCamera();
  const auto path = ComputePath(o, first, 0.2, 30, 0);
  for (int i = 0; i < 30; ++i) {
    EXPECT_TRUE(Rot(path[i].cam_from_world).isApprox(Rot(first), 1e-15));
    const Eigen::Vector3d expected = Center(first) + i * 2.0 * kRefStep * Axis(first);
    EXPECT_TRUE(Center(path[i].cam_from_world).isApprox(expected, 1e-12)) << "frame " << i;
  }
  ExpectRigid(path);
}

// ---------------------------------------------------------------- options

TEST(Trajectory, CheckNamesTheKey) {
  TrajectoryOptions o;
  EXPECT_NO_THROW(o.Check());
  o.rotation_steps = -3;
  try {
    o.Check();
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "trajectory.rotation_steps: expected an integer >= 0, got -3");
  }
  auto expect_key = [](TrajectoryOptions bad, const std::string& key) {
    try {
      bad.Check();
      ADD_FAILURE() << "no error for " << key;
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("trajectory." + key + ":", 0), 0u) << e.what();
    }
  };
  // An unknown motion cannot be a TrajectoryOptions; its name is refused where it is read.
  try {
    ParseOption<Motion>("spiral", "trajectory.type");
    ADD_FAILURE() << "no error for type";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("trajectory.type:", 0), 0u) << e.what();
  }
  TrajectoryOptions b;
  b.change_translation_every = 0;
  expect_key(b, "change_translation_every");
  b = {};
  b.full_circle_frames = 0;
  expect_key(b, "full_circle_frames");
  b = {};
  b.translation_step = -1;
  expect_key(b, "translation_step");
  b = {};
  b.reference_median_depth = 0;
  expect_key(b, "reference_median_depth");
  b = {};
  b.round_radius_factor = -2;
  expect_key(b, "round_radius_factor");
  b = {};
  b.first_direction = 2;
  expect_key(b, "first_direction");
  b = {};
  b.type = Motion::kFile;
  expect_key(b, "file");
  b = {};
  b.no_rotation_steps = -1;
  expect_key(b, "no_rotation_steps");
  b = {};
  b.rotation_step_rad = std::nan("");
  expect_key(b, "rotation_step_rad");
  // ComputePath checks too.
  EXPECT_THROW(ComputePath(o, Eigen::Matrix4d::Identity(), 0.1, 5, 0), InputError);
  EXPECT_THROW(ComputePath(TrajectoryOptions{}, Eigen::Matrix4d::Identity(), 0.0, 5, 0), Error);
}

// ---------------------------------------------------------------- keyframes

std::string Write(const std::filesystem::path& dir, const std::string& name, const std::string& text) {
  const auto p = dir / name;
  std::ofstream(p) << text;
  return p.string();
}

Eigen::Quaterniond YawQuat(double angle) {
  return Eigen::Quaterniond(Eigen::AngleAxisd(angle, Eigen::Vector3d::UnitY()));
}

TEST(Trajectory, KeyframesPassThroughExactly) {
  const std::string text = R"({"units": "absolute", "keyframes": [
    {"frame": 0, "position": [0, 0, 0]},
    {"frame": 10, "position": [1, 0.5, 2], "look_at": [3, 0, 5]},
    {"frame": 17, "position": [2, -1, 3], "rotation": [0.7071067811865476, 0, 0.7071067811865476, 0]},
    {"frame": 30, "cam_from_world": [1, 0, 0, -4,  0, 0, -1, 2,  0, 1, 0, -1,  0, 0, 0, 1]}]})";
  const KeyframePath kp = ParseKeyframePath(text, "inline.json");
  const Eigen::Matrix4d k1 = LookAt({1, 0.5, 2}, {3, 0, 5}, {0, -1, 0});
  const Eigen::Matrix4d k2 = MakeRigid(YawQuat(M_PI / 2).toRotationMatrix().transpose(),
                                       -YawQuat(M_PI / 2).toRotationMatrix().transpose() * Eigen::Vector3d(2, -1, 3));
  Eigen::Matrix4d k3;
  k3 << 1, 0, 0, -4, 0, 0, -1, 2, 0, 1, 0, -1, 0, 0, 0, 1;
  for (auto interp : {KeyframeInterpolation::kCatmullRom, KeyframeInterpolation::kLinear}) {
    KeyframePath p = kp;
    p.interpolation = interp;
    // first_cam_from_world is ignored in absolute units.
    const auto path = InterpolateKeyframePath(p, SomeFirstCamera(), 0.5, 40);
    ASSERT_EQ(path.size(), 40u);
    EXPECT_TRUE(path[0].cam_from_world.isIdentity(1e-14));
    EXPECT_TRUE(path[10].cam_from_world.isApprox(k1, 1e-12));
    EXPECT_TRUE(path[17].cam_from_world.isApprox(k2, 1e-12));
    EXPECT_TRUE(path[30].cam_from_world.isApprox(k3, 1e-12));
    for (int f = 31; f < 40; ++f) EXPECT_TRUE(path[f].cam_from_world.isApprox(k3, 1e-12));  // hold
    ExpectRigid(path);
    // Continuity: no jumps between consecutive frames.
    for (int f = 1; f < 40; ++f)
      EXPECT_LT((Center(path[f].cam_from_world) - Center(path[f - 1].cam_from_world)).norm(), 1.0);
  }
}

TEST(Trajectory, KeyframesSlerpHalfwayAndShortestPath) {
  // Second keyframe written as -q: slerp must still take the 60-degree arc.
  const Eigen::Quaterniond q = YawQuat(M_PI / 3);
  const std::string text = R"({"units": "absolute", "interpolation": "linear", "keyframes": [
    {"frame": 0, "position": [0, 0, 0], "rotation": [1, 0, 0, 0]},
    {"frame": 10, "position": [2, 0, 4], "rotation": [)" +
                           std::to_string(-q.w()) + ", 0, " + std::to_string(-q.y()) + R"(, 0]}]})";
  const auto path = InterpolateKeyframePath(ParseKeyframePath(text, "s.json"), Eigen::Matrix4d::Identity(), 1.0, 11);
  const Eigen::Matrix3d half = YawQuat(M_PI / 6).toRotationMatrix();  // world_from_cam
  EXPECT_TRUE(Rot(path[5].cam_from_world).transpose().isApprox(half, 1e-6));
  EXPECT_TRUE(Center(path[5].cam_from_world).isApprox(Eigen::Vector3d(1, 0, 2), 1e-12));
  for (int f = 0; f <= 10; ++f)
    EXPECT_NEAR(YawFrom(Eigen::Matrix4d::Identity(), path[f].cam_from_world), -M_PI / 3 * f / 10, 1e-6)
        << f;  // cam_from_world yaw is minus the world_from_cam yaw
}

TEST(Trajectory, KeyframesCatmullRomIsSmoothAndStraightOnALine) {
  // Equally spaced collinear keyframes: the centripetal spline is the line itself,
  // travelled at constant speed.
  const std::string line = R"({"units": "absolute", "keyframes": [
    {"frame": 0, "position": [0, 0, 0]}, {"frame": 10, "position": [0, 0, 1]},
    {"frame": 20, "position": [0, 0, 2]}, {"frame": 30, "position": [0, 0, 3]}]})";
  const auto straight =
      InterpolateKeyframePath(ParseKeyframePath(line, "l.json"), Eigen::Matrix4d::Identity(), 1.0, 31);
  for (int f = 0; f <= 30; ++f)
    EXPECT_TRUE(Center(straight[f].cam_from_world).isApprox(Eigen::Vector3d(0, 0, f / 10.0), 1e-12)) << f;
  // A corner: the curve leaves the polyline but its speed changes gradually.
  const std::string corner = R"({"units": "absolute", "keyframes": [
    {"frame": 0, "position": [0, 0, 0]}, {"frame": 10, "position": [0, 0, 1]},
    {"frame": 20, "position": [1, 0, 1]}]})";
  const auto curve = InterpolateKeyframePath(ParseKeyframePath(corner, "c.json"), Eigen::Matrix4d::Identity(), 1.0, 21);
  // Catmull-Rom swings out before the corner (its tangent there is P3 - P1), so
  // frame 5 leaves the straight first leg.
  EXPECT_GT(std::abs(Center(curve[5].cam_from_world).x()), 1e-3);
  for (int f = 2; f <= 20; ++f) {
    const Eigen::Vector3d v1 = Center(curve[f].cam_from_world) - Center(curve[f - 1].cam_from_world);
    const Eigen::Vector3d v0 = Center(curve[f - 1].cam_from_world) - Center(curve[f - 2].cam_from_world);
    EXPECT_LT((v1 - v0).norm(), 0.05) << f;  // no velocity jump at frame 10
  }
}

TEST(Trajectory, KeyframesFovAndPrompts) {
  const std::string text = R"({"keyframes": [
    {"frame": 0, "position": [0, 0, 0], "prompt": "a"},
    {"frame": 10, "position": [0, 0, 1], "fov_deg": 50},
    {"frame": 20, "position": [0, 0, 2], "fov_deg": 70, "prompt": "b"},
    {"frame": 30, "position": [0, 0, 3], "prompt": ""}]})";
  const auto path = InterpolateKeyframePath(ParseKeyframePath(text, "f.json"), Eigen::Matrix4d::Identity(), 1.0, 35);
  ASSERT_TRUE(path[0].fov_deg && path[10].fov_deg && path[15].fov_deg && path[34].fov_deg);
  EXPECT_DOUBLE_EQ(*path[0].fov_deg, 50.0);  // held before the first fov keyframe
  EXPECT_DOUBLE_EQ(*path[10].fov_deg, 50.0);
  EXPECT_NEAR(*path[15].fov_deg, 60.0, 1e-12);
  EXPECT_NEAR(*path[12].fov_deg, 54.0, 1e-12);
  EXPECT_DOUBLE_EQ(*path[20].fov_deg, 70.0);
  EXPECT_DOUBLE_EQ(*path[34].fov_deg, 70.0);  // held after the last
  for (int f = 0; f < 20; ++f) EXPECT_EQ(path[f].prompt, "a") << f;
  for (int f = 20; f < 30; ++f) EXPECT_EQ(path[f].prompt, "b") << f;
  for (int f = 30; f < 35; ++f) EXPECT_EQ(path[f].prompt, "") << f;  // back to the run prompt
  // No fov anywhere: unset.
  const auto plain =
      InterpolateKeyframePath(ParseKeyframePath(R"({"keyframes": [{"frame": 0, "position": [0, 0, 0]}]})", "p.json"),
                              Eigen::Matrix4d::Identity(),
                              1.0,
                              3);
  EXPECT_FALSE(plain[2].fov_deg.has_value());
  EXPECT_TRUE(plain[2].cam_from_world.isIdentity(0));
}

TEST(Trajectory, KeyframesRelativeUnitsScaleWithMedianDepth) {
  const std::string text = R"({"keyframes": [
    {"frame": 0, "position": [0, 0, 0]},
    {"frame": 8, "position": [0.5, -0.2, 1.0], "look_at": [0, 0, 3]},
    {"frame": 16, "position": [1.0, 0, 2.0], "rotation": [0.9238795325112867, 0, 0.3826834323650898, 0]}]})";
  const KeyframePath kp = ParseKeyframePath(text, "rel.json");
  const Eigen::Matrix4d first = SomeFirstCamera();
  const auto a = InterpolateKeyframePath(kp, first, 1.0, 20);
  const auto b = InterpolateKeyframePath(kp, first, 3.0, 20);
  EXPECT_TRUE(a[0].cam_from_world.isApprox(first, 1e-14));  // origin + identity = first camera
  EXPECT_TRUE(b[0].cam_from_world.isApprox(first, 1e-14));
  const Eigen::Matrix4d world_from_first = InverseRigid(first);
  for (int f = 0; f < 20; ++f) {
    // Poses relative to the first camera: same rotations, positions x3.
    const Eigen::Matrix4d ra = a[f].cam_from_world * world_from_first;
    const Eigen::Matrix4d rb = b[f].cam_from_world * world_from_first;
    EXPECT_TRUE(Rot(ra).isApprox(Rot(rb), 1e-12)) << f;
    EXPECT_LT((3.0 * Center(ra) - Center(rb)).norm(), 1e-12) << f;
  }
  // Keyframe 8 in world: the first camera's frame, position scaled by 3.
  const Eigen::Vector3d p8 = Center(b[8].cam_from_world * world_from_first);
  EXPECT_TRUE(p8.isApprox(Eigen::Vector3d(1.5, -0.6, 3.0), 1e-12));
  const Eigen::Vector3d world_p8 = (world_from_first * Eigen::Vector4d(1.5, -0.6, 3.0, 1)).head<3>();
  EXPECT_TRUE(Center(b[8].cam_from_world).isApprox(world_p8, 1e-12));
  ExpectRigid(a);
  ExpectRigid(b);
}

TEST(Trajectory, KeyframeFileThroughComputePath) {
  const auto dir = testing::CreateTestDir();
  const std::string file = Write(dir, "walk.json", R"({"keyframes": [
    {"frame": 0, "position": [0, 0, 0]}, {"frame": 4, "position": [0, 0, 1]}]})");
  TrajectoryOptions o;
  o.type = Motion::kFile;
  o.file = file;
  const auto path = ComputePath(LoadCameraPath(o), Eigen::Matrix4d::Identity(), 0.5, 6, 0);
  ASSERT_EQ(path.size(), 6u);
  EXPECT_TRUE(Center(path[2].cam_from_world).isApprox(Eigen::Vector3d(0, 0, 0.25), 1e-12));
  EXPECT_TRUE(Center(path[5].cam_from_world).isApprox(Eigen::Vector3d(0, 0, 0.5), 1e-12));
}

struct BadCase {
  std::string json;
  std::string key;  // expected "<file>: <key>:" prefix
};

TEST(Trajectory, MalformedKeyframeFilesNameFileAndKey) {
  const std::string ok0 = R"({"frame": 0, "position": [0, 0, 0]})";
  const std::vector<BadCase> cases = {
      {R"({"keyframes": [)", ""},  // not JSON
      {"[1, 2]", "(root)"},
      {R"({"interpolation": "linear"})", "keyframes"},
      {R"({"keyframes": {}})", "keyframes"},
      {R"({"keyframes": []})", "keyframes"},
      {R"({"keyframes": [)" + ok0 + R"(], "extra": 1})", "extra"},
      {R"({"keyframes": [)" + ok0 + R"(], "interpolation": "cubic"})", "interpolation"},
      {R"({"keyframes": [)" + ok0 + R"(], "units": 3})", "units"},
      {R"({"keyframes": [5]})", "keyframes[0]"},
      {R"({"keyframes": [{"position": [0, 0, 0]}]})", "keyframes[0].frame"},
      {R"({"keyframes": [{"frame": 1, "position": [0, 0, 0]}]})", "keyframes[0].frame"},
      {R"({"keyframes": [{"frame": -1, "position": [0, 0, 0]}]})", "keyframes[0].frame"},
      {R"({"keyframes": [{"frame": 0.5, "position": [0, 0, 0]}]})", "keyframes[0].frame"},
      {R"({"keyframes": [)" + ok0 + R"(, {"frame": 5, "position": [0, 0, 1]}, {"frame": 3, "position": [0, 0, 2]}]})",
       "keyframes[2].frame"},  // unsorted
      {R"({"keyframes": [)" + ok0 + R"(, {"frame": 5, "position": [0, 0, 1]}, {"frame": 5, "position": [0, 0, 2]}]})",
       "keyframes[2].frame"},  // duplicate
      {R"({"keyframes": [)" + ok0 + R"(, {"frame": 5, "position": [0, 1]}]})", "keyframes[1].position"},
      {R"({"keyframes": [)" + ok0 + R"(, {"frame": 5, "position": [0, "a", 1]}]})", "keyframes[1].position"},
      {R"({"keyframes": [)" + ok0 + R"(, {"frame": 5}]})", "keyframes[1].position"},
      {R"({"keyframes": [)" + ok0 + R"(, {"frame": 5, "position": [0, 0, 1], "look_at": [0, 0]}]})",
       "keyframes[1].look_at"},
      {R"({"keyframes": [)" + ok0 + R"(, {"frame": 5, "position": [0, 0, 1], "look_at": [0, 0, 1]}]})",
       "keyframes[1].look_at"},  // coincides
      {R"({"keyframes": [)" + ok0 + R"(, {"frame": 5, "position": [0, 0, 1], "look_at": [0, 3, 1]}]})",
       "keyframes[1].up"},  // looks straight along up
      {R"({"keyframes": [)" + ok0 + R"(, {"frame": 5, "position": [0, 0, 1], "up": [0, -1, 0]}]})",
       "keyframes[1].up"},  // up without look_at
      {R"({"keyframes": [)" + ok0 + R"(, {"frame": 5, "position": [0, 0, 1], "rotation": [1, 0, 0]}]})",
       "keyframes[1].rotation"},
      {R"({"keyframes": [)" + ok0 + R"(, {"frame": 5, "position": [0, 0, 1], "rotation": [0, 0, 0, 0]}]})",
       "keyframes[1].rotation"},
      {R"({"keyframes": [)" + ok0 +
           R"(, {"frame": 5, "position": [0, 0, 1], "rotation": [1, 0, 0, 0], "look_at": [0, 0, 3]}]})",
       "keyframes[1].rotation"},
      {R"({"keyframes": [)" + ok0 + R"(, {"frame": 5, "cam_from_world": [1, 0, 0, 0]}]})",
       "keyframes[1].cam_from_world"},
      {R"({"keyframes": [)" + ok0 + R"(, {"frame": 5, "cam_from_world": [2,0,0,0, 0,1,0,0, 0,0,1,0, 0,0,0,1]}]})",
       "keyframes[1].cam_from_world"},  // scaled
      {R"({"keyframes": [)" + ok0 + R"(, {"frame": 5, "cam_from_world": [-1,0,0,0, 0,1,0,0, 0,0,1,0, 0,0,0,1]}]})",
       "keyframes[1].cam_from_world"},  // reflection
      {R"({"keyframes": [)" + ok0 + R"(, {"frame": 5, "cam_from_world": [1,0,0,0, 0,1,0,0, 0,0,1,0, 0,0,1,1]}]})",
       "keyframes[1].cam_from_world"},  // last row
      {R"({"keyframes": [)" + ok0 +
           R"(, {"frame": 5, "position": [0, 0, 1], "cam_from_world": [1,0,0,0, 0,1,0,0, 0,0,1,0, 0,0,0,1]}]})",
       "keyframes[1].position"},
      {R"({"keyframes": [)" + ok0 + R"(, {"frame": 5, "position": [0, 0, 1], "fov_deg": 180}]})",
       "keyframes[1].fov_deg"},
      {R"({"keyframes": [)" + ok0 + R"(, {"frame": 5, "position": [0, 0, 1], "fov_deg": "wide"}]})",
       "keyframes[1].fov_deg"},
      {R"({"keyframes": [)" + ok0 + R"(, {"frame": 5, "position": [0, 0, 1], "prompt": 3}]})", "keyframes[1].prompt"},
      {R"({"keyframes": [)" + ok0 + R"(, {"frame": 5, "positon": [0, 0, 1]}]})", "keyframes[1].positon"},
      // Finite but so large that the spline's differences overflow to inf and the camera to NaN.
      {R"({"keyframes": [)" + ok0 + R"(, {"frame": 5, "position": [0, 0, 1e300]}]})", "keyframes[1].position"},
      {R"({"keyframes": [)" + ok0 + R"(, {"frame": 5, "position": [0, 0, 1], "look_at": [-2e6, 0, 0]}]})",
       "keyframes[1].look_at"},
      {R"({"keyframes": [)" + ok0 + R"(, {"frame": 5, "position": [0, 0, 1e999]}]})", ""},  // beyond double
  };
  const auto dir = testing::CreateTestDir();
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string file = Write(dir, "bad" + std::to_string(i) + ".json", cases[i].json);
    try {
      LoadKeyframePath(file);
      ADD_FAILURE() << "no error for case " << i << ": " << cases[i].json;
    } catch (const InputError& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.find('\n'), std::string::npos) << what;
      const std::string prefix = cases[i].key.empty() ? file + ": not valid JSON" : file + ": " + cases[i].key + ": ";
      EXPECT_EQ(what.rfind(prefix, 0), 0u) << "case " << i << ": " << what;
    }
  }
  try {
    LoadKeyframePath(dir / "missing.json");
    ADD_FAILURE() << "no error for a missing file";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("missing.json"), std::string::npos);
  }
  // Loading the path surfaces the same error (ComputePath itself reads no file).
  TrajectoryOptions o;
  o.type = Motion::kFile;
  o.file = Write(dir, "bad_pos.json", cases[15].json);
  try {
    ComputePath(LoadCameraPath(o), Eigen::Matrix4d::Identity(), 1.0, 3, 0);
    ADD_FAILURE();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), o.file + ": keyframes[1].position: expected 3 numbers in [-1e6, 1e6]");
  }
}

TEST(Trajectory, AcceptsHandTypedRotations) {
  // 3-4 decimal quaternions and matrices are normalised, not rejected.
  const std::string text = R"({"units": "absolute", "keyframes": [
    {"frame": 0, "position": [0, 0, 0], "rotation": [0.966, 0, 0.259, 0]},
    {"frame": 5, "cam_from_world": [0.707,0,-0.707,1, 0,1,0,0, 0.707,0,0.707,0, 0,0,0,1]}]})";
  const auto path = InterpolateKeyframePath(ParseKeyframePath(text, "h.json"), Eigen::Matrix4d::Identity(), 1.0, 8);
  ExpectRigid(path);
}

// ---------------------------------------------------------------- examples

TEST(Trajectory, ExampleCameraPathsLoad) {
  const auto dir = testing::SourceDir() / "configs" / "camera_paths";
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    ++count;
    SCOPED_TRACE(entry.path().string());
    const KeyframePath kp = LoadKeyframePath(entry.path());
    EXPECT_GE(kp.keyframes.size(), 3u);
    TrajectoryOptions o;
    o.type = Motion::kFile;
    o.file = entry.path().string();
    const int frames = kp.keyframes.back().frame + 10;
    const auto path = ComputePath(LoadCameraPath(o), SomeFirstCamera(), 0.8, frames, 0);
    ASSERT_EQ(static_cast<int>(path.size()), frames);
    EXPECT_TRUE(path[0].cam_from_world.isApprox(SomeFirstCamera(), 1e-6));
    ExpectRigid(path);
    for (int f = 1; f < frames; ++f)  // smooth enough: < 0.1 median depth per frame
      EXPECT_LT((Center(path[f].cam_from_world) - Center(path[f - 1].cam_from_world)).norm(), 0.08);
  }
  EXPECT_GE(count, 3);
  // The prompt example switches prompts at its keyframes.
  const auto journey =
      InterpolateKeyframePath(LoadKeyframePath(dir / "prompt_journey.json"), Eigen::Matrix4d::Identity(), 1.0, 90);
  EXPECT_NE(journey[0].prompt, journey[45].prompt);
  EXPECT_NE(journey[45].prompt, journey[85].prompt);
  EXPECT_EQ(journey[0].prompt, journey[39].prompt);
  ASSERT_TRUE(journey[60].fov_deg.has_value());
  EXPECT_GT(*journey[60].fov_deg, 54.22);
}

}  // namespace
}  // namespace scenescape
