#include "scenescape/mesh/mesh_builder.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

namespace scenescape {
namespace {

Camera SmallCamera(int size = 32) {
  Camera cam;
  cam.intrinsics = Intrinsics().Scaled(size / 512.0);
  return cam;
}

TEST(Unproject, MatchesCameraUnproject) {
  Camera cam = SmallCamera();
  cam.cam_from_world = LookAt({0.3, -0.2, -1}, {0, 0, 2}, {0, -1, 0});
  const at::Tensor depth = at::rand({32, 32}) + 1.0f;
  const at::Tensor points = UnprojectDepth(depth, cam);
  for (int v : {0, 7, 31}) {
    for (int u : {0, 13, 31}) {
      const Eigen::Vector3d p = cam.Unproject(u + 0.5, v + 0.5, depth[v][u].item<float>());
      for (int k = 0; k < 3; ++k) EXPECT_NEAR(points[v][u][k].item<float>(), p[k], 1e-5);
    }
  }
}

TEST(AddFrame, FirstFrameTriangulatesEveryQuadFacingTheCamera) {
  const Camera cam = SmallCamera();
  Mesh mesh = Mesh::Empty();
  const auto stats = AddFrameToMesh(
      mesh, at::rand({32, 32, 3}), at::full({32, 32}, 2.0f), at::ones({32, 32}, at::kBool), at::Tensor(), cam, {});
  EXPECT_EQ(stats.new_vertices, 32 * 32);
  EXPECT_EQ(mesh.NumFaces(), 2 * 31 * 31);
  mesh.Validate();
  // Normal of each face points towards the camera (negative z for a plane in front).
  const at::Tensor f = mesh.faces.to(at::kLong);
  const at::Tensor v0 = mesh.vertices.index_select(0, f.select(1, 0));
  const at::Tensor n = at::cross(
      mesh.vertices.index_select(0, f.select(1, 1)) - v0, mesh.vertices.index_select(0, f.select(1, 2)) - v0, -1);
  EXPECT_TRUE((n.select(1, 2) < 0).all().item<bool>());
}

TEST(AddFrame, StretchedFacesAtADepthStepAreRemoved) {
  const Camera cam = SmallCamera();
  at::Tensor depth = at::full({32, 32}, 1.0f);
  depth.narrow(1, 16, 16).fill_(4.0f);  // a wall edge: near left half, far right half
  Mesh mesh = Mesh::Empty();
  const auto stats =
      AddFrameToMesh(mesh, at::rand({32, 32, 3}), depth, at::ones({32, 32}, at::kBool), at::Tensor(), cam, {});
  // The column of quads bridging the step holds 2*31 faces seen edge-on: all removed.
  EXPECT_EQ(stats.removed_stretched, 2 * 31);
  EXPECT_EQ(mesh.NumFaces(), 2 * 31 * 31 - 2 * 31);
  // No remaining face spans more than a pixel's depth difference.
  const at::Tensor f = mesh.faces.to(at::kLong);
  const at::Tensor z = mesh.vertices.select(1, 2);
  const at::Tensor zf = at::stack(
      {z.index_select(0, f.select(1, 0)), z.index_select(0, f.select(1, 1)), z.index_select(0, f.select(1, 2))}, 1);
  EXPECT_LT((std::get<0>(zf.max(1)) - std::get<0>(zf.min(1))).max().item<float>(), 1e-4);
}

TEST(AddFrame, ObliqueSmoothSurfaceIsKept) {
  // A floor-like plane: smooth depth, no discontinuity, every face kept.
  const Camera cam = SmallCamera();
  const at::Tensor rows = at::arange(32, at::kFloat).unsqueeze(1).expand({32, 32});
  const at::Tensor depth = 1.0f + rows * 0.05f;
  Mesh mesh = Mesh::Empty();
  const auto stats =
      AddFrameToMesh(mesh, at::rand({32, 32, 3}), depth, at::ones({32, 32}, at::kBool), at::Tensor(), cam, {});
  EXPECT_EQ(stats.removed_stretched, 0);
  EXPECT_EQ(mesh.NumFaces(), 2 * 31 * 31);
}

TEST(AddFrame, LaterFramesAddOnlyHolePixelsAndStitch) {
  const Camera cam = SmallCamera();
  Mesh mesh = Mesh::Empty();
  at::Tensor first = at::zeros({32, 32}, at::kBool);
  first.narrow(1, 0, 20).fill_(true);
  AddFrameToMesh(mesh, at::rand({32, 32, 3}), at::full({32, 32}, 2.0f), first, at::Tensor(), cam, {});
  const int64_t v_before = mesh.NumVertices();
  const int64_t f_before = mesh.NumFaces();
  // Stitch ids: column 19 maps to the existing vertices of that column.
  at::Tensor stitch = at::full({32, 32}, -1, at::kInt);
  for (int v = 0; v < 32; ++v) stitch[v][19] = v * 20 + 19;
  const at::Tensor holes = first.logical_not();
  const auto stats = AddFrameToMesh(mesh, at::rand({32, 32, 3}), at::full({32, 32}, 2.0f), holes, stitch, cam, {});
  EXPECT_EQ(stats.new_vertices, holes.sum().item<int64_t>());
  EXPECT_EQ(mesh.NumVertices(), v_before + 32 * 12);
  // Quads between columns 19 and 20 are now bridged: 31 quads x 2 more faces.
  EXPECT_EQ(mesh.NumFaces() - f_before, 2 * 31 * 11 + 2 * 31);
  mesh.Validate();
}

TEST(StitchVertexIds, PicksTheNearestVertexOfTheFaceSeen) {
  Mesh mesh;
  mesh.vertices = at::tensor({0.f, 0.f, 1.f, 1.f, 0.f, 3.f, 0.f, 1.f, 2.f}).reshape({3, 3});
  mesh.colors = at::zeros({3, 3});
  mesh.faces = at::tensor({0, 1, 2}, at::kInt).reshape({1, 3});
  at::Tensor holes = at::zeros({3, 3}, at::kBool);
  holes[1][2] = true;
  const at::Tensor faces = at::zeros({3, 3}, at::kInt);
  const at::Tensor ids = StitchVertexIds(mesh, faces, holes, Eigen::Vector3d(1, 0, 3.2));
  EXPECT_EQ(ids[1][1].item<int>(), 1);   // neighbour of the hole: nearest vertex is #1
  EXPECT_EQ(ids[1][2].item<int>(), -1);  // the hole itself
  EXPECT_EQ(ids[0][0].item<int>(), -1);  // not adjacent to a hole
}

TEST(Morphology, OpeningRemovesSpecksAndKeepsBlocks) {
  at::Tensor m = at::zeros({10, 10}, at::kBool);
  m[1][1] = true;                                 // speck
  m.narrow(0, 4, 5).narrow(1, 4, 5).fill_(true);  // 5x5 block
  const at::Tensor opened = Open(m, 3);
  EXPECT_FALSE(opened[1][1].item<bool>());
  EXPECT_EQ(opened.sum().item<int64_t>(), 25);
  // Holes touching the image border survive opening (outside does not count).
  at::Tensor border = at::zeros({10, 10}, at::kBool);
  border.narrow(1, 0, 2).fill_(true);
  EXPECT_TRUE(Open(border, 3).equal(border));
}

}  // namespace
}  // namespace scenescape
