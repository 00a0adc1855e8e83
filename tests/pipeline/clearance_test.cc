// Camera paths against the mesh (pipeline/clearance.h): an analytic wall, then
// every built-in motion over the demo's procedural room and a synthetic box
// room, through the classical back end.
#include "scenescape/pipeline/clearance.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "backends/classical/focal_test_scenes.h"
#include "scenescape/backends/classical/inpaint.h"
#include "scenescape/backends/classical/layout.h"
#include "scenescape/backends/classical/scorer.h"
#include "scenescape/io/opencv_convert.h"
#include "scenescape/pipeline/scene_generator.h"
#include "scenescape/synth/procedural_room.h"

namespace scenescape {
namespace {

// A square wall facing the camera at z = `z`, 40 units wide, as a grid mesh.
Mesh Wall(double z) {
  const int n = 41;
  at::Tensor v = at::empty({n * n, 3}, at::kFloat);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      v[i * n + j][0] = static_cast<float>(j - 20);
      v[i * n + j][1] = static_cast<float>(i - 20);
      v[i * n + j][2] = static_cast<float>(z);
    }
  std::vector<int32_t> f;
  for (int i = 0; i + 1 < n; ++i)
    for (int j = 0; j + 1 < n; ++j) {
      const int a = i * n + j, b = a + 1, c = a + n, d = c + 1;
      f.insert(f.end(), {a, b, c, b, d, c});
    }
  at::Tensor faces = at::from_blob(f.data(), {static_cast<int64_t>(f.size() / 3), 3}, at::kInt).clone();
  return Mesh{v, at::full({n * n, 3}, 0.5f), faces};
}

Eigen::Vector3d Centre(const Eigen::Matrix4d& cam_from_world) {
  return -cam_from_world.topLeftCorner<3, 3>().transpose() * cam_from_world.topRightCorner<3, 1>();
}

TEST(Clearance, ForwardWalkSlowsAndStopsBeforeAWall) {
  const Mesh wall = Wall(3.0);
  Intrinsics k = Intrinsics().Scaled(64.0 / 512.0);
  Camera cam;
  cam.intrinsics = k;
  EXPECT_NEAR(CameraClearance(wall, cam), 3.0, 1e-4);

  TrajectoryOptions o;
  o.type = Motion::kForward;
  o.forward_step = 0.01;  // 0.1 median depths (1.0) per frame: 4.9 in 50 frames, through the wall
  const std::vector<PathFrame> planned = ComputePath(CameraPath(o), Eigen::Matrix4d::Identity(), 1.0, 50, 13);
  const double limit = SafePathLength(planned, k, wall, 0.5);
  EXPECT_NEAR(limit, 2.5, 0.1 / 256 + 1e-9);  // bisection on one 0.1 step, 8 halvings
  const std::vector<PathFrame> path = LimitPathLength(planned, limit);
  double previous_z = 0, previous_step = 1e9;
  for (size_t i = 1; i < path.size(); ++i) {
    const double z = Centre(path[i].cam_from_world).z();
    cam.cam_from_world = path[i].cam_from_world;
    EXPECT_GE(CameraClearance(wall, cam), 0.5) << "frame " << i;
    EXPECT_LT(z, limit);
    // Never backwards, never faster than planned, slowing down once past half the limit.
    EXPECT_GT(z - previous_z, 0.0) << "frame " << i;
    EXPECT_LE(z - previous_z, 0.1 + 1e-9) << "frame " << i;
    if (previous_z > 0.5 * limit) {
      EXPECT_LT(z - previous_z, previous_step) << "frame " << i;
    }
    previous_step = z - previous_z;
    previous_z = z;
  }
  EXPECT_LT(previous_step, 0.01);  // nearly stopped at the end
  // Within the limit nothing changes.
  EXPECT_TRUE(path[10].cam_from_world.isApprox(planned[10].cam_from_world));
}

Stages ClassicalStages() {
  Stages s;
  s.depth = std::make_shared<LayoutDepthEstimator>();
  s.inpainter = std::make_shared<OpenCvInpainter>();
  s.scorer = std::make_shared<SeamScorer>();
  s.hole_filler = std::make_shared<TeleaHoleFiller>();
  return s;
}

// Every built-in motion, 50 frames at 96x96: the final mesh is never nearer
// than kFraction x frame 0's median depth ahead of any camera of the run.
TEST(Clearance, PresetsKeepClearOfTheSceneMesh) {
  constexpr double kFraction = 0.2;
  const Intrinsics k = Intrinsics().Scaled(96.0 / 512.0);
  Camera first;
  first.intrinsics = k;
  testing::BoxScene box;
  box.box_min = {-2, -1.5, -1};
  box.box_max = {2, 1.5, 6};
  const std::vector<std::pair<const char*, at::Tensor>> scenes = {
      {"demo room", RenderTruth(MakeProceduralRoom(), first).rgb},
      {"box room", MatToTensor(testing::RenderBoxScene(box, k).bgr)}};
  for (const auto& [scene, image] : scenes) {
    for (Motion motion : {Motion::kRotations, Motion::kTranslations, Motion::kRound, Motion::kForward}) {
      GeneratorOptions options;
      options.frames = 50;
      options.seed = 13;
      options.intrinsics = k;
      options.inpaint.num_candidates = 2;
      options.warp.frustum_margin_px = 24;
      TrajectoryOptions t;
      t.type = motion;
      options.path = CameraPath(t);
      SceneGenerator generator(options, ClassicalStages());
      const FrameResult r0 = generator.Start(image);
      const double median = r0.depth.median().item<double>();
      while (!generator.Done()) generator.Next();
      double worst = 1e9;
      int worst_frame = 0;
      for (int i = 0; i < options.frames; ++i) {
        const double c = CameraClearance(generator.mesh(), generator.CameraAt(i)) / median;
        if (c < worst) worst = c, worst_frame = i;
      }
      std::printf("%s, %s: nearest surface ahead %.3f median depths (frame %d)\n",
                  scene,
                  OptionName(motion).c_str(),
                  worst,
                  worst_frame);
      EXPECT_GE(worst, kFraction) << scene << ", " << OptionName(motion) << ", frame " << worst_frame;
    }
  }
}

}  // namespace
}  // namespace scenescape
