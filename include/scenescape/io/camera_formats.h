#pragma once
// Camera tracks in the formats other tools read and write: NeRF-style
// transforms.json (instant-ngp / nerfstudio) and COLMAP's text model
// (cameras.txt, images.txt, points3D.txt). Used to export the cameras of a run
// and to drive a run from a path made elsewhere.
//
// Our cameras are OpenCV pinholes (geometry/camera.h): camera +x right, +y down,
// +z forward; cam_from_world acts on column vectors; pixel centres at +0.5.
//
// transforms.json
//   {"camera_model": "OPENCV", "w": 512, "h": 512, "fl_x": .., "fl_y": .., "cx": ..,
//    "cy": .., "camera_angle_x": 2 atan(w / 2 fl_x), "camera_angle_y": ..,
//    "frames": [{"file_path": "frames/00000.png",
//                "transform_matrix": [[4 numbers] x 4 rows]}, ...]}
//  * transform_matrix is camera-to-world in the OpenGL/Blender camera
//    convention (camera x right, y UP, z BACKWARD, looking along -z):
//      transform_matrix = world_from_cam * diag(1, -1, -1, 1).
//    The world frame itself is passed through unchanged (we do not re-orient or
//    re-centre the scene the way instant-ngp's colmap2nerf does).
//  * Intrinsics: the top-level keys come from the first camera; frames whose
//    intrinsics differ from it carry their own w, h, fl_x, fl_y, cx, cy (the
//    nerfstudio per-frame override). cx, cy are continuous pixel coordinates with
//    pixel centres at +0.5, the convention of nerfstudio and instant-ngp, so
//    they carry over unchanged.
//  * Import: for every frame each of w, h, fl_x, fl_y, cx, cy is the frame's
//    value if present, else the top-level one. w and h are required. Missing
//    fl_x falls back to camera_angle_x (fl_x = w / (2 tan(angle / 2))); missing
//    fl_y to camera_angle_y, then to fl_x; missing cx, cy to w/2, h/2. Other keys
//    (aabb_scale, k1, ..., per-frame "sharpness") are ignored: distortion is not
//    modelled. transform_matrix must be rigid up to 1e-3 (orthonormal rotation,
//    det > 0, bottom row 0 0 0 1); it is re-orthonormalised on load.
//
// COLMAP text model (a folder)
//  * cameras.txt: "CAMERA_ID PINHOLE WIDTH HEIGHT fx fy cx cy", one camera per
//    distinct set of intrinsics, ids 1, 2, ... in order of first use.
//  * images.txt: two lines per image: "IMAGE_ID QW QX QY QZ TX TY TZ CAMERA_ID
//    NAME" and the 2D points line (written empty). (q, t) is cam_from_world:
//    COLMAP's camera frame is OpenCV's, q is a Hamilton unit quaternion with w
//    first (Eigen's convention), so R = Eigen::Quaterniond(qw, qx, qy, qz).
//    Image ids are 1, 2, ... in track order.
//  * points3D.txt: header only, so that COLMAP (and GUIs) open the folder.
//  * COLMAP also puts pixel centres at +0.5 (the upper-left pixel's centre is
//    (0.5, 0.5)), so fx, fy, cx, cy carry over unchanged in both directions.
//  * Import reads cameras.txt and images.txt (points3D.txt is not needed);
//    cameras may be PINHOLE or SIMPLE_PINHOLE, and the distortion models
//    SIMPLE_RADIAL, RADIAL, OPENCV, FULL_OPENCV are accepted with their
//    distortion ignored (a warning is logged). The track is in ascending
//    IMAGE_ID order.
//
// Errors: import throws InputError with one line naming the file and the place:
//   "<file>: <key path>: <problem>"  for JSON, e.g.
//       "out/transforms.json: frames[2].transform_matrix: expected 4 rows of 4 numbers"
//   "<file>:<line>: <problem>"       for COLMAP text, e.g.
//       "sparse/images.txt:7: expected 10 fields ..., got 9"
// Writers are atomic (core/fs.h) and throw OutputError naming the file; a track
// that cannot be written (empty, mismatched names, bad intrinsics) throws Error.

#include <filesystem>
#include <string>
#include <vector>

#include "scenescape/geometry/camera.h"
#include "scenescape/geometry/trajectory.h"

namespace scenescape {

struct CameraTrack {
  // One camera per frame, in frame order; cam_from_world is rigid.
  std::vector<Camera> cameras;
  // Image file of each frame as written in the file (relative to the
  // transforms.json folder, or to COLMAP's image folder), same length as
  // `cameras`; or empty, which the writers replace by DefaultImageName(i).
  std::vector<std::string> image_names;
};

// "frames/00000.png" for frame 0: the frame images of a run's output folder.
std::string DefaultImageName(int index);

// The transform_matrix of a camera (camera-to-world, OpenGL camera axes) and back.
Eigen::Matrix4d OpenGlCamToWorld(const Eigen::Matrix4d& cam_from_world);
Eigen::Matrix4d CamFromWorldFromOpenGl(const Eigen::Matrix4d& opengl_cam_to_world);

// transforms.json. Write needs a non-empty track.
void WriteTransformsJson(const std::filesystem::path& path, const CameraTrack& track);
CameraTrack ReadTransformsJson(const std::filesystem::path& path);
// Parses the text of a transforms.json; `source` names it in error messages.
CameraTrack ParseTransformsJson(const std::string& json_text, const std::string& source);

// COLMAP text model in folder `dir` (created if needed). Write needs a
// non-empty track whose image names contain no whitespace.
void WriteColmapText(const std::filesystem::path& dir, const CameraTrack& track);
CameraTrack ReadColmapText(const std::filesystem::path& dir);

// Reads either format: a folder, or a file named cameras.txt / images.txt
// (its folder), is read as COLMAP text; anything else as transforms.json.
CameraTrack ReadCameraTrack(const std::filesystem::path& path);
// True when `path` is a folder holding images.txt, or a JSON file whose top
// level has "frames" but no "keyframes" (a keyframe file, trajectory.h, has
// "keyframes"). Never throws; unreadable or non-JSON files give false.
bool LooksLikeCameraTrack(const std::filesystem::path& path);

// ------------------------------------------------------------ tracks as paths

// Every camera as one PathFrame: its cam_from_world and its horizontal fov
// (Intrinsics::HorizontalFovDeg), no prompt. Frame i of the result is camera i.
std::vector<PathFrame> TrackToPathFrames(const CameraTrack& track);

struct TrackPathOptions {
  // kAbsolute: keyframe poses are the track's world poses (the run's frame 0
  // becomes the track's first camera, lengths in the track's units).
  // kRelative: every pose is re-expressed in the first camera's frame and its
  // lengths multiplied by length_scale, giving the "relative" units of a
  // keyframe file (multiples of the run's frame-0 median depth), so the track's
  // motion starts from the run's own first camera.
  KeyframeUnits units = KeyframeUnits::kAbsolute;
  double length_scale = 1.0;  // > 0; kRelative only
  // Camera i becomes the keyframe at frame i * frame_step (>= 1); in between,
  // InterpolateKeyframePath fills in.
  int frame_step = 1;
  KeyframeInterpolation interpolation = KeyframeInterpolation::kLinear;
};

// One keyframe per camera (position = camera centre, rotation = world_from_cam,
// fov_deg = horizontal fov), ready for InterpolateKeyframePath. With the
// defaults, InterpolateKeyframePath(..., track size) gives back every camera's
// cam_from_world and fov. Throws Error for an empty track or bad options.
KeyframePath TrackToKeyframePath(const CameraTrack& track, const TrackPathOptions& options = {});

}  // namespace scenescape
