#pragma once
// Camera paths: the per-frame cam_from_world of a run.
//
// Conventions are those of geometry/camera.h (OpenCV camera: +x right, +y down,
// +z forward; cam_from_world acts on column vectors; camera centre = -R^T t).
//
// Built-in motions (TrajectoryOptions::type), ported from the reference's
// WarpInpaintModel.get_next_camera_* (scenescape-reference.md section 2.3/2.4):
//  * "rotations" (default): the reference's get_next_camera_rotation. Each frame
//    left-multiplies cam_from_world by Ry(+-rotation_step_rad) while turning (a yaw
//    about the camera's own centre), then adds the step to t_z. Adding +z to t
//    pushes the scene away: the camera moves BACKWARDS along its optical axis
//    (the reference's output_reverse.mp4 plays this as a forward walk). With the
//    defaults the yaw sweeps 12 frames one way, holds 1 frame, flips; period 26.
//  * "translations": sideways, t_x += dir * step; dir flips every
//    change_translation_every frames (frame indices divisible by it).
//  * "round": an orbit of radius round_radius_factor * median_depth0 about a
//    centre that lies that far in front of the first camera, in the first
//    camera's x-z plane, looking at the centre; full_circle_frames per turn.
//  * "forward": walks forwards along the first camera's optical axis.
//  * "file": a JSON keyframe file (format below), interpolated.
//
// Units: depth has no metric scale (it is 1/MiDaS-disparity), so steps are given
// for a scene whose frame-0 median depth is reference_median_depth (0.1, the
// order of magnitude the reference's fixed 0.0065625 step assumes) and scaled by
// median_depth0 / reference_median_depth when scale_with_depth is on.
//
// Keyframe file format ("type": "file"):
//   {
//     "description": "free text, ignored",                          (optional)
//     "interpolation": "catmull_rom" | "linear",                    (default catmull_rom)
//     "units": "relative" | "absolute",                             (default relative)
//     "keyframes": [
//       {"frame": 0, "position": [x, y, z],
//        one of: "look_at": [x, y, z] (+ optional "up": [x, y, z], default [0, -1, 0])
//              | "rotation": [qw, qx, qy, qz]   (world_from_cam, i.e. the camera's
//                                                orientation; normalised on load)
//              | nothing                        (identity orientation)
//        "fov_deg": 60,                                             (optional)
//        "prompt": "..."},                                          (optional)
//       {"frame": 30, "cam_from_world": [16 numbers, row-major]},   (instead of
//                                                position/look_at/rotation/up)
//       ...]
//   }
//  * Frames are integers, the first keyframe is frame 0, and they increase
//    strictly. One keyframe is allowed (a still camera).
//  * "relative" units: every pose is given in the FIRST camera's frame (origin
//    at its centre, its x right / y down / z forward), with lengths in multiples
//    of the frame-0 median depth; so one file suits any scene scale and any
//    starting pose. A keyframe-0 at the origin with identity rotation
//    reproduces the first camera. "absolute": poses are world poses in world
//    units and first_cam_from_world is not used.
//  * Positions: centripetal Catmull-Rom through the keyframes (Barry-Goldman
//    form, alpha = 0.5; each segment's curve parameter is mapped linearly onto
//    its frames; end tangents use reflected phantom points), or piecewise
//    linear. Rotations: piecewise slerp (shortest path) between keyframes.
//    fov_deg: linear between the nearest keyframes that set it, held before the
//    first / after the last; unset everywhere gives no fov. Prompt: that of the
//    latest keyframe at or before the frame that sets "prompt" ("" switches back
//    to the run's prompt).
//  * Frames after the last keyframe hold its pose (nothing is logged).
//  * Any malformed input (not JSON, missing or unknown keys, wrong types or
//    array lengths, unsorted/duplicate frames, non-rigid matrices) throws
//    InputError with one line "<file>: <key path>: <problem>", e.g.
//    "path.json: keyframes[2].position: expected 3 numbers".

#include <Eigen/Core>
#include <Eigen/Geometry>

#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "scenescape/core/options.h"

namespace scenescape {

// The built-in motions, and "file" (a keyframe path).
enum class Motion { kRotations, kTranslations, kRound, kForward, kFile };

template <>
struct EnumTable<Motion> {
  static constexpr std::array<std::pair<Motion, const char*>, 5> kNames = {{{Motion::kRotations, "rotations"},
                                                                            {Motion::kTranslations, "translations"},
                                                                            {Motion::kRound, "round"},
                                                                            {Motion::kForward, "forward"},
                                                                            {Motion::kFile, "file"}}};
};

// trajectory.*: the motion and its parameters (each documented in List).
struct TrajectoryOptions {
  Motion type = Motion::kRotations;
  double rotation_step_rad = 0.03;
  // The reference's counters: a sweep turns rotation_steps + 2 frames (its `<=`
  // test plus one extra rotating step), then holds no_rotation_steps + 1 frames,
  // then flips direction. Defaults 10 / 0 give 12 + 1, period 26.
  int rotation_steps = 10;
  int no_rotation_steps = 0;
  // Steps per frame (camera_speed_factor 0.035 * 0.1875 in the reference), in
  // units where the frame-0 median depth is reference_median_depth.
  double translation_step = 0.0065625;
  bool scale_with_depth = true;
  double reference_median_depth = 0.1;
  int change_translation_every = 20;
  int full_circle_frames = 100;
  double round_radius_factor = 2.0;
  double forward_step = 0.0065625;
  // type file: the keyframe file (relative paths resolve against the current
  // directory; the config loader makes them relative to the config file first).
  std::string file;
  // 0: rotations draw +-1 from the seed (the reference draws it at random);
  // translations and round start with +1, as in the reference. +1 / -1 force it.
  int first_direction = 0;
  // Clearance to keep (pipeline/clearance.h), in frame 0's median depths.
  double min_clearance = 0.25;

  template <class Self, class V>
  static void List(Self& o, V& v) {
    v.Choice("type",
             o.type,
             "the motion: `rotations` (the reference's default), `translations`, `round`, `forward`, "
             "or `file` (a keyframe file)");
    v.Number("rotation_step_rad", o.rotation_step_rad, Range::Closed(0, M_PI), "rotations: yaw per turning frame");
    v.Number("rotation_steps",
             o.rotation_steps,
             Range::AtLeast(0),
             "rotations: the reference's counter: rotation_steps + 2 turning frames per sweep");
    v.Number("no_rotation_steps",
             o.no_rotation_steps,
             Range::AtLeast(0),
             "rotations: no_rotation_steps + 1 straight frames between sweeps");
    v.Number("translation_step",
             o.translation_step,
             Range::Closed(0, 10),
             "backward (rotations) or sideways (translations) step per frame, in units where frame 0's median "
             "depth is `reference_median_depth`");
    v.Flag("scale_with_depth",
           o.scale_with_depth,
           "multiply steps by frame 0's median depth / `reference_median_depth`, so presets suit any depth scale "
           "(false: raw scene units, as the reference)");
    v.Number("reference_median_depth",
             o.reference_median_depth,
             Range::Closed(1e-6, 1e6),
             "the median depth the steps are given for");
    v.Number("change_translation_every",
             o.change_translation_every,
             Range::Closed(1, 1000000),
             "translations: flip direction on frames divisible by this");
    v.Number("full_circle_frames", o.full_circle_frames, Range::Closed(1, 1000000), "round: frames per turn");
    v.Number("round_radius_factor",
             o.round_radius_factor,
             Range::OpenClosed(0, 1000),
             "round: orbit radius in median depths of frame 0");
    v.Number("forward_step",
             o.forward_step,
             Range::Closed(0, 10),
             "forward: step per frame along the optical axis (units of `translation_step`)");
    v.Text("file",
           o.file,
           "keyframe file for `type: file` (relative to the config file); format in "
           "`include/scenescape/geometry/trajectory.h`");
    v.Number("first_direction",
             o.first_direction,
             Range::Closed(-1, 1),
             "0: the first turn direction comes from the seed; +1 / -1 force it");
    v.Number("min_clearance",
             o.min_clearance,
             Range::Closed(0, 10),
             "nearest surface allowed ahead of a camera (in the middle half of its view), in frame 0's median "
             "depths: built-in motions slow down and stop short of it, keyframe files get a warning naming the "
             "frame; 0 = off");
  }

  // Throws InputError naming the offending key, e.g.
  // "trajectory.rotation_steps: expected an integer >= 0, got -3".
  // `prefix` is the key path of this struct in the config.
  void Check(const std::string& prefix = "trajectory") const;
};

struct PathFrame {
  Eigen::Matrix4d cam_from_world = Eigen::Matrix4d::Identity();  // rigid
  std::optional<double> fov_deg;  // horizontal fov in degrees; unset = the run's intrinsics
  std::string prompt;             // empty = the run's prompt
};

// Per-frame yaw sign of the "rotations" motion: entry i (i >= 1) is +1 / -1 when
// frame i turns by dir * rotation_step_rad, 0 when it does not; entry 0 is 0.
// `first_direction` must be +1 or -1. Exposed for tests and for previews.
std::vector<int> RotationSchedule(int rotation_steps, int no_rotation_steps, int first_direction, int num_frames);

// ------------------------------------------------------------ keyframe files

enum class KeyframeInterpolation { kCatmullRom, kLinear };
enum class KeyframeUnits { kRelative, kAbsolute };

struct Keyframe {
  int frame = 0;
  // Camera centre in the path's frame, in file units (see "units"). Every number of a keyframe's arrays (position,
  // look_at, up, rotation, cam_from_world) must lie within +-1e6 (limits::kMaxKeyframeCoordinate): beyond that the
  // centripetal Catmull-Rom's knot distances overflow and the interpolated camera becomes NaN.
  Eigen::Vector3d position = Eigen::Vector3d::Zero();
  // world_from_cam rotation in the path's frame, unit norm.
  Eigen::Quaterniond rotation = Eigen::Quaterniond::Identity();
  std::optional<double> fov_deg;
  std::optional<std::string> prompt;  // unset = keep the previous keyframe's
};

struct KeyframePath {
  std::vector<Keyframe> keyframes;  // non-empty, frames strictly increasing from 0
  KeyframeInterpolation interpolation = KeyframeInterpolation::kCatmullRom;
  KeyframeUnits units = KeyframeUnits::kRelative;
};

// Parses and validates a keyframe document; `source` names it in error messages.
KeyframePath ParseKeyframePath(const std::string& json_text, const std::string& source);
// Reads a keyframe file; errors name the file as given.
KeyframePath LoadKeyframePath(const std::filesystem::path& file);

// A camera path ready to be sampled, with no file left to read: a built-in
// motion, or (Motion::kFile) the keyframe path parsed before the run.
struct CameraPath {
  TrajectoryOptions motion;
  KeyframePath keyframes;  // Motion::kFile only: non-empty

  CameraPath() = default;
  // A built-in motion (not kFile).
  CameraPath(const TrajectoryOptions& built_in) : motion(built_in) {}  // NOLINT: a motion is a path
  CameraPath(const TrajectoryOptions& file_motion, KeyframePath parsed)
      : motion(file_motion), keyframes(std::move(parsed)) {}
};

// The path of `options`: for Motion::kFile it reads and parses the keyframe file
// (InputError naming the file and key); call it once, before the run.
CameraPath LoadCameraPath(const TrajectoryOptions& options);

// The camera path for frames 0..num_frames-1 (num_frames >= 0 entries).
// Entry 0 is the frame-0 camera: first_cam_from_world itself for the built-in
// motions; keyframe 0's pose for "file". median_depth0 is the median depth of
// frame 0 (> 0; used for step scaling, the orbit radius and relative keyframe
// units). `seed` only picks the first turn direction of "rotations". Reads no
// file. Throws InputError for bad options, Error for a kFile path without
// keyframes, a bad median_depth0 or num_frames.
std::vector<PathFrame> ComputePath(const CameraPath& path,
                                   const Eigen::Matrix4d& first_cam_from_world,
                                   double median_depth0,
                                   int num_frames,
                                   uint64_t seed);

// Samples frames 0..num_frames-1 of a keyframe path (see the file comment).
std::vector<PathFrame> InterpolateKeyframePath(const KeyframePath& path,
                                               const Eigen::Matrix4d& first_cam_from_world,
                                               double median_depth0,
                                               int num_frames);

}  // namespace scenescape
