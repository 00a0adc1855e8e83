#include "scenescape/app/run_folder.h"

#include <ATen/ATen.h>

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <regex>
#include <set>

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
JsonReader RecordReader(const json& doc, const fs::path& file, const std::string& path = "") {
  return JsonReader(doc, path, [file](const std::string& key, const std::string& problem) {
    throw InputError(file.string() + ": " + key + ": " + problem);
  });
}

json ReadRecordFile(const fs::path& file, const std::string& missing) {
  if (!fs::exists(file)) throw InputError(file.string() + ": missing (" + missing + ")");
  return ReadJsonFile(file);
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
  // The run's cameras have a frame size the config allows (camera.width, camera.height).
  const Intrinsics& k = cam.intrinsics;
  CameraOptions size;
  size.width = k.width;
  size.height = k.height;
  try {
    CheckOptions(size, r.KeyPath(""));
  } catch (const InputError& e) {
    const std::string what = e.what();  // "frames[3].width: expected an integer in [16, 8192], got 5"
    const size_t colon = what.find(": ");
    r.Fail(what.substr(0, colon), what.substr(colon + 2));
  }
  r.Require("fx", std::isfinite(k.fx) && k.fx >= 1e-3 && k.fx <= 1e7, "expected a number in [0.001, 1e7]");
  r.Require("fy", std::isfinite(k.fy) && k.fy >= 1e-3 && k.fy <= 1e7, "expected a number in [0.001, 1e7]");
  r.Require("cx", std::isfinite(k.cx) && std::abs(k.cx) <= 1e7, "expected a number in [-1e7, 1e7]");
  r.Require("cy", std::isfinite(k.cy) && std::abs(k.cy) <= 1e7, "expected a number in [-1e7, 1e7]");
  const json& m = *r.Find("cam_from_world");
  const auto number = [&](int row, int col) -> double {
    if (!m.is_array() || m.size() != 4 || !m[row].is_array() || m[row].size() != 4 || !m[row][col].is_number())
      r.Fail(r.KeyPath("cam_from_world"), "expected 4 rows of 4 numbers");
    return m[row][col].get<double>();
  };
  for (int row = 0; row < 4; ++row)
    for (int col = 0; col < 4; ++col) cam.cam_from_world(row, col) = number(row, col);
  const Eigen::Matrix3d rotation = cam.cam_from_world.topLeftCorner<3, 3>();
  r.Require("cam_from_world",
            cam.cam_from_world.allFinite() && cam.cam_from_world.cwiseAbs().maxCoeff() <= 1e12 &&
                cam.cam_from_world.row(3).isApprox(Eigen::RowVector4d(0, 0, 0, 1)) &&
                (rotation.transpose() * rotation).isIdentity(1e-3) && rotation.determinant() > 0,
            "expected a rigid transform (rotation, translation, last row 0 0 0 1) of finite numbers");
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

// The keys of a frame record that readers (eval, resume) use, with their types;
// the rest is for people and is kept as it is.
void CheckFrameRecord(const json& frame, size_t i, const fs::path& file) {
  JsonReader r = RecordReader(frame, file, "frames[" + std::to_string(i) + "]");
  int index = -1, chosen = 0;
  r.Read("index", index);
  r.Require("index", index == static_cast<int>(i), "expected " + std::to_string(i));
  r.Read("chosen", chosen);
  for (const char* key : {"timings_ms", "diagnostics"})
    if (const json* values = r.Find(key)) r.Require(key, values->is_object(), "expected an object");
  if (r.Has("timings_ms")) {
    double total = 0;
    r.Child("timings_ms").Read("total", total);
  }
  if (const json* scores = r.Find("scores")) {
    r.Require("scores", scores->is_array(), "expected an array of numbers");
    for (const json& s : *scores) r.Require("scores", s.is_number() || s.is_null(), "expected an array of numbers");
  }
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
  if (r.status == "failed") j["error"] = r.error;
  if (r.status == "complete") {
    j["video_codec"] = r.video_codec;
    j["mesh"] = {{"vertices", r.mesh_vertices}, {"faces", r.mesh_faces}};
    j["seconds"] = r.seconds;
  }
  return j;
}

// A file as written: its size and FNV-1a 64 digest. Enough to notice a file that changed after the run wrote it
// (truncated by a crash, zeroed by a lost write, replaced); not a defence against deliberate forgery, which no
// unkeyed check is.
json FileRecordOf(const fs::path& file) {
  const std::string bytes = ReadFile(file);
  uint64_t hash = 14695981039346656037ull;
  for (const char c : bytes) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016" PRIx64, hash);
  return {{"bytes", bytes.size()}, {"fnv1a64", hex}};
}

// A value for a one-line message: long ones (a prompt) cut.
std::string Short(const json& value) { return value.is_null() ? "absent" : JsonReader::Brief(value); }

void CollectDifferences(const json& a,
                        const json& b,
                        const std::string& path,
                        const std::string& a_label,
                        const std::string& b_label,
                        std::vector<std::string>& out) {
  if (b.is_string() && b.get<std::string>() == "auto") return;
  if (a.is_object() && b.is_object()) {
    std::set<std::string> keys;
    for (const auto& item : a.items()) keys.insert(item.key());
    for (const auto& item : b.items()) keys.insert(item.key());
    for (const std::string& key : keys) {
      const auto ia = a.find(key), ib = b.find(key);
      CollectDifferences(ia == a.end() ? json() : *ia,
                         ib == b.end() ? json() : *ib,
                         path.empty() ? key : path + "." + key,
                         a_label,
                         b_label,
                         out);
    }
    return;
  }
  if (a != b) out.push_back(path + " (" + a_label + ": " + Short(a) + ", " + b_label + ": " + Short(b) + ")");
}

void AppendTensor(std::string& out, const at::Tensor& t) {
  const at::Tensor c = t.contiguous();
  out.append(static_cast<const char*>(c.data_ptr()), c.numel() * c.element_size());
}

// `rows` x `cols` values of `type` at `offset`. The counts come from the file,
// so they are held to the bytes the file holds before anything is allocated.
at::Tensor TakeTensor(
    const std::string& data, size_t& offset, int64_t rows, int64_t cols, at::ScalarType type, const fs::path& file) {
  const uint64_t element = c10::elementSize(type);
  const uint64_t left = data.size() - std::min(offset, data.size());
  if (rows < 0 || cols < 0 || (cols > 0 && static_cast<uint64_t>(rows) > left / element / static_cast<uint64_t>(cols)))
    throw InputError(file.string() + ": truncated or damaged state file (" + std::to_string(rows) + " x " +
                     std::to_string(cols) + " values declared, " + std::to_string(left) + " bytes left)");
  at::Tensor t = at::empty({rows, cols}, type);
  const size_t bytes = static_cast<size_t>(rows * cols) * element;
  // An empty tensor's data_ptr() is null, and memcpy from or to null is undefined even for 0 bytes (UBSan, found
  // by fuzz_run_state: a frame that adds no vertex).
  if (bytes > 0) std::memcpy(t.data_ptr(), data.data() + offset, bytes);
  offset += bytes;
  return t;
}

}  // namespace

std::string ConfigDifferences(const json& made_with,
                              const json& asked,
                              const std::string& made_with_label,
                              const std::string& asked_label) {
  std::vector<std::string> differences;
  CollectDifferences(made_with, asked, "", made_with_label, asked_label, differences);
  std::string text;
  for (const auto& d : differences) text += (text.empty() ? "" : "; ") + d;
  return text;
}

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
    const json doc = ReadJsonFile(file);
    std::string status;
    RecordReader(doc, file).ReadChoice("status", status, {"running", "complete", "failed"});
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
  r.ReadChoice("status", record.status, {"running", "complete", "failed"});
  r.Read("error", record.error);
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
  for (size_t i = 0; i < record.frames.size(); ++i) CheckFrameRecord(record.frames[i], i, file);
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
  r.Require("next_index", next >= 0, "expected an integer >= 0, got " + std::to_string(next));
  return next;
}

std::optional<double> RunFolder::SavedMedianDepth0() const {
  if (!fs::exists(dir_ / "state" / "state.json")) return std::nullopt;
  const json s = ReadState(dir_);
  JsonReader r = RecordReader(s, dir_ / "state" / "state.json");
  double median = 0;
  r.Read("median_depth0", median);
  return median > 0 && std::isfinite(median) ? std::optional<double>(median) : std::nullopt;
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
  r.Require("next_index",
            saved >= next_index && next_index >= 1,
            "expected an integer >= " + std::to_string(std::max(next_index, 1)) + ", got " + std::to_string(saved));
  r.Read("median_depth0", state.median_depth0);
  r.Require("median_depth0",
            std::isfinite(state.median_depth0) && state.median_depth0 > 0,
            "expected a number > 0, got " + JsonReader::Brief(*r.Find("median_depth0")));
  if (r.Has("path_limit")) r.Read("path_limit", state.path_limit);
  r.Read("height", h);
  r.Read("width", w);
  // The frame size (camera.width/height are at most 8192); the depth file must hold exactly h x w floats.
  r.Require("height", h >= 1 && h <= 65535, "expected an integer in [1, 65535], got " + std::to_string(h));
  r.Require("width", w >= 1 && w <= 65535, "expected an integer in [1, 65535], got " + std::to_string(w));
  std::vector<at::Tensor> v, c, f;
  int64_t vertices = 0, faces = 0;
  for (int i = 0; i < next_index; ++i) {
    const fs::path file = dir_ / "state" / "mesh" / FrameFileName(i, ".bin");
    if (!fs::exists(file)) throw InputError(file.string() + ": missing (the run's state is incomplete)");
    const std::string data = ReadFile(file);
    if (data.size() < sizeof(kMeshMagic) + 32 || std::memcmp(data.data(), kMeshMagic, sizeof(kMeshMagic)) != 0)
      throw InputError(file.string() + ": not a scenescape mesh delta");
    int64_t header[4];  // vertices before, new vertices, faces before, new faces
    std::memcpy(header, data.data() + sizeof(kMeshMagic), sizeof(header));
    for (const int64_t count : header)
      if (count < 0 || count > std::numeric_limits<int32_t>::max())
        throw InputError(file.string() + ": damaged mesh delta (a count of " + std::to_string(count) + ")");
    if (i > 0 && header[0] == 0 && header[2] == 0) {
      // A delta that starts from nothing replaces the mesh (mesh.keep = last_frame).
      v.clear(), c.clear(), f.clear();
      vertices = faces = 0;
    }
    if (header[0] != vertices || header[2] != faces)
      throw InputError(file.string() + ": does not continue the previous frames' mesh");
    size_t offset = sizeof(kMeshMagic) + sizeof(header);
    v.push_back(TakeTensor(data, offset, header[1], 3, at::kFloat, file));
    c.push_back(TakeTensor(data, offset, header[1], 3, at::kFloat, file));
    f.push_back(TakeTensor(data, offset, header[3], 3, at::kInt, file));
    if (offset != data.size()) throw InputError(file.string() + ": damaged mesh delta (bytes after the faces)");
    if (!at::isfinite(v.back()).all().item<bool>() || !at::isfinite(c.back()).all().item<bool>())
      throw InputError(file.string() + ": damaged mesh delta (a vertex or colour that is not a finite number)");
    vertices += header[1];
    faces += header[3];
    // A frame's faces may use every vertex up to its own last one.
    if (header[3] > 0) {
      const at::Tensor& added = f.back();
      const int64_t lo = added.min().item<int64_t>(), hi = added.max().item<int64_t>();
      if (lo < 0 || hi >= vertices)
        throw InputError(file.string() + ": damaged mesh delta (face vertex index " + std::to_string(lo < 0 ? lo : hi) +
                         " outside [0, " + std::to_string(vertices) + "))");
    }
    if (vertices > std::numeric_limits<int32_t>::max())
      throw InputError(file.string() + ": damaged mesh delta (more vertices than int32 face indices reach)");
  }
  state.mesh = Mesh{at::cat(v).contiguous(), at::cat(c).contiguous(), at::cat(f).contiguous()};
  state.mesh.Validate();
  for (int i = 0; i < next_index; ++i) {
    const fs::path depth_file = dir_ / "state" / "depth" / FrameFileName(i, ".f32");
    if (!fs::exists(depth_file)) throw InputError(depth_file.string() + ": missing (the run's state is incomplete)");
    const std::string raw = ReadFile(depth_file);
    if (raw.size() != static_cast<uint64_t>(h * w) * sizeof(float))
      throw InputError(depth_file.string() + ": " + std::to_string(raw.size()) + " bytes, expected " +
                       std::to_string(h) + " x " + std::to_string(w) + " float32 (state.json height, width)");
    size_t offset = 0;
    state.frame_depths.push_back(TakeTensor(raw, offset, h, w, at::kFloat, depth_file));
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
  RemoveProducts();
  // Leftover temporaries anywhere in the run (an interrupted atomic write).
  std::vector<fs::path> temporaries;
  for (const auto& entry : fs::recursive_directory_iterator(dir_))
    if (entry.path().filename().string().find(".tmp-") != std::string::npos) temporaries.push_back(entry.path());
  for (const auto& p : temporaries) fs::remove(p);
}

void RunFolder::RemoveProducts() const {
  for (const char* product : {"video.mp4", "video_reverse.mp4", "mesh.ply", "mesh.obj", "mesh.glb", "transforms.json"})
    fs::remove(dir_ / product);
  fs::remove_all(dir_ / "colmap");
}

std::string RunFolder::DifferencesFromRun(const Config& run,
                                          const Config& asked,
                                          const std::string& asked_label) const {
  json a = ConfigToJson(asked);
  const json r = ConfigToJson(run);
  if (fs::path(run.trajectory.file) == fs::absolute(dir_ / "trajectory.json"))
    a["trajectory"]["file"] = r["trajectory"]["file"];
  return ConfigDifferences(r, a, "run.json", asked_label);
}

void RunFolder::CheckSameConfigAsState(const Config& config) const {
  const fs::path state_file = dir_ / "state" / "state.json";
  if (!fs::exists(state_file)) return;
  const json state = ReadState(dir_);
  const auto made_with = state.find("config");
  if (made_with == state.end()) return;
  const std::string differences = ConfigDifferences(*made_with, ConfigToJson(config), "state/state.json", "run.json");
  if (!differences.empty())
    throw InputError((dir_ / "run.json").string() +
                     ": config differs from the one the finished frames were made with: " + differences +
                     "; a run cannot mix two configs (start a new run with --out)");
}

int RunFolder::FirstDamagedFrame(int next_index, std::string* problem) const {
  const fs::path state_file = dir_ / "state" / "state.json";
  problem->clear();
  if (next_index <= 0) return next_index;
  const json state = ReadState(dir_);
  const auto files = state.find("files");
  if (files == state.end()) {
    *problem = state_file.string() +
               ": no file records (written by an older scenescape); the finished frames are "
               "not verified";
    return next_index;
  }
  const auto fail = [&](const std::string& key, const std::string& what) -> int {
    throw InputError(state_file.string() + ": " + key + ": " + what);
  };
  if (!files->is_array() || static_cast<int64_t>(files->size()) < next_index)
    fail("files", "expected one entry per finished frame (" + std::to_string(next_index) + ")");
  for (int i = 0; i < next_index; ++i) {
    const json& frame = (*files)[i];
    const std::string key = "files[" + std::to_string(i) + "]";
    if (frame.is_null()) continue;  // a frame an older version wrote: nothing recorded
    if (!frame.is_object()) fail(key, "expected an object of file records");
    for (const auto& item : frame.items()) {
      const fs::path relative(item.key());
      const json& rec = item.value();
      bool inside = !relative.empty() && relative.is_relative();
      for (const auto& part : relative) inside = inside && part != "..";
      if (!inside)
        fail(key,
             ""
             " + item.key() + "
             " is not a path inside the run folder");
      const auto bytes = rec.is_object() ? rec.find("bytes") : rec.end();
      const auto digest = rec.is_object() ? rec.find("fnv1a64") : rec.end();
      if (bytes == rec.end() || !bytes->is_number_unsigned() || digest == rec.end() || !digest->is_string())
        fail(key + "." + item.key(), "expected {\"bytes\": N, \"fnv1a64\": \"...\"}");
      const fs::path file = dir_ / relative;
      const std::string frame_text = " when frame " + std::to_string(i) + " was written";
      std::error_code ec;
      const auto size = fs::file_size(file, ec);
      if (ec) {
        *problem = file.string() + ": missing (it had " + bytes->dump() + " bytes" + frame_text + ")";
        return i;
      }
      if (size != bytes->get<uint64_t>()) {
        *problem = file.string() + ": " + std::to_string(size) + " bytes, but " + bytes->dump() + frame_text +
                   " (damaged after the run wrote it)";
        return i;
      }
      if (FileRecordOf(file)["fnv1a64"] != *digest) {
        *problem = file.string() + ": content differs from what was written" + frame_text +
                   " (FNV-1a 64 digest; damaged after the run wrote it)";
        return i;
      }
    }
  }
  return next_index;
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
  record_.error.clear();
  cameras_.clear();
  files_ = json::array();
  frames_written_ = frames_done_ = first_frame;
  if (first_frame == 0) {
    record_.frames = json::array();
    record_.depth_png_scale.reset();
    return;
  }
  // The file records of the frames kept; null (not verified) for frames an older version wrote.
  const json state = ReadState(dir_);
  const auto files = state.find("files");
  for (int i = 0; i < first_frame; ++i)
    files_.push_back(files != state.end() && files->is_array() && i < static_cast<int>(files->size()) ? (*files)[i]
                                                                                                      : json());
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
  // Every file of the frame, relative to the run folder; recorded in state.json once written.
  std::vector<std::string> written;
  const auto file = [&](const std::string& sub, const std::string& file_name) {
    written.push_back(sub + "/" + file_name);
    return dir_ / sub / file_name;
  };
  WriteImagePng(file("frames", name), r.image);
  const int64_t clipped = WriteDepthPng16(file("depth", name), r.depth, depth_scale);
  if (clipped > 0) SCN_LOG_DEBUG("frame {}: {} depth values exceed the 16-bit range", r.index, clipped);
  WriteDepthPreview(file("depth", FrameFileName(r.index, "_preview.png")), r.depth);
  WriteMaskPng(file("masks", name), r.holes);
  if (r.warped.defined()) WriteImagePng(file("warped", name), r.warped);
  if (record_.config.output.keep_candidates) {
    for (size_t k = 0; k < r.candidates.size(); ++k)
      WriteImagePng(file("candidates", FrameFileName(r.index, "_" + std::to_string(k) + ".png")), r.candidates[k]);
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
  WriteAtomically(file("state/mesh", FrameFileName(r.index, ".bin")), blob);
  std::string raw;
  AppendTensor(raw, r.depth.to(at::kFloat));
  WriteAtomically(file("state/depth", FrameFileName(r.index, ".f32")), raw);
  // Read back: the record describes what is on disk, whoever wrote it (OpenCV's encoders included).
  json records = json::object();
  for (const std::string& relative : written) records[relative] = FileRecordOf(dir_ / relative);
  files_.erase(files_.begin() + std::min<size_t>(r.index, files_.size()), files_.end());
  while (static_cast<int>(files_.size()) < r.index) files_.push_back(json());
  files_.push_back(std::move(records));

  WriteCameras(dir_ / "cameras.json", cameras_, depth_scale);
  WriteAtomically(dir_ / "run.json", RecordJson(record_).dump(1));
  // Last: the frame counts as done once state.json names it.
  json s = {{"next_index", r.index + 1},
            {"median_depth0", state.median_depth0},
            {"mesh_vertices", nv},
            {"mesh_faces", nf},
            {"height", r.depth.size(0)},
            {"width", r.depth.size(1)},
            {"config", ConfigToJson(record_.config)},
            {"files", files_}};
  if (std::isfinite(state.path_limit)) s["path_limit"] = state.path_limit;
  WriteAtomically(dir_ / "state" / "state.json", s.dump(1));
  frames_done_ = r.index + 1;
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
  RunRecord complete = record_;
  complete.status = "complete";
  WriteAtomically(dir_ / "run.json", RecordJson(complete).dump(1));
  record_.status = "complete";  // only once run.json says so
}

void RunFolder::Fail(const std::string& error) noexcept {
  if (record_.status == "complete") return;  // a failure after the run was recorded complete changes nothing
  try {
    // The unfinished frame's files go too: the folder then holds only what the record says is done, and on a
    // full disk their space is what lets the failed record be written (a run that fills its disk in the
    // middle of a frame otherwise keeps saying "running").
    RemoveFramesFrom(frames_done_);
    record_.status = "failed";
    record_.error = error;
    json& frames = record_.frames;
    frames.erase(frames.begin() + std::min<size_t>(frames_done_, frames.size()), frames.end());
    WriteAtomically(dir_ / "run.json", RecordJson(record_).dump(1));
  } catch (const std::exception& e) {
    // Most likely the disk is still full; the run.json of the last finished frame says "running".
    SCN_LOG_DEBUG("{}: could not record the failure: {}", dir_.string(), e.what());
  }
}

}  // namespace scenescape
