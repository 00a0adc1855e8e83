#include "scenescape/backends/classical/inpaint.h"

#include <ATen/ATen.h>
#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <vector>

#include "scenescape/backends/classical/background_side.h"
#include "scenescape/core/check.h"
#include "scenescape/core/logging.h"
#include "scenescape/core/timer.h"
#include "scenescape/io/opencv_convert.h"

namespace scenescape {

namespace {

constexpr int kNumBase = 4;
constexpr std::array<const char*, kNumBase> kBaseNames = {"background", "offset_copy", "telea_r3", "ns_r5"};
constexpr char kNothingKnown[] =
    "the classical back end cannot create an image from nothing (the hole mask covers the "
    "whole frame): give --init-image";

void CheckInputs(const at::Tensor& image, const at::Tensor& mask, const char* fn) {
  SCN_CHECK(image.defined() && image.dim() == 3 && image.size(2) == 3)
      << fn << ": image must be [H,W,3], got " << (image.defined() ? image.sizes() : at::IntArrayRef{});
  SCN_CHECK(mask.defined() && mask.dim() == 2 && mask.size(0) == image.size(0) && mask.size(1) == image.size(1))
      << fn << ": mask must be [H,W] matching the image " << image.sizes() << ", got "
      << (mask.defined() ? mask.sizes() : at::IntArrayRef{});
}

// splitmix64 finaliser: decorrelates nearby (seed, frame, k) triples.
uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

uint64_t CandidateSeed(const FrameContext& context, int k) {
  return Mix(Mix(Mix(context.seed) ^ static_cast<uint64_t>(context.frame_index)) ^ static_cast<uint64_t>(k));
}

// Depth-guided background fill (hand-written: cv::inpaint and xphoto take no
// depth). A hole pixel that lies between known pixels (a disocclusion, not a
// band outside the previous view) and next to a depth edge (some of its
// neighbours along the 8 grid directions lie on the near side,
// classical/background_side.h) takes the mean of two estimates from the
// background side, as depth-image-based rendering fills disocclusions: the
// weighted mean colour of its far-side neighbours, and Telea r3 with the
// foreground within 16 px of the edge masked as well (so Telea's marching
// starts from the background only).
// Each alone beat Telea on one stereo pair of docs/benchmarks.md and tied on
// the other; their mean beat it on both (errors partly cancel). The other
// hole pixels take Navier-Stokes r5 (its seams scored best there). Without
// `depth`, every hole pixel takes the mean of all 8 neighbours.
cv::Mat BackgroundFill(const cv::Mat& bgr, const cv::Mat& hole, const cv::Mat& depth, const BackgroundSide& side) {
  cv::Mat out, behind;
  if (depth.empty()) {
    out = bgr.clone();
  } else {
    cv::inpaint(bgr, hole, out, 5, cv::INPAINT_NS);
    cv::inpaint(bgr, hole | NearSideOfEdges(side, depth, hole, 16), behind, 3, cv::INPAINT_TELEA);
  }
  for (int y = 0; y < bgr.rows; ++y) {
    for (int x = 0; x < bgr.cols; ++x) {
      if (!hole.at<uint8_t>(y, x)) continue;
      const int i = y * bgr.cols + x;
      if (!depth.empty() && !side.Enclosed(i)) continue;  // out of the previous view: Navier-Stokes
      double sum[3] = {0, 0, 0}, total = 0;
      const int far_side = side.ForEach(i, depth, [&](int q, double weight) {
        const cv::Vec3b c = bgr.at<cv::Vec3b>(q / bgr.cols, q % bgr.cols);
        for (int ch = 0; ch < 3; ++ch) sum[ch] += weight * c[ch];
        total += weight;
      });
      if (!depth.empty() && far_side == side.ForEach(i, cv::Mat(), [](int, double) {})) continue;  // no edge
      if (total > 0)
        for (int ch = 0; ch < 3; ++ch) {
          const double far_mean = sum[ch] / total;
          out.at<cv::Vec3b>(y, x)[ch] =
              cv::saturate_cast<uint8_t>(behind.empty() ? far_mean : 0.5 * (far_mean + behind.at<cv::Vec3b>(y, x)[ch]));
        }
    }
  }
  return out;
}

// Exemplar fill by one copy offset per hole region (hand-written: xphoto's
// shift-map inpainting, INPAINT_SHIFTMAP, searches offsets per pixel and took
// 91 s for a 60-pixel border band at 512x512 on this VM). The regions are the
// hole's connected components cut into kCell x kCell tiles: a band around the
// whole frame (the camera backing out) is one component that no single offset
// fits. With `depth`, the hole pixels between known pixels (disocclusions,
// BackgroundSide::Enclosed) are left to `fallback`. For each region of at
// least 16 pixels, every offset o on a 2-pixel grid within
// +-max(2 x its thickness + 16, 48) px (thickness: the largest distance from a
// hole pixel to a known one) and at least 2 x thickness + 2 long (so the copy
// comes from outside the region) is scored by the mean squared grey difference
// between the known ring around the region (3 px wide, every other pixel) and
// the ring moved by o, plus 400 x the share of the region the source does not
// cover with known pixels (at least 80% must be covered). The region takes
// the colours at p + o of the best offset: real texture continued by
// translation (periodic facades, tiles, grass), never mirrored. What no
// offset covers keeps `fallback`.
cv::Mat OffsetCopyFill(const cv::Mat& bgr,
                       const cv::Mat& hole,
                       const cv::Mat& depth,
                       const BackgroundSide& side,
                       const cv::Mat& fallback) {
  constexpr int kCell = 48;
  const int h = bgr.rows, w = bgr.cols;
  cv::Mat out = fallback.clone();
  cv::Mat copyable = hole.clone();
  if (!depth.empty()) {
    for (int i = 0; i < h * w; ++i)
      if (copyable.ptr<uint8_t>()[i] && side.Enclosed(i)) copyable.ptr<uint8_t>()[i] = 0;
  }
  cv::Mat components;
  cv::connectedComponents(copyable, components, 8, CV_32S);
  // Region label per pixel: (component, tile) pairs numbered from 1.
  const int tiles_x = (w + kCell - 1) / kCell;
  std::map<std::pair<int, int>, int> ids;
  cv::Mat labels(h, w, CV_32S, cv::Scalar(0));
  std::vector<cv::Rect> boxes(1);
  std::vector<int> areas(1, 0);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const int c = components.at<int>(y, x);
      if (c == 0) continue;
      const auto [it, added] =
          ids.emplace(std::make_pair(c, (y / kCell) * tiles_x + x / kCell), static_cast<int>(boxes.size()));
      if (added) boxes.emplace_back(x, y, 1, 1), areas.push_back(0);
      const int l = it->second;
      labels.at<int>(y, x) = l;
      boxes[l] |= cv::Rect(x, y, 1, 1);
      ++areas[l];
    }
  cv::Mat dist;
  cv::distanceTransform(hole, dist, cv::DIST_L2, 3);
  cv::Mat grey;
  cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
  for (size_t l = 1; l < boxes.size(); ++l) {
    if (areas[l] < 16) continue;
    const cv::Rect box = boxes[l];
    // The region and its ring, within the box grown by the ring's 3 px.
    const cv::Rect roi = (box + cv::Size(6, 6) - cv::Point(3, 3)) & cv::Rect(0, 0, w, h);
    cv::Mat region(h, w, CV_8U, cv::Scalar(0));
    region(roi).setTo(255, labels(roi) == static_cast<int>(l));
    double thickness = 0;
    cv::minMaxLoc(dist(roi), nullptr, &thickness, nullptr, nullptr, region(roi));
    cv::Mat ring(h, w, CV_8U, cv::Scalar(0));
    cv::Mat ring_roi = ring(roi);
    cv::dilate(region(roi), ring_roi, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(7, 7)));
    ring_roi &= hole(roi) == 0;
    std::vector<cv::Point> ring_pts, region_pts;
    for (int y = std::max(0, box.y - 3); y < std::min(h, box.y + box.height + 3); ++y)
      for (int x = std::max(0, box.x - 3); x < std::min(w, box.x + box.width + 3); ++x) {
        if (ring.at<uint8_t>(y, x) && ((x + y) & 1) == 0) ring_pts.push_back({x, y});
        if (region.at<uint8_t>(y, x) && x % 4 == 0 && y % 4 == 0) region_pts.push_back({x, y});
      }
    if (ring_pts.empty()) continue;
    if (region_pts.empty()) region_pts.push_back({box.x, box.y});
    const int min_len = static_cast<int>(2 * thickness + 2);
    const int reach = std::max(static_cast<int>(2 * thickness + 16), 48) / 2 * 2;  // even: the grid holds 0
    double best = std::numeric_limits<double>::infinity();
    cv::Point best_o(0, 0);
    for (int oy = -reach; oy <= reach; oy += 2) {
      for (int ox = -reach; ox <= reach; ox += 2) {
        if (ox * ox + oy * oy < min_len * min_len) continue;
        size_t covered = 0;
        for (const cv::Point& p : region_pts) {
          const int sx = p.x + ox, sy = p.y + oy;
          covered += sx >= 0 && sy >= 0 && sx < w && sy < h && !hole.at<uint8_t>(sy, sx);
        }
        if (covered < 0.8 * region_pts.size()) continue;
        double ssd = 0;
        size_t count = 0;
        for (const cv::Point& r : ring_pts) {
          const int sx = r.x + ox, sy = r.y + oy;
          if (sx < 0 || sy < 0 || sx >= w || sy >= h || hole.at<uint8_t>(sy, sx)) continue;
          const double d = static_cast<double>(grey.at<uint8_t>(r.y, r.x)) - grey.at<uint8_t>(sy, sx);
          ssd += d * d;
          ++count;
        }
        if (count < 0.5 * ring_pts.size()) continue;
        // Uncovered pixels fall back to Telea: they cost as much as a grey
        // mismatch of 20 levels all along the ring.
        const double cost = ssd / static_cast<double>(count) +
                            400.0 * (1.0 - static_cast<double>(covered) / static_cast<double>(region_pts.size()));
        if (cost < best) best = cost, best_o = {ox, oy};
      }
    }
    if (!std::isfinite(best)) continue;
    for (int y = box.y; y < box.y + box.height; ++y)
      for (int x = box.x; x < box.x + box.width; ++x) {
        if (labels.at<int>(y, x) != static_cast<int>(l)) continue;
        const int sx = x + best_o.x, sy = y + best_o.y;
        if (sx >= 0 && sy >= 0 && sx < w && sy < h && !hole.at<uint8_t>(sy, sx))
          out.at<cv::Vec3b>(y, x) = bgr.at<cv::Vec3b>(sy, sx);
      }
  }
  return out;
}

// Base fill b (kBaseNames), made once into base[b]: the offset copy builds on
// the background fill, which candidate 0 also is. `depth`: CV_32F mesh depth
// (-1 in holes) or empty.
const cv::Mat& BaseFill(int b,
                        const cv::Mat& bgr,
                        const cv::Mat& hole,
                        const cv::Mat& depth,
                        const BackgroundSide& side,
                        std::array<cv::Mat, kNumBase>& base) {
  cv::Mat& out = base[b];
  if (!out.empty()) return out;
  switch (b) {
    case 0:
      out = BackgroundFill(bgr, hole, depth, side);
      break;
    case 1:
      out = OffsetCopyFill(bgr, hole, depth, side, BaseFill(0, bgr, hole, depth, side, base));
      break;
    case 2:
      cv::inpaint(bgr, hole, out, 3, cv::INPAINT_TELEA);
      break;
    case 3:
      cv::inpaint(bgr, hole, out, 5, cv::INPAINT_NS);
      break;
    default:
      SCN_CHECK(false) << "no base fill " << b;
  }
  return out;
}

// Per-pixel, per-channel standard deviation of the known pixels' fine detail
// (image minus its 5x5 Gaussian blur), CV_32FC3, defined everywhere.
cv::Mat DetailStd(const cv::Mat& bgr8, const cv::Mat& hole) {
  cv::Mat f, blurred;
  bgr8.convertTo(f, CV_32FC3, 1.0 / 255.0);
  cv::GaussianBlur(f, blurred, cv::Size(5, 5), 0);
  // Only pixels whose whole 5x5 footprint is known: the hole's content is junk.
  cv::Mat clean;
  cv::erode(hole == 0, clean, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(5, 5)));
  cv::Mat clean_f;
  clean.convertTo(clean_f, CV_32F, 1.0 / 255.0);
  cv::Mat detail = f - blurred;
  cv::Mat energy = detail.mul(detail);
  cv::Mat clean3;
  cv::merge(std::vector<cv::Mat>(3, clean_f), clean3);
  energy = energy.mul(clean3);

  // Global fallback: the clean pixels within 16 px of the hole.
  cv::Mat near_hole;
  cv::dilate(hole, near_hole, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(33, 33)));
  cv::Mat band = near_hole & clean;
  if (cv::countNonZero(band) == 0) band = clean;
  cv::Scalar global(0, 0, 0);
  if (cv::countNonZero(band) > 0) {
    global = cv::mean(energy, band);
    for (int c = 0; c < 3; ++c) global[c] = std::sqrt(global[c]);
  }

  const cv::Size window(31, 31);
  cv::Mat sum, count;
  cv::boxFilter(energy, sum, CV_32F, window, cv::Point(-1, -1), false, cv::BORDER_CONSTANT);
  cv::boxFilter(clean_f, count, CV_32F, window, cv::Point(-1, -1), false, cv::BORDER_CONSTANT);
  cv::Mat std_map(bgr8.size(), CV_32FC3);
  constexpr float kMinCount = 16.0f;  // fewer samples than this: use the global value
  for (int y = 0; y < std_map.rows; ++y) {
    const auto* s = sum.ptr<cv::Vec3f>(y);
    const float* n = count.ptr<float>(y);
    auto* out = std_map.ptr<cv::Vec3f>(y);
    for (int x = 0; x < std_map.cols; ++x)
      for (int c = 0; c < 3; ++c)
        out[x][c] = n[x] >= kMinCount ? std::sqrt(std::max(0.0f, s[x][c] / n[x])) : static_cast<float>(global[c]);
  }
  return std_map;
}

// fill (CV_8UC3) + structured noise scaled by `amplitude` * detail std.
cv::Mat Textured(const cv::Mat& fill, const cv::Mat& detail_std, double amplitude, uint64_t seed) {
  cv::Mat noise(fill.size(), CV_32FC3);
  cv::RNG rng(seed);
  rng.fill(noise, cv::RNG::NORMAL, 0.0, 1.0);
  cv::GaussianBlur(noise, noise, cv::Size(0, 0), 1.0);
  cv::Scalar mean, stddev;
  cv::meanStdDev(noise, mean, stddev);
  noise /= std::max(1e-6, (stddev[0] + stddev[1] + stddev[2]) / 3.0);
  cv::Mat scale = detail_std * amplitude;
  cv::max(scale, 1.0 / 255.0, scale);
  cv::Mat out;
  fill.convertTo(out, CV_32FC3, 1.0 / 255.0);
  out += noise.mul(scale);
  cv::min(cv::max(out, 0.0), 1.0, out);
  return out;
}

// Replaces the hole pixels of `image` (float32, contiguous) by those of `fill`.
at::Tensor Compose(const at::Tensor& image, const at::Tensor& hole, const cv::Mat& fill) {
  return at::where(hole.unsqueeze(-1), MatToTensor(fill), image);
}

}  // namespace

std::string OpenCvInpainter::CandidateName(int k) {
  SCN_CHECK_GE(k, 0);
  if (k < kNumBase) return kBaseNames[k];
  return std::string(kBaseNames[k % kNumBase]) + "+texture" + std::to_string(k / kNumBase);
}

std::vector<at::Tensor> OpenCvInpainter::Inpaint(const at::Tensor& image,
                                                 const at::Tensor& hole_mask,
                                                 const FrameContext& context,
                                                 int num_candidates) {
  CheckInputs(image, hole_mask, "OpenCvInpainter::Inpaint");
  SCN_CHECK_GE(num_candidates, 0);
  const at::Tensor img = image.to(at::kCPU, at::kFloat).contiguous();
  const at::Tensor hole = hole_mask.to(at::kCPU).ne(0);
  const int64_t num_hole = hole.sum().item<int64_t>();
  std::vector<at::Tensor> candidates;
  if (num_hole == 0) {
    for (int k = 0; k < num_candidates; ++k) candidates.push_back(img.clone());
    return candidates;
  }
  if (num_hole == hole.numel()) throw InputError(kNothingKnown);

  const cv::Mat bgr = TensorToMat(img, CV_8U);
  const cv::Mat hole8 = MaskToMat(hole);
  cv::Mat depth;
  if (context.known_depth.defined()) {
    SCN_CHECK(context.known_depth.dim() == 2 && context.known_depth.size(0) == img.size(0) &&
              context.known_depth.size(1) == img.size(1))
        << "OpenCvInpainter::Inpaint: known_depth must be [H,W] like the image, got " << context.known_depth.sizes();
    depth = DepthToMat(context.known_depth.to(at::kCPU, at::kFloat).contiguous()).clone();
  }
  const BackgroundSide side(hole8);  // shared by the background fill and the offset copy
  std::array<cv::Mat, kNumBase> base;
  cv::Mat detail_std;
  for (int k = 0; k < num_candidates; ++k) {
    Timer timer;
    const int b = k % kNumBase;
    cv::Mat fill = BaseFill(b, bgr, hole8, depth, side, base);
    if (k >= kNumBase) {
      if (detail_std.empty()) detail_std = DetailStd(bgr, hole8);
      const int round = (k - kNumBase) / kNumBase;
      const double amplitude = round == 0 ? 0.5 : round == 1 ? 0.75 : 1.0;
      fill = Textured(base[b], detail_std, amplitude, CandidateSeed(context, k));
    }
    candidates.push_back(Compose(img, hole, fill));
    SCN_LOG_DEBUG("inpaint candidate {} ({}) in {:.0f} ms", k, CandidateName(k), timer.ElapsedMs());
  }
  return candidates;
}

at::Tensor TeleaHoleFiller::Fill(const at::Tensor& image, const at::Tensor& mask) {
  CheckInputs(image, mask, "TeleaHoleFiller::Fill");
  const at::Tensor img = image.to(at::kCPU, at::kFloat).contiguous();
  const at::Tensor hole = mask.to(at::kCPU).ne(0);
  const int64_t num_hole = hole.sum().item<int64_t>();
  if (num_hole == 0) return img.clone();
  if (num_hole == hole.numel())
    throw InputError("TeleaHoleFiller: the mask covers the whole image; nothing to fill from");
  cv::Mat out;
  cv::inpaint(TensorToMat(img, CV_8U), MaskToMat(hole), out, 3, cv::INPAINT_TELEA);
  return Compose(img, hole, out);
}

}  // namespace scenescape
