#include "scenescape/mesh/mesh_io.h"

#include <ATen/ATen.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
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
T Take(const std::string& data, size_t& offset, const std::string& source) {
  if (offset + sizeof(T) > data.size()) throw InputError(source + ": PLY data is truncated");
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

Mesh ParsePly(const std::string& data, const std::string& source) {
  const auto fail = [&source](const std::string& problem) { throw InputError(source + ": " + problem); };
  const size_t end = data.find("end_header\n");
  if (data.rfind("ply\n", 0) != 0 || end == std::string::npos) fail("not a PLY file (no 'ply' / 'end_header')");
  std::istringstream header(data.substr(0, end));
  std::string line, format;
  // The one layout the tool writes: vertices (float x y z, uchar red green blue), then triangles.
  const std::vector<std::string> expected = {"element vertex",
                                             "property float x",
                                             "property float y",
                                             "property float z",
                                             "property uchar red",
                                             "property uchar green",
                                             "property uchar blue",
                                             "element face",
                                             "property list uchar int vertex_indices"};
  std::vector<std::string> layout;
  int64_t nv = -1, nf = -1;
  while (std::getline(header, line)) {
    std::istringstream ls(line);
    std::string word;
    ls >> word;
    if (word == "format") {
      ls >> format;
    } else if (word == "element") {
      std::string name, count_text;
      ls >> name >> count_text;
      int64_t count = -1;
      const auto [ptr, ec] = std::from_chars(count_text.data(), count_text.data() + count_text.size(), count);
      if (ec != std::errc() || ptr != count_text.data() + count_text.size() || count < 0)
        fail("element " + name + ": expected a count >= 0, got \"" + count_text + "\"");
      if (name == "vertex") nv = count;
      if (name == "face") nf = count;
      layout.push_back("element " + name);
    } else if (word == "property") {
      std::string rest;
      std::getline(ls, rest);
      layout.push_back("property" + rest);
    }
  }
  if (layout != expected)
    fail("unsupported PLY layout (expected float x,y,z + uchar red,green,blue and a face list of uchar int)");
  // The counts come from the file: they must fit the bytes it holds before anything is allocated (a binary
  // vertex is 15 bytes and a face 13; an ascii vertex at least 12 and a face 8), and face ids are int32.
  const size_t body = end + std::strlen("end_header\n");
  const uint64_t left = data.size() - body;
  const bool binary = format == "binary_little_endian";
  if (!binary && format != "ascii") fail("unsupported PLY format '" + format + "'");
  const uint64_t vertex_bytes = binary ? 15 : 12, face_bytes = binary ? 13 : 8;
  if (static_cast<uint64_t>(nv) > left / vertex_bytes ||
      static_cast<uint64_t>(nf) > (left - nv * vertex_bytes) / face_bytes || nv > std::numeric_limits<int32_t>::max())
    fail("the header declares " + std::to_string(nv) + " vertices and " + std::to_string(nf) +
         " faces, more than the file's " + std::to_string(left) + " bytes of data hold");
  Mesh mesh;
  mesh.vertices = at::empty({nv, 3}, at::kFloat);
  mesh.colors = at::empty({nv, 3}, at::kFloat);
  mesh.faces = at::empty({nf, 3}, at::kInt);
  float* vp = mesh.vertices.data_ptr<float>();
  float* cp = mesh.colors.data_ptr<float>();
  int32_t* fp = mesh.faces.data_ptr<int32_t>();
  size_t offset = body;
  if (binary) {
    for (int64_t i = 0; i < nv; ++i) {
      for (int k = 0; k < 3; ++k) vp[3 * i + k] = Take<float>(data, offset, source);
      for (int k = 0; k < 3; ++k) cp[3 * i + k] = Take<uint8_t>(data, offset, source) / 255.f;
    }
    for (int64_t i = 0; i < nf; ++i) {
      if (Take<uint8_t>(data, offset, source) != 3) fail("face " + std::to_string(i) + " is not a triangle");
      for (int k = 0; k < 3; ++k) fp[3 * i + k] = Take<int32_t>(data, offset, source);
    }
  } else {
    std::istringstream in(data.substr(offset));
    for (int64_t i = 0; i < nv; ++i) {
      int rgb[3] = {0, 0, 0};
      in >> vp[3 * i] >> vp[3 * i + 1] >> vp[3 * i + 2] >> rgb[0] >> rgb[1] >> rgb[2];
      for (int k = 0; k < 3; ++k) {
        if (in && (rgb[k] < 0 || rgb[k] > 255))
          fail("vertex " + std::to_string(i) + ": colour " + std::to_string(rgb[k]) + " outside [0, 255]");
        cp[3 * i + k] = rgb[k] / 255.f;
      }
    }
    for (int64_t i = 0; i < nf; ++i) {
      int n = 0;
      in >> n >> fp[3 * i] >> fp[3 * i + 1] >> fp[3 * i + 2];
      if (in && n != 3) fail("face " + std::to_string(i) + " is not a triangle");
    }
    if (!in) fail("PLY data is truncated or not numbers");
  }
  for (int64_t i = 0; i < 3 * nv; ++i)
    if (!std::isfinite(vp[i])) fail("vertex " + std::to_string(i / 3) + ": a coordinate is not a finite number");
  for (int64_t i = 0; i < 3 * nf; ++i)
    if (fp[i] < 0 || fp[i] >= nv)
      fail("face " + std::to_string(i / 3) + ": vertex index " + std::to_string(fp[i]) + " outside [0, " +
           std::to_string(nv) + ")");
  return mesh;
}

Mesh ReadPly(const fs::path& path) {
  if (!fs::exists(path)) throw InputError(path.string() + ": file not found");
  return ParsePly(ReadFile(path), path.string());
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
