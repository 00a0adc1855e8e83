// The torch back end's ranking stage: CLIP cosine similarity between the prompt
// and each candidate.
#include <ATen/ATen.h>

#include "scenescape/models/clip_model.h"
#include "stages.h"

namespace scenescape::torch_backend {
namespace {

class ClipScorer : public CandidateScorer {
 public:
  ClipScorer(const ClipManifest& manifest, c10::Device device) : model_(manifest, device), device_(device) {}
  std::string Name() const override { return "clip"; }

  std::vector<double> Score(const std::vector<at::Tensor>& candidates,
                            const at::Tensor&,
                            const at::Tensor&,
                            const FrameContext& ctx) override {
    if (ctx.prompt != cached_prompt_) {
      prompt_embedding_ = model_.EncodePrompts({ctx.prompt});
      cached_prompt_ = ctx.prompt;
    }
    std::vector<at::Tensor> batch;
    for (const auto& c : candidates) batch.push_back(c.permute({2, 0, 1}));
    const at::Tensor images = at::stack(batch).to(device_);
    const at::Tensor sim = ClipModel::Similarity(model_.EncodeImages(images), prompt_embedding_).to(at::kCPU);
    std::vector<double> scores;
    for (int64_t k = 0; k < sim.size(0); ++k) scores.push_back(sim[k][0].item<double>());
    return scores;
  }

 private:
  ClipModel model_;
  c10::Device device_;
  std::string cached_prompt_;
  at::Tensor prompt_embedding_;
};

}  // namespace

std::shared_ptr<CandidateScorer> MakeClipScorer(const ClipManifest& manifest, c10::Device device) {
  return std::make_shared<ClipScorer>(manifest, device);
}

}  // namespace scenescape::torch_backend
