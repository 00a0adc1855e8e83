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

// Produces candidates from distinct OpenCV algorithms, in this fixed order:
//   k = 0  Telea (cv::inpaint INPAINT_TELEA), radius 3       [Telea 2004]
//   k = 1  Navier-Stokes (cv::inpaint INPAINT_NS), radius 5  [Bertalmio et al. 2001]
//   k = 2  frequency-selective reconstruction (cv::xphoto::inpaint FSR_FAST)
//          [Seiler et al. 2015], run at half resolution because it costs ~1 s at
//          512x512 on a 2-core VM; the bilinearly upsampled result fills the
//          hole only. (Images under 64 px run at full size; a hole so
//          fragmented that no half-resolution pixel is fully known falls back
//          to Telea radius 5.)
//   k = 3  mirror: each hole pixel takes the known pixel mirrored across its
//          nearest known pixel (cv::distanceTransform labels). It continues
//          texture into the out-of-frame bands that backward camera motion
//          opens, where the fills above smear the edge colours into streaks.
//   k = 4  Telea, radius 9 (a smoother, longer-range fill)
//   k = 5  Navier-Stokes, radius 2 (a sharper, more local fill)
//   k >= 6 "<base>+texture<r>", r = k / 6: base fill b = k mod 6 plus
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
// Measured on a 512x512 image with a 28-px border hole (21% of the pixels),
// 2-core VM, best of 5: Telea r3 ~18 ms, NS r5 ~50 ms, FSR_FAST at 256x256
// ~280 ms (~1.1 s at full size, hence the half resolution; FSR_BEST ~5.4 s even
// at 256x256), Telea r9 ~115 ms, NS r2 ~10-15 ms, each textured variant
// ~5-10 ms on top of its (cached) base; all 10 candidates ~0.5 s.
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

  // The name of candidate k's method, e.g. "telea_r3", "fsr_fast_half",
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
