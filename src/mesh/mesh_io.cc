#include "scenescape/mesh/mesh_io.h"

#include <ATen/ATen.h>

#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "scenescape/core/check.h"
#include "scenescape/core/fs.h"

namespace scenescape {
namespace fs = std::filesystem;

namespace {

uint8_t ToByte(float c) {
  const float v = c < 0.f ? 0.f : (c > 1.f ? 1.f : c);
  return static_cast<uint8_t>(v * 255.f + 0.5f);
}

template <typename T>
void Append(std::string& out, const T& value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(T));
}

template <typename T>
T Take(const std::string& data, size_t& offset, const fs::path& path) {
  if (offset + sizeof(T) > data.size()) throw InputError(path.string() + ": PLY data is truncated");
  T value;
  std::memcpy(&value, data.data() + offset, sizeof(T));
  offset += sizeof(T);
  return value;
}

}  // namespace

void WritePly(const fs::path& path, const Mesh& mesh) {
  mesh.Validate();
  const at::Tensor v = mesh.vertices.contiguous().cpu();
  const at::Tensor c = mesh.colors.contiguous().cpu();
  const at::Tensor f = mesh.faces.contiguous().cpu();
  const int64_t nv = v.size(0), nf = f.size(0);
  std::ostringstream header;
  header << "ply\nformat binary_little_endian 1.0\ncomment scenescape mesh\n"
         << "element vertex " << nv << "\nproperty float x\nproperty float y\nproperty float z\n"
         << "property uchar red\nproperty uchar green\nproperty uchar blue\n"
         << "element face " << nf << "\nproperty list uchar int vertex_indices\nend_header\n";
  std::string out = header.str();
  out.reserve(out.size() + nv * 15 + nf * 13);
  const float* vp = v.data_ptr<float>();
  const float* cp = c.data_ptr<float>();
  const int32_t* fp = f.data_ptr<int32_t>();
  for (int64_t i = 0; i < nv; ++i) {
    out.append(reinterpret_cast<const char*>(vp + 3 * i), 12);
    for (int k = 0; k < 3; ++k) Append(out, ToByte(cp[3 * i + k]));
  }
  for (int64_t i = 0; i < nf; ++i) {
    Append(out, uint8_t{3});
    out.append(reinterpret_cast<const char*>(fp + 3 * i), 12);
  }
  WriteAtomically(path, out);
}

Mesh ReadPly(const fs::path& path) {
  if (!fs::exists(path)) throw InputError(path.string() + ": file not found");
  const std::string data = ReadFile(path);
  const size_t end = data.find("end_header\n");
  if (data.rfind("ply\n", 0) != 0 || end == std::string::npos)
    throw InputError(path.string() + ": not a PLY file (no 'ply' / 'end_header')");
  std::istringstream header(data.substr(0, end));
  std::string line, format;
  int64_t nv = -1, nf = -1;
  std::vector<std::string> vertex_props;
  std::string current;
  while (std::getline(header, line)) {
    std::istringstream ls(line);
    std::string word;
    ls >> word;
    if (word == "format") {
      ls >> format;
    } else if (word == "element") {
      int64_t count = 0;
      ls >> current >> count;
      if (current == "vertex") nv = count;
      if (current == "face") nf = count;
    } else if (word == "property" && current == "vertex") {
      std::string type, name;
      ls >> type >> name;
      vertex_props.push_back(type + " " + name);
    }
  }
  const std::vector<std::string> expected = {"float x", "float y", "float z", "uchar red", "uchar green", "uchar blue"};
  if (nv < 0 || nf < 0 || vertex_props != expected)
    throw InputError(path.string() +
                     ": unsupported PLY layout (expected float x,y,z + uchar red,green,blue and a face list)");
  Mesh mesh;
  mesh.vertices = at::empty({nv, 3}, at::kFloat);
  mesh.colors = at::empty({nv, 3}, at::kFloat);
  mesh.faces = at::empty({nf, 3}, at::kInt);
  float* vp = mesh.vertices.data_ptr<float>();
  float* cp = mesh.colors.data_ptr<float>();
  int32_t* fp = mesh.faces.data_ptr<int32_t>();
  size_t offset = end + std::strlen("end_header\n");
  if (format == "binary_little_endian") {
    for (int64_t i = 0; i < nv; ++i) {
      for (int k = 0; k < 3; ++k) vp[3 * i + k] = Take<float>(data, offset, path);
      for (int k = 0; k < 3; ++k) cp[3 * i + k] = Take<uint8_t>(data, offset, path) / 255.f;
    }
    for (int64_t i = 0; i < nf; ++i) {
      if (Take<uint8_t>(data, offset, path) != 3)
        throw InputError(path.string() + ": face " + std::to_string(i) + " is not a triangle");
      for (int k = 0; k < 3; ++k) fp[3 * i + k] = Take<int32_t>(data, offset, path);
    }
  } else if (format == "ascii") {
    std::istringstream body(data.substr(offset));
    for (int64_t i = 0; i < nv; ++i) {
      int r, g, b;
      body >> vp[3 * i] >> vp[3 * i + 1] >> vp[3 * i + 2] >> r >> g >> b;
      cp[3 * i] = r / 255.f, cp[3 * i + 1] = g / 255.f, cp[3 * i + 2] = b / 255.f;
    }
    for (int64_t i = 0; i < nf; ++i) {
      int n;
      body >> n >> fp[3 * i] >> fp[3 * i + 1] >> fp[3 * i + 2];
      if (n != 3) throw InputError(path.string() + ": face " + std::to_string(i) + " is not a triangle");
    }
    if (!body) throw InputError(path.string() + ": PLY data is truncated");
  } else {
    throw InputError(path.string() + ": unsupported PLY format '" + format + "'");
  }
  try {
    mesh.Validate();
  } catch (const Error& e) {
    throw InputError(path.string() + ": " + e.what());
  }
  return mesh;
}

void WriteObj(const fs::path& path, const Mesh& mesh) {
  mesh.Validate();
  const at::Tensor v = mesh.vertices.contiguous().cpu();
  const at::Tensor c = mesh.colors.contiguous().cpu();
  const at::Tensor f = mesh.faces.contiguous().cpu();
  const float* vp = v.data_ptr<float>();
  const float* cp = c.data_ptr<float>();
  const int32_t* fp = f.data_ptr<int32_t>();
  std::string out = "# scenescape mesh: vertex colours in [0,1]\n";
  char buf[160];
  for (int64_t i = 0; i < v.size(0); ++i) {
    const int n = std::snprintf(buf,
                                sizeof(buf),
                                "v %.7g %.7g %.7g %.4f %.4f %.4f\n",
                                vp[3 * i],
                                vp[3 * i + 1],
                                vp[3 * i + 2],
                                cp[3 * i],
                                cp[3 * i + 1],
                                cp[3 * i + 2]);
    out.append(buf, n);
  }
  for (int64_t i = 0; i < f.size(0); ++i) {
    const int n = std::snprintf(buf, sizeof(buf), "f %d %d %d\n", fp[3 * i] + 1, fp[3 * i + 1] + 1, fp[3 * i + 2] + 1);
    out.append(buf, n);
  }
  WriteAtomically(path, out);
}

}  // namespace scenescape
