#include "scenescape/backends/classical/background_side.h"

namespace scenescape {

BackgroundSide::BackgroundSide(const cv::Mat& hole) : width_(hole.cols) {
  const int h = hole.rows, w = hole.cols;
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
