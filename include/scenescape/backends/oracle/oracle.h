#pragma once
// The "oracle" back end: the engine self-test on the built-in procedural room
// (synth/procedural_room.h), whose true depth and appearance are known.

#include <memory>
#include <string>
#include <vector>

#include "scenescape/mesh/mesh.h"
#include "scenescape/pipeline/stages.h"

namespace scenescape {

// Stages that know the truth: depth = the true depth at the frame's camera;
// inpainting = the true render pasted into the holes (every candidate the same
// image, so the scorer does not matter). They prove that reprojection and
// merging are right, independent of any model.
class OracleDepth : public DepthEstimator {
 public:
  explicit OracleDepth(Mesh scene) : scene_(std::move(scene)) {}
  std::string Name() const override { return "oracle"; }
  at::Tensor Estimate(const at::Tensor& image, const at::Tensor& mesh_depth, const FrameContext& context) override;

 private:
  Mesh scene_;
};

class OracleInpainter : public Inpainter {
 public:
  explicit OracleInpainter(Mesh scene) : scene_(std::move(scene)) {}
  std::string Name() const override { return "oracle"; }
  std::vector<at::Tensor> Inpaint(const at::Tensor& image,
                                  const at::Tensor& hole_mask,
                                  const FrameContext& context,
                                  int num_candidates) override;

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
  at::Tensor Estimate(const at::Tensor& image, const at::Tensor& mesh_depth, const FrameContext& context) override;

 private:
  std::shared_ptr<DepthEstimator> inner_;
  double noise_;
};

}  // namespace scenescape
