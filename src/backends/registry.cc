#include "scenescape/backends/registry.h"

#include <memory>

#include "scenescape/backends/classical/inpaint.h"
#include "scenescape/backends/classical/layout.h"
#include "scenescape/backends/classical/scorer.h"
#include "scenescape/backends/oracle/oracle.h"
#include "scenescape/backends/torch/torch_backend.h"
#include "scenescape/core/check.h"
#include "scenescape/synth/procedural_room.h"

namespace scenescape {
namespace {

BackendStages MakeClassical(const Config&) {
  BackendStages b;
  b.stages.depth = std::make_shared<LayoutDepthEstimator>();
  b.stages.inpainter = std::make_shared<OpenCvInpainter>();
  b.stages.scorer = std::make_shared<SeamScorer>();
  b.stages.hole_filler = std::make_shared<TeleaHoleFiller>();
  b.description =
      "classical (no learned weights: scene-layout depth (room box, street or ground plane), OpenCV inpainting, seam "
      "scorer)";
  return b;
}

BackendStages MakeTorch(const Config& config) {
  TorchBackendOptions options;
  options.models_dir = config.models;
  options.device = config.device;
  options.sampler = config.sampler;
  options.inpaint = config.inpaint;
  options.finetune = config.finetune;
  const TorchBackend torch = MakeTorchBackend(options);
  BackendStages b;
  b.stages.depth = torch.depth;
  b.stages.inpainter = torch.inpainter;
  b.stages.scorer = torch.scorer;
  b.stages.hole_filler = std::make_shared<TeleaHoleFiller>();
  b.description = torch.description;
  return b;
}

BackendStages MakeOracle(const Config& config) {
  const Mesh room = MakeProceduralRoom();
  BackendStages b;
  b.stages.depth = std::make_shared<OracleDepth>(room);
  if (config.oracle.depth_noise > 0)
    b.stages.depth = std::make_shared<NoisyDepth>(b.stages.depth, config.oracle.depth_noise);
  b.stages.inpainter = std::make_shared<OracleInpainter>(room);
  b.stages.scorer = std::make_shared<SeamScorer>();
  b.stages.hole_filler = std::make_shared<TeleaHoleFiller>();
  b.description = "oracle (engine self-test: ground truth of the procedural room)";
  return b;
}

}  // namespace

const std::vector<BackendEntry>& BackendRegistry() {
  static const std::vector<BackendEntry> kEntries = {
      {Backend::kClassical, MakeClassical},
      {Backend::kTorch, MakeTorch},
      {Backend::kOracle, MakeOracle},
  };
  return kEntries;
}

BackendStages MakeBackend(Backend backend, const Config& config) {
  for (const BackendEntry& entry : BackendRegistry())
    if (entry.backend == backend) return entry.make(config);
  throw Error("no back end \"" + OptionName(backend) + "\" (\"auto\" must be resolved first)");
}

}  // namespace scenescape
