#include "scenescape/app/run_folder.h"

#include <ATen/ATen.h>

#include <cmath>
#include <cstring>
#include <regex>

#include "scenescape/core/check.h"
#include "scenescape/core/fs.h"
#include "scenescape/core/json_reader.h"
#include "scenescape/core/logging.h"
#include "scenescape/core/timer.h"
#include "scenescape/io/camera_formats.h"
#include "scenescape/io/gltf_export.h"
#include "scenescape/io/image_io.h"
#include "scenescape/io/video_io.h"
#include "scenescape/mesh/mesh_io.h"

namespace scenescape {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr char kMeshMagic[8] = {'S', 'C', 'N', 'M', 'E', 'S', 'H', '1'};
constexpr const char* kConvention =
    "OpenCV pinhole: x right, y down, z forward; pixel centres at +0.5; "
    "cam_from_world maps world points to camera points (column vectors), row-major";

// A reader of one of the folder's JSON records: errors are InputErrors "<file>: <key>: <problem>".
JsonReader RecordReader(const json& doc, const fs::path& file) {
  return JsonReader(doc, "", [file](const std::string& key, const std::string& problem) {
    throw InputError(file.string() + ": " + key + ": " + problem);
  });
}

json ReadRecordFile(const fs::path& file, const std::string& missing) {
  if (!fs::exists(file)) throw InputError(file.string() + ": missing (" + missing + ")");
  return ParseJson(ReadFile(file), file.string());
}

json CameraJson(int index, const Camera& cam) {
  const auto& k = cam.intrinsics;
  json rows = json::array();
  for (int r = 0; r < 4; ++r)
    rows.push_back(
        {cam.cam_from_world(r, 0), cam.cam_from_world(r, 1), cam.cam_from_world(r, 2), cam.cam_from_world(r, 3)});
  return {{"index", index},
          {"width", k.width},
          {"height", k.height},
          {"fx", k.fx},
          {"fy", k.fy},
          {"cx", k.cx},
          {"cy", k.cy},
          {"cam_from_world", rows}};
}

Camera ReadCamera(JsonReader r) {
  Camera cam;
  for (const char* key : {"width", "height", "fx", "fy", "cx", "cy", "cam_from_world"})
    r.Require(key, r.Has(key), "missing");
  r.Read("width", cam.intrinsics.width);
  r.Read("height", cam.intrinsics.height);
  r.Read("fx", cam.intrinsics.fx);
  r.Read("fy", cam.intrinsics.fy);
  r.Read("cx", cam.intrinsics.cx);
  r.Read("cy", cam.intrinsics.cy);
  const json& m = *r.Find("cam_from_world");
  const auto number = [&](int row, int col) -> double {
    if (!m.is_array() || m.size() != 4 || !m[row].is_array() || m[row].size() != 4 || !m[row][col].is_number())
      r.Fail(r.KeyPath("cam_from_world"), "expected 4 rows of 4 numbers");
    return m[row][col].get<double>();
  };
  for (int row = 0; row < 4; ++row)
    for (int col = 0; col < 4; ++col) cam.cam_from_world(row, col) = number(row, col);
  r.Find("index");
  return cam;
}

json FrameRecord(const FrameResult& r) {
  const double hole_fraction = r.holes.to(at::kFloat).mean().item<double>();
  json j = {{"index", r.index},
            {"prompt", r.prompt},
            {"timings_ms", r.timings_ms},
            {"diagnostics", r.diagnostics},
            {"scores", r.scores},
            {"chosen", r.chosen},
            {"generated_fraction", hole_fraction},
            {"new_vertices", r.mesh_update.new_vertices},
            {"new_faces", r.mesh_update.new_faces},
            {"removed_stretched_faces", r.mesh_update.removed_stretched},
            {"mesh_vertices", r.mesh_vertices},
            {"mesh_faces", r.mesh_faces}};
  if (!r.choices.empty()) j["choices"] = r.choices;
  return j;
}

json RecordJson(const RunRecord& r) {
  json j = {{"version", r.version},
            {"libtorch", r.libtorch},
            {"opencv", r.opencv},
            {"command_line", r.command_line},
            {"config", ConfigToJson(r.config)},
            {"seed", r.seed},
            {"backend", r.backend},
            {"status", r.status},
            {"frames", r.frames}};
  if (!r.fov.is_null()) j["fov"] = r.fov;
  if (r.depth_png_scale) j["depth_png_scale"] = *r.depth_png_scale;
  if (r.reseed) j["reseed"] = {{"from", r.reseed->from}, {"to", r.reseed->to}, {"seed", r.reseed->seed}};
  if (!r.resumed.empty()) j["resumed"] = r.resumed;
  if (r.status == "complete") {
    j["video_codec"] = r.video_codec;
    j["mesh"] = {{"vertices", r.mesh_vertices}, {"faces", r.mesh_faces}};
    j["seconds"] = r.seconds;
  }
  return j;
}

void AppendTensor(std::string& out, const at::Tensor& t) {
  const at::Tensor c = t.contiguous();
  out.append(static_cast<const char*>(c.data_ptr()), c.numel() * c.element_size());
}

at::Tensor TakeTensor(
    const std::string& data, size_t& offset, at::IntArrayRef shape, at::ScalarType type, const fs::path& file) {
  at::Tensor t = at::empty(shape, type);
  const size_t bytes = t.numel() * t.element_size();
  if (offset + bytes > data.size()) throw InputError(file.string() + ": truncated state file");
  std::memcpy(t.data_ptr(), data.data() + offset, bytes);
  offset += bytes;
  return t;
}

}  // namespace

RunFolder::RunFolder(fs::path dir) : dir_(std::move(dir)) {}

std::string RunFolder::FrameFileName(int index, std::string_view suffix) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%05d", index);
  return buf + std::string(suffix);
}

fs::path RunFolder::Frame(int index) const { return dir_ / "frames" / FrameFileName(index); }

// ------------------------------------------------------------ run.json

RunStatus RunFolder::Status() const {
  if (!fs::exists(dir_ / "run.json")) return RunStatus::kNone;
  try {
    const fs::path file = dir_ / "run.json";
    const json doc = ParseJson(ReadFile(file), file.string());
    std::string status;
    RecordReader(doc, file).ReadChoice("status", status, {"running", "complete"});
    return status == "complete" ? RunStatus::kComplete : RunStatus::kRunning;
  } catch (const Error&) {
    return RunStatus::kUnreadable;
  }
}

RunRecord RunFolder::ReadRecord() const {
  if (!fs::is_directory(dir_)) throw InputError(dir_.string() + ": no such run folder");
  const fs::path file = dir_ / "run.json";
  const json doc = ReadRecordFile(file, "not a scenescape run folder");
  JsonReader r = RecordReader(doc, file);
  for (const char* key : {"config", "status"}) r.Require(key, r.Has(key), "missing (not a scenescape run record)");
  RunRecord record;
  r.Read("version", record.version);
  r.Read("libtorch", record.libtorch);
  r.Read("opencv", record.opencv);
  r.Read("command_line", record.command_line);
  record.config = ConfigFromJson(*r.Find("config"), file.string() + " config");
  r.Read("seed", record.seed);
  r.Read("backend", record.backend);
  r.Read("fov", record.fov);
  r.ReadChoice("status", record.status, {"running", "complete"});
  if (r.Has("depth_png_scale")) {
    double scale = 0;
    r.Read("depth_png_scale", scale);
    r.Require("depth_png_scale", scale > 0, "expected a number > 0");
    record.depth_png_scale = scale;
  }
  if (r.Has("reseed")) {
    JsonReader s = r.Child("reseed");
    RunRecord::Reseed reseed;
    s.Read("from", reseed.from);
    s.Read("to", reseed.to);
    s.Read("seed", reseed.seed);
    s.Finish();
    record.reseed = reseed;
  }
  r.Read("frames", record.frames);
  r.Require("frames", record.frames.is_array(), "expected an array");
  r.Read("resumed", record.resumed);
  r.Read("video_codec", record.video_codec);
  if (r.Has("mesh")) {
    JsonReader m = r.Child("mesh");
    m.Read("vertices", record.mesh_vertices);
    m.Read("faces", record.mesh_faces);
  }
  r.Read("seconds", record.seconds);
  return record;
}

// ------------------------------------------------------------ cameras.json

void RunFolder::WriteCameras(const fs::path& file, const std::vector<Camera>& cameras, double depth_png_scale) {
  json frames = json::array();
  for (size_t i = 0; i < cameras.size(); ++i) frames.push_back(CameraJson(static_cast<int>(i), cameras[i]));
  WriteAtomically(file,
                  json{{"convention", kConvention}, {"depth_png_scale", depth_png_scale}, {"frames", frames}}.dump(1));
}

CamerasRecord RunFolder::ReadCameras(const fs::path& file) {
  const json doc = ReadRecordFile(file, "is this a finished scenescape run?");
  JsonReader r = RecordReader(doc, file);
  CamerasRecord record;
  r.Find("convention");
  if (r.Has("depth_png_scale")) {
    double scale = 0;
    r.Read("depth_png_scale", scale);
    r.Require("depth_png_scale", scale > 0, "expected a number > 0");
    record.depth_png_scale = scale;
  }
  const json* frames = r.Find("frames");
  r.Require("frames", frames && frames->is_array(), "expected an array of cameras");
  for (size_t i = 0; i < frames->size(); ++i) {
    const std::string key = "frames[" + std::to_string(i) + "]";
    record.cameras.push_back(
        ReadCamera(JsonReader((*frames)[i], key, [file](const std::string& k, const std::string& p) {
          throw InputError(file.string() + ": " + k + ": " + p);
        })));
  }
  r.Finish();
  return record;
}

double RunFolder::DepthPngScale(const OutputOptions& output, double median_depth0) {
  if (!output.depth_png_scale.is_auto && output.depth_png_scale.value) return *output.depth_png_scale.value;
  return 4000.0 / median_depth0;
}

// ------------------------------------------------------------ state/

namespace {
json ReadState(const fs::path& dir) { return ReadRecordFile(dir / "state" / "state.json", "the run's state"); }
}  // namespace

int RunFolder::SavedNextIndex() const {
  if (!fs::exists(dir_ / "state" / "state.json")) return 0;
  const json s = ReadState(dir_);
  JsonReader r = RecordReader(s, dir_ / "state" / "state.json");
  int next = 0;
  r.Require("next_index", r.Has("next_index"), "missing");
  r.Read("next_index", next);
  return next;
}

std::optional<double> RunFolder::SavedMedianDepth0() const {
  if (!fs::exists(dir_ / "state" / "state.json")) return std::nullopt;
  const json s = ReadState(dir_);
  JsonReader r = RecordReader(s, dir_ / "state" / "state.json");
  double median = 0;
  r.Read("median_depth0", median);
  return median > 0 ? std::optional<double>(median) : std::nullopt;
}

GeneratorState RunFolder::LoadGeneratorState(int next_index) const {
  const fs::path state_file = dir_ / "state" / "state.json";
  const json s = ReadState(dir_);
  JsonReader r = RecordReader(s, state_file);
  for (const char* key : {"next_index", "median_depth0", "height", "width"}) r.Require(key, r.Has(key), "missing");
  int saved = 0;
  int64_t h = 0, w = 0;
  GeneratorState state;
  r.Read("next_index", saved);
  r.Read("median_depth0", state.median_depth0);
  if (r.Has("path_limit")) r.Read("path_limit", state.path_limit);
  r.Read("height", h);
  r.Read("width", w);
  SCN_CHECK(next_index >= 1 && next_index <= saved) << "cannot continue at frame " << next_index;
  std::vector<at::Tensor> v, c, f;
  int64_t vertices = 0, faces = 0;
  for (int i = 0; i < next_index; ++i) {
    const fs::path file = dir_ / "state" / "mesh" / FrameFileName(i, ".bin");
    if (!fs::exists(file)) throw InputError(file.string() + ": missing (the run's state is incomplete)");
    const std::string data = ReadFile(file);
    if (data.size() < sizeof(kMeshMagic) + 32 || std::memcmp(data.data(), kMeshMagic, sizeof(kMeshMagic)) != 0)
      throw InputError(file.string() + ": not a scenescape mesh delta");
    int64_t header[4];
    std::memcpy(header, data.data() + sizeof(kMeshMagic), sizeof(header));
    if (i > 0 && header[0] == 0 && header[2] == 0) {
      // A delta that starts from nothing replaces the mesh (mesh.keep = last_frame).
      v.clear(), c.clear(), f.clear();
      vertices = faces = 0;
    }
    if (header[0] != vertices || header[2] != faces)
      throw InputError(file.string() + ": does not continue the previous frames' mesh");
    size_t offset = sizeof(kMeshMagic) + sizeof(header);
    v.push_back(TakeTensor(data, offset, {header[1], 3}, at::kFloat, file));
    c.push_back(TakeTensor(data, offset, {header[1], 3}, at::kFloat, file));
    f.push_back(TakeTensor(data, offset, {header[3], 3}, at::kInt, file));
    vertices += header[1];
    faces += header[3];
  }
  state.mesh = Mesh{at::cat(v).contiguous(), at::cat(c).contiguous(), at::cat(f).contiguous()};
  state.mesh.Validate();
  for (int i = 0; i < next_index; ++i) {
    const fs::path depth_file = dir_ / "state" / "depth" / FrameFileName(i, ".f32");
    if (!fs::exists(depth_file)) throw InputError(depth_file.string() + ": missing (the run's state is incomplete)");
    const std::string raw = ReadFile(depth_file);
    size_t offset = 0;
    state.frame_depths.push_back(TakeTensor(raw, offset, {h, w}, at::kFloat, depth_file));
  }
  state.previous_depth = state.frame_depths.back();
  state.next_index = next_index;
  return state;
}

void RunFolder::RemoveFramesFrom(int first) const {
  static const std::regex kFrameFile(R"((\d{5})(_.*)?\.(png|bin|f32))");
  for (const char* sub : {"frames", "depth", "masks", "warped", "candidates", "state/mesh", "state/depth"}) {
    const fs::path dir = dir_ / sub;
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      const std::string name = entry.path().filename().string();
      std::smatch m;
      const bool stale_temp = name.find(".tmp-") != std::string::npos;
      if (stale_temp || (std::regex_match(name, m, kFrameFile) && std::stoi(m[1]) >= first)) fs::remove(entry.path());
    }
  }
  for (const char* product : {"video.mp4", "video_reverse.mp4", "mesh.ply", "mesh.obj", "mesh.glb", "transforms.json"})
    fs::remove(dir_ / product);
  fs::remove_all(dir_ / "colmap");
  // Leftover temporaries anywhere in the run (an interrupted atomic write).
  std::vector<fs::path> temporaries;
  for (const auto& entry : fs::recursive_directory_iterator(dir_))
    if (entry.path().filename().string().find(".tmp-") != std::string::npos) temporaries.push_back(entry.path());
  for (const auto& p : temporaries) fs::remove(p);
}

void RunFolder::Clear() const {
  RemoveFramesFrom(0);
  fs::remove_all(dir_ / "state");
}

fs::path RunFolder::KeepTrajectory(const std::string& keyframe_document) const {
  const fs::path copy = fs::absolute(dir_ / "trajectory.json");
  WriteAtomically(copy, keyframe_document);
  return copy;
}

// ------------------------------------------------------------ writing a run

void RunFolder::Begin(RunRecord record, int first_frame) {
  for (const char* sub : {"frames", "depth", "masks", "warped"}) EnsureWritableDir(dir_ / sub);
  if (record.config.output.keep_candidates) EnsureWritableDir(dir_ / "candidates");
  record_ = std::move(record);
  record_.status = "running";
  cameras_.clear();
  frames_written_ = first_frame;
  if (first_frame == 0) {
    record_.frames = json::array();
    record_.depth_png_scale.reset();
    return;
  }
  json& frames = record_.frames;
  frames.erase(frames.begin() + std::min<size_t>(first_frame, frames.size()), frames.end());
  SCN_CHECK(record_.depth_png_scale) << (dir_ / "run.json").string() << ": no depth_png_scale";
  const CamerasRecord cameras = ReadCameras(dir_ / "cameras.json");
  if (static_cast<int>(cameras.cameras.size()) < first_frame)
    throw InputError((dir_ / "cameras.json").string() + ": holds fewer cameras than the run's finished frames");
  cameras_.assign(cameras.cameras.begin(), cameras.cameras.begin() + first_frame);
}

void RunFolder::WriteFrame(const FrameResult& r, const GeneratorState& state) {
  if (r.index == 0) record_.depth_png_scale = DepthPngScale(record_.config.output, state.median_depth0);
  const double depth_scale = *record_.depth_png_scale;
  const std::string name = FrameFileName(r.index);
  WriteImagePng(dir_ / "frames" / name, r.image);
  const int64_t clipped = WriteDepthPng16(dir_ / "depth" / name, r.depth, depth_scale);
  if (clipped > 0) SCN_LOG_DEBUG("frame {}: {} depth values exceed the 16-bit range", r.index, clipped);
  WriteDepthPreview(dir_ / "depth" / FrameFileName(r.index, "_preview.png"), r.depth);
  WriteMaskPng(dir_ / "masks" / name, r.holes);
  if (r.warped.defined()) WriteImagePng(dir_ / "warped" / name, r.warped);
  if (record_.config.output.keep_candidates) {
    for (size_t k = 0; k < r.candidates.size(); ++k)
      WriteImagePng(dir_ / "candidates" / FrameFileName(r.index, "_" + std::to_string(k) + ".png"), r.candidates[k]);
  }
  cameras_.push_back(r.camera);
  frames_written_ = r.index + 1;
  record_.frames.push_back(FrameRecord(r));

  // The frame's mesh delta (the last new_vertices / new_faces of the mesh) and raw depth.
  const Mesh& mesh = state.mesh;
  const int64_t nv = mesh.NumVertices(), nf = mesh.NumFaces();
  const int64_t new_vertices = r.mesh_update.new_vertices, new_faces = r.mesh_update.new_faces;
  EnsureWritableDir(dir_ / "state" / "mesh");
  EnsureWritableDir(dir_ / "state" / "depth");
  std::string blob(kMeshMagic, sizeof(kMeshMagic));
  const int64_t header[4] = {nv - new_vertices, new_vertices, nf - new_faces, new_faces};
  blob.append(reinterpret_cast<const char*>(header), sizeof(header));
  AppendTensor(blob, mesh.vertices.narrow(0, nv - new_vertices, new_vertices));
  AppendTensor(blob, mesh.colors.narrow(0, nv - new_vertices, new_vertices));
  AppendTensor(blob, mesh.faces.narrow(0, nf - new_faces, new_faces));
  WriteAtomically(dir_ / "state" / "mesh" / FrameFileName(r.index, ".bin"), blob);
  std::string raw;
  AppendTensor(raw, r.depth.to(at::kFloat));
  WriteAtomically(dir_ / "state" / "depth" / FrameFileName(r.index, ".f32"), raw);

  WriteCameras(dir_ / "cameras.json", cameras_, depth_scale);
  WriteAtomically(dir_ / "run.json", RecordJson(record_).dump(1));
  // Last: the frame counts as done once state.json names it.
  json s = {{"next_index", r.index + 1},
            {"median_depth0", state.median_depth0},
            {"mesh_vertices", nv},
            {"mesh_faces", nf},
            {"height", r.depth.size(0)},
            {"width", r.depth.size(1)}};
  if (std::isfinite(state.path_limit)) s["path_limit"] = state.path_limit;
  WriteAtomically(dir_ / "state" / "state.json", s.dump(1));
}

void RunFolder::Complete(const Mesh& mesh, double seconds) {
  Timer t;
  const OutputOptions& output = record_.config.output;
  WritePly(dir_ / "mesh.ply", mesh);
  if (output.write_obj) WriteObj(dir_ / "mesh.obj", mesh);
  if (output.write_glb) WriteGlb(dir_ / "mesh.glb", mesh);
  CameraTrack track;
  track.cameras = cameras_;
  for (size_t i = 0; i < cameras_.size(); ++i)
    track.image_names.push_back("frames/" + FrameFileName(static_cast<int>(i)));
  WriteTransformsJson(dir_ / "transforms.json", track);
  EnsureWritableDir(dir_ / "colmap");
  WriteColmapText(dir_ / "colmap", track);
  std::vector<fs::path> frame_files;
  for (int i = 0; i < frames_written_; ++i) frame_files.push_back(Frame(i));
  const std::string codec = WriteVideo(dir_ / "video.mp4", frame_files, output.fps);
  if (output.reverse_video) {
    const std::vector<fs::path> reversed(frame_files.rbegin(), frame_files.rend());
    WriteVideo(dir_ / "video_reverse.mp4", reversed, output.fps);
  }
  SCN_LOG_INFO("wrote mesh ({} vertices, {} faces) and video ({}) in {:.1f} s",
               mesh.NumVertices(),
               mesh.NumFaces(),
               codec,
               t.ElapsedSeconds());
  record_.video_codec = codec;
  record_.mesh_vertices = mesh.NumVertices();
  record_.mesh_faces = mesh.NumFaces();
  record_.seconds = seconds;
  record_.status = "complete";
  WriteAtomically(dir_ / "run.json", RecordJson(record_).dump(1));
}

}  // namespace scenescape
