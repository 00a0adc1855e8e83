#include "scenescape/backends/classical/background_side.h"

#include <opencv2/imgproc.hpp>

namespace scenescape {

cv::Mat NearSideOfEdges(const BackgroundSide& side, const cv::Mat& depth, const cv::Mat& hole, int reach_px) {
  // The far side's depth at the hole pixels that have a near side, spread over
  // reach_px; the known pixels nearer than kNearSide x that are the front.
  cv::Mat far(hole.size(), CV_32F, cv::Scalar(0));
  side.ForEachEdge(depth, [&](int i, float far_depth) { far.ptr<float>()[i] = far_depth; });
  cv::dilate(far, far, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(2 * reach_px + 1, 2 * reach_px + 1)));
  return (depth > 0) & (depth < far * BackgroundSide::kNearSide) & (hole == 0);
}

BackgroundSide::BackgroundSide(const cv::Mat& hole) : width_(hole.cols) {
  const int h = hole.rows, w = hole.cols;
  // Opposite directions in pairs (2j, 2j + 1): Enclosed relies on it.
  static const int kDirs[8][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}, {1, 1}, {-1, -1}, {1, -1}, {-1, 1}};
  for (int d = 0; d < 8; ++d) {
    std::vector<int>& nearest = nearest_[d];
    nearest.assign(static_cast<size_t>(h) * w, -1);
    const int dx = kDirs[d][0], dy = kDirs[d][1];
    // Visit pixels so that i + (dx, dy) is done before i.
    for (int yy = 0; yy < h; ++yy) {
      const int y = dy > 0 ? h - 1 - yy : yy;
      const uint8_t* row = hole.ptr<uint8_t>(y);
      for (int xx = 0; xx < w; ++xx) {
        const int x = dx > 0 ? w - 1 - xx : xx;
        const int i = y * w + x;
        if (!row[x]) {
          nearest[i] = i;
          continue;
        }
        const int nx = x + dx, ny = y + dy;
        nearest[i] = nx >= 0 && ny >= 0 && nx < w && ny < h ? nearest[ny * w + nx] : -1;
      }
    }
  }
}

}  // namespace scenescape
