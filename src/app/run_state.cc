#include "scenescape/app/run_state.h"

#include <ATen/ATen.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <regex>

#include "scenescape/core/check.h"
#include "scenescape/core/fs.h"

namespace scenescape {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr char kMeshMagic[8] = {'S', 'C', 'N', 'M', 'E', 'S', 'H', '1'};

std::string Name(int index, const char* ext) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%05d%s", index, ext);
  return buf;
}

void AppendTensor(std::string& out, const at::Tensor& t) {
  const at::Tensor c = t.contiguous();
  out.append(static_cast<const char*>(c.data_ptr()), c.numel() * c.element_size());
}

at::Tensor TakeTensor(const std::string& data, size_t& offset, at::IntArrayRef shape, at::ScalarType type,
                      const fs::path& file) {
  at::Tensor t = at::empty(shape, type);
  const size_t bytes = t.numel() * t.element_size();
  if (offset + bytes > data.size()) throw InputError(file.string() + ": truncated state file");
  std::memcpy(t.data_ptr(), data.data() + offset, bytes);
  offset += bytes;
  return t;
}

json ReadStateJson(const fs::path& run_dir) {
  const fs::path file = run_dir / "state" / "state.json";
  try {
    return json::parse(ReadFile(file));
  } catch (const json::exception& e) {
    throw InputError(file.string() + ": not valid JSON (" + e.what() + ")");
  }
}

}  // namespace

void SaveFrameData(const fs::path& run_dir, int index, const Mesh& mesh, int64_t new_vertices, int64_t new_faces,
                   const at::Tensor& depth) {
  EnsureWritableDir(run_dir / "state" / "mesh");
  EnsureWritableDir(run_dir / "state" / "depth");
  const int64_t nv = mesh.NumVertices(), nf = mesh.NumFaces();
  std::string blob(kMeshMagic, sizeof(kMeshMagic));
  const int64_t header[4] = {nv - new_vertices, new_vertices, nf - new_faces, new_faces};
  blob.append(reinterpret_cast<const char*>(header), sizeof(header));
  AppendTensor(blob, mesh.vertices.narrow(0, nv - new_vertices, new_vertices));
  AppendTensor(blob, mesh.colors.narrow(0, nv - new_vertices, new_vertices));
  AppendTensor(blob, mesh.faces.narrow(0, nf - new_faces, new_faces));
  WriteAtomically(run_dir / "state" / "mesh" / Name(index, ".bin"), blob);
  std::string raw;
  AppendTensor(raw, depth.to(at::kFloat));
  WriteAtomically(run_dir / "state" / "depth" / Name(index, ".f32"), raw);
}

void CommitFrameState(const fs::path& run_dir, int index, const Mesh& mesh, const at::Tensor& depth,
                      double median_depth0) {
  const int64_t nv = mesh.NumVertices(), nf = mesh.NumFaces();
  const json state = {{"next_index", index + 1},
                      {"median_depth0", median_depth0},
                      {"mesh_vertices", nv},
                      {"mesh_faces", nf},
                      {"height", depth.size(0)},
                      {"width", depth.size(1)}};
  WriteAtomically(run_dir / "state" / "state.json", state.dump(1));
}

bool HasFrameState(const fs::path& run_dir) { return fs::exists(run_dir / "state" / "state.json"); }

int SavedNextIndex(const fs::path& run_dir) {
  if (!HasFrameState(run_dir)) return 0;
  return ReadStateJson(run_dir).at("next_index").get<int>();
}

GeneratorState LoadGeneratorState(const fs::path& run_dir, int next_index) {
  const json s = ReadStateJson(run_dir);
  const fs::path state_file = run_dir / "state" / "state.json";
  int saved = 0;
  int64_t h = 0, w = 0;
  GeneratorState state;
  try {
    saved = s.at("next_index").get<int>();
    state.median_depth0 = s.at("median_depth0").get<double>();
    h = s.at("height").get<int64_t>();
    w = s.at("width").get<int64_t>();
  } catch (const json::exception& e) {
    throw InputError(state_file.string() + ": " + e.what());
  }
  SCN_CHECK(next_index >= 1 && next_index <= saved) << "cannot continue at frame " << next_index;
  std::vector<at::Tensor> v, c, f;
  int64_t vertices = 0, faces = 0;
  for (int i = 0; i < next_index; ++i) {
    const fs::path file = run_dir / "state" / "mesh" / Name(i, ".bin");
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
  const fs::path depth_file = run_dir / "state" / "depth" / Name(next_index - 1, ".f32");
  if (!fs::exists(depth_file)) throw InputError(depth_file.string() + ": missing (the run's state is incomplete)");
  const std::string raw = ReadFile(depth_file);
  size_t offset = 0;
  state.previous_depth = TakeTensor(raw, offset, {h, w}, at::kFloat, depth_file);
  state.next_index = next_index;
  return state;
}

void RemoveFramesFrom(const fs::path& run_dir, int first) {
  static const std::regex kFrameFile(R"((\d{5})(_.*)?\.(png|bin|f32))");
  for (const char* sub : {"frames", "depth", "masks", "warped", "candidates", "state/mesh", "state/depth"}) {
    const fs::path dir = run_dir / sub;
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      const std::string name = entry.path().filename().string();
      std::smatch m;
      const bool stale_temp = name.find(".tmp-") != std::string::npos;
      if (stale_temp || (std::regex_match(name, m, kFrameFile) && std::stoi(m[1]) >= first))
        fs::remove(entry.path());
    }
  }
  for (const char* product : {"video.mp4", "video_reverse.mp4", "mesh.ply", "mesh.obj", "mesh.glb", "transforms.json"})
    fs::remove(run_dir / product);
  fs::remove_all(run_dir / "colmap");
  // Leftover temporaries anywhere in the run (an interrupted atomic write).
  std::vector<fs::path> temporaries;
  for (const auto& entry : fs::recursive_directory_iterator(run_dir))
    if (entry.path().filename().string().find(".tmp-") != std::string::npos) temporaries.push_back(entry.path());
  for (const auto& p : temporaries) fs::remove(p);
}

}  // namespace scenescape
