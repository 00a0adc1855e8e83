#pragma once
// The classical (model-free) inpainting back end, built on OpenCV.
//
// Tensor conventions (pipeline/stages.h; CPU):
//   image:     [H,W,3] float32 RGB in [0,1]; values under the hole are ignored
//   hole_mask: [H,W]   bool, true = the pixel must be generated
// Every returned image keeps the known pixels of `image` bit-exactly; only the
// hole pixels are replaced.

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "scenescape/pipeline/stages.h"

namespace scenescape {

// Produces candidates from distinct fills, in this fixed order:
//   k = 0  background: depth-guided, for disocclusions. With
//          context.known_depth, a hole pixel that lies between known pixels
//          (classical/background_side.h: Enclosed; a band outside the
//          previous view does not) and next to a depth edge takes the mean
//          of two background-side estimates, as depth-image-based rendering
//          fills disocclusions: the mean (weights 1 / distance^2) of its
//          far-side neighbours among the nearest known pixels along the 8
//          grid directions, and Telea r3 with the foreground within 16 px
//          of the edge masked too (NearSideOfEdges); the other hole pixels
//          take Navier-Stokes r5. Without depth, the mean of all 8
//          neighbours. (Hand-written: no OpenCV fill takes depth.)
//   k = 1  offset_copy: exemplar synthesis for larger holes and the bands
//          outside the previous view: each region (a hole component cut into
//          48-px tiles) copies real texture from one offset, the one whose
//          shifted ring of known pixels matches the ring around the region
//          best (details in inpaint.cc; hand-written: xphoto's
//          INPAINT_SHIFTMAP does this per pixel and took 91 s for one 512x512
//          frame here). Disocclusions (with context.known_depth) and pixels no
//          offset covers take the background fill of k = 0.
//   k = 2  Telea (cv::inpaint INPAINT_TELEA), radius 3       [Telea 2004]
//   k = 3  Navier-Stokes (cv::inpaint INPAINT_NS), radius 5  [Bertalmio et al. 2001]
// Dropped: xphoto's frequency-selective reconstruction (it won no frame on
// the photos of docs/benchmarks.md and cost 25-45% of a frame) and the mirror
// fill (mirrored copies with symmetry seams at every band edge; the scorer
// now penalises that, classical/scorer.h).
//   k >= 4 "<base>+texture<r>", r = k / 4: base fill b = k mod 4 plus
//          low-amplitude structured noise. The noise is Gaussian white noise
//          blurred with sigma 1 px (grain rather than pixel speckle),
//          normalised to unit variance, then scaled per pixel and channel to
//          the high-frequency standard deviation of the known pixels nearby
//          (image minus its 5x5-Gaussian blur, averaged over a 31x31 window of
//          known pixels; where fewer than 16 known pixels are that close, the
//          value over the known pixels within 16 px of the hole), times 0.5
//          for the first round of variants, 0.75 for the next, then 1.0. The
//          noise std is at least 1/255 so every variant differs from its base.
//          The noise is seeded from (context.seed, context.frame_index, k), so
//          runs repeat.
// The algorithms work on the 8-bit quantised image (OpenCV's inpainting needs
// 8-bit colour); the results are returned as float32 in [0,1].
//
// Costs at 512x512 on the 2-core VM: docs/benchmarks.md ("The classical
// 50-frame demo", per-stage times).
class OpenCvInpainter : public Inpainter {
 public:
  std::string Name() const override { return "opencv"; }
  // Throws InputError when hole_mask is all true (nothing to continue from)
  // and Error for malformed tensors. With no hole every candidate is a copy of
  // `image`.
  std::vector<at::Tensor> Inpaint(const at::Tensor& image,
                                  const at::Tensor& hole_mask,
                                  const FrameContext& context,
                                  int num_candidates) override;

  // The name of candidate k's method, e.g. "background", "telea_r3",
  // "ns_r5+texture1"; for logs and reports.
  static std::string CandidateName(int k);
};

// The reference's small-hole fill: cv::inpaint INPAINT_TELEA, radius 3, on the
// 8-bit image. image [H,W,3] float32 in [0,1], mask [H,W] bool (true = fill).
// Returns [H,W,3] float32; pixels outside the mask are bit-exact copies. An
// empty mask returns a copy; a full mask throws InputError.
class TeleaHoleFiller : public SmallHoleFiller {
 public:
  at::Tensor Fill(const at::Tensor& image, const at::Tensor& mask) override;
};

}  // namespace scenescape
