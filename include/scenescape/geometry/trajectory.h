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

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace scenescape {

struct TrajectoryOptions {
  // "rotations" | "translations" | "round" | "forward" | "file".
  std::string type = "rotations";

  // rotations: yaw per turning frame in radians, >= 0 (reference rotation_range 0.03 = 1.72 deg).
  double rotation_step_rad = 0.03;
  // rotations: the reference's counters. A sweep turns rotation_steps + 2 frames
  // (its `<=` test plus one extra rotating step), then holds no_rotation_steps + 1
  // frames, then flips direction. Defaults 10 / 0 give 12 + 1, period 26. >= 0.
  int rotation_steps = 10;
  int no_rotation_steps = 0;

  // rotations / translations: step per frame (camera_speed_factor 0.035 * 0.1875),
  // in units where the frame-0 median depth is reference_median_depth. >= 0.
  double translation_step = 0.0065625;
  // Multiply every step (rotations, translations, forward) by
  // median_depth0 / reference_median_depth; off = raw scene units as in the reference.
  bool scale_with_depth = true;
  double reference_median_depth = 0.1;  // > 0

  // translations: flip the sideways direction on frames divisible by this. >= 1.
  int change_translation_every = 20;

  // round: frames per full turn (>= 1) and orbit radius / median_depth0 (> 0).
  int full_circle_frames = 100;
  double round_radius_factor = 2.0;

  // forward: step per frame along the optical axis, same units as translation_step. >= 0.
  double forward_step = 0.0065625;

  // file: path of a JSON keyframe file (relative paths resolve against the
  // current directory; the config loader may make them absolute first).
  std::string file;

  // 0: rotations draw +-1 from the seed (the reference draws it at random);
  // translations start with +1 (t_x grows: the camera centre moves to its -x
  // first), round starts with +1 (the camera moves to its right first), as in the
  // reference. +1 / -1 force the sign.
  int first_direction = 0;

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

// The camera path for frames 0..num_frames-1 (num_frames >= 0 entries).
// Entry 0 is the frame-0 camera: first_cam_from_world itself for the built-in
// motions; keyframe 0's pose for "file". median_depth0 is the median depth of
// frame 0 (> 0; used for step scaling, the orbit radius and relative keyframe
// units). `seed` only picks the first turn direction of "rotations".
// Throws InputError for bad options or a bad keyframe file, Error for a bad
// median_depth0 or num_frames.
std::vector<PathFrame> ComputePath(const TrajectoryOptions& options,
                                   const Eigen::Matrix4d& first_cam_from_world,
                                   double median_depth0,
                                   int num_frames,
                                   uint64_t seed);

// Per-frame yaw sign of the "rotations" motion: entry i (i >= 1) is +1 / -1 when
// frame i turns by dir * rotation_step_rad, 0 when it does not; entry 0 is 0.
// `first_direction` must be +1 or -1. Exposed for tests and for previews.
std::vector<int> RotationSchedule(int rotation_steps,
                                  int no_rotation_steps,
                                  int first_direction,
                                  int num_frames);

// ------------------------------------------------------------ keyframe files

enum class KeyframeInterpolation { kCatmullRom, kLinear };
enum class KeyframeUnits { kRelative, kAbsolute };

struct Keyframe {
  int frame = 0;
  // Camera centre in the path's frame, in file units (see "units").
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

// Samples frames 0..num_frames-1 of a keyframe path (see the file comment).
std::vector<PathFrame> InterpolateKeyframePath(const KeyframePath& path,
                                               const Eigen::Matrix4d& first_cam_from_world,
                                               double median_depth0,
                                               int num_frames);

}  // namespace scenescape
