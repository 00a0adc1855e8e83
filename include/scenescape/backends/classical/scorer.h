#pragma once
// A model-free candidate scorer: how seamlessly does a fill continue the known
// pixels across the hole boundary?
//
// Tensor conventions (pipeline/stages.h; CPU):
//   candidates[i], image: [H,W,3] float32 RGB in [0,1]
//   hole_mask:            [H,W]   bool, true = generated pixel
//
// The known side is read from `image`, the hole side from each candidate.
// Colours c are RGB vectors, ||.|| the Euclidean norm over the 3 channels,
// eps = 1/255 (one 8-bit step), w = 8 px the band width.
//   K = known pixels, H = hole pixels;
//   inner band B_in  = hole pixels within w px (chessboard) of a known pixel;
//   outer band B_out = known pixels within w px of a hole pixel;
//   seam pairs: 4-neighbours q in K, p = q + d in H (d a unit step).
//
//  S (seam):    linear extrapolation across the seam,
//               pred(p) = 2 c(q) - c(q - d)   (c(q) when q - d is not known),
//               E = mean over seam pairs of ||c(p) - pred(p)||,
//               R = mean over centred triples x-d, x, x+d all in K with x in
//                   B_out of ||c(x-d) - 2 c(x) + c(x+d)|| (the same error one
//                   step inside the known side),
//               S = E / (R + eps).   A faithful continuation gives S ~ 1 (0 for
//               an exact linear ramp); a visible seam gives S >> 1.
//  T (texture): G_in  = mean ||c(x+d) - c(x)|| over neighbour pairs inside B_in,
//               G_out = the same over pairs inside B_out,
//               T = |ln((G_in + eps) / (G_out + eps))|.  Penalises a fill that is
//               flatter (blurry, constant) or noisier than the known texture.
//  M (colour):  for each seam pair, the mean colour of the hole pixels in the
//               (2w+1)^2 window around p against the mean of the known pixels in
//               the window around q, relative to those known pixels' spread:
//               M = mean over seam pairs of ||mean_H(p) - mean_K(q)|| /
//                   (std_K(q) + eps), std_K the norm of the per-channel std.
//               Catches fills whose colour drifts away from the surroundings a
//               few pixels in, which S (one pixel deep) does not see. It is not
//               0 for a perfect fill, as the two window means sit ~w+1 px
//               apart: a linear ramp continued exactly gives M ~ 1.1-1.5, a
//               textured image ~0.5 (measured); the offset is shared by every
//               candidate of the same image and mask.
//  Y (symmetry): over the inner-band pixels p whose mirror image m = 2q - p
//               across their nearest known pixel q is known and textured
//               (||c(m) - c(q)|| > 4/255), the share whose fill reproduces the
//               mirror image (||c(p) - c(m)|| < 2/255): a mirrored copy, which
//               shows as a symmetry seam along the band edge, scores ~1; a
//               continuation or a translated copy ~0. Flat surroundings have
//               no such pixels (Y = 0).
//  Depth edges: with context.known_depth, the known pixels on the near side
//  of a depth edge at the hole (background_side.h: NearSideOfEdges) make no
//  seam pair and no mirror: a disocclusion is filled from the surface behind
//  the edge, and its colour rightly differs from the foreground's. (Without
//  this the scorer preferred fills that smear the foreground into the hole.)
//  When every seam pair lies on such an edge, all of them count.
//  score = -(S + T + M + Y); higher is better. A candidate with no hole pixels, or
//  a hole without known neighbours, scores 0.
// Cost at 512x512 on a 2-core VM: ~10 ms of set-up per call plus ~1-2 ms per
// candidate (11 candidates scored in ~21 ms).

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "scenescape/pipeline/stages.h"

namespace scenescape {

class SeamScorer : public CandidateScorer {
 public:
  std::string Name() const override { return "seam"; }
  std::vector<double> Score(const std::vector<at::Tensor>& candidates,
                            const at::Tensor& image,
                            const at::Tensor& hole_mask,
                            const FrameContext& context) override;

  // The three terms of one candidate's score (for logs and tests).
  struct Terms {
    double seam = 0.0;      // S
    double texture = 0.0;   // T
    double colour = 0.0;    // M
    double symmetry = 0.0;  // Y
    double Score() const { return -(seam + texture + colour + symmetry); }
  };
  // known_depth: [H,W] float32 depth of the known pixels (<= 0 in the holes)
  // or undefined; Score passes context.known_depth.
  std::vector<Terms> ScoreTerms(const std::vector<at::Tensor>& candidates,
                                const at::Tensor& image,
                                const at::Tensor& hole_mask,
                                const at::Tensor& known_depth = at::Tensor()) const;
};

}  // namespace scenescape
