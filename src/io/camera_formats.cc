#include "scenescape/io/camera_formats.h"

#include <Eigen/SVD>
#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <sstream>
#include <system_error>

#include "scenescape/core/check.h"
#include "scenescape/core/fs.h"
#include "scenescape/core/json_reader.h"
#include "scenescape/core/limits.h"
#include "scenescape/core/logging.h"

namespace scenescape {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// OpenCV camera axes (y down, z forward) <-> OpenGL camera axes (y up, z back).
const Eigen::Matrix4d kFlipYZ = Eigen::Vector4d(1.0, -1.0, -1.0, 1.0).asDiagonal();

// How far from orthonormal an imported rotation may be before it is rejected.
// Files written with 6-7 significant digits are off by ~1e-6; 1e-3 still
// catches scaled or sheared matrices.
constexpr double kRigidTolerance = 1e-3;

void CheckTrackForWriting(const CameraTrack& track, const char* what) {
  SCN_CHECK(!track.cameras.empty()) << what << ": the camera track is empty";
  SCN_CHECK(track.image_names.empty() || track.image_names.size() == track.cameras.size())
      << what << ": " << track.image_names.size() << " image names for " << track.cameras.size() << " cameras";
  for (size_t i = 0; i < track.cameras.size(); ++i) {
    const Intrinsics& in = track.cameras[i].intrinsics;
    SCN_CHECK(in.width > 0 && in.height > 0 && in.fx > 0 && in.fy > 0 && std::isfinite(in.fx) && std::isfinite(in.fy) &&
              std::isfinite(in.cx) && std::isfinite(in.cy))
        << what << ": camera " << i << " has bad intrinsics";
    SCN_CHECK(track.cameras[i].cam_from_world.allFinite()) << what << ": camera " << i << " has a non-finite pose";
  }
}

std::string ImageName(const CameraTrack& track, size_t i) {
  return track.image_names.empty() ? DefaultImageName(static_cast<int>(i)) : track.image_names[i];
}

bool SameIntrinsics(const Intrinsics& a, const Intrinsics& b) {
  return a.width == b.width && a.height == b.height && a.fx == b.fx && a.fy == b.fy && a.cx == b.cx && a.cy == b.cy;
}

// The nearest rotation (in Frobenius norm) to `m`, or nullopt when `m` is not a
// rotation within kRigidTolerance.
std::optional<Eigen::Matrix3d> NearestRotation(const Eigen::Matrix3d& m) {
  if (!m.allFinite()) return std::nullopt;
  const double off = (m.transpose() * m - Eigen::Matrix3d::Identity()).cwiseAbs().maxCoeff();
  if (off > kRigidTolerance || m.determinant() <= 0.0) return std::nullopt;
  Eigen::JacobiSVD<Eigen::Matrix3d> svd(m, Eigen::ComputeFullU | Eigen::ComputeFullV);
  return Eigen::Matrix3d(svd.matrixU() * svd.matrixV().transpose());
}

// ------------------------------------------------------------ transforms.json

class TransformsParser {
 public:
  explicit TransformsParser(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void Fail(const std::string& key, const std::string& problem) const {
    throw InputError(source_ + ": " + key + ": " + problem);
  }

  CameraTrack Parse(const std::string& text) const {
    const json root = ParseJson(text, source_);
    if (!root.is_object()) Fail("(root)", "expected a JSON object with a \"frames\" array");
    if (!root.contains("frames")) Fail("frames", "missing (expected an array of frames)");
    const json& frames = root["frames"];
    if (!frames.is_array()) Fail("frames", "expected an array of frames");
    if (frames.empty()) Fail("frames", "expected at least one frame");

    CameraTrack track;
    for (size_t i = 0; i < frames.size(); ++i) {
      const std::string key = "frames[" + std::to_string(i) + "]";
      const json& frame = frames[i];
      if (!frame.is_object()) Fail(key, "expected an object");
      Camera camera;
      camera.intrinsics = FrameIntrinsics(root, frame, key);
      camera.cam_from_world = Pose(frame, key);
      track.cameras.push_back(camera);
      std::string name;
      if (frame.contains("file_path")) {
        if (!frame["file_path"].is_string()) Fail(key + ".file_path", "expected a string");
        name = frame["file_path"].get<std::string>();
      }
      track.image_names.push_back(name);
    }
    return track;
  }

 private:
  double Number(const json& value, const std::string& key) const {
    if (!value.is_number()) Fail(key, "expected a number");
    const double x = value.get<double>();
    if (!std::isfinite(x)) Fail(key, "expected a finite number");
    return x;
  }

  // The frame's value of `name`, else the top-level one, else nullopt. Errors
  // name the key where the bad value is.
  std::optional<double> Lookup(const json& root,
                               const json& frame,
                               const std::string& frame_key,
                               const char* name) const {
    if (frame.contains(name)) return Number(frame[name], frame_key + "." + name);
    if (root.contains(name)) return Number(root[name], name);
    return std::nullopt;
  }

  int Size(
      const json& root, const json& frame, const std::string& frame_key, const char* name, const char* what) const {
    const std::optional<double> v = Lookup(root, frame, frame_key, name);
    const std::string key = frame.contains(name) ? frame_key + "." + name : std::string(name);
    if (!v)
      Fail(name,
           std::string("missing (the image ") + what + " in pixels, expected at the top level or in every frame)");
    if (*v < 1.0 || *v != std::floor(*v) || *v > 1e6) Fail(key, "expected a positive integer number of pixels");
    return static_cast<int>(*v);
  }

  Intrinsics FrameIntrinsics(const json& root, const json& frame, const std::string& key) const {
    Intrinsics in;
    in.width = Size(root, frame, key, "w", "width");
    in.height = Size(root, frame, key, "h", "height");
    const auto focal_from_angle = [&](const char* name, int size) -> std::optional<double> {
      const std::optional<double> angle = Lookup(root, frame, key, name);
      if (!angle) return std::nullopt;
      if (*angle <= 0.0 || *angle >= M_PI)
        Fail(frame.contains(name) ? key + "." + name : std::string(name), "expected an angle in (0, pi) radians");
      return 0.5 * size / std::tan(0.5 * *angle);
    };
    std::optional<double> fx = Lookup(root, frame, key, "fl_x");
    if (!fx) fx = focal_from_angle("camera_angle_x", in.width);
    if (!fx) Fail("fl_x", "missing (and no camera_angle_x to derive it from)");
    std::optional<double> fy = Lookup(root, frame, key, "fl_y");
    if (!fy) fy = focal_from_angle("camera_angle_y", in.height);
    if (!fy) fy = fx;
    const auto check_focal = [&](const char* name, double value) {
      if (value <= 0.0)
        Fail(frame.contains(name) ? key + "." + name : std::string(name), "expected a focal length > 0 pixels");
    };
    check_focal("fl_x", *fx);
    check_focal("fl_y", *fy);
    in.fx = *fx;
    in.fy = *fy;
    in.cx = Lookup(root, frame, key, "cx").value_or(0.5 * in.width);
    in.cy = Lookup(root, frame, key, "cy").value_or(0.5 * in.height);
    return in;
  }

  Eigen::Matrix4d Pose(const json& frame, const std::string& frame_key) const {
    const std::string key = frame_key + ".transform_matrix";
    if (!frame.contains("transform_matrix")) Fail(key, "missing (expected 4 rows of 4 numbers)");
    const json& rows = frame["transform_matrix"];
    const char* expected = "expected 4 rows of 4 numbers";
    if (!rows.is_array() || rows.size() != 4) Fail(key, expected);
    Eigen::Matrix4d m;
    for (int r = 0; r < 4; ++r) {
      if (!rows[r].is_array() || rows[r].size() != 4) Fail(key, expected);
      for (int c = 0; c < 4; ++c) {
        if (!rows[r][c].is_number()) Fail(key, expected);
        m(r, c) = rows[r][c].get<double>();
        if (!std::isfinite(m(r, c))) Fail(key, "expected finite numbers");
      }
    }
    if ((m.row(3) - Eigen::RowVector4d(0, 0, 0, 1)).cwiseAbs().maxCoeff() > 1e-6)
      Fail(key, "the last row must be 0 0 0 1");
    const std::optional<Eigen::Matrix3d> rotation = NearestRotation(m.topLeftCorner<3, 3>());
    if (!rotation) Fail(key, "not a rigid transform (the 3x3 part is not a rotation: scaled, sheared or mirrored)");
    Eigen::Matrix4d gl_cam_to_world = MakeRigid(*rotation, m.topRightCorner<3, 1>());
    return CamFromWorldFromOpenGl(gl_cam_to_world);
  }

  std::string source_;
};

// ------------------------------------------------------------ COLMAP text

// Writes a double so that it reads back bit-exactly.
std::string Num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.17g", x);
  return buf;
}

// The data lines of a COLMAP text file, with 1-based line numbers.
struct TextLine {
  int number = 0;
  std::string text;
};

std::vector<TextLine> ReadLines(const fs::path& path) {
  if (!fs::exists(path)) throw InputError(path.string() + ": file not found");
  std::istringstream in(ReadFile(path));
  std::vector<TextLine> lines;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back({number, line});
  }
  return lines;
}

std::vector<std::string> Split(const std::string& line) {
  std::vector<std::string> tokens;
  std::istringstream in(line);
  std::string token;
  while (in >> token) tokens.push_back(token);
  return tokens;
}

bool IsBlankOrComment(const std::string& line) {
  const size_t first = line.find_first_not_of(" \t");
  return first == std::string::npos || line[first] == '#';
}

class ColmapLineParser {
 public:
  ColmapLineParser(const fs::path& file, int line) : where_(file.string() + ":" + std::to_string(line)) {}

  [[noreturn]] void Fail(const std::string& problem) const { throw InputError(where_ + ": " + problem); }

  double Double(const std::string& token, const char* field) const {
    double value = 0.0;
    const char* end = token.data() + token.size();
    const auto [ptr, ec] = std::from_chars(token.data(), end, value);
    if (ec != std::errc() || ptr != end || !std::isfinite(value))
      Fail(std::string(field) + ": expected a number, got \"" + token + "\"");
    return value;
  }

  long long Integer(const std::string& token, const char* field) const {
    long long value = 0;
    const char* end = token.data() + token.size();
    const auto [ptr, ec] = std::from_chars(token.data(), end, value);
    if (ec != std::errc() || ptr != end) Fail(std::string(field) + ": expected an integer, got \"" + token + "\"");
    return value;
  }

 private:
  std::string where_;
};

// Number of parameters and whether they include distortion, per camera model.
struct ColmapModel {
  const char* name;
  size_t num_params;
  bool simple_focal;  // one f for fx and fy
  bool distorted;
};
constexpr ColmapModel kColmapModels[] = {
    {"SIMPLE_PINHOLE", 3, true, false},
    {"PINHOLE", 4, false, false},
    {"SIMPLE_RADIAL", 4, true, true},
    {"RADIAL", 5, true, true},
    {"OPENCV", 8, false, true},
    {"FULL_OPENCV", 12, false, true},
};

std::map<long long, Intrinsics> ReadColmapCameras(const fs::path& path) {
  std::map<long long, Intrinsics> cameras;
  bool warned = false;
  for (const TextLine& line : ReadLines(path)) {
    if (IsBlankOrComment(line.text)) continue;
    const ColmapLineParser p(path, line.number);
    const std::vector<std::string> t = Split(line.text);
    if (t.size() < 4)
      p.Fail("expected CAMERA_ID MODEL WIDTH HEIGHT PARAMS[], got " + std::to_string(t.size()) + " fields");
    const long long id = p.Integer(t[0], "CAMERA_ID");
    const ColmapModel* model = nullptr;
    for (const ColmapModel& m : kColmapModels)
      if (t[1] == m.name) model = &m;
    if (!model)
      p.Fail("camera model \"" + t[1] +
             "\" is not supported (expected PINHOLE, SIMPLE_PINHOLE, SIMPLE_RADIAL, RADIAL, "
             "OPENCV or FULL_OPENCV; undistort the images with colmap image_undistorter)");
    if (t.size() != 4 + model->num_params)
      p.Fail("a " + t[1] + " camera has " + std::to_string(4 + model->num_params) +
             " fields (CAMERA_ID MODEL WIDTH HEIGHT and " + std::to_string(model->num_params) + " parameters), got " +
             std::to_string(t.size()));
    Intrinsics in;
    const long long w = p.Integer(t[2], "WIDTH"), h = p.Integer(t[3], "HEIGHT");
    if (w < 1 || h < 1 || w > 1000000 || h > 1000000) p.Fail("expected a positive WIDTH and HEIGHT");
    in.width = static_cast<int>(w);
    in.height = static_cast<int>(h);
    std::vector<double> params;
    for (size_t k = 4; k < t.size(); ++k) params.push_back(p.Double(t[k], "PARAMS"));
    in.fx = params[0];
    in.fy = model->simple_focal ? params[0] : params[1];
    in.cx = params[model->simple_focal ? 1 : 2];
    in.cy = params[model->simple_focal ? 2 : 3];
    if (in.fx <= 0.0 || in.fy <= 0.0) p.Fail("expected focal lengths > 0");
    if (model->distorted && !warned) {
      SCN_LOG_WARN("{}: camera model {} has lens distortion, which is ignored (pinhole only)", path.string(), t[1]);
      warned = true;
    }
    if (!cameras.emplace(id, in).second) p.Fail("duplicate CAMERA_ID " + t[0]);
  }
  return cameras;
}

}  // namespace

// ------------------------------------------------------------ public API

std::string DefaultImageName(int index) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "frames/%05d.png", index);
  return buf;
}

Eigen::Matrix4d OpenGlCamToWorld(const Eigen::Matrix4d& cam_from_world) {
  return InverseRigid(cam_from_world) * kFlipYZ;
}

Eigen::Matrix4d CamFromWorldFromOpenGl(const Eigen::Matrix4d& opengl_cam_to_world) {
  // world_from_cam = c2w_gl * diag(1,-1,-1,1) (the flip is its own inverse).
  return InverseRigid(opengl_cam_to_world * kFlipYZ);
}

void WriteTransformsJson(const fs::path& path, const CameraTrack& track) {
  CheckTrackForWriting(track, path.string().c_str());
  const Intrinsics& first = track.cameras.front().intrinsics;
  const auto intrinsics_json = [](const Intrinsics& in, json& out) {
    out["w"] = in.width;
    out["h"] = in.height;
    out["fl_x"] = in.fx;
    out["fl_y"] = in.fy;
    out["cx"] = in.cx;
    out["cy"] = in.cy;
  };
  json root;
  // nerfstudio reads "camera_model"; OPENCV without k1.. is a plain pinhole.
  root["camera_model"] = "OPENCV";
  intrinsics_json(first, root);
  root["camera_angle_x"] = 2.0 * std::atan(0.5 * first.width / first.fx);
  root["camera_angle_y"] = 2.0 * std::atan(0.5 * first.height / first.fy);
  json frames = json::array();
  for (size_t i = 0; i < track.cameras.size(); ++i) {
    const Camera& camera = track.cameras[i];
    const Eigen::Matrix4d m = OpenGlCamToWorld(camera.cam_from_world);
    json rows = json::array();
    for (int r = 0; r < 4; ++r) rows.push_back({m(r, 0), m(r, 1), m(r, 2), m(r, 3)});
    json frame;
    frame["file_path"] = ImageName(track, i);
    frame["transform_matrix"] = rows;
    if (!SameIntrinsics(camera.intrinsics, first)) intrinsics_json(camera.intrinsics, frame);
    frames.push_back(std::move(frame));
  }
  root["frames"] = std::move(frames);
  // nlohmann writes doubles with 17 significant digits: they read back exactly.
  WriteAtomically(path, root.dump(2) + "\n");
}

CameraTrack ParseTransformsJson(const std::string& json_text, const std::string& source) {
  return TransformsParser(source).Parse(json_text);
}

CameraTrack ReadTransformsJson(const fs::path& path) {
  if (!fs::is_regular_file(path)) throw InputError(path.string() + ": file not found");
  return ParseTransformsJson(ReadFile(path, limits::kMaxJsonBytes), path.string());
}

void WriteColmapText(const fs::path& dir, const CameraTrack& track) {
  CheckTrackForWriting(track, dir.string().c_str());
  for (size_t i = 0; i < track.cameras.size(); ++i) {
    const std::string name = ImageName(track, i);
    SCN_CHECK(!name.empty() && name.find_first_of(" \t\r\n") == std::string::npos)
        << dir.string() << ": COLMAP image names cannot be empty or contain whitespace, got \"" << name << "\"";
  }
  EnsureWritableDir(dir);

  // One camera per distinct set of intrinsics, ids in order of first use.
  std::vector<Intrinsics> distinct;
  std::vector<size_t> camera_id(track.cameras.size());
  for (size_t i = 0; i < track.cameras.size(); ++i) {
    const Intrinsics& in = track.cameras[i].intrinsics;
    size_t k = 0;
    while (k < distinct.size() && !SameIntrinsics(distinct[k], in)) ++k;
    if (k == distinct.size()) distinct.push_back(in);
    camera_id[i] = k + 1;
  }

  std::ostringstream cameras;
  cameras << "# Camera list with one line of data per camera:\n"
          << "#   CAMERA_ID, MODEL, WIDTH, HEIGHT, PARAMS[]\n"
          << "# Number of cameras: " << distinct.size() << "\n";
  for (size_t k = 0; k < distinct.size(); ++k) {
    const Intrinsics& in = distinct[k];
    cameras << k + 1 << " PINHOLE " << in.width << " " << in.height << " " << Num(in.fx) << " " << Num(in.fy) << " "
            << Num(in.cx) << " " << Num(in.cy) << "\n";
  }

  std::ostringstream images;
  images << "# Image list with two lines of data per image:\n"
         << "#   IMAGE_ID, QW, QX, QY, QZ, TX, TY, TZ, CAMERA_ID, NAME\n"
         << "#   POINTS2D[] as (X, Y, POINT3D_ID)\n"
         << "# Number of images: " << track.cameras.size() << ", mean observations per image: 0\n";
  for (size_t i = 0; i < track.cameras.size(); ++i) {
    const Eigen::Matrix4d& pose = track.cameras[i].cam_from_world;
    Eigen::Quaterniond q(Eigen::Matrix3d(pose.topLeftCorner<3, 3>()));
    q.normalize();
    images << i + 1 << " " << Num(q.w()) << " " << Num(q.x()) << " " << Num(q.y()) << " " << Num(q.z()) << " "
           << Num(pose(0, 3)) << " " << Num(pose(1, 3)) << " " << Num(pose(2, 3)) << " " << camera_id[i] << " "
           << ImageName(track, i) << "\n\n";
  }

  const std::string points =
      "# 3D point list with one line of data per point:\n"
      "#   POINT3D_ID, X, Y, Z, R, G, B, ERROR, TRACK[] as (IMAGE_ID, POINT2D_IDX)\n"
      "# Number of points: 0, mean track length: 0\n";
  WriteAtomically(dir / "cameras.txt", cameras.str());
  WriteAtomically(dir / "points3D.txt", points);
  WriteAtomically(dir / "images.txt", images.str());
}

CameraTrack ReadColmapText(const fs::path& dir) {
  if (!fs::is_directory(dir)) throw InputError(dir.string() + ": not a folder (expected a COLMAP text model)");
  const fs::path cameras_path = dir / "cameras.txt";
  const fs::path images_path = dir / "images.txt";
  const std::map<long long, Intrinsics> intrinsics = ReadColmapCameras(cameras_path);

  std::map<long long, std::pair<Camera, std::string>> images;  // by IMAGE_ID
  const std::vector<TextLine> lines = ReadLines(images_path);
  for (size_t l = 0; l < lines.size(); ++l) {
    if (IsBlankOrComment(lines[l].text)) continue;
    const ColmapLineParser p(images_path, lines[l].number);
    const std::vector<std::string> t = Split(lines[l].text);
    if (t.size() != 10)
      p.Fail("expected 10 fields (IMAGE_ID QW QX QY QZ TX TY TZ CAMERA_ID NAME), got " + std::to_string(t.size()));
    const long long image_id = p.Integer(t[0], "IMAGE_ID");
    const Eigen::Quaterniond q(p.Double(t[1], "QW"), p.Double(t[2], "QX"), p.Double(t[3], "QY"), p.Double(t[4], "QZ"));
    if (std::abs(q.norm() - 1.0) > kRigidTolerance)
      p.Fail("QW QX QY QZ is not a unit quaternion (norm " + Num(q.norm()) + ")");
    const Eigen::Vector3d translation(p.Double(t[5], "TX"), p.Double(t[6], "TY"), p.Double(t[7], "TZ"));
    const long long camera_id = p.Integer(t[8], "CAMERA_ID");
    const auto in = intrinsics.find(camera_id);
    if (in == intrinsics.end()) p.Fail("unknown CAMERA_ID " + t[8] + " (not in " + cameras_path.string() + ")");
    Camera camera;
    camera.intrinsics = in->second;
    camera.cam_from_world = MakeRigid(q.normalized().toRotationMatrix(), translation);
    if (!images.emplace(image_id, std::make_pair(camera, t[9])).second) p.Fail("duplicate IMAGE_ID " + t[0]);

    // The POINTS2D line follows unconditionally (it may be empty). It holds
    // (X, Y, POINT3D_ID) triples, so a missing one shows up as a count error.
    ++l;
    if (l < lines.size()) {
      const std::vector<std::string> points = Split(lines[l].text);
      if (!IsBlankOrComment(lines[l].text) && points.size() % 3 != 0)
        ColmapLineParser(images_path, lines[l].number)
            .Fail("expected the POINTS2D line of image " + t[0] + " ((X, Y, POINT3D_ID) triples, or empty), got " +
                  std::to_string(points.size()) + " fields");
    }
  }
  if (images.empty()) throw InputError(images_path.string() + ": no images");

  CameraTrack track;
  for (auto& [id, image] : images) {
    track.cameras.push_back(image.first);
    track.image_names.push_back(image.second);
  }
  return track;
}

CameraTrack ReadCameraTrack(const fs::path& path) {
  if (fs::is_directory(path)) return ReadColmapText(path);
  const std::string name = path.filename().string();
  if (name == "cameras.txt" || name == "images.txt" || name == "points3D.txt")
    return ReadColmapText(path.parent_path().empty() ? fs::path(".") : path.parent_path());
  return ReadTransformsJson(path);
}

bool LooksLikeCameraTrack(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return fs::is_regular_file(path / "images.txt", ec);
  if (!fs::is_regular_file(path, ec)) return false;
  std::string text;
  try {
    text = ReadFile(path, limits::kMaxJsonBytes);
  } catch (const InputError&) {
    return false;  // the reader it is then handed to names the problem
  }
  const std::optional<json> root = TryParseJson(text);
  return root && root->is_object() && root->contains("frames") && !root->contains("keyframes");
}

std::vector<PathFrame> TrackToPathFrames(const CameraTrack& track) {
  std::vector<PathFrame> frames;
  frames.reserve(track.cameras.size());
  for (const Camera& camera : track.cameras) {
    PathFrame frame;
    frame.cam_from_world = camera.cam_from_world;
    frame.fov_deg = camera.intrinsics.HorizontalFovDeg();
    frames.push_back(frame);
  }
  return frames;
}

KeyframePath TrackToKeyframePath(const CameraTrack& track, const TrackPathOptions& options) {
  SCN_CHECK(!track.cameras.empty()) << "TrackToKeyframePath: the camera track is empty";
  SCN_CHECK_GE(options.frame_step, 1);
  SCN_CHECK(std::isfinite(options.length_scale) && options.length_scale > 0.0)
      << "TrackToKeyframePath: length_scale must be > 0, got " << options.length_scale;
  const bool relative = options.units == KeyframeUnits::kRelative;
  // Relative units: the path frame is the first camera's frame.
  const Eigen::Matrix4d path_from_world = relative ? track.cameras.front().cam_from_world : Eigen::Matrix4d::Identity();
  const double scale = relative ? options.length_scale : 1.0;

  KeyframePath path;
  path.units = options.units;
  path.interpolation = options.interpolation;
  for (size_t i = 0; i < track.cameras.size(); ++i) {
    const Camera& camera = track.cameras[i];
    const Eigen::Matrix4d path_from_cam = path_from_world * camera.WorldFromCam();
    Keyframe kf;
    kf.frame = static_cast<int>(i) * options.frame_step;
    kf.position = scale * path_from_cam.topRightCorner<3, 1>();
    kf.rotation = Eigen::Quaterniond(Eigen::Matrix3d(path_from_cam.topLeftCorner<3, 3>())).normalized();
    kf.fov_deg = camera.intrinsics.HorizontalFovDeg();
    path.keyframes.push_back(kf);
  }
  return path;
}

}  // namespace scenescape
