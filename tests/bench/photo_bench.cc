// The classical back end on real stereo pairs with ground-truth disparity
// (docs/benchmarks.md, "Photos with ground truth"; scripts/bench_photos.sh
// fetches the data and runs this).
//
//   photo_bench OUT_DIR NAME:LEFT:RIGHT:DISPARITY ...
//
// DISPARITY is the left view's disparity in pixels of LEFT (8/16-bit PNG, or
// PFM float); 0, negative or non-finite = unknown. Every pair is resized to
// 512 pixels wide. With B = 1 and the tool's default focal length
// f = 500 * 512 / 512, true depth is f / disparity.
//
// 1. Depth. Three estimates of the left view's depth: a constant, a ground
//    plane seen by a level camera whose horizon is the top row (disparity
//    proportional to the row: the "ramp"), the room box alone (the classical
//    back end before scene-model choice), and the back end's layout depth.
//    Each is scaled by median(true / estimate) over the known pixels, then:
//    AbsRel = mean |s e - t| / t, delta = share with max(s e / t, t / s e) <
//    1.25, and the Spearman rank correlation of e and t (0 for a constant).
// 2. View synthesis. The left view and an estimate become a mesh (the
//    pipeline's meshing) rendered at the right camera (centre at x = +B) with
//    the pipeline's warp; the holes (disocclusions and the band the left view
//    never saw) are filled by the back end's inpainter and scorer. PSNR and
//    SSIM against the real right view, over all pixels and over the holes.
// 3. Fill. The same with the true depth (unknown disparities filled from the
//    background side, the smaller neighbour along the row), so that the holes
//    are the true disocclusions: the back end's chosen fill, each candidate,
//    and OpenCV Telea (radius 3) alone, on the hole pixels: all of them, the
//    disocclusions proper, and the band the left view never saw (per row, the
//    run of holes that reaches the right border).
// Output: Markdown tables on stdout; OUT_DIR/<name>_*.png to look at.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "scenescape/backends/classical/depth.h"
#include "scenescape/backends/classical/inpaint.h"
#include "scenescape/backends/classical/layout.h"
#include "scenescape/backends/classical/scorer.h"
#include "scenescape/io/opencv_convert.h"
#include "scenescape/mesh/mesh_builder.h"
#include "scenescape/pipeline/warp.h"

namespace scenescape {
namespace {

constexpr int kWidth = 512;

struct Pair {
  std::string name;
  cv::Mat left, right;  // CV_8UC3
  cv::Mat disparity;    // CV_32F, <= 0 unknown
};

Pair LoadPair(const std::string& spec) {
  std::vector<std::string> f;
  std::stringstream ss(spec);
  for (std::string part; std::getline(ss, part, ':');) f.push_back(part);
  if (f.size() != 4) throw std::runtime_error("expected NAME:LEFT:RIGHT:DISPARITY, got " + spec);
  Pair p;
  p.name = f[0];
  const cv::Mat left = cv::imread(f[1], cv::IMREAD_COLOR), right = cv::imread(f[2], cv::IMREAD_COLOR);
  cv::Mat disp = cv::imread(f[3], cv::IMREAD_UNCHANGED);
  if (left.empty() || right.empty() || disp.empty()) throw std::runtime_error("cannot read the files of " + spec);
  if (disp.channels() > 1) cv::extractChannel(disp, disp, 0);
  disp.convertTo(disp, CV_32F);
  cv::patchNaNs(disp, -1);
  disp.setTo(-1, disp == std::numeric_limits<float>::infinity());
  const double s = static_cast<double>(kWidth) / left.cols;
  const cv::Size size(kWidth, static_cast<int>(std::lround(left.rows * s / 2)) * 2);
  cv::resize(left, p.left, size, 0, 0, cv::INTER_AREA);
  cv::resize(right, p.right, size, 0, 0, cv::INTER_AREA);
  cv::resize(disp, p.disparity, size, 0, 0, cv::INTER_NEAREST);
  p.disparity *= s;
  return p;
}

Intrinsics PairIntrinsics(const Pair& p) {
  Intrinsics k;
  k.width = p.left.cols;
  k.height = p.left.rows;
  k.fx = k.fy = 500.0 * k.width / 512.0;
  k.cx = 0.5 * k.width;
  k.cy = 0.5 * k.height;
  return k;
}

// ------------------------------------------------------------------ depth metrics

struct DepthScores {
  double abs_rel = 0, delta = 0, spearman = 0;
};

std::vector<double> Ranks(const std::vector<double>& v) {
  std::vector<size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> rank(v.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    const double r = 0.5 * (i + j);  // ties share their mean rank
    for (size_t k = i; k <= j; ++k) rank[order[k]] = r;
    i = j + 1;
  }
  return rank;
}

double Pearson(const std::vector<double>& a, const std::vector<double>& b) {
  const double n = static_cast<double>(a.size());
  const double ma = std::accumulate(a.begin(), a.end(), 0.0) / n, mb = std::accumulate(b.begin(), b.end(), 0.0) / n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : 0.0;
}

DepthScores ScoreDepth(const cv::Mat& estimate, const cv::Mat& truth) {
  std::vector<double> e, t, ratio;
  for (int i = 0; i < static_cast<int>(truth.total()); ++i) {
    const float tv = truth.ptr<float>()[i];
    if (!(tv > 0) || !std::isfinite(tv)) continue;
    e.push_back(estimate.ptr<float>()[i]);
    t.push_back(tv);
    ratio.push_back(tv / e.back());
  }
  std::vector<double> sorted = ratio;
  std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2, sorted.end());
  const double s = sorted[sorted.size() / 2];
  DepthScores d;
  for (size_t i = 0; i < e.size(); ++i) {
    const double se = s * e[i];
    d.abs_rel += std::abs(se - t[i]) / t[i];
    d.delta += std::max(se / t[i], t[i] / se) < 1.25;
  }
  d.abs_rel /= e.size();
  d.delta /= e.size();
  d.spearman = Pearson(Ranks(e), Ranks(t));
  return d;
}

// ------------------------------------------------------------------ image metrics

double Psnr(const cv::Mat& a, const cv::Mat& b, const cv::Mat& mask) {
  cv::Mat fa, fb;
  a.convertTo(fa, CV_32FC3, 1.0 / 255);
  b.convertTo(fb, CV_32FC3, 1.0 / 255);
  cv::Mat d = fa - fb;
  d = d.mul(d);
  const cv::Scalar m = cv::mean(d, mask);
  const double mse = (m[0] + m[1] + m[2]) / 3.0;
  return 10.0 * std::log10(1.0 / std::max(mse, 1e-12));
}

// Mean SSIM (Wang et al. 2004: 11x11 Gaussian, sigma 1.5, on grey levels) over `mask`.
double Ssim(const cv::Mat& a, const cv::Mat& b, const cv::Mat& mask) {
  cv::Mat ga, gb;
  cv::cvtColor(a, ga, cv::COLOR_BGR2GRAY);
  cv::cvtColor(b, gb, cv::COLOR_BGR2GRAY);
  ga.convertTo(ga, CV_32F);
  gb.convertTo(gb, CV_32F);
  const double c1 = 6.5025, c2 = 58.5225;
  auto blur = [](const cv::Mat& m) {
    cv::Mat o;
    cv::GaussianBlur(m, o, cv::Size(11, 11), 1.5);
    return o;
  };
  const cv::Mat ma = blur(ga), mb = blur(gb);
  const cv::Mat saa = blur(ga.mul(ga)) - ma.mul(ma), sbb = blur(gb.mul(gb)) - mb.mul(mb),
                sab = blur(ga.mul(gb)) - ma.mul(mb);
  cv::Mat num = (2 * ma.mul(mb) + c1).mul(2 * sab + c2);
  cv::Mat den = (ma.mul(ma) + mb.mul(mb) + c1).mul(saa + sbb + c2);
  cv::Mat ssim;
  cv::divide(num, den, ssim);
  return cv::mean(ssim, mask)[0];
}

// ------------------------------------------------------------------ view synthesis

struct Synthesis {
  cv::Mat warped;  // CV_8UC3, holes white
  cv::Mat holes;   // CV_8U 255 = hole
  std::vector<at::Tensor> candidates;
  int chosen = 0;
  cv::Mat filled;  // CV_8UC3
};

Synthesis Synthesize(const Pair& p, const cv::Mat& depth) {
  const Intrinsics k = PairIntrinsics(p);
  Camera left, right;
  left.intrinsics = right.intrinsics = k;
  right.cam_from_world(0, 3) = -1.0;  // centre at x = +B = +1
  const at::Tensor image = MatToTensor(p.left);
  const at::Tensor d = MatToDepth(depth);
  Mesh mesh = Mesh::Empty();
  AddFrameToMesh(mesh, image, d, at::ones({k.height, k.width}, at::kBool), at::Tensor(), left, MeshingOptions());
  const WarpResult warp = WarpToCamera(mesh, left, d, right, WarpOptions());
  Synthesis s;
  s.warped = TensorToMat(warp.rgb);
  s.holes = MaskToMat(warp.holes);
  FrameContext ctx;
  ctx.frame_index = 1;
  ctx.camera = right;
  ctx.seed = 13;
  ctx.known_depth = warp.depth;
  // As the generator does: specks by Telea, the opened holes by the inpainter.
  TeleaHoleFiller filler;
  const at::Tensor known = at::where(warp.specks.unsqueeze(-1), filler.Fill(warp.rgb, warp.holes), warp.rgb);
  OpenCvInpainter inpainter;
  s.candidates = inpainter.Inpaint(known, warp.opened, ctx, 4);
  SeamScorer scorer;
  const std::vector<double> scores = scorer.Score(s.candidates, known, warp.opened, ctx);
  s.chosen = static_cast<int>(std::max_element(scores.begin(), scores.end()) - scores.begin());
  s.filled = TensorToMat(s.candidates[s.chosen]);
  return s;
}

// True depth everywhere: unknown disparities take the smaller (background)
// known neighbour along their row.
cv::Mat TrueDepthFilled(const Pair& p) {
  const double f = PairIntrinsics(p).fx;
  cv::Mat disp = p.disparity.clone();
  for (int y = 0; y < disp.rows; ++y) {
    float* row = disp.ptr<float>(y);
    for (int x = 0; x < disp.cols; ++x) {
      if (row[x] > 0) continue;
      int l = x, r = x;
      while (l >= 0 && !(row[l] > 0)) --l;
      while (r < disp.cols && !(p.disparity.ptr<float>(y)[r] > 0)) ++r;
      const float dl = l >= 0 ? row[l] : 1e9f, dr = r < disp.cols ? p.disparity.ptr<float>(y)[r] : 1e9f;
      row[x] = std::min(dl, dr) < 1e9f ? std::min(dl, dr) : 1.0f;
    }
  }
  cv::Mat depth;
  cv::divide(f, disp, depth);
  return depth;
}

// The hole pixels the left camera never saw: per row, the run of holes that
// reaches the right border (the right camera sits at x = +B). The other hole
// pixels are the disocclusions proper, behind foreground edges.
cv::Mat OutOfView(const cv::Mat& holes) {
  cv::Mat band(holes.size(), CV_8U, cv::Scalar(0));
  for (int y = 0; y < holes.rows; ++y)
    for (int x = holes.cols - 1; x >= 0 && holes.at<uint8_t>(y, x); --x) band.at<uint8_t>(y, x) = 255;
  return band;
}

cv::Mat Colourise(const cv::Mat& depth) {
  cv::Mat disp, out;
  cv::divide(1.0, depth, disp);
  cv::normalize(disp, disp, 0, 255, cv::NORM_MINMAX);
  disp.convertTo(disp, CV_8U);
  cv::applyColorMap(disp, out, cv::COLORMAP_VIRIDIS);
  return out;
}

void Run(const std::string& out_dir, const std::vector<Pair>& pairs) {
  std::filesystem::create_directories(out_dir);
  std::printf(
      "| pair | depth | AbsRel | delta<1.25 | Spearman | PSNR all | SSIM all | PSNR holes | SSIM holes | holes %% | "
      "model |\n");
  std::printf("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
  std::vector<std::string> fill_rows;
  for (const Pair& p : pairs) {
    const Intrinsics k = PairIntrinsics(p);
    cv::Mat truth(p.disparity.size(), CV_32F);
    for (int i = 0; i < static_cast<int>(truth.total()); ++i) {
      const float d = p.disparity.ptr<float>()[i];
      truth.ptr<float>()[i] = d > 0 ? static_cast<float>(k.fx / d) : -1.0f;
    }
    cv::Mat constant(truth.size(), CV_32F, cv::Scalar(1.0f)), ramp(truth.size(), CV_32F);
    for (int y = 0; y < ramp.rows; ++y) ramp.row(y).setTo(static_cast<float>(ramp.rows / (y + 0.5)));
    const BoxModel box = FitBoxModel(p.left, k);
    const cv::Mat box_depth = DepthToMat(RenderBoxDepth(box, k));
    LayoutDepthEstimator layout;
    FrameContext ctx;
    ctx.camera.intrinsics = k;
    const cv::Mat layout_depth = DepthToMat(layout.Estimate(MatToTensor(p.left), at::Tensor(), ctx));
    const std::string model =
        std::string(SceneModelName(layout.last_layout().model)) + ": " + layout.last_layout().reason;
    struct Method {
      const char* name;
      cv::Mat depth;
    };
    for (const Method& m : {Method{"constant", constant},
                            Method{"ground ramp", ramp},
                            Method{"room box (before)", box_depth},
                            Method{"layout (after)", layout_depth}}) {
      const DepthScores d = ScoreDepth(m.depth, truth);
      // Depth in the true scale for the warp.
      std::vector<double> ratio;
      for (int i = 0; i < static_cast<int>(truth.total()); ++i)
        if (truth.ptr<float>()[i] > 0) ratio.push_back(truth.ptr<float>()[i] / m.depth.ptr<float>()[i]);
      std::nth_element(ratio.begin(), ratio.begin() + ratio.size() / 2, ratio.end());
      const cv::Mat scaled = m.depth * ratio[ratio.size() / 2];
      const Synthesis s = Synthesize(p, scaled);
      const cv::Mat all(p.left.size(), CV_8U, cv::Scalar(255));
      std::printf("| %s | %s | %.3f | %.3f | %.3f | %.2f | %.3f | %.2f | %.3f | %.1f | %s |\n",
                  p.name.c_str(),
                  m.name,
                  d.abs_rel,
                  d.delta,
                  d.spearman,
                  Psnr(s.filled, p.right, all),
                  Ssim(s.filled, p.right, all),
                  Psnr(s.filled, p.right, s.holes),
                  Ssim(s.filled, p.right, s.holes),
                  100.0 * cv::countNonZero(s.holes) / s.holes.total(),
                  std::string(m.name) == "layout (after)" ? model.c_str() : "");
      std::string tag = m.name;
      tag = tag.substr(0, tag.find(' '));
      cv::imwrite(out_dir + "/" + p.name + "_depth_" + tag + ".png", Colourise(m.depth));
      cv::imwrite(out_dir + "/" + p.name + "_synth_" + tag + ".png", s.filled);
    }
    // Fill on the true disocclusions.
    const Synthesis s = Synthesize(p, TrueDepthFilled(p));
    cv::Mat telea;
    cv::inpaint(s.warped, s.holes, telea, 3, cv::INPAINT_TELEA);
    const cv::Mat band = OutOfView(s.holes), disoccluded = s.holes & ~band;
    // PSNR / SSIM on all holes, on the disocclusions, on the out-of-view band.
    const auto scores = [&](const cv::Mat& filled) {
      char cells[160];
      std::snprintf(cells,
                    sizeof(cells),
                    "%.2f | %.3f | %.2f | %.3f | %.2f | %.3f",
                    Psnr(filled, p.right, s.holes),
                    Ssim(filled, p.right, s.holes),
                    Psnr(filled, p.right, disoccluded),
                    Ssim(filled, p.right, disoccluded),
                    Psnr(filled, p.right, band),
                    Ssim(filled, p.right, band));
      return std::string(cells);
    };
    char row[512];
    // The true warp's known pixels check the disparity's scale and sign.
    std::snprintf(row,
                  sizeof(row),
                  "| %s | (known pixels of the true warp; holes %.1f%% = disocclusions %.1f%% + out of view %.1f%%) | "
                  "%.2f | %.3f | | | | |",
                  p.name.c_str(),
                  100.0 * cv::countNonZero(s.holes) / s.holes.total(),
                  100.0 * cv::countNonZero(disoccluded) / s.holes.total(),
                  100.0 * cv::countNonZero(band) / s.holes.total(),
                  Psnr(s.warped, p.right, s.holes == 0),
                  Ssim(s.warped, p.right, s.holes == 0));
    fill_rows.push_back(row);
    std::snprintf(row, sizeof(row), "| %s | Telea r3 alone | %s |", p.name.c_str(), scores(telea).c_str());
    fill_rows.push_back(row);
    for (size_t c = 0; c < s.candidates.size(); ++c) {
      const cv::Mat filled = TensorToMat(s.candidates[c]);
      std::snprintf(row,
                    sizeof(row),
                    "| %s | %s%s | %s |",
                    p.name.c_str(),
                    OpenCvInpainter::CandidateName(static_cast<int>(c)).c_str(),
                    static_cast<int>(c) == s.chosen ? " (chosen)" : "",
                    scores(filled).c_str());
      fill_rows.push_back(row);
    }
    cv::imwrite(out_dir + "/" + p.name + "_true_warp.png", s.warped);
    cv::imwrite(out_dir + "/" + p.name + "_true_fill.png", s.filled);
    cv::imwrite(out_dir + "/" + p.name + "_true_telea.png", telea);
    cv::imwrite(out_dir + "/" + p.name + "_right.png", p.right);
  }
  std::printf(
      "\nFill on the true holes (true depth), PSNR / SSIM:\n\n| pair | fill | all holes | | disocclusions | | "
      "out of view | |\n|---|---|---:|---:|---:|---:|---:|---:|\n");
  for (const std::string& r : fill_rows) std::printf("%s\n", r.c_str());
}

}  // namespace
}  // namespace scenescape

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: photo_bench OUT_DIR NAME:LEFT:RIGHT:DISPARITY ...\n");
    return 2;
  }
  at::set_num_threads(1);
  cv::setNumThreads(1);
  std::vector<scenescape::Pair> pairs;
  try {
    for (int i = 2; i < argc; ++i) pairs.push_back(scenescape::LoadPair(argv[i]));
    scenescape::Run(argv[1], pairs);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "photo_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
