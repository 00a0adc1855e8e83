#include "scenescape/io/gltf_export.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

#include "scenescape/core/check.h"
#include "scenescape/core/fs.h"

namespace scenescape {
namespace {
using json = nlohmann::json;

// glTF enums.
constexpr int kFloat = 5126;
constexpr int kUnsignedInt = 5125;
constexpr int kArrayBuffer = 34962;
constexpr int kElementArrayBuffer = 34963;
constexpr int kModePoints = 0;
constexpr int kModeTriangles = 4;
// GLB container.
constexpr uint32_t kGlbMagic = 0x46546C67;   // "glTF"
constexpr uint32_t kChunkJson = 0x4E4F534A;  // "JSON"
constexpr uint32_t kChunkBin = 0x004E4942;   // "BIN\0"

void AppendU32(std::string& out, uint32_t value) {
  // GLB is little-endian, as is every platform we build for.
  out.append(reinterpret_cast<const char*>(&value), 4);
}

void AppendBytes(std::string& out, const void* data, size_t size) { out.append(static_cast<const char*>(data), size); }

}  // namespace

float SrgbToLinear(float c) {
  c = std::clamp(c, 0.0f, 1.0f);
  return c <= 0.04045f ? c / 12.92f : std::pow((c + 0.055f) / 1.055f, 2.4f);
}

void WriteGlb(const std::filesystem::path& path, const Mesh& mesh, const GlbOptions& options) {
  mesh.Validate();
  const at::Tensor vertices = mesh.vertices.cpu().contiguous();
  const at::Tensor colors = mesh.colors.cpu().contiguous();
  const at::Tensor faces = mesh.faces.cpu().contiguous();
  const int64_t nv = vertices.size(0), nf = faces.size(0);
  SCN_CHECK(nv <= std::numeric_limits<uint32_t>::max() && 3 * nf <= std::numeric_limits<uint32_t>::max())
      << path.string() << ": mesh too large for glTF";

  json doc;
  doc["asset"] = {{"version", "2.0"}, {"generator", "scenescape"}};
  doc["scene"] = 0;
  std::string bin;

  if (nv == 0) {
    // Nothing to draw: a valid file with an empty scene (a mesh needs >= 1
    // primitive and an accessor >= 1 element).
    doc["scenes"] = json::array({json::object()});
  } else {
    // Positions, flipped to glTF's y-up axes, with their bounds.
    const float* v = vertices.data_ptr<float>();
    std::vector<float> positions(3 * nv);
    float lo[3], hi[3];
    for (int k = 0; k < 3; ++k) {
      lo[k] = std::numeric_limits<float>::infinity();
      hi[k] = -std::numeric_limits<float>::infinity();
    }
    for (int64_t i = 0; i < nv; ++i) {
      for (int k = 0; k < 3; ++k) {
        const float x = k == 0 ? v[3 * i] : -v[3 * i + k];
        SCN_CHECK(std::isfinite(x)) << path.string() << ": vertex " << i << " is not finite";
        positions[3 * i + k] = x;
        lo[k] = std::min(lo[k], x);
        hi[k] = std::max(hi[k], x);
      }
    }
    const float* c = colors.data_ptr<float>();
    std::vector<float> linear(3 * nv);
    for (int64_t i = 0; i < 3 * nv; ++i) {
      const float value = std::isfinite(c[i]) ? c[i] : 0.0f;
      linear[i] = options.srgb_colors ? SrgbToLinear(value) : std::clamp(value, 0.0f, 1.0f);
    }

    // One buffer: positions | colours | indices; all lengths are multiples of 4.
    const size_t vertex_bytes = 12 * static_cast<size_t>(nv);
    const size_t index_bytes = 12 * static_cast<size_t>(nf);
    AppendBytes(bin, positions.data(), vertex_bytes);
    AppendBytes(bin, linear.data(), vertex_bytes);
    if (nf > 0) {
      // int32 ids in [0, V) (validated) have the same bits as uint32.
      AppendBytes(bin, faces.data_ptr<int32_t>(), index_bytes);
    }

    json views = json::array();
    views.push_back({{"buffer", 0}, {"byteOffset", 0}, {"byteLength", vertex_bytes}, {"target", kArrayBuffer}});
    views.push_back(
        {{"buffer", 0}, {"byteOffset", vertex_bytes}, {"byteLength", vertex_bytes}, {"target", kArrayBuffer}});
    json accessors = json::array();
    accessors.push_back({{"bufferView", 0},
                         {"componentType", kFloat},
                         {"count", nv},
                         {"type", "VEC3"},
                         {"min", {lo[0], lo[1], lo[2]}},
                         {"max", {hi[0], hi[1], hi[2]}}});
    accessors.push_back({{"bufferView", 1}, {"componentType", kFloat}, {"count", nv}, {"type", "VEC3"}});
    json primitive = {{"attributes", {{"POSITION", 0}, {"COLOR_0", 1}}}, {"material", 0}};
    if (nf > 0) {
      views.push_back({{"buffer", 0},
                       {"byteOffset", 2 * vertex_bytes},
                       {"byteLength", index_bytes},
                       {"target", kElementArrayBuffer}});
      accessors.push_back({{"bufferView", 2}, {"componentType", kUnsignedInt}, {"count", 3 * nf}, {"type", "SCALAR"}});
      primitive["indices"] = 2;
      primitive["mode"] = kModeTriangles;
    } else {
      primitive["mode"] = kModePoints;
    }

    doc["scenes"] = json::array({{{"nodes", {0}}}});
    doc["nodes"] = json::array({{{"mesh", 0}, {"name", "scenescape"}}});
    doc["meshes"] = json::array({{{"primitives", json::array({primitive})}, {"name", "scene"}}});
    doc["materials"] =
        json::array({{{"pbrMetallicRoughness",
                       {{"baseColorFactor", {1.0, 1.0, 1.0, 1.0}}, {"metallicFactor", 0.0}, {"roughnessFactor", 1.0}}},
                      {"doubleSided", true},
                      {"extensions", {{"KHR_materials_unlit", json::object()}}}}});
    doc["extensionsUsed"] = {"KHR_materials_unlit"};
    doc["bufferViews"] = views;
    doc["accessors"] = accessors;
    doc["buffers"] = json::array({{{"byteLength", bin.size()}}});
  }

  // GLB: 12-byte header, JSON chunk padded with spaces, BIN chunk padded with
  // zeros, both to 4 bytes.
  std::string text = doc.dump();
  text.append((4 - text.size() % 4) % 4, ' ');
  bin.append((4 - bin.size() % 4) % 4, '\0');
  const size_t total = 12 + 8 + text.size() + (bin.empty() ? 0 : 8 + bin.size());
  SCN_CHECK(total <= std::numeric_limits<uint32_t>::max())
      << path.string() << ": mesh too large for a .glb file (" << total << " bytes, limit 4 GiB)";

  std::string out;
  out.reserve(total);
  AppendU32(out, kGlbMagic);
  AppendU32(out, 2);
  AppendU32(out, static_cast<uint32_t>(total));
  AppendU32(out, static_cast<uint32_t>(text.size()));
  AppendU32(out, kChunkJson);
  out += text;
  if (!bin.empty()) {
    AppendU32(out, static_cast<uint32_t>(bin.size()));
    AppendU32(out, kChunkBin);
    out += bin;
  }
  WriteAtomically(path, out);
}

}  // namespace scenescape
