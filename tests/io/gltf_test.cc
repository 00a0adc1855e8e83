#include <ATen/ATen.h>
#include <Eigen/Geometry>
#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <set>

#include "scenescape/core/check.h"
#include "scenescape/core/fs.h"
#include "scenescape/io/gltf_export.h"
#include "testing.h"

// TinyGLTF (Debian's libtinygltf-dev header) compiled into this test only, to
// read the files back; no image support is needed.
#define TINYGLTF_IMPLEMENTATION
#define TINYGLTF_NO_STB_IMAGE
#define TINYGLTF_NO_STB_IMAGE_WRITE
#define TINYGLTF_NO_EXTERNAL_IMAGE
#include <tiny_gltf.h>

namespace scenescape {
namespace {
namespace fs = std::filesystem;

Mesh RandomMesh(int64_t nv, int64_t nf) {
  Mesh mesh;
  mesh.vertices = at::randn({nv, 3}, at::kFloat) * 3;
  mesh.colors = at::rand({nv, 3}, at::kFloat);
  mesh.faces = at::randint(0, std::max<int64_t>(nv, 1), {nf, 3}, at::kInt);
  return mesh;
}

// Loads a .glb with TinyGLTF and expects no error and no warning.
tinygltf::Model Load(const fs::path& path) {
  tinygltf::TinyGLTF loader;
  tinygltf::Model model;
  std::string err, warn;
  const bool ok = loader.LoadBinaryFromFile(&model, &err, &warn, path.string());
  EXPECT_TRUE(ok) << err;
  EXPECT_EQ(err, "");
  EXPECT_EQ(warn, "");
  return model;
}

// The elements of an accessor, as T, checking its type on the way.
template <typename T>
std::vector<T> Read(const tinygltf::Model& model, int accessor_id, int component_type, int type) {
  const tinygltf::Accessor& a = model.accessors.at(accessor_id);
  EXPECT_EQ(a.componentType, component_type);
  EXPECT_EQ(a.type, type);
  EXPECT_FALSE(a.normalized);
  const tinygltf::BufferView& view = model.bufferViews.at(a.bufferView);
  const tinygltf::Buffer& buffer = model.buffers.at(view.buffer);
  const size_t components = tinygltf::GetNumComponentsInType(a.type);
  EXPECT_EQ(view.byteStride, 0u);  // tightly packed
  const size_t bytes = a.count * components * sizeof(T);
  EXPECT_LE(view.byteOffset + a.byteOffset + bytes, buffer.data.size());
  EXPECT_EQ((view.byteOffset + a.byteOffset) % sizeof(T), 0u);
  std::vector<T> out(a.count * components);
  std::memcpy(out.data(), buffer.data.data() + view.byteOffset + a.byteOffset, bytes);
  return out;
}

std::set<std::string> ListDir(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

uint32_t U32(const std::string& bytes, size_t offset) {
  uint32_t v;
  std::memcpy(&v, bytes.data() + offset, 4);
  return v;
}

TEST(Glb, SrgbToLinear) {
  EXPECT_EQ(SrgbToLinear(0.0f), 0.0f);
  EXPECT_NEAR(SrgbToLinear(1.0f), 1.0f, 1e-6);
  EXPECT_NEAR(SrgbToLinear(0.5f), 0.2140411f, 1e-6);
  EXPECT_NEAR(SrgbToLinear(0.04f), 0.04f / 12.92f, 1e-7);  // linear toe
  EXPECT_NEAR(SrgbToLinear(1.5f), 1.0f, 1e-6);             // clamped
  EXPECT_EQ(SrgbToLinear(-0.5f), 0.0f);
}

TEST(Glb, RoundTripThroughTinyGltf) {
  const fs::path dir = testing::CreateTestDir();
  const fs::path path = dir / "mesh.glb";
  const Mesh mesh = RandomMesh(257, 301);
  WriteGlb(path, mesh);
  EXPECT_EQ(ListDir(dir), std::set<std::string>{"mesh.glb"});  // no temporary left

  const tinygltf::Model model = Load(path);
  EXPECT_EQ(model.asset.version, "2.0");
  ASSERT_EQ(model.scenes.size(), 1u);
  EXPECT_EQ(model.defaultScene, 0);
  ASSERT_EQ(model.scenes[0].nodes, std::vector<int>{0});
  ASSERT_EQ(model.nodes.size(), 1u);
  const tinygltf::Node& node = model.nodes[0];
  EXPECT_EQ(node.mesh, 0);
  // The axis flip is in the data, not in a node transform.
  EXPECT_TRUE(node.matrix.empty());
  EXPECT_TRUE(node.rotation.empty());
  EXPECT_TRUE(node.translation.empty());
  EXPECT_TRUE(node.scale.empty());
  ASSERT_EQ(model.meshes.size(), 1u);
  ASSERT_EQ(model.meshes[0].primitives.size(), 1u);
  const tinygltf::Primitive& prim = model.meshes[0].primitives[0];
  EXPECT_EQ(prim.mode, TINYGLTF_MODE_TRIANGLES);
  ASSERT_EQ(prim.attributes.size(), 2u);
  ASSERT_EQ(model.buffers.size(), 1u);

  // Positions: (x, -y, -z), bit-exact, with exact min / max.
  const int pos_id = prim.attributes.at("POSITION");
  const tinygltf::Accessor& pos = model.accessors[pos_id];
  ASSERT_EQ(pos.count, 257u);
  const std::vector<float> positions = Read<float>(model, pos_id, TINYGLTF_COMPONENT_TYPE_FLOAT, TINYGLTF_TYPE_VEC3);
  const at::Tensor expected = mesh.vertices * at::tensor({1.0f, -1.0f, -1.0f}, at::kFloat).view({1, 3});
  const at::Tensor got = at::from_blob(const_cast<float*>(positions.data()), {257, 3}, at::kFloat);
  EXPECT_TRUE(at::equal(got, expected));
  ASSERT_EQ(pos.minValues.size(), 3u);
  ASSERT_EQ(pos.maxValues.size(), 3u);
  for (int k = 0; k < 3; ++k) {
    EXPECT_EQ(static_cast<float>(pos.minValues[k]), expected.select(1, k).min().item<float>()) << k;
    EXPECT_EQ(static_cast<float>(pos.maxValues[k]), expected.select(1, k).max().item<float>()) << k;
  }

  // Colours: float RGB, the sRGB decode of the mesh's values.
  const int col_id = prim.attributes.at("COLOR_0");
  ASSERT_EQ(model.accessors[col_id].count, 257u);
  const std::vector<float> colors = Read<float>(model, col_id, TINYGLTF_COMPONENT_TYPE_FLOAT, TINYGLTF_TYPE_VEC3);
  const float* c = mesh.colors.data_ptr<float>();
  for (size_t i = 0; i < colors.size(); ++i) ASSERT_EQ(colors[i], SrgbToLinear(c[i])) << i;

  // Indices: uint32, the faces in order.
  ASSERT_GE(prim.indices, 0);
  ASSERT_EQ(model.accessors[prim.indices].count, 3u * 301u);
  const std::vector<uint32_t> indices =
      Read<uint32_t>(model, prim.indices, TINYGLTF_COMPONENT_TYPE_UNSIGNED_INT, TINYGLTF_TYPE_SCALAR);
  const int32_t* f = mesh.faces.data_ptr<int32_t>();
  for (size_t i = 0; i < indices.size(); ++i) ASSERT_EQ(indices[i], static_cast<uint32_t>(f[i])) << i;

  // Buffer views carry their targets; the material is unlit, double-sided.
  EXPECT_EQ(model.bufferViews[pos.bufferView].target, TINYGLTF_TARGET_ARRAY_BUFFER);
  EXPECT_EQ(model.bufferViews[model.accessors[prim.indices].bufferView].target, TINYGLTF_TARGET_ELEMENT_ARRAY_BUFFER);
  ASSERT_EQ(prim.material, 0);
  const tinygltf::Material& material = model.materials[0];
  EXPECT_TRUE(material.doubleSided);
  EXPECT_EQ(material.pbrMetallicRoughness.metallicFactor, 0.0);
  EXPECT_EQ(material.extensions.count("KHR_materials_unlit"), 1u);
  EXPECT_EQ(model.extensionsUsed, std::vector<std::string>{"KHR_materials_unlit"});
  EXPECT_TRUE(model.extensionsRequired.empty());
}

TEST(Glb, RawColorsWhenAsked) {
  const fs::path path = testing::CreateTestDir() / "raw.glb";
  Mesh mesh = RandomMesh(20, 10);
  mesh.colors.select(0, 0).fill_(1.25f);  // clamped to 1
  GlbOptions options;
  options.srgb_colors = false;
  WriteGlb(path, mesh, options);
  const tinygltf::Model model = Load(path);
  const std::vector<float> colors = Read<float>(
      model, model.meshes[0].primitives[0].attributes.at("COLOR_0"), TINYGLTF_COMPONENT_TYPE_FLOAT, TINYGLTF_TYPE_VEC3);
  const at::Tensor expected = mesh.colors.clamp(0, 1);
  const at::Tensor got = at::from_blob(const_cast<float*>(colors.data()), {20, 3}, at::kFloat);
  EXPECT_TRUE(at::equal(got, expected));
}

TEST(Glb, ContainerLayout) {
  const fs::path path = testing::CreateTestDir() / "mesh.glb";
  WriteGlb(path, RandomMesh(5, 3));
  const std::string bytes = ReadFile(path);
  ASSERT_GE(bytes.size(), 28u);
  EXPECT_EQ(bytes.substr(0, 4), "glTF");
  EXPECT_EQ(U32(bytes, 4), 2u);            // version
  EXPECT_EQ(U32(bytes, 8), bytes.size());  // total length
  const uint32_t json_length = U32(bytes, 12);
  EXPECT_EQ(bytes.substr(16, 4), "JSON");
  EXPECT_EQ(json_length % 4, 0u);
  const size_t bin_header = 20 + json_length;
  ASSERT_LE(bin_header + 8, bytes.size());
  EXPECT_EQ(bytes.substr(bin_header + 4, 4), std::string("BIN\0", 4));
  const uint32_t bin_length = U32(bytes, bin_header);
  EXPECT_EQ(bin_length, 5u * 12 * 2 + 3u * 12);
  EXPECT_EQ(bin_header + 8 + bin_length, bytes.size());
}

TEST(Glb, AxesAreYUpAndWindingIsKept) {
  // One triangle 5 in front of an identity camera, above the image centre
  // (OpenCV -y), wound so that cross(v1-v0, v2-v0) points back at the camera
  // (-z), as the mesh builder does.
  Mesh mesh;
  mesh.vertices = at::tensor({0.0f, -1.0f, 5.0f, 1.0f, -1.0f, 5.0f, 0.0f, -2.0f, 5.0f}, at::kFloat).view({3, 3});
  mesh.colors = at::full({3, 3}, 0.5f, at::kFloat);
  mesh.faces = at::tensor({0, 1, 2}, at::kInt).view({1, 3});
  const Eigen::Vector3f a(0, -1, 5), b(1, -1, 5), c(0, -2, 5);
  ASSERT_LT((b - a).cross(c - a).z(), 0.0f);

  const fs::path path = testing::CreateTestDir() / "tri.glb";
  WriteGlb(path, mesh);
  const tinygltf::Model model = Load(path);
  const std::vector<float> p = Read<float>(model,
                                           model.meshes[0].primitives[0].attributes.at("POSITION"),
                                           TINYGLTF_COMPONENT_TYPE_FLOAT,
                                           TINYGLTF_TYPE_VEC3);
  const Eigen::Vector3f g0(p[0], p[1], p[2]), g1(p[3], p[4], p[5]), g2(p[6], p[7], p[8]);
  // In glTF it is above the origin (+y) and in front of glTF's default camera (-z)...
  EXPECT_GT(g0.y(), 0.0f);
  EXPECT_LT(g0.z(), 0.0f);
  EXPECT_EQ(g2.y(), 2.0f);  // the higher point stays higher
  // ...and counter-clockwise seen from that camera: its normal points at it (+z).
  EXPECT_GT((g1 - g0).cross(g2 - g0).z(), 0.0f);
}

TEST(Glb, PointsAndEmptyMeshes) {
  const fs::path dir = testing::CreateTestDir();
  WriteGlb(dir / "points.glb", RandomMesh(7, 0));
  const tinygltf::Model points = Load(dir / "points.glb");
  ASSERT_EQ(points.meshes.size(), 1u);
  EXPECT_EQ(points.meshes[0].primitives[0].mode, TINYGLTF_MODE_POINTS);
  EXPECT_EQ(points.meshes[0].primitives[0].indices, -1);
  EXPECT_EQ(points.accessors.size(), 2u);

  WriteGlb(dir / "empty.glb", Mesh::Empty());
  const tinygltf::Model empty = Load(dir / "empty.glb");
  EXPECT_EQ(empty.scenes.size(), 1u);
  EXPECT_TRUE(empty.meshes.empty());
  EXPECT_TRUE(empty.buffers.empty());
}

TEST(Glb, RejectsBadMeshesWithoutLeavingFiles) {
  const fs::path dir = testing::CreateTestDir();
  Mesh bad = RandomMesh(4, 2);
  bad.faces[0][0] = 9;  // out of range
  EXPECT_THROW(WriteGlb(dir / "bad.glb", bad), Error);
  Mesh nan = RandomMesh(4, 2);
  nan.vertices[1][2] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW(WriteGlb(dir / "nan.glb", nan), Error);
  EXPECT_THROW(WriteGlb(dir / "missing" / "x.glb", RandomMesh(4, 2)), OutputError);
  EXPECT_TRUE(ListDir(dir).empty());
}

}  // namespace
}  // namespace scenescape
