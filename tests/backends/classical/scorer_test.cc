#include "scenescape/backends/classical/scorer.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdio>

#include "scenescape/backends/classical/inpaint.h"
#include "scenescape/core/check.h"
#include "testing.h"

namespace scenescape {
namespace {

at::Tensor Ramp(int h, int w) {
  const at::Tensor x = at::linspace(0, 1, w).view({1, w}).expand({h, w});
  const at::Tensor y = at::linspace(0, 1, h).view({h, 1}).expand({h, w});
  return at::stack({0.1 + 0.8 * x, 0.1 + 0.8 * y, 0.7 - 0.4 * x * y}, 2).to(at::kFloat).contiguous();
}

// Smooth-ish random texture: noise blurred by 3x3 averaging, on a ramp.
at::Tensor Texture(int h, int w) {
  at::Tensor noise = at::rand({1, 3, h, w});
  noise = at::avg_pool2d(noise, 3, 1, 1, false, false);
  return (0.6 * Ramp(h, w) + 0.4 * noise[0].permute({1, 2, 0})).contiguous();
}

at::Tensor BorderHole(int h, int w, int border) {
  at::Tensor hole = at::ones({h, w}, at::kBool);
  hole.slice(0, border, h - border).slice(1, border, w - border).fill_(false);
  return hole;
}

at::Tensor Fill(const at::Tensor& image, const at::Tensor& hole, const at::Tensor& fill) {
  return at::where(hole.unsqueeze(-1), fill, image);
}

FrameContext Context() { return FrameContext(); }

TEST(SeamScorer, PrefersTheTrueRampOverConstantAndSeam) {
  const at::Tensor truth = Ramp(96, 96);
  const at::Tensor hole = BorderHole(96, 96, 12);
  const at::Tensor known_mean = truth.masked_select((~hole).unsqueeze(-1).expand_as(truth)).view({-1, 3}).mean(0);
  const std::vector<at::Tensor> candidates = {
      truth,                                                           // continues the ramp
      Fill(truth, hole, known_mean.view({1, 1, 3}).expand_as(truth)),  // flat mean colour
      Fill(truth, hole, at::full_like(truth, 0.5)),                    // flat grey
      Fill(truth, hole, (truth + 0.1).clamp(0, 1)),                    // right ramp, visible seam
  };
  SeamScorer scorer;
  const auto scores = scorer.Score(candidates, truth, hole, Context());
  ASSERT_EQ(scores.size(), candidates.size());
  EXPECT_GT(scores[0], scores[1]);
  EXPECT_GT(scores[0], scores[2]);
  EXPECT_GT(scores[0], scores[3]);

  const auto terms = scorer.ScoreTerms(candidates, truth, hole);
  // The exact continuation has no seam beyond quantisation and the known texture.
  EXPECT_LT(terms[0].seam, 1.0);
  EXPECT_LT(terms[0].texture, 0.2);
  EXPECT_GT(terms[3].seam, 10 * terms[0].seam + 5);
  EXPECT_GT(terms[1].texture, terms[0].texture);  // flat vs the ramp's gradient
  EXPECT_DOUBLE_EQ(terms[2].Score(), scores[2]);
}

TEST(SeamScorer, PrefersTrueTextureOverABlurryFill) {
  const at::Tensor truth = Texture(96, 96);
  const at::Tensor hole = BorderHole(96, 96, 12);
  const at::Tensor junk = at::where(hole.unsqueeze(-1), at::ones_like(truth), truth);
  OpenCvInpainter inpainter;
  // The smoothing fills: background (without depth), Telea, Navier-Stokes.
  const auto fills = inpainter.Inpaint(junk, hole, Context(), 4);
  const std::vector<at::Tensor> candidates = {truth, fills[0], fills[2], fills[3]};
  const std::vector<int> which = {0, 2, 3};
  SeamScorer scorer;
  const auto scores = scorer.Score(candidates, junk, hole, Context());
  const auto terms = scorer.ScoreTerms(candidates, junk, hole);
  for (size_t k = 1; k < candidates.size(); ++k) {
    EXPECT_GT(scores[0], scores[k]) << OpenCvInpainter::CandidateName(which[k - 1]);
    EXPECT_GT(terms[k].texture, terms[0].texture) << OpenCvInpainter::CandidateName(which[k - 1]);
  }
}

// A mirrored copy of the texture next to the band (the old mirror fill) has a
// symmetry seam along the band edge: Y ~ 1, and the true texture wins.
TEST(SeamScorer, PenalisesMirroredCopies) {
  const int n = 96, b = 12;
  const at::Tensor truth = Texture(n, n);
  const at::Tensor hole = BorderHole(n, n, b);
  at::Tensor mirrored = truth.clone();
  for (int y = b; y < n - b; ++y)
    for (int x = 0; x < b; ++x) {
      // Left and right bands: the nearest known pixel is on the same row.
      mirrored[y][x] = truth[y][2 * b - x];
      mirrored[y][n - 1 - x] = truth[y][n - 1 - (2 * b - x)];
      mirrored[x][y] = truth[2 * b - x][y];
      mirrored[n - 1 - x][y] = truth[n - 1 - (2 * b - x)][y];
    }
  const at::Tensor junk = at::where(hole.unsqueeze(-1), at::ones_like(truth), truth);
  SeamScorer scorer;
  const auto terms = scorer.ScoreTerms({truth, mirrored}, junk, hole);
  std::printf("symmetry: true texture %.3f, mirrored copy %.3f\n", terms[0].symmetry, terms[1].symmetry);
  EXPECT_LT(terms[0].symmetry, 0.1);
  EXPECT_GT(terms[1].symmetry, 0.7);
  EXPECT_GT(terms[0].Score(), terms[1].Score());
}

TEST(SeamScorer, PenalisesColourDriftBehindAGoodSeam) {
  // The first 2 hole pixels continue the ramp; deeper in, the colour drifts.
  const int h = 96, w = 96, border = 12;
  const at::Tensor truth = Ramp(h, w);
  const at::Tensor hole = BorderHole(h, w, border);
  at::Tensor drift = truth.clone();
  const at::Tensor deep = BorderHole(h, w, border - 2);
  drift = Fill(drift, deep, (truth + at::tensor({0.15f, -0.15f, 0.15f})).clamp(0, 1));
  SeamScorer scorer;
  const auto terms = scorer.ScoreTerms({truth, drift}, truth, hole);
  EXPECT_GT(terms[0].Score(), terms[1].Score());
  EXPECT_GT(terms[1].colour, terms[0].colour);
}

TEST(SeamScorer, DegenerateMasks) {
  const at::Tensor image = Ramp(32, 32);
  SeamScorer scorer;
  const std::vector<at::Tensor> candidates = {image, image * 0.5};
  auto scores = scorer.Score(candidates, image, at::zeros({32, 32}, at::kBool), Context());
  EXPECT_EQ(scores, (std::vector<double>{0.0, 0.0}));
  scores = scorer.Score(candidates, image, at::ones({32, 32}, at::kBool), Context());
  EXPECT_EQ(scores, (std::vector<double>{0.0, 0.0}));
  EXPECT_TRUE(scorer.Score({}, image, BorderHole(32, 32, 4), Context()).empty());
  EXPECT_THROW(scorer.Score({at::zeros({16, 16, 3})}, image, BorderHole(32, 32, 4), Context()), Error);
}

}  // namespace
}  // namespace scenescape
