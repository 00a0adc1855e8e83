#include "scenescape/mesh/mesh_io.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <fstream>

#include "scenescape/core/check.h"
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

}  // namespace
}  // namespace scenescape
