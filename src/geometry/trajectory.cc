#include "scenescape/geometry/trajectory.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <sstream>

#include "scenescape/core/check.h"
#include "scenescape/core/fs.h"
#include "scenescape/core/json_reader.h"
#include "scenescape/core/limits.h"
#include "scenescape/geometry/camera.h"

namespace scenescape {
namespace {

using json = nlohmann::json;

template <typename T>
std::string Str(const T& value) {
  std::ostringstream s;
  s << value;
  return s.str();
}

// ------------------------------------------------------------ built-in motions

// The reference's R <- Ry(theta) R (a yaw in the camera's own frame).
Eigen::Matrix3d YawMatrix(double theta) {
  Eigen::Matrix3d ry;
  ry << std::cos(theta), 0.0, std::sin(theta), 0.0, 1.0, 0.0, -std::sin(theta), 0.0, std::cos(theta);
  return ry;
}

double StepScale(const TrajectoryOptions& o, double median_depth0) {
  return o.scale_with_depth ? median_depth0 / o.reference_median_depth : 1.0;
}

std::vector<PathFrame> RotationsPath(
    const TrajectoryOptions& o, const Eigen::Matrix4d& first, double median_depth0, int num_frames, uint64_t seed) {
  int direction = o.first_direction;
  if (direction == 0) {
    // The reference draws torch.rand > 0.5; we take the top bit of a seeded
    // mt19937_64 (portable, unlike std::uniform_*_distribution).
    std::mt19937_64 rng(seed);
    direction = (rng() >> 63) ? 1 : -1;
  }
  const std::vector<int> schedule = RotationSchedule(o.rotation_steps, o.no_rotation_steps, direction, num_frames);
  const double step = o.translation_step * StepScale(o, median_depth0);

  std::vector<PathFrame> path(num_frames);
  Eigen::Matrix4d cam_from_world = first;
  for (int i = 0; i < num_frames; ++i) {
    if (i > 0) {
      if (schedule[i] != 0) {
        // Left-multiplying R and t alike rotates about the camera centre.
        const Eigen::Matrix3d ry = YawMatrix(o.rotation_step_rad * schedule[i]);
        cam_from_world.topLeftCorner<3, 3>() = ry * cam_from_world.topLeftCorner<3, 3>();
        cam_from_world.topRightCorner<3, 1>() = ry * cam_from_world.topRightCorner<3, 1>();
      }
      // +z on t: the reference's "move camera backwards".
      cam_from_world(2, 3) += step;
    }
    path[i].cam_from_world = cam_from_world;
  }
  return path;
}

std::vector<PathFrame> TranslationsPath(const TrajectoryOptions& o,
                                        const Eigen::Matrix4d& first,
                                        double median_depth0,
                                        int num_frames) {
  // The reference also multiplies the step by min(1, median_disparity_t /
  // median_disparity_0), which needs each generated frame's depth. We drop that
  // factor so the whole path is known before generation starts.
  int direction = o.first_direction == 0 ? 1 : o.first_direction;
  const double step = o.translation_step * StepScale(o, median_depth0);
  std::vector<PathFrame> path(num_frames);
  Eigen::Matrix4d cam_from_world = first;
  for (int i = 0; i < num_frames; ++i) {
    if (i > 0) {
      if (i % o.change_translation_every == 0) direction = -direction;
      cam_from_world(0, 3) += direction * step;
    }
    path[i].cam_from_world = cam_from_world;
  }
  return path;
}

std::vector<PathFrame> RoundPath(const TrajectoryOptions& o,
                                 const Eigen::Matrix4d& first,
                                 double median_depth0,
                                 int num_frames) {
  // The reference builds this orbit with PyTorch3D's look_at_rotation but uses
  // its row-vector R as a column-vector extrinsic, which is a proper look-at only
  // at frame 0. We keep its intent (radius 2 * median depth, centre at that
  // distance in front of frame 0, looking at the centre, full_circle_epochs per
  // turn) and rotate the first camera rigidly about the centre instead.
  const double radius = o.round_radius_factor * median_depth0;
  const Eigen::Matrix4d world_from_first = InverseRigid(first);
  const Eigen::Vector3d center0 = world_from_first.topRightCorner<3, 1>();
  const Eigen::Vector3d y_axis = world_from_first.block<3, 1>(0, 1);
  const Eigen::Vector3d z_axis = world_from_first.block<3, 1>(0, 2);
  const Eigen::Vector3d orbit_center = center0 + radius * z_axis;
  const int direction = o.first_direction == 0 ? 1 : o.first_direction;

  std::vector<PathFrame> path(num_frames);
  for (int i = 0; i < num_frames; ++i) {
    // A positive angle about +y (down) moves the camera towards its -x, hence the
    // minus sign: direction +1 starts moving right.
    const double angle =
        -direction * 2.0 * M_PI * std::fmod(static_cast<double>(i), o.full_circle_frames) / o.full_circle_frames;
    const Eigen::Matrix3d rot = Eigen::AngleAxisd(angle, y_axis).toRotationMatrix();
    Eigen::Matrix4d world_from_cam = world_from_first;
    world_from_cam.topLeftCorner<3, 3>() = rot * world_from_first.topLeftCorner<3, 3>();
    world_from_cam.topRightCorner<3, 1>() = orbit_center + rot * (center0 - orbit_center);
    path[i].cam_from_world = i == 0 ? first : InverseRigid(world_from_cam);
  }
  return path;
}

std::vector<PathFrame> ForwardPath(const TrajectoryOptions& o,
                                   const Eigen::Matrix4d& first,
                                   double median_depth0,
                                   int num_frames) {
  const double step = o.forward_step * StepScale(o, median_depth0);
  std::vector<PathFrame> path(num_frames);
  for (int i = 0; i < num_frames; ++i) {
    path[i].cam_from_world = first;
    // -z on t moves the centre along +optical axis; computed from frame 0 (not
    // accumulated) so there is no drift.
    path[i].cam_from_world(2, 3) -= i * step;
  }
  return path;
}

// ------------------------------------------------------------ keyframe parsing

class KeyframeParser {
 public:
  explicit KeyframeParser(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void Fail(const std::string& key, const std::string& problem) const {
    throw InputError(source_ + ": " + key + ": " + problem);
  }

  KeyframePath Parse(const std::string& text) {
    const json root = ParseJson(text, source_);
    if (!root.is_object()) Fail("(root)", "expected a JSON object with a \"keyframes\" array");

    KeyframePath path;
    for (auto it = root.begin(); it != root.end(); ++it) {
      const std::string& key = it.key();
      if (key == "keyframes" || key == "description") continue;
      if (key == "interpolation") {
        const std::string value = String(it.value(), key);
        if (value == "catmull_rom") {
          path.interpolation = KeyframeInterpolation::kCatmullRom;
        } else if (value == "linear") {
          path.interpolation = KeyframeInterpolation::kLinear;
        } else {
          Fail(key, "expected \"catmull_rom\" or \"linear\", got \"" + value + "\"");
        }
      } else if (key == "units") {
        const std::string value = String(it.value(), key);
        if (value == "relative") {
          path.units = KeyframeUnits::kRelative;
        } else if (value == "absolute") {
          path.units = KeyframeUnits::kAbsolute;
        } else {
          Fail(key, "expected \"relative\" or \"absolute\", got \"" + value + "\"");
        }
      } else {
        Fail(key, "unknown key (expected keyframes, interpolation, units or description)");
      }
    }
    if (root.contains("description")) String(root["description"], "description");

    if (!root.contains("keyframes")) Fail("keyframes", "missing (expected an array of keyframes)");
    const json& list = root["keyframes"];
    if (!list.is_array()) Fail("keyframes", "expected an array of keyframes");
    if (list.empty()) Fail("keyframes", "expected at least one keyframe");
    for (size_t i = 0; i < list.size(); ++i) {
      Keyframe kf = ParseKeyframe(list[i], "keyframes[" + std::to_string(i) + "]");
      const std::string frame_key = "keyframes[" + std::to_string(i) + "].frame";
      if (i == 0 && kf.frame != 0)
        Fail(frame_key, "the first keyframe must be frame 0, got " + std::to_string(kf.frame));
      if (i > 0 && kf.frame <= path.keyframes.back().frame)
        Fail(frame_key,
             "frames must increase strictly, got " + std::to_string(kf.frame) + " after " +
                 std::to_string(path.keyframes.back().frame));
      path.keyframes.push_back(std::move(kf));
    }
    return path;
  }

 private:
  std::string String(const json& value, const std::string& key) const {
    if (!value.is_string()) Fail(key, "expected a string");
    return value.get<std::string>();
  }

  double Number(const json& value, const std::string& key) const {
    if (!value.is_number()) Fail(key, "expected a number");
    const double x = value.get<double>();
    if (!std::isfinite(x)) Fail(key, "expected a finite number");
    return x;
  }

  // `count` coordinates, each within +-limits::kMaxKeyframeCoordinate.
  Eigen::VectorXd Numbers(const json& value, const std::string& key, int count) const {
    const std::string expected = "expected " + std::to_string(count) + " numbers in [-1e6, 1e6]";
    if (!value.is_array() || static_cast<int>(value.size()) != count) Fail(key, expected);
    Eigen::VectorXd out(count);
    for (int i = 0; i < count; ++i) {
      if (!value[i].is_number()) Fail(key, expected);
      out[i] = value[i].get<double>();
      if (!(std::abs(out[i]) <= limits::kMaxKeyframeCoordinate)) Fail(key, expected + ", got " + value[i].dump());
    }
    return out;
  }

  Keyframe ParseKeyframe(const json& obj, const std::string& key) const {
    if (!obj.is_object()) Fail(key, "expected an object");
    static const char* const kKeys[] = {
        "frame", "position", "look_at", "up", "rotation", "fov_deg", "prompt", "cam_from_world"};
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      if (std::find_if(std::begin(kKeys), std::end(kKeys), [&](const char* k) { return it.key() == k; }) ==
          std::end(kKeys))
        Fail(key + "." + it.key(),
             "unknown key (expected frame, position, look_at, up, rotation, cam_from_world, "
             "fov_deg or prompt)");
    }

    Keyframe kf;
    if (!obj.contains("frame")) Fail(key + ".frame", "missing (expected an integer >= 0)");
    const json& frame = obj["frame"];
    if (!frame.is_number_integer() || frame.get<int64_t>() < 0 ||
        frame.get<int64_t>() > std::numeric_limits<int>::max())
      Fail(key + ".frame", "expected an integer >= 0");
    kf.frame = static_cast<int>(frame.get<int64_t>());

    if (obj.contains("cam_from_world")) {
      for (const char* other : {"position", "look_at", "up", "rotation"})
        if (obj.contains(other)) Fail(key + "." + other, "not allowed together with cam_from_world");
      const std::string mkey = key + ".cam_from_world";
      const Eigen::VectorXd v = Numbers(obj["cam_from_world"], mkey, 16);
      Eigen::Matrix4d m;
      for (int r = 0; r < 4; ++r)
        for (int c = 0; c < 4; ++c) m(r, c) = v[4 * r + c];
      if ((m.row(3) - Eigen::RowVector4d(0, 0, 0, 1)).cwiseAbs().maxCoeff() > 1e-6)
        Fail(mkey, "not a rigid transform: the last row must be [0, 0, 0, 1]");
      const Eigen::Matrix3d r = m.topLeftCorner<3, 3>();
      // 1e-3 admits hand-typed matrices with 3-4 decimals; we re-orthonormalise below.
      if ((r.transpose() * r - Eigen::Matrix3d::Identity()).cwiseAbs().maxCoeff() > 1e-3 || r.determinant() <= 0.0)
        Fail(mkey, "not a rigid transform: the 3x3 block must be a rotation (R^T R = I, det R = 1)");
      kf.rotation = Eigen::Quaterniond(Eigen::Matrix3d(r.transpose())).normalized();
      kf.position = -r.transpose() * m.topRightCorner<3, 1>();
    } else {
      if (!obj.contains("position")) Fail(key + ".position", "missing (expected 3 numbers)");
      kf.position = Numbers(obj["position"], key + ".position", 3);
      if (obj.contains("look_at")) {
        if (obj.contains("rotation")) Fail(key + ".rotation", "not allowed together with look_at");
        const Eigen::Vector3d target = Numbers(obj["look_at"], key + ".look_at", 3);
        Eigen::Vector3d up(0.0, -1.0, 0.0);
        if (obj.contains("up")) up = Numbers(obj["up"], key + ".up", 3);
        const Eigen::Vector3d view = target - kf.position;
        if (view.norm() <= 1e-12 * (1.0 + kf.position.norm())) Fail(key + ".look_at", "coincides with position");
        if (up.norm() == 0.0 || up.normalized().cross(view.normalized()).norm() < 1e-6)
          Fail(key + ".up", "must be non-zero and not parallel to the viewing direction");
        const Eigen::Matrix4d cam_from_world = LookAt(kf.position, target, up);
        kf.rotation = Eigen::Quaterniond(Eigen::Matrix3d(cam_from_world.topLeftCorner<3, 3>().transpose()));
      } else {
        if (obj.contains("up")) Fail(key + ".up", "only allowed together with look_at");
        if (obj.contains("rotation")) {
          const Eigen::VectorXd q = Numbers(obj["rotation"], key + ".rotation", 4);
          // Tolerate rounding in hand-typed quaternions, catch e.g. a forgotten qw.
          if (std::abs(q.norm() - 1.0) > 0.01)
            Fail(key + ".rotation", "expected a unit quaternion [qw, qx, qy, qz], norm is " + Str(q.norm()));
          kf.rotation = Eigen::Quaterniond(q[0], q[1], q[2], q[3]).normalized();
        }
      }
    }

    if (obj.contains("fov_deg")) {
      const double fov = Number(obj["fov_deg"], key + ".fov_deg");
      if (!(fov > 0.0 && fov < 180.0)) Fail(key + ".fov_deg", "expected a number in (0, 180), got " + Str(fov));
      kf.fov_deg = fov;
    }
    if (obj.contains("prompt")) kf.prompt = String(obj["prompt"], key + ".prompt");
    return kf;
  }

  std::string source_;
};

// ------------------------------------------------------------ interpolation

// Centripetal Catmull-Rom (alpha = 0.5) on the segment p1 -> p2 at u in [0, 1], in
// the Barry-Goldman pyramid form. Phantom neighbours are reflections, which also
// stands in for a neighbour that coincides with its endpoint (a zero knot
// interval would divide by zero).
Eigen::Vector3d CentripetalCatmullRom(const Eigen::Vector3d* p0,
                                      const Eigen::Vector3d& p1,
                                      const Eigen::Vector3d& p2,
                                      const Eigen::Vector3d* p3,
                                      double u) {
  const double eps = 1e-9 * (1.0 + p1.norm() + p2.norm());
  if ((p2 - p1).norm() <= eps) return p1;
  const Eigen::Vector3d q0 = (p0 && (p1 - *p0).norm() > eps) ? *p0 : Eigen::Vector3d(2 * p1 - p2);
  const Eigen::Vector3d q3 = (p3 && (*p3 - p2).norm() > eps) ? *p3 : Eigen::Vector3d(2 * p2 - p1);
  const double t0 = 0.0;
  const double t1 = t0 + std::sqrt((p1 - q0).norm());
  const double t2 = t1 + std::sqrt((p2 - p1).norm());
  const double t3 = t2 + std::sqrt((q3 - p2).norm());
  const double t = t1 + u * (t2 - t1);
  const Eigen::Vector3d a1 = ((t1 - t) * q0 + (t - t0) * p1) / (t1 - t0);
  const Eigen::Vector3d a2 = ((t2 - t) * p1 + (t - t1) * p2) / (t2 - t1);
  const Eigen::Vector3d a3 = ((t3 - t) * p2 + (t - t2) * q3) / (t3 - t2);
  const Eigen::Vector3d b1 = ((t2 - t) * a1 + (t - t0) * a2) / (t2 - t0);
  const Eigen::Vector3d b2 = ((t3 - t) * a2 + (t - t1) * a3) / (t3 - t1);
  return ((t2 - t) * b1 + (t - t1) * b2) / (t2 - t1);
}

}  // namespace

// ------------------------------------------------------------ public API

void TrajectoryOptions::Check(const std::string& prefix) const {
  CheckOptions(*this, prefix);
  if (type == Motion::kFile && file.empty())
    throw InputError(prefix + ".file: expected a keyframe file path when type is \"file\", got \"\"");
}

std::vector<int> RotationSchedule(int rotation_steps, int no_rotation_steps, int first_direction, int num_frames) {
  SCN_CHECK(first_direction == 1 || first_direction == -1) << "first_direction " << first_direction;
  SCN_CHECK_GE(num_frames, 0);
  // Literal transcription of get_next_camera_rotation's counters: the `<=` lets
  // rotation_steps + 1 frames count up, and the frame that resets the counter
  // still turns, hence rotation_steps + 2 turning frames per sweep.
  std::vector<int> schedule(num_frames, 0);
  bool rotating = true;
  int rotations_count = 0;
  int no_rotations_count = 0;
  int direction = first_direction;
  for (int i = 1; i < num_frames; ++i) {
    if (rotating) {
      if (rotations_count <= rotation_steps) {
        ++rotations_count;
      } else {
        rotating = false;
        rotations_count = 0;
      }
      schedule[i] = direction;
    } else {
      ++no_rotations_count;
      if (no_rotations_count > no_rotation_steps) {
        no_rotations_count = 0;
        rotating = true;
        direction = -direction;
      }
    }
  }
  return schedule;
}

CameraPath LoadCameraPath(const TrajectoryOptions& options) {
  options.Check();
  if (options.type != Motion::kFile) return CameraPath(options);
  return CameraPath(options, LoadKeyframePath(options.file));
}

std::vector<PathFrame> ComputePath(const CameraPath& path,
                                   const Eigen::Matrix4d& first_cam_from_world,
                                   double median_depth0,
                                   int num_frames,
                                   uint64_t seed) {
  const TrajectoryOptions& options = path.motion;
  options.Check();
  SCN_CHECK(std::isfinite(median_depth0) && median_depth0 > 0.0)
      << "median depth of frame 0 must be > 0, got " << median_depth0;
  SCN_CHECK_GE(num_frames, 0);
  const Eigen::Matrix3d r = first_cam_from_world.topLeftCorner<3, 3>();
  SCN_CHECK((r.transpose() * r).isIdentity(1e-6) && std::abs(r.determinant() - 1.0) < 1e-6 &&
            first_cam_from_world.row(3).isApprox(Eigen::RowVector4d(0, 0, 0, 1)))
      << "first_cam_from_world is not rigid";

  switch (options.type) {
    case Motion::kRotations:
      return RotationsPath(options, first_cam_from_world, median_depth0, num_frames, seed);
    case Motion::kTranslations:
      return TranslationsPath(options, first_cam_from_world, median_depth0, num_frames);
    case Motion::kRound:
      return RoundPath(options, first_cam_from_world, median_depth0, num_frames);
    case Motion::kForward:
      return ForwardPath(options, first_cam_from_world, median_depth0, num_frames);
    case Motion::kFile:
      break;
  }
  SCN_CHECK(!path.keyframes.keyframes.empty())
      << "a \"file\" camera path needs its keyframes loaded first (LoadCameraPath)";
  return InterpolateKeyframePath(path.keyframes, first_cam_from_world, median_depth0, num_frames);
}

KeyframePath ParseKeyframePath(const std::string& json_text, const std::string& source) {
  return KeyframeParser(source).Parse(json_text);
}

KeyframePath LoadKeyframePath(const std::filesystem::path& file) {
  return ParseKeyframePath(ReadFile(file, limits::kMaxJsonBytes), file.string());
}

std::vector<PathFrame> InterpolateKeyframePath(const KeyframePath& path,
                                               const Eigen::Matrix4d& first_cam_from_world,
                                               double median_depth0,
                                               int num_frames) {
  const auto& keys = path.keyframes;
  SCN_CHECK(!keys.empty() && keys.front().frame == 0) << "keyframe path must start at frame 0";
  SCN_CHECK_GE(num_frames, 0);
  const bool relative = path.units == KeyframeUnits::kRelative;
  if (relative) {
    SCN_CHECK(std::isfinite(median_depth0) && median_depth0 > 0.0)
        << "relative keyframe units need a median depth > 0, got " << median_depth0;
  }
  const double scale = relative ? median_depth0 : 1.0;

  std::vector<PathFrame> out(num_frames);
  size_t k = 0;  // segment index: keys[k].frame <= frame < keys[k + 1].frame
  for (int f = 0; f < num_frames; ++f) {
    while (k + 1 < keys.size() && keys[k + 1].frame <= f) ++k;

    Eigen::Vector3d position;
    Eigen::Quaterniond rotation;
    if (k + 1 == keys.size() || keys[k].frame == f) {
      // On a keyframe (exactly) or past the last one (hold).
      position = keys[k].position;
      rotation = keys[k].rotation;
    } else {
      const Keyframe& a = keys[k];
      const Keyframe& b = keys[k + 1];
      const double u = static_cast<double>(f - a.frame) / (b.frame - a.frame);
      if (path.interpolation == KeyframeInterpolation::kLinear) {
        position = (1.0 - u) * a.position + u * b.position;
      } else {
        const Eigen::Vector3d* prev = k > 0 ? &keys[k - 1].position : nullptr;
        const Eigen::Vector3d* next = k + 2 < keys.size() ? &keys[k + 2].position : nullptr;
        position = CentripetalCatmullRom(prev, a.position, b.position, next, u);
      }
      rotation = a.rotation.slerp(u, b.rotation);  // Eigen picks the shorter arc
    }

    const Eigen::Matrix3d world_from_cam = rotation.normalized().toRotationMatrix();
    const Eigen::Matrix4d cam_from_path =
        MakeRigid(world_from_cam.transpose(), -world_from_cam.transpose() * (scale * position));
    out[f].cam_from_world = relative ? Eigen::Matrix4d(cam_from_path * first_cam_from_world) : cam_from_path;

    // fov: linear between the nearest keyframes that set one, held outside them.
    const Keyframe* before = nullptr;
    const Keyframe* after = nullptr;
    for (const Keyframe& kf : keys) {
      if (!kf.fov_deg) continue;
      if (kf.frame <= f) before = &kf;
      if (kf.frame >= f && !after) after = &kf;
    }
    if (before && after && before != after) {
      const double u = static_cast<double>(f - before->frame) / (after->frame - before->frame);
      out[f].fov_deg = (1.0 - u) * *before->fov_deg + u * *after->fov_deg;
    } else if (before || after) {
      out[f].fov_deg = before ? *before->fov_deg : *after->fov_deg;
    }

    for (const Keyframe& kf : keys) {
      if (kf.frame > f) break;
      if (kf.prompt) out[f].prompt = *kf.prompt;
    }
  }
  return out;
}

}  // namespace scenescape
