#include "scenescape/backends/classical/scorer.h"

#include <ATen/ATen.h>
#include <opencv2/imgproc.hpp>

#include <cmath>

#include "scenescape/backends/classical/background_side.h"
#include "scenescape/core/check.h"
#include "scenescape/io/opencv_convert.h"

namespace scenescape {

namespace {

constexpr int kBand = 8;              // w, pixels
constexpr double kEps = 1.0 / 255.0;  // one 8-bit step
constexpr int kWindow = 2 * kBand + 1;
constexpr double kFlat = 4.0 / 255.0;   // a colour step that counts as texture
constexpr double kMatch = 2.0 / 255.0;  // a mirrored colour reproduced this closely is a copy

inline double Norm3(double a, double b, double c) { return std::sqrt(a * a + b * b + c * c); }

struct SeamPair {
  int64_t q;       // known pixel index
  int64_t p;       // hole neighbour
  double pred[3];  // linear extrapolation of the known side into p
  double mean_known[3];
  double std_known;
};

// Everything that depends only on the image's known side and the mask.
struct Geometry {
  int h = 0, w = 0;
  std::vector<uint8_t> hole, in_band, out_band;
  std::vector<SeamPair> pairs;
  // Band pixels p whose mirror image m = 2q - p across their nearest known
  // pixel q is known and differs from q by more than kFlat (texture to mirror).
  std::vector<std::pair<int64_t, int64_t>> mirrors;
  double roughness = 0.0;  // R
  double g_out = 0.0;      // G_out
};

cv::Mat Dilate(const cv::Mat& m) {
  cv::Mat out;
  cv::dilate(m, out, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(kWindow, kWindow)));
  return out;
}

// Mean ||c(x+d) - c(x)|| over right/down neighbour pairs with both ends in `band`.
double GradientEnergy(const float* c, const std::vector<uint8_t>& band, int h, int w) {
  double sum = 0.0;
  int64_t n = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const int64_t i = static_cast<int64_t>(y) * w + x;
      if (!band[i]) continue;
      const float* a = c + 3 * i;
      if (x + 1 < w && band[i + 1]) {
        const float* b = a + 3;
        sum += Norm3(b[0] - a[0], b[1] - a[1], b[2] - a[2]);
        ++n;
      }
      if (y + 1 < h && band[i + w]) {
        const float* b = a + 3 * w;
        sum += Norm3(b[0] - a[0], b[1] - a[1], b[2] - a[2]);
        ++n;
      }
    }
  return n ? sum / n : 0.0;
}

// Window sums of colour (and optionally colour^2) over pixels where `select`
// is 1, plus their count, as CV_32F matrices.
void WindowSums(const at::Tensor& image, const cv::Mat& select, cv::Mat* sum, cv::Mat* sum_sq, cv::Mat* count) {
  cv::Mat c = TensorToMat(image, CV_32F);  // BGR: norms do not care about the order
  cv::Mat sel_f, sel3;
  select.convertTo(sel_f, CV_32F);
  cv::merge(std::vector<cv::Mat>(3, sel_f), sel3);
  const cv::Mat masked = c.mul(sel3);
  const cv::Size win(kWindow, kWindow);
  cv::boxFilter(masked, *sum, CV_32F, win, cv::Point(-1, -1), false, cv::BORDER_CONSTANT);
  if (sum_sq) cv::boxFilter(masked.mul(c), *sum_sq, CV_32F, win, cv::Point(-1, -1), false, cv::BORDER_CONSTANT);
  cv::boxFilter(sel_f, *count, CV_32F, win, cv::Point(-1, -1), false, cv::BORDER_CONSTANT);
}

// front: CV_8U, nonzero = a known pixel on the near side of a depth edge
// (background_side.h: NearSideOfEdges), or empty. Such pixels make no seam
// pair and no mirror: a fill continues the surface behind the edge.
Geometry Analyse(const at::Tensor& image, const at::Tensor& hole_t, const cv::Mat& front) {
  Geometry g;
  g.h = static_cast<int>(image.size(0));
  g.w = static_cast<int>(image.size(1));
  const int h = g.h, w = g.w;
  const at::Tensor hole_u8 = hole_t.to(at::kByte).contiguous();
  const cv::Mat hole(h, w, CV_8UC1, hole_u8.data_ptr());
  const cv::Mat known = 1 - hole;
  const cv::Mat in_band = hole & Dilate(known);
  const cv::Mat out_band = front.empty() ? known & Dilate(hole) : known & Dilate(hole) & (front == 0);
  g.hole.assign(hole.datastart, hole.dataend);
  g.in_band.assign(in_band.datastart, in_band.dataend);
  g.out_band.assign(out_band.datastart, out_band.dataend);

  const float* c = image.data_ptr<float>();
  cv::Mat ksum, ksum_sq, kcount;
  WindowSums(image, front.empty() ? known : known & (front == 0), &ksum, &ksum_sq, &kcount);

  const int dx[4] = {1, -1, 0, 0}, dy[4] = {0, 0, 1, -1};
  double rough_sum = 0.0;
  int64_t rough_n = 0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const int64_t i = static_cast<int64_t>(y) * w + x;
      if (g.hole[i]) continue;
      const float* cq = c + 3 * i;
      if (g.out_band[i]) {
        // Second differences on the known side, along x and along y.
        if (x > 0 && x + 1 < w && !g.hole[i - 1] && !g.hole[i + 1]) {
          const float *a = cq - 3, *b = cq + 3;
          rough_sum += Norm3(a[0] - 2 * cq[0] + b[0], a[1] - 2 * cq[1] + b[1], a[2] - 2 * cq[2] + b[2]);
          ++rough_n;
        }
        if (y > 0 && y + 1 < h && !g.hole[i - w] && !g.hole[i + w]) {
          const float *a = cq - 3 * w, *b = cq + 3 * w;
          rough_sum += Norm3(a[0] - 2 * cq[0] + b[0], a[1] - 2 * cq[1] + b[1], a[2] - 2 * cq[2] + b[2]);
          ++rough_n;
        }
      }
      if (!front.empty() && front.at<uint8_t>(y, x)) continue;
      for (int k = 0; k < 4; ++k) {
        const int px = x + dx[k], py = y + dy[k];
        if (px < 0 || px >= w || py < 0 || py >= h) continue;
        const int64_t p = static_cast<int64_t>(py) * w + px;
        if (!g.hole[p]) continue;
        SeamPair pair;
        pair.q = i;
        pair.p = p;
        const int bx = x - dx[k], by = y - dy[k];
        const bool behind = bx >= 0 && bx < w && by >= 0 && by < h && !g.hole[static_cast<int64_t>(by) * w + bx];
        const float* cb = behind ? c + 3 * (static_cast<int64_t>(by) * w + bx) : cq;
        for (int ch = 0; ch < 3; ++ch) pair.pred[ch] = 2.0 * cq[ch] - cb[ch];
        // Window statistics of the known pixels around q (BGR order in the Mat).
        const cv::Vec3f s = ksum.at<cv::Vec3f>(y, x), s2 = ksum_sq.at<cv::Vec3f>(y, x);
        const double n = std::max(1.0f, kcount.at<float>(y, x));
        double var = 0.0;
        for (int ch = 0; ch < 3; ++ch) {
          const double m = s[2 - ch] / n;  // back to RGB
          pair.mean_known[ch] = m;
          var += std::max(0.0, s2[2 - ch] / n - m * m);
        }
        pair.std_known = std::sqrt(var);
        g.pairs.push_back(pair);
      }
    }
  // Mirror images across the nearest known pixel (Voronoi labels of the known pixels).
  cv::Mat dist, labels;
  cv::distanceTransform(hole, dist, labels, cv::DIST_L2, cv::DIST_MASK_5, cv::DIST_LABEL_PIXEL);
  std::vector<int64_t> where(static_cast<size_t>(h) * w + 1, -1);
  for (int64_t i = 0; i < static_cast<int64_t>(h) * w; ++i)
    if (!g.hole[i]) where[labels.ptr<int>()[i]] = i;
  for (int64_t i = 0; i < static_cast<int64_t>(h) * w; ++i) {
    if (!g.in_band[i]) continue;
    const int64_t q = where[labels.ptr<int>()[i]];
    if (q < 0 || (!front.empty() && front.ptr<uint8_t>()[q])) continue;
    const int mx = static_cast<int>(2 * (q % w) - i % w), my = static_cast<int>(2 * (q / w) - i / w);
    if (mx < 0 || my < 0 || mx >= w || my >= h) continue;
    const int64_t m = static_cast<int64_t>(my) * w + mx;
    if (g.hole[m]) continue;
    const float *cm = c + 3 * m, *cq = c + 3 * q;
    if (Norm3(cm[0] - cq[0], cm[1] - cq[1], cm[2] - cq[2]) > kFlat) g.mirrors.push_back({i, m});
  }
  g.roughness = rough_n ? rough_sum / rough_n : 0.0;
  g.g_out = GradientEnergy(c, g.out_band, h, w);
  return g;
}

}  // namespace

std::vector<SeamScorer::Terms> SeamScorer::ScoreTerms(const std::vector<at::Tensor>& candidates,
                                                      const at::Tensor& image,
                                                      const at::Tensor& hole_mask,
                                                      const at::Tensor& known_depth) const {
  SCN_CHECK(image.defined() && image.dim() == 3 && image.size(2) == 3) << "SeamScorer: image must be [H,W,3]";
  SCN_CHECK(hole_mask.defined() && hole_mask.dim() == 2 && hole_mask.size(0) == image.size(0) &&
            hole_mask.size(1) == image.size(1))
      << "SeamScorer: hole_mask must be [H,W] matching the image";
  for (const auto& cand : candidates)
    SCN_CHECK(cand.defined() && cand.sizes() == image.sizes())
        << "SeamScorer: every candidate must be " << image.sizes();

  const at::Tensor img = image.to(at::kCPU, at::kFloat).contiguous();
  const at::Tensor hole = hole_mask.to(at::kCPU).ne(0);
  std::vector<Terms> terms(candidates.size());
  const at::Tensor hole_u8 = hole.to(at::kByte).contiguous();
  const cv::Mat hole_mat(static_cast<int>(img.size(0)), static_cast<int>(img.size(1)), CV_8UC1, hole_u8.data_ptr());
  cv::Mat front;
  if (known_depth.defined()) {
    SCN_CHECK(known_depth.dim() == 2 && known_depth.size(0) == img.size(0) && known_depth.size(1) == img.size(1))
        << "SeamScorer: known_depth must be [H,W] like the image, got " << known_depth.sizes();
    front = NearSideOfEdges(
        BackgroundSide(hole_mat), DepthToMat(known_depth.to(at::kCPU, at::kFloat).contiguous()), hole_mat, 2);
  }
  Geometry g = Analyse(img, hole, front);
  if (g.pairs.empty() && !front.empty()) g = Analyse(img, hole, cv::Mat());  // only depth edges: judge them all
  if (g.pairs.empty()) return terms;

  for (size_t ci = 0; ci < candidates.size(); ++ci) {
    const at::Tensor cand = candidates[ci].to(at::kCPU, at::kFloat).contiguous();
    const float* c = cand.data_ptr<float>();
    cv::Mat hsum, hcount;
    WindowSums(cand, hole_mat, &hsum, nullptr, &hcount);
    double seam = 0.0, colour = 0.0;
    for (const SeamPair& pair : g.pairs) {
      const float* cp = c + 3 * pair.p;
      seam += Norm3(cp[0] - pair.pred[0], cp[1] - pair.pred[1], cp[2] - pair.pred[2]);
      const int py = static_cast<int>(pair.p / g.w), px = static_cast<int>(pair.p % g.w);
      const cv::Vec3f s = hsum.at<cv::Vec3f>(py, px);
      const double n = std::max(1.0f, hcount.at<float>(py, px));
      colour += Norm3(s[2] / n - pair.mean_known[0], s[1] / n - pair.mean_known[1], s[0] / n - pair.mean_known[2]) /
                (pair.std_known + kEps);
    }
    const double num = static_cast<double>(g.pairs.size());
    terms[ci].seam = seam / num / (g.roughness + kEps);
    terms[ci].colour = colour / num;
    if (!g.mirrors.empty()) {
      size_t copied = 0;
      for (const auto& [pi, mi] : g.mirrors) {
        const float *cp = c + 3 * pi, *cm = c + 3 * mi;
        copied += Norm3(cp[0] - cm[0], cp[1] - cm[1], cp[2] - cm[2]) < kMatch;
      }
      terms[ci].symmetry = static_cast<double>(copied) / static_cast<double>(g.mirrors.size());
    }
    const double g_in = GradientEnergy(c, g.in_band, g.h, g.w);
    terms[ci].texture = std::abs(std::log((g_in + kEps) / (g.g_out + kEps)));
  }
  return terms;
}

std::vector<double> SeamScorer::Score(const std::vector<at::Tensor>& candidates,
                                      const at::Tensor& image,
                                      const at::Tensor& hole_mask,
                                      const FrameContext& context) {
  std::vector<double> scores;
  for (const Terms& t : ScoreTerms(candidates, image, hole_mask, context.known_depth)) scores.push_back(t.Score());
  return scores;
}

}  // namespace scenescape
