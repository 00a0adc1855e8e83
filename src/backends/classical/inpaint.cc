#include "scenescape/backends/classical/inpaint.h"

#include <ATen/ATen.h>
#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>
#include <opencv2/xphoto.hpp>

#include <algorithm>
#include <array>
#include <vector>

#include "scenescape/core/check.h"
#include "scenescape/core/logging.h"
#include "scenescape/core/timer.h"
#include "scenescape/io/opencv_convert.h"

namespace scenescape {

namespace {

constexpr int kNumBase = 6;
constexpr std::array<const char*, kNumBase> kBaseNames = {
    "telea_r3", "ns_r5", "fsr_fast_half", "mirror", "telea_r9", "ns_r2"};
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

// Frequency-selective reconstruction at half resolution. A low-resolution
// pixel counts as known only when all the full-resolution pixels under it are
// known, so values under the hole never leak into the fill.
cv::Mat FsrHalf(const cv::Mat& bgr, const cv::Mat& hole) {
  const bool downscale = std::min(bgr.rows, bgr.cols) >= 64;
  cv::Mat small_bgr = bgr, small_hole = hole;
  if (downscale) {
    const cv::Size small((bgr.cols + 1) / 2, (bgr.rows + 1) / 2);
    cv::resize(bgr, small_bgr, small, 0, 0, cv::INTER_AREA);
    cv::resize(hole, small_hole, small, 0, 0, cv::INTER_AREA);
  }
  const cv::Mat small_known = small_hole == 0;  // xphoto: nonzero = valid
  if (cv::countNonZero(small_known) == 0) {
    // The hole is too fragmented for the half-resolution grid. Radius 5 keeps
    // this candidate distinct from candidate 0 (Telea radius 3).
    cv::Mat out;
    cv::inpaint(bgr, hole, out, 5, cv::INPAINT_TELEA);
    return out;
  }
  cv::Mat small_out;
  cv::xphoto::inpaint(small_bgr, small_known, small_out, cv::xphoto::INPAINT_FSR_FAST);
  if (!downscale) return small_out;
  cv::Mat out;
  cv::resize(small_out, out, bgr.size(), 0, 0, cv::INTER_LINEAR);
  return out;
}

// Mirror fill: each hole pixel p takes the known pixel mirrored across its
// nearest known pixel q, i.e. the colour at 2q - p (or q's own colour when the
// mirror point is outside the image or in the hole). Where the camera backs away
// the holes are bands at the image border, and the diffusion-style fills above
// smear the edge colours into streaks; mirroring continues the texture (planks,
// panels, tiles) instead, and it is continuous across the hole boundary.
cv::Mat MirrorFill(const cv::Mat& bgr, const cv::Mat& hole) {
  cv::Mat dist, labels;
  // Distance from every hole pixel (nonzero) to the nearest known pixel (zero),
  // with that known pixel's label.
  cv::distanceTransform(hole, dist, labels, cv::DIST_L2, cv::DIST_MASK_5, cv::DIST_LABEL_PIXEL);
  std::vector<cv::Point> where(static_cast<size_t>(bgr.rows) * bgr.cols + 1);
  for (int y = 0; y < bgr.rows; ++y)
    for (int x = 0; x < bgr.cols; ++x)
      if (!hole.at<uint8_t>(y, x)) where[labels.at<int>(y, x)] = {x, y};
  cv::Mat out = bgr.clone();
  for (int y = 0; y < bgr.rows; ++y) {
    for (int x = 0; x < bgr.cols; ++x) {
      if (!hole.at<uint8_t>(y, x)) continue;
      const cv::Point q = where[labels.at<int>(y, x)];
      const int mx = 2 * q.x - x, my = 2 * q.y - y;
      const bool usable = mx >= 0 && my >= 0 && mx < bgr.cols && my < bgr.rows && !hole.at<uint8_t>(my, mx);
      out.at<cv::Vec3b>(y, x) = usable ? bgr.at<cv::Vec3b>(my, mx) : bgr.at<cv::Vec3b>(q.y, q.x);
    }
  }
  return out;
}

cv::Mat BaseFill(int b, const cv::Mat& bgr, const cv::Mat& hole) {
  cv::Mat out;
  switch (b) {
    case 0:
      cv::inpaint(bgr, hole, out, 3, cv::INPAINT_TELEA);
      break;
    case 1:
      cv::inpaint(bgr, hole, out, 5, cv::INPAINT_NS);
      break;
    case 2:
      out = FsrHalf(bgr, hole);
      break;
    case 3:
      out = MirrorFill(bgr, hole);
      break;
    case 4:
      cv::inpaint(bgr, hole, out, 9, cv::INPAINT_TELEA);
      break;
    case 5:
      cv::inpaint(bgr, hole, out, 2, cv::INPAINT_NS);
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
  std::array<cv::Mat, kNumBase> base;
  cv::Mat detail_std;
  for (int k = 0; k < num_candidates; ++k) {
    Timer timer;
    const int b = k % kNumBase;
    if (base[b].empty()) base[b] = BaseFill(b, bgr, hole8);
    cv::Mat fill = base[b];
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
