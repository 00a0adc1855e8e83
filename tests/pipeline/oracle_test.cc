// The oracle test: with the true depth and a perfect inpainter, the engine's
// reprojection and merging must reproduce the true renders along the default
// path, and the mesh must grow only by the hole pixels.
#include "scenescape/backends/oracle/oracle.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "scenescape/pipeline/scene_generator.h"
#include "scenescape/synth/procedural_room.h"
#include "testing.h"

namespace scenescape {
namespace {

TEST(Oracle, DefaultPathReproducesTheTrueScene) {
  const Mesh scene = MakeProceduralRoom();
  GeneratorOptions options;
  options.frames = 20;
  options.seed = 13;
  options.inpaint.num_candidates = 1;
  Stages stages;
  stages.depth = std::make_shared<OracleDepth>(scene);
  stages.inpainter = std::make_shared<OracleInpainter>(scene);
  SceneGenerator generator(options, stages);

  Camera start;
  const TrueView first = RenderTruth(scene, start);
  FrameResult r = generator.Start(first.rgb);
  EXPECT_EQ(r.mesh_vertices, 512 * 512);
  int64_t vertices = r.mesh_vertices;
  double worst = 1e9;
  while (!generator.Done()) {
    r = generator.Next();
    const TrueView truth = RenderTruth(scene, r.camera);
    const double psnr = testing::Psnr(r.image, truth.rgb);
    worst = std::min(worst, psnr);
    EXPECT_GE(psnr, 30.0) << "frame " << r.index;
    // Only the pixels that were holes became vertices.
    EXPECT_EQ(r.mesh_vertices - vertices, r.holes.sum().item<int64_t>()) << "frame " << r.index;
    EXPECT_EQ(r.mesh_update.new_vertices, r.holes.sum().item<int64_t>());
    // Something is generated each frame (the camera moves back), but most is reused.
    EXPECT_GT(r.holes.sum().item<int64_t>(), 0) << "frame " << r.index;
    EXPECT_LT(r.holes.to(at::kFloat).mean().item<double>(), 0.5) << "frame " << r.index;
    vertices = r.mesh_vertices;
  }
  RecordProperty("worst_psnr_db", std::to_string(worst));
  std::printf("worst frame PSNR: %.2f dB\n", worst);
}

}  // namespace
}  // namespace scenescape
