#include "scenescape/backends/classical/depth.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <vector>

#include "focal_test_scenes.h"
#include "scenescape/backends/classical/layout.h"
#include "scenescape/backends/classical/vanishing.h"
#include "scenescape/core/timer.h"
#include "scenescape/io/opencv_convert.h"
#include "scenescape/synth/procedural_room.h"

namespace scenescape {
namespace {

using testing::BoxScene;
using testing::RenderBoxScene;
using testing::RenderedScene;

at::Tensor DepthTensor(const cv::Mat& depth) {
  return at::from_blob(const_cast<float*>(depth.ptr<float>()), {depth.rows, depth.cols}, at::kFloat).clone();
}

double Median(std::vector<double> v) {
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

double Pearson(const std::vector<double>& a, const std::vector<double>& b) {
  const double n = static_cast<double>(a.size());
  double ma = 0, mb = 0;
  for (size_t i = 0; i < a.size(); ++i) ma += a[i], mb += b[i];
  ma /= n;
  mb /= n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

struct Agreement {
  double median_rel_error;  // after the median-ratio scale fit
  double disparity_pearson;
};

// Compares `estimate` with `truth` on the pixels where `mask` (if defined) is true.
Agreement Compare(const at::Tensor& estimate, const at::Tensor& truth, const at::Tensor& mask = {}) {
  const float* e = estimate.data_ptr<float>();
  const float* t = truth.data_ptr<float>();
  const bool* m = mask.defined() ? mask.data_ptr<bool>() : nullptr;
  std::vector<double> ratio, de, dt;
  for (int64_t i = 0; i < truth.numel(); ++i) {
    if (m && !m[i]) continue;
    ratio.push_back(t[i] / e[i]);
    de.push_back(1.0 / e[i]);
    dt.push_back(1.0 / t[i]);
  }
  const double s = Median(ratio);
  std::vector<double> rel;
  for (size_t i = 0; i < ratio.size(); ++i) rel.push_back(std::abs(ratio[i] / s - 1.0));
  return {Median(rel), Pearson(de, dt)};
}

void ExpectPositiveFinite(const at::Tensor& depth, int h, int w) {
  ASSERT_EQ(depth.scalar_type(), at::kFloat);
  ASSERT_EQ(depth.dim(), 2);
  ASSERT_EQ(depth.size(0), h);
  ASSERT_EQ(depth.size(1), w);
  EXPECT_TRUE(at::isfinite(depth).all().item<bool>());
  EXPECT_GT(depth.min().item<float>(), 0.0f);
}

FrameContext ContextFor(const Intrinsics& k) {
  FrameContext context;
  context.camera.intrinsics = k;
  return context;
}

// A corridor seen almost straight ahead: its depth axis's VP is K R^T e_z.
TEST(BoxDepth, FindsCorridorVanishingPoint) {
  const Intrinsics k = Intrinsics::FromHorizontalFov(512, 512, 55);
  for (const auto& [yaw, pitch] : std::vector<std::pair<double, double>>{{0, 0}, {5, -3}, {-8, 6}}) {
    BoxScene scene;
    scene.box_min = {-2, -1.5, -1};
    scene.box_max = {2, 1.5, 25};
    scene.yaw_deg = yaw;
    scene.pitch_deg = pitch;
    const RenderedScene r = RenderBoxScene(scene, k);
    const Eigen::Vector3d h = scene.VanishingPoint(k, 2);
    const Eigen::Vector2d truth = h.head<2>() / h.z();

    LayoutDepthEstimator estimator;
    Timer timer;
    const at::Tensor depth = estimator.Estimate(MatToTensor(r.bgr), at::Tensor(), ContextFor(k));
    const double ms = timer.ElapsedMs();
    ExpectPositiveFinite(depth, 512, 512);
    const BoxModel& box = estimator.last_layout().box;
    EXPECT_TRUE(box.from_detection);
    const double err = (box.vanishing_point - truth).norm();
    std::cout << "corridor yaw " << yaw << " pitch " << pitch << ": VP " << box.vanishing_point.transpose() << " (true "
              << truth.transpose() << ", error " << err << " px), " << ms << " ms\n";
    EXPECT_LT(err, 3.0);
  }
}

struct CorridorCase {
  Eigen::Vector3d box_min, box_max, eye;
  double yaw, pitch;
  double max_rel_error;
  double noise_sigma = 0;
};

class BoxDepthCorridor : public ::testing::TestWithParam<CorridorCase> {};

TEST_P(BoxDepthCorridor, AgreesWithTrueDepth) {
  const CorridorCase c = GetParam();
  const Intrinsics k = Intrinsics::FromHorizontalFov(512, 512, 55);
  BoxScene scene;
  scene.box_min = c.box_min;
  scene.box_max = c.box_max;
  scene.eye = c.eye;
  scene.yaw_deg = c.yaw;
  scene.pitch_deg = c.pitch;
  scene.noise_sigma = c.noise_sigma;
  const RenderedScene r = RenderBoxScene(scene, k);
  const at::Tensor truth = DepthTensor(r.depth);

  LayoutDepthEstimator estimator;
  const at::Tensor depth = estimator.Estimate(MatToTensor(r.bgr), at::Tensor(), ContextFor(k));
  ExpectPositiveFinite(depth, 512, 512);
  const Agreement a = Compare(depth, truth);
  const BoxModel& box = estimator.last_layout().box;
  std::cout << SceneModelName(estimator.last_layout().model) << ": " << estimator.last_layout().reason << "\n";
  std::cout << "box: D " << box.back_depth << " r " << box.right << " l " << box.left << " d " << box.down << " u "
            << box.up << "; median rel error " << a.median_rel_error << ", disparity Pearson " << a.disparity_pearson
            << "\n";
  EXPECT_LT(a.median_rel_error, c.max_rel_error);
  EXPECT_GT(a.disparity_pearson, 0.9);
}

INSTANTIATE_TEST_SUITE_P(Corridors,
                         BoxDepthCorridor,
                         ::testing::Values(
                             // Square corridor, camera on its axis: the TIP assumption holds.
                             CorridorCase{{-2, -2, -1}, {2, 2, 12}, {0, 0, 0}, 0, 0, 0.15},
                             // Wide, low room, camera above the middle, looking slightly aside.
                             CorridorCase{{-3, -1.2, -1}, {3, 1.6, 9}, {0.4, 0, 0}, 4, 2, 0.15},
                             // Long narrow corridor.
                             CorridorCase{{-1.5, -1.5, -1}, {1.5, 1.5, 30}, {0, 0, 0}, 0, 0, 0.15},
                             // The wide room again, with pixel noise.
                             CorridorCase{{-3, -1.2, -1}, {3, 1.6, 9}, {0.4, 0, 0}, 4, 2, 0.15, 8}));

// Without measuring, the back wall spans back_wall_fraction of the way from the
// VP to each border; the result still correlates, less well.
TEST(BoxDepth, DefaultBackWallFraction) {
  const Intrinsics k = Intrinsics::FromHorizontalFov(512, 512, 55);
  BoxScene scene;
  scene.box_min = {-2, -2, -1};
  scene.box_max = {2, 2, 12};
  const RenderedScene r = RenderBoxScene(scene, k);
  BoxDepthOptions options;
  options.estimate_back_wall = false;
  LayoutOptions layout;
  layout.box = options;
  LayoutDepthEstimator estimator(layout);
  const at::Tensor depth = estimator.Estimate(MatToTensor(r.bgr), at::Tensor(), ContextFor(k));
  ExpectPositiveFinite(depth, 512, 512);
  const BoxModel& box = estimator.last_layout().box;
  const double ext = 256.0 / k.fx;  // tangent of the half field of view
  EXPECT_NEAR(box.right, options.back_wall_fraction * ext, 1e-3);
  EXPECT_NEAR(box.up, options.back_wall_fraction * ext, 1e-3);
  const Agreement a = Compare(depth, DepthTensor(r.depth));
  std::cout << "default back wall: median rel error " << a.median_rel_error << ", disparity Pearson "
            << a.disparity_pearson << "\n";
  EXPECT_GT(a.disparity_pearson, 0.8);
}

// The pure alignment step recovers a known scale exactly and keeps the mesh.
TEST(AlignDepthToMesh, RecoversKnownScale) {
  const Intrinsics k = Intrinsics::FromHorizontalFov(256, 256, 55);
  BoxScene scene;
  scene.box_min = {-2, -2, -1};
  scene.box_max = {2, 2, 12};
  scene.yaw_deg = 10;
  const at::Tensor truth = DepthTensor(RenderBoxScene(scene, k).depth);
  const double s = 3.7;
  at::Tensor hole = at::zeros({256, 256}, at::kBool);
  hole.slice(0, 60, 200).slice(1, 30, 150).fill_(true);
  const at::Tensor mesh = at::where(hole, at::full_like(truth, -1.0f), truth * static_cast<float>(s));

  const std::optional<double> fitted = FitDepthScale(truth, mesh);
  ASSERT_TRUE(fitted.has_value());
  EXPECT_NEAR(*fitted, s, 1e-5 * s);

  const at::Tensor out = AlignDepthToMesh(truth, mesh);
  ExpectPositiveFinite(out, 256, 256);
  // Known pixels keep the mesh depth; hole pixels are the scaled estimate
  // (the residual is zero, so seam blending changes nothing).
  EXPECT_TRUE(at::equal(out.masked_select(~hole), mesh.masked_select(~hole)));
  const double max_rel = ((out.masked_select(hole) / (truth.masked_select(hole) * s)) - 1).abs().max().item<double>();
  EXPECT_LT(max_rel, 1e-4);

  // Too few known pixels: no alignment, the estimate comes back unchanged.
  const at::Tensor none = at::full_like(truth, -1.0f);
  EXPECT_TRUE(at::equal(AlignDepthToMesh(truth, none), truth));
}

// Seam blending: with a mesh that departs smoothly from the estimate, the hole
// starts at the mesh's depth and returns to the scaled estimate within the band.
TEST(AlignDepthToMesh, BlendsTheSeam) {
  const int h = 200, w = 300;
  const at::Tensor estimate = at::full({h, w}, 2.0f);
  // mesh = 3 * estimate * (1 + 0.5 x / w): a log-ratio ramp.
  const at::Tensor ramp = 1.0f + 0.5f * at::arange(w, at::kFloat).div(w).unsqueeze(0).expand({h, w});
  at::Tensor hole = at::zeros({h, w}, at::kBool);
  hole.slice(0, 50, 150).slice(1, 100, 250).fill_(true);
  const at::Tensor mesh = at::where(hole, at::full_like(estimate, -1.0f), 6.0f * ramp);

  BoxDepthOptions options;  // blend_band_px = 24
  const at::Tensor blended = AlignDepthToMesh(estimate, mesh, options);
  options.blend_band_px = 0;
  const at::Tensor plain = AlignDepthToMesh(estimate, mesh, options);
  const double scale = *FitDepthScale(estimate, mesh);
  auto seam_step = [&](const at::Tensor& d) {  // across the hole's right edge
    const at::Tensor in = d.slice(0, 50, 150).select(1, 249);
    const at::Tensor out = d.slice(0, 50, 150).select(1, 250);
    return ((in / out) - 1).abs().max().item<double>();
  };
  std::cout << "scale " << scale << ", seam step blended " << seam_step(blended) << ", plain " << seam_step(plain)
            << "\n";
  EXPECT_LT(seam_step(blended), 0.01);
  EXPECT_GT(seam_step(plain), 0.1);
  // Beyond the band the blended depth is the scaled estimate.
  const at::Tensor deep = blended.slice(0, 80, 120).slice(1, 160, 190);
  EXPECT_TRUE(at::allclose(deep, at::full_like(deep, 2.0 * scale), 1e-5, 1e-5));
  ExpectPositiveFinite(blended, h, w);
}

// The estimator with mesh depth = s * truth outside a hole: the hole's depth
// comes out in the mesh's scale and joins the mesh without a step.
TEST(BoxDepth, AlignsToMeshDepth) {
  const Intrinsics k = Intrinsics::FromHorizontalFov(512, 512, 55);
  BoxScene scene;
  scene.box_min = {-2, -2, -1};
  scene.box_max = {2, 2, 12};
  const RenderedScene r = RenderBoxScene(scene, k);
  const at::Tensor truth = DepthTensor(r.depth);
  const double s = 0.23;
  at::Tensor hole = at::zeros({512, 512}, at::kBool);
  hole.slice(0, 100, 420).slice(1, 0, 220).fill_(true);
  const at::Tensor mesh = at::where(hole, at::full_like(truth, -1.0f), truth * static_cast<float>(s));

  BoxDepthOptions no_blend;
  no_blend.blend_band_px = 0;
  for (const BoxDepthOptions& options : {BoxDepthOptions(), no_blend}) {
    LayoutOptions layout;
    layout.box = options;
    LayoutDepthEstimator estimator(layout);
    Timer timer;
    const at::Tensor depth = estimator.Estimate(MatToTensor(r.bgr), mesh, ContextFor(k));
    const double ms = timer.ElapsedMs();
    ExpectPositiveFinite(depth, 512, 512);
    EXPECT_TRUE(at::equal(depth.masked_select(~hole), mesh.masked_select(~hole)));

    // Scale: the hole's depth over the scaled truth.
    const at::Tensor ratio = depth.masked_select(hole) / truth.masked_select(hole);
    const double scale = ratio.median().item<double>();
    const Agreement a = Compare(depth, truth, hole);
    // Seam: the relative depth step across the hole's right edge (col 219 | 220).
    const at::Tensor in = depth.slice(0, 100, 420).select(1, 219);
    const at::Tensor out = depth.slice(0, 100, 420).select(1, 220);
    const double step = ((in / out) - 1).abs().median().item<double>();
    std::cout << "blend " << options.blend_band_px << ": hole scale " << scale << " (mesh " << s
              << "), median rel error " << a.median_rel_error << ", Pearson " << a.disparity_pearson << ", seam step "
              << step << ", " << ms << " ms\n";
    EXPECT_NEAR(scale, s, 0.15 * s);
    EXPECT_LT(a.median_rel_error, 0.15);
    if (options.blend_band_px > 0) {
      EXPECT_LT(step, 0.02);
    }
  }
}

// Nothing to fit a box to: the ground model, near at the bottom, far at the top.
TEST(LayoutDepth, FeaturelessImageFallsBackToGround) {
  // Intrinsics made for twice the resolution are rescaled to the image.
  const Intrinsics k = Intrinsics::FromHorizontalFov(640, 480, 60);
  const at::Tensor image = at::full({240, 320, 3}, 0.3f);
  LayoutDepthEstimator estimator;
  const at::Tensor depth = estimator.Estimate(image, at::Tensor(), ContextFor(k));
  ExpectPositiveFinite(depth, 240, 320);
  EXPECT_EQ(estimator.last_layout().model, SceneModel::kGround);
  EXPECT_NE(estimator.last_layout().reason.find("no central vanishing point"), std::string::npos);
  EXPECT_NEAR(estimator.last_layout().horizon_y, 120, 1e-9);
  EXPECT_EQ(estimator.Choices().at("depth_model"), "ground");
  // Depth never increases downwards, and the bottom row is the nearest.
  const at::Tensor column = depth.select(1, 160);
  EXPECT_TRUE((column.slice(0, 1) <= column.slice(0, 0, -1)).all().item<bool>());
  EXPECT_LT(depth[239][160].item<float>(), depth[0][160].item<float>());
}

// The demo's start image (the built-in room at frame 0's camera): a room. Its
// plain ceiling is smooth and pale like an overcast sky, but outlined by the
// ceiling-wall edges and the beam's edge; taken for sky it made the model a
// street (no ceiling, the top of the image far).
TEST(LayoutDepth, DemoRoomIsARoom) {
  Camera camera;
  const TrueView truth = RenderTruth(MakeProceduralRoom(), camera);
  LayoutDepthEstimator estimator;
  const at::Tensor depth = estimator.Estimate(truth.rgb, at::Tensor(), ContextFor(camera.intrinsics));
  ExpectPositiveFinite(depth, 512, 512);
  const SceneLayout& layout = estimator.last_layout();
  EXPECT_EQ(layout.model, SceneModel::kRoom) << layout.reason;
  EXPECT_TRUE(layout.sky.empty()) << layout.reason;
  EXPECT_NE(layout.reason.find("outlined by straight lines"), std::string::npos) << layout.reason;
  // Against the true depth: the ceiling is near at the top, as the room is.
  const Agreement a = Compare(depth, truth.depth, truth.depth > 0);
  std::printf("demo room: %s\n  median relative error %.3f, disparity correlation %.3f\n",
              layout.reason.c_str(),
              a.median_rel_error,
              a.disparity_pearson);
  // Measured: 0.112 and 0.675; as a street (the sky taken, top far) 0.273 and 0.447.
  EXPECT_LT(a.median_rel_error, 0.2);
  EXPECT_GT(a.disparity_pearson, 0.55);
  const at::Tensor top = truth.depth.slice(0, 0, 64) > 0;
  EXPECT_LT(depth.slice(0, 0, 64).index({top}).median().item<float>(), depth.median().item<float>());
}

}  // namespace
}  // namespace scenescape
