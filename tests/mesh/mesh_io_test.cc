#include "scenescape/mesh/mesh_io.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "scenescape/core/check.h"
#include "scenescape/core/fs.h"
#include "testing.h"

namespace scenescape {
namespace {

Mesh RandomMesh() {
  Mesh m;
  m.vertices = at::randn({50, 3});
  m.colors = at::randint(0, 256, {50, 3}).to(at::kFloat) / 255.0f;
  m.faces = at::randint(0, 50, {80, 3}).to(at::kInt);
  return m;
}

TEST(MeshIo, PlyRoundTripIsExact) {
  const auto dir = testing::CreateTestDir();
  const Mesh m = RandomMesh();
  WritePly(dir / "m.ply", m);
  const Mesh r = ReadPly(dir / "m.ply");
  EXPECT_TRUE(r.vertices.equal(m.vertices));
  EXPECT_TRUE(r.faces.equal(m.faces));
  EXPECT_TRUE(at::allclose(r.colors, m.colors, 0, 1e-6));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 1);  // no temporaries left
}

TEST(MeshIo, ObjHasOneLinePerElement) {
  const auto dir = testing::CreateTestDir();
  WriteObj(dir / "m.obj", RandomMesh());
  std::ifstream in(dir / "m.obj");
  int v = 0, f = 0;
  for (std::string line; std::getline(in, line);) {
    v += line.rfind("v ", 0) == 0;
    f += line.rfind("f ", 0) == 0;
  }
  EXPECT_EQ(v, 50);
  EXPECT_EQ(f, 80);
}

TEST(MeshIo, BadPlyNamesTheFile) {
  const auto dir = testing::CreateTestDir();
  std::ofstream(dir / "bad.ply") << "not a ply";
  try {
    ReadPly(dir / "bad.ply");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.ply"), std::string::npos);
  }
  EXPECT_THROW(ReadPly(dir / "missing.ply"), InputError);
}

// The header's counts and the face indices come from the file: they are held to
// the bytes present and to the vertex count, never trusted to size an allocation.
TEST(MeshIo, PlyCountsAndIndicesAreCheckedAgainstTheData) {
  const std::string ply = ReadFile(testing::SourceDir() / "tests" / "fuzz" / "corpus" / "ply" / "binary.ply");
  const Mesh mesh = ParsePly(ply, "m.ply");
  ASSERT_EQ(mesh.NumVertices(), 3);
  ASSERT_EQ(mesh.NumFaces(), 1);
  EXPECT_EQ(mesh.faces[0][2].item<int>(), 2);
  EXPECT_FLOAT_EQ(mesh.colors[1][1].item<float>(), 1.0f);
  const auto error = [](const std::string& data) {
    try {
      ParsePly(data, "m.ply");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const auto with = [&ply](const std::string& from, const std::string& to) {
    std::string s = ply;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  EXPECT_EQ(error(with("element vertex 3", "element vertex 4000000000000")),
            "m.ply: the header declares 4000000000000 vertices and 1 faces, more than the file's 58 bytes of data "
            "hold");
  EXPECT_EQ(error(with("element face 1", "element face 5")).find("m.ply: the header declares 3 vertices and 5"), 0u);
  EXPECT_EQ(error(with("element vertex 3", "element vertex -3")),
            "m.ply: element vertex: expected a count >= 0, got \"-3\"");
  std::string bad_index = ply;
  const int32_t far = 7;
  std::memcpy(&bad_index[bad_index.size() - 4], &far, 4);
  EXPECT_EQ(error(bad_index), "m.ply: face 0: vertex index 7 outside [0, 3)");
  EXPECT_EQ(error(with("property uchar blue\n", "")).find("m.ply: unsupported PLY layout"), 0u);
}

}  // namespace
}  // namespace scenescape
