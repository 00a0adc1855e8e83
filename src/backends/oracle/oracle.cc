#include "scenescape/backends/oracle/oracle.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "scenescape/core/check.h"
#include "scenescape/synth/procedural_room.h"

namespace scenescape {

at::Tensor OracleDepth::Estimate(const at::Tensor&, const at::Tensor&, const FrameContext& context) {
  at::Tensor depth = RenderTruth(scene_, context.camera).depth;
  SCN_CHECK((depth > 0).all().item<bool>()) << "oracle depth: the scene does not cover the view";
  return depth;
}

std::vector<at::Tensor> OracleInpainter::Inpaint(const at::Tensor& image,
                                                 const at::Tensor& hole_mask,
                                                 const FrameContext& context,
                                                 int num_candidates) {
  const at::Tensor truth = RenderTruth(scene_, context.camera).rgb;
  const at::Tensor filled = at::where(hole_mask.unsqueeze(-1), truth, image);
  return std::vector<at::Tensor>(num_candidates, filled);
}

at::Tensor NoisyDepth::Estimate(const at::Tensor& image, const at::Tensor& mesh_depth, const FrameContext& context) {
  at::Tensor depth = inner_->Estimate(image, mesh_depth, context);
  if (context.frame_index == 0 || noise_ <= 0) return depth;
  at::Generator gen = at::detail::createCPUGenerator(context.seed * 1000003ULL + context.frame_index);
  const at::Tensor n = at::randn(depth.sizes(), gen, at::kFloat);
  return depth * (1.0f + static_cast<float>(noise_) * n).clamp_min(0.2f);
}

}  // namespace scenescape
