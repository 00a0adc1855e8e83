#pragma once
// The background side of a hole, as depth-image-based rendering fills
// disocclusions: from the surface behind the depth edge, never the one in
// front. Used by the classical inpainter (colour, classical/inpaint.h) and the
// depth alignment (depth, classical/depth.h), so a disocclusion gets the
// background's colour and depth alike.
//
// For every hole pixel, the nearest known pixel along each of the 8 grid
// directions (one scan per direction, O(8 N)); the background side is those
// at least kNearSide (0.75) x as deep as the farthest of them (all of them
// without a depth), each weighted by 1 / squared distance. (0.9 took the
// gentle depth changes within one surface for edges: on the stereo pairs of
// docs/benchmarks.md the fill then lost to Telea.)

#include <opencv2/core.hpp>

#include <array>
#include <vector>

namespace scenescape {

// The known pixels on the near side of a depth edge at a hole: CV_8U, 255 at
// the known pixels within reach_px (chessboard) of a hole pixel that has a
// near side (side.ForEachEdge; side: BackgroundSide(hole)) and nearer than kNearSide x that
// pixel's far side. hole: CV_8U, nonzero = hole; depth: CV_32F at the known
// pixels. A fill of the hole continues the surface behind such an edge, so
// these pixels are neither a source (classical/inpaint.h, reach 16: Telea
// must not march in from the foreground) nor a seam to match
// (classical/scorer.h, reach 2: the edge's own pixels).
class BackgroundSide;
cv::Mat NearSideOfEdges(const BackgroundSide& side, const cv::Mat& depth, const cv::Mat& hole, int reach_px);

class BackgroundSide {
 public:
  // A neighbour nearer than this x the farthest one is on the near side.
  static constexpr float kNearSide = 0.75f;

  // hole: CV_8U, nonzero = hole.
  explicit BackgroundSide(const cv::Mat& hole);

  // Calls f(q, weight) for the background-side neighbours q (pixel index
  // y * width + x) of hole pixel i. depth: CV_32F at the known pixels, or
  // empty (then every neighbour counts). Returns how many were passed.
  template <class F>
  int ForEach(int i, const cv::Mat& depth, F&& f) const {
    float far = -1.0f;
    if (!depth.empty())
      for (const auto& d : nearest_)
        if (d[i] >= 0) far = std::max(far, depth.ptr<float>()[d[i]]);
    int n = 0;
    const int x = i % width_, y = i / width_;
    for (const auto& d : nearest_) {
      const int q = d[i];
      if (q < 0 || q == i) continue;
      if (far > 0 && depth.ptr<float>()[q] < kNearSide * far) continue;
      const int dx = q % width_ - x, dy = q / width_ - y;
      f(q, 1.0 / static_cast<double>(dx * dx + dy * dy));
      ++n;
    }
    return n;
  }

  // Calls f(i, far) for every hole pixel i at a depth edge: some of its 8
  // nearest known pixels are nearer than kNearSide x the farthest of them
  // (far, the depth of the surface behind the edge).
  template <class F>
  void ForEachEdge(const cv::Mat& depth, F&& f) const {
    const float* z = depth.ptr<float>();
    for (size_t i = 0; i < nearest_[0].size(); ++i) {
      if (nearest_[0][i] == static_cast<int>(i)) continue;  // known
      float far = -1.0f;
      for (const auto& d : nearest_)
        if (d[i] >= 0) far = std::max(far, z[d[i]]);
      for (const auto& d : nearest_)
        if (d[i] >= 0 && z[d[i]] < kNearSide * far) {
          f(static_cast<int>(i), far);
          break;
        }
    }
  }

  // True when hole pixel i lies between known pixels along one of the 4
  // lines through it (both directions of a pair find one): a disocclusion
  // behind an edge does; a band outside the previous view, open towards the
  // image border, does not.
  bool Enclosed(int i) const {
    for (int d = 0; d < 8; d += 2)
      if (nearest_[d][i] >= 0 && nearest_[d + 1][i] >= 0) return true;
    return false;
  }

 private:
  int width_ = 0;
  std::array<std::vector<int>, 8> nearest_;  // per direction; the pixel itself when known, -1 when none
};

}  // namespace scenescape
