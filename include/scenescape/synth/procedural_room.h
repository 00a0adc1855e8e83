#pragma once
// A procedural textured 3D scene whose true depth and appearance are known:
// a long hall (floor, walls, ceiling, end walls) with a crate and a pillar,
// coloured by smooth procedural textures baked into a finely tessellated mesh.
// Used as the built-in demo's starting image and as the ground truth of the
// oracle tests.
//
// World frame: the default camera sits at the origin looking down +z, +y is
// down (floor at y = floor_y > 0), units are metres-like.

#include <memory>

#include "scenescape/geometry/camera.h"
#include "scenescape/mesh/mesh.h"
#include "scenescape/pipeline/stages.h"

namespace scenescape {

struct RoomOptions {
  double half_width = 2.0;    // walls at x = +-half_width
  double floor_y = 1.2;       // floor plane (y down)
  double ceiling_y = -1.8;    // ceiling plane
  double z_front = 9.0;       // far end wall, in front of the start camera
  double z_back = -30.0;      // end wall behind the start camera
  double spacing = 0.05;      // tessellation step of the true mesh
  bool props = true;          // add the crate and the pillar (depth discontinuities)
};

// The true scene as a mesh (vertices in world, colours in [0,1]).
Mesh MakeProceduralRoom(const RoomOptions& options = {});

// Renders the true scene at `camera` (2x supersampled), giving the image and depth
// a perfect model would produce there: rgb [H,W,3], depth [H,W] (-1 where empty).
struct TrueView {
  at::Tensor rgb;
  at::Tensor depth;
};
TrueView RenderTruth(const Mesh& scene, const Camera& camera);

// Stages that know the truth: depth = the true depth at the frame's camera;
// inpainting = the true render pasted into the holes (every candidate the same
// image, so the scorer does not matter). They prove that reprojection and
// merging are right, independent of any model.
class OracleDepth : public DepthEstimator {
 public:
  explicit OracleDepth(Mesh scene) : scene_(std::move(scene)) {}
  std::string Name() const override { return "oracle"; }
  at::Tensor Estimate(const at::Tensor& image, const at::Tensor& mesh_depth,
                      const FrameContext& context) override;

 private:
  Mesh scene_;
};

class OracleInpainter : public Inpainter {
 public:
  explicit OracleInpainter(Mesh scene) : scene_(std::move(scene)) {}
  std::string Name() const override { return "oracle"; }
  std::vector<at::Tensor> Inpaint(const at::Tensor& image, const at::Tensor& hole_mask,
                                  const FrameContext& context, int num_candidates) override;

 private:
  Mesh scene_;
};

// Wraps a depth estimator and multiplies its depth by (1 + noise * n), n ~ N(0,1)
// per pixel, for frames >= 1 (seeded from (seed, frame)): a controlled error for
// showing that the consistency metrics notice bad depth.
class NoisyDepth : public DepthEstimator {
 public:
  NoisyDepth(std::shared_ptr<DepthEstimator> inner, double noise) : inner_(std::move(inner)), noise_(noise) {}
  std::string Name() const override { return inner_->Name() + "+noise"; }
  at::Tensor Estimate(const at::Tensor& image, const at::Tensor& mesh_depth,
                      const FrameContext& context) override;

 private:
  std::shared_ptr<DepthEstimator> inner_;
  double noise_;
};

}  // namespace scenescape
