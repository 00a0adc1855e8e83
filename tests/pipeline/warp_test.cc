#include "scenescape/pipeline/warp.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "scenescape/mesh/mesh_builder.h"

namespace scenescape {
namespace {

Camera SmallCamera() {
  Camera cam;
  cam.intrinsics = Intrinsics().Scaled(64.0 / 512.0);
  return cam;
}

Mesh WallAt(const Camera& cam, float depth) {
  Mesh mesh = Mesh::Empty();
  AddFrameToMesh(
      mesh, at::rand({64, 64, 3}), at::full({64, 64}, depth), at::ones({64, 64}, at::kBool), at::Tensor(), cam, {});
  return mesh;
}

TEST(Warp, SameCameraHasNoHoles) {
  const Camera cam = SmallCamera();
  const WarpResult w = WarpToCamera(WallAt(cam, 2.0f), cam, at::full({64, 64}, 2.0f), cam, {});
  // The grid spans pixel centres, so only the outermost half-pixel ring can be uncovered.
  EXPECT_FALSE(w.holes.narrow(0, 1, 62).narrow(1, 1, 62).any().item<bool>());
}

TEST(Warp, BackwardMotionOpensTheBorder) {
  const Camera cam = SmallCamera();
  Camera back = cam;
  back.cam_from_world(2, 3) = 0.5;  // t_z += 0.5: the camera moves backwards
  const WarpResult w = WarpToCamera(WallAt(cam, 2.0f), cam, at::full({64, 64}, 2.0f), back, {});
  // The old image shrinks to 2/2.5 of the view around the centre: a border of
  // about 64 * 0.1 = 6.4 pixels on each side becomes holes.
  EXPECT_TRUE(w.holes.narrow(1, 0, 5).all().item<bool>());
  EXPECT_TRUE(w.holes.narrow(1, 59, 5).all().item<bool>());
  EXPECT_FALSE(w.holes.narrow(0, 10, 44).narrow(1, 10, 44).any().item<bool>());
  EXPECT_TRUE(w.outside_previous.narrow(1, 0, 5).all().item<bool>());
  EXPECT_TRUE((w.depth.index({w.holes}) == -1).all().item<bool>());
  EXPECT_TRUE((w.rgb.index({w.holes}) == 1).all().item<bool>());
}

TEST(Warp, FrustumFixMarksOldGeometryOutsideThePreviousView) {
  // A wide wall covers far more than the previous view; moving back reveals its
  // outer parts, which lie outside the previous frustum: they must be holes.
  Camera wide = SmallCamera();
  wide.intrinsics.fx = wide.intrinsics.fy = wide.intrinsics.fx / 3.0;
  Mesh mesh = Mesh::Empty();
  AddFrameToMesh(
      mesh, at::rand({64, 64, 3}), at::full({64, 64}, 2.0f), at::ones({64, 64}, at::kBool), at::Tensor(), wide, {});
  const Camera cam = SmallCamera();
  Camera back = cam;
  back.cam_from_world(2, 3) = 0.5;
  WarpOptions fix, nofix;
  nofix.fix_floating_artifacts = false;
  const WarpResult a = WarpToCamera(mesh, cam, at::full({64, 64}, 2.0f), back, fix);
  const WarpResult b = WarpToCamera(mesh, cam, at::full({64, 64}, 2.0f), back, nofix);
  EXPECT_FALSE(b.holes.any().item<bool>());
  EXPECT_TRUE(a.holes.narrow(1, 0, 5).all().item<bool>());
  EXPECT_FALSE(a.holes.narrow(0, 10, 44).narrow(1, 10, 44).any().item<bool>());
}

TEST(Warp, OpeningSeparatesSpecks) {
  const Camera cam = SmallCamera();
  Mesh mesh = WallAt(cam, 2.0f);
  // Remove one face pair in the middle: a one-pixel-ish hole (a speck).
  const int64_t quad = 30 * 63 + 30;
  at::Tensor keep = at::ones({mesh.NumFaces()}, at::kBool);
  keep[2 * quad] = false;
  keep[2 * quad + 1] = false;
  mesh.faces = mesh.faces.index({keep}).contiguous();
  const WarpResult w = WarpToCamera(mesh, cam, at::full({64, 64}, 2.0f), cam, {});
  EXPECT_TRUE(w.holes.any().item<bool>());
  EXPECT_FALSE(w.opened.narrow(0, 1, 62).narrow(1, 1, 62).any().item<bool>());
  EXPECT_TRUE(w.specks.equal(w.holes & w.opened.logical_not()));
}

}  // namespace
}  // namespace scenescape
