#pragma once
// The torch back end's three stages (pipeline/stages.h), one file each:
//   depth_estimator.cc     DepthModel, fine-tuned at test time against the mesh
//   diffusion_inpainter.cc Stable-Diffusion inpainting on a canvas with a border,
//                          decoder fine-tuning of the chosen candidate
//   clip_scorer.cc         CLIP cosine similarity to the prompt
// Private to the back end: MakeTorchBackend (torch_backend.h) builds them.

#include <c10/core/Device.h>

#include <memory>

#include "scenescape/diffusion/sampler_options.h"
#include "scenescape/finetune/finetune_options.h"
#include "scenescape/models/manifest.h"
#include "scenescape/pipeline/stages.h"

namespace scenescape::torch_backend {

std::shared_ptr<DepthEstimator> MakeDepthEstimator(const DepthManifest& manifest,
                                                   c10::Device device,
                                                   const FinetuneOptions& finetune);

// canvas_border: generated margin around frames >= 1 (inpaint.canvas_border).
std::shared_ptr<Inpainter> MakeDiffusionInpainter(const InpainterManifest& manifest,
                                                  c10::Device device,
                                                  const SamplerOptions& sampler,
                                                  int canvas_border,
                                                  const FinetuneOptions& finetune);

std::shared_ptr<CandidateScorer> MakeClipScorer(const ClipManifest& manifest, c10::Device device);

}  // namespace scenescape::torch_backend
