#include "scenescape/app/eval.h"

#include <ATen/ATen.h>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <limits>
#include <map>
#include <memory>

#include "colmap_check.h"
#include "scenescape/app/run_folder.h"
#include "scenescape/core/check.h"
#include "scenescape/core/fs.h"
#include "scenescape/core/logging.h"
#include "scenescape/io/image_io.h"
#include "scenescape/io/opencv_convert.h"
#include "scenescape/mesh/mesh_io.h"
#include "scenescape/models/clip_model.h"
#include "scenescape/models/manifest.h"
#include "scenescape/render/rasterizer.h"

namespace scenescape {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// A line chart of one or two series; y ranges are per series (left / right axis labels).
void PlotSeries(const fs::path& file,
                const std::vector<double>& a,
                const std::string& a_name,
                const std::vector<double>& b,
                const std::string& b_name) {
  const int w = 800, h = 400, m = 50;
  cv::Mat img(h, w, CV_8UC3, cv::Scalar(255, 255, 255));
  cv::rectangle(img, {m, m / 2}, {w - m, h - m}, cv::Scalar(200, 200, 200));
  const auto draw = [&](const std::vector<double>& v, const cv::Scalar& color, bool right, const std::string& name) {
    std::vector<double> finite;
    for (double x : v)
      if (std::isfinite(x)) finite.push_back(x);
    if (finite.empty()) return;
    double lo = *std::min_element(finite.begin(), finite.end());
    double hi = *std::max_element(finite.begin(), finite.end());
    if (hi - lo < 1e-9) hi = lo + 1.0;
    const auto pt = [&](size_t i, double y) {
      const double x = v.size() > 1 ? static_cast<double>(i) / (v.size() - 1) : 0.5;
      return cv::Point(static_cast<int>(m + x * (w - 2 * m)),
                       static_cast<int>(h - m - (y - lo) / (hi - lo) * (h - 1.5 * m)));
    };
    for (size_t i = 1; i < v.size(); ++i)
      if (std::isfinite(v[i - 1]) && std::isfinite(v[i]))
        cv::line(img, pt(i - 1, v[i - 1]), pt(i, v[i]), color, 2, cv::LINE_AA);
    const int x = right ? w - m + 4 : 4;
    cv::putText(img, cv::format("%.3g", hi), {x, m / 2 + 10}, cv::FONT_HERSHEY_SIMPLEX, 0.4, color);
    cv::putText(img, cv::format("%.3g", lo), {x, h - m}, cv::FONT_HERSHEY_SIMPLEX, 0.4, color);
    cv::putText(img, name, {right ? w / 2 + 10 : m + 10, h - 15}, cv::FONT_HERSHEY_SIMPLEX, 0.5, color, 1, cv::LINE_AA);
  };
  draw(a, cv::Scalar(180, 90, 20), false, a_name);
  if (!b.empty()) draw(b, cv::Scalar(30, 30, 200), true, b_name);
  cv::putText(img, "frame", {w / 2 - 20, h - 32}, cv::FONT_HERSHEY_SIMPLEX, 0.4, cv::Scalar(0, 0, 0));
  WriteImagePng(file, MatToTensor(img));
}

// Camera centres seen from above (world x right, world z up the page).
void PlotPath(const fs::path& file, const std::vector<Camera>& cameras) {
  const int size = 600, m = 40;
  cv::Mat img(size, size, CV_8UC3, cv::Scalar(255, 255, 255));
  double lo_x = 1e300, hi_x = -1e300, lo_z = 1e300, hi_z = -1e300;
  for (const auto& c : cameras) {
    const Eigen::Vector3d p = c.CenterInWorld();
    lo_x = std::min(lo_x, p.x()), hi_x = std::max(hi_x, p.x());
    lo_z = std::min(lo_z, p.z()), hi_z = std::max(hi_z, p.z());
  }
  const double span = std::max({hi_x - lo_x, hi_z - lo_z, 1e-6}) * 1.2;
  const double cx = 0.5 * (lo_x + hi_x), cz = 0.5 * (lo_z + hi_z);
  const auto pt = [&](double x, double z) {
    return cv::Point(static_cast<int>(size / 2 + (x - cx) / span * (size - 2 * m)),
                     static_cast<int>(size / 2 - (z - cz) / span * (size - 2 * m)));
  };
  for (size_t i = 0; i < cameras.size(); ++i) {
    const Eigen::Vector3d p = cameras[i].CenterInWorld();
    const Eigen::Vector3d forward = cameras[i].cam_from_world.block<1, 3>(2, 0).transpose();
    const double len = span * 0.05;
    const cv::Scalar color(
        255 - 200 * i / std::max<size_t>(1, cameras.size() - 1), 60, 200 * i / std::max<size_t>(1, cameras.size() - 1));
    cv::arrowedLine(
        img, pt(p.x(), p.z()), pt(p.x() + len * forward.x(), p.z() + len * forward.z()), color, 1, cv::LINE_AA, 0, 0.3);
    if (i > 0) {
      const Eigen::Vector3d q = cameras[i - 1].CenterInWorld();
      cv::line(img, pt(q.x(), q.z()), pt(p.x(), p.z()), cv::Scalar(120, 120, 120), 1, cv::LINE_AA);
    }
  }
  cv::putText(img,
              "camera path from above (x right, z up); arrows: view direction; blue = first",
              {10, 20},
              cv::FONT_HERSHEY_SIMPLEX,
              0.4,
              cv::Scalar(0, 0, 0));
  WriteImagePng(file, MatToTensor(img));
}

double Mean(const std::vector<double>& v) {
  double s = 0;
  int n = 0;
  for (double x : v)
    if (std::isfinite(x)) s += x, ++n;
  return n ? s / n : std::numeric_limits<double>::quiet_NaN();
}

json Num(double x) { return std::isfinite(x) ? json(x) : json(nullptr); }

// What eval reads before it writes anything.
struct Evaluable {
  RunRecord run;
  CamerasRecord cameras;
};

Evaluable ReadEvaluable(const fs::path& dir) {
  const RunFolder folder(dir);
  Evaluable e{folder.ReadRecord(), {}};
  if (e.run.status != "complete")
    throw InputError(folder.File("run.json").string() + ": the run is not complete (resume it first: --resume " +
                     dir.string() + ")");
  e.cameras = RunFolder::ReadCameras(folder.File("cameras.json"));
  if (!e.cameras.depth_png_scale)
    throw InputError(folder.File("cameras.json").string() + ": depth_png_scale: missing (needed to read depth/)");
  if (!fs::exists(folder.File("mesh.ply"))) throw InputError(folder.File("mesh.ply").string() + ": file not found");
  return e;
}
}  // namespace

void CheckEvaluable(const fs::path& run_dir) { ReadEvaluable(run_dir); }

json EvaluateRun(const EvalOptions& options) {
  const fs::path& dir = options.run_dir;
  const RunFolder folder(dir);
  const Evaluable evaluable = ReadEvaluable(dir);
  const RunRecord& run = evaluable.run;
  const CamerasRecord& cams = evaluable.cameras;
  const double depth_scale = *cams.depth_png_scale;
  const Mesh mesh = ReadPly(folder.File("mesh.ply"));
  const json& frames_json = run.frames;
  const std::vector<Camera>& cameras = cams.cameras;
  if (cameras.size() != frames_json.size())
    throw InputError(folder.File("cameras.json").string() + ": frames: " + std::to_string(cameras.size()) +
                     " cameras for the " + std::to_string(frames_json.size()) + " frames of run.json");

  // CLIP text-image score when a model folder with CLIP is at hand.
  fs::path models = options.models;
  if (models.empty()) models = run.config.models;
  std::unique_ptr<ClipModel> clip;
  at::Tensor prompt_embedding;
  if (!models.empty()) {
    const ModelManifest manifest = LoadManifest(models);
    if (manifest.clip) {
      clip = std::make_unique<ClipModel>(*manifest.clip, c10::Device(c10::kCPU));
      prompt_embedding = clip->EncodePrompts({run.config.prompt});
    } else {
      SCN_LOG_WARN("eval: {} has no clip section; no CLIP score", models.string());
    }
  }

  json per_frame = json::array();
  std::vector<double> clip_scores;
  std::map<std::string, std::vector<double>> diagnostics;
  std::vector<double> psnr, l1, depth_err, generated;
  double psnr_frame0 = std::numeric_limits<double>::quiet_NaN();
  std::string csv = "frame,psnr_known,l1_known,depth_rel_error,generated_fraction,total_ms\n";
  for (size_t i = 0; i < cameras.size(); ++i) {
    const int index = static_cast<int>(i);
    const std::string name = RunFolder::FrameFileName(index);
    const at::Tensor image = ReadImage(dir / "frames" / name);
    const at::Tensor mask = ReadMaskPng(dir / "masks" / name);
    const at::Tensor depth = ReadDepthPng16(dir / "depth" / name, depth_scale);
    const Intrinsics& k = cameras[i].intrinsics;
    const std::pair<const char*, const at::Tensor*> read[] = {{"frames", &image}, {"masks", &mask}, {"depth", &depth}};
    for (const auto& [sub, t] : read)
      if (t->size(0) != k.height || t->size(1) != k.width)
        throw InputError((dir / sub / name).string() + ": " + std::to_string(t->size(1)) + " x " +
                         std::to_string(t->size(0)) + " pixels, but cameras.json frames[" + std::to_string(i) +
                         "] is " + std::to_string(k.width) + " x " + std::to_string(k.height));
    const ViewRender view = RenderView(mesh, cameras[i], 2);
    at::Tensor known = view.valid.clone();
    if (index > 0) known &= mask.logical_not();
    const double n = known.sum().item<double>();
    double p = std::numeric_limits<double>::quiet_NaN(), l = p, d = p;
    if (n > 0) {
      const at::Tensor diff = (image - view.rgb).index({known});  // [n,3]
      const double mse = diff.pow(2).mean().item<double>();
      p = 10.0 * std::log10(1.0 / std::max(mse, 1e-12));
      l = diff.abs().mean().item<double>();
      const at::Tensor both = known & (depth > 0);
      if (both.any().item<bool>()) {
        const at::Tensor mesh_depth = view.depth.index({both});
        d = ((depth.index({both}) - mesh_depth).abs() / mesh_depth).mean().item<double>();
      }
    }
    const double g = mask.to(at::kFloat).mean().item<double>();
    const json& fj = frames_json[i];
    double clip_score = std::numeric_limits<double>::quiet_NaN();
    if (clip) {
      const at::Tensor e = clip->EncodeImages(image.permute({2, 0, 1}).unsqueeze(0));
      clip_score = ClipModel::Similarity(e, prompt_embedding).item<double>();
      clip_scores.push_back(clip_score);
    }
    const json frame_diag = fj.value("diagnostics", json::object());
    for (const auto& item : frame_diag.items())
      if (item.value().is_number()) diagnostics[item.key()].push_back(item.value().get<double>());
    per_frame.push_back({{"frame", index},
                         {"psnr_known", Num(p)},
                         {"l1_known", Num(l)},
                         {"depth_rel_error", Num(d)},
                         {"generated_fraction", g},
                         {"clip_score", Num(clip_score)},
                         {"diagnostics", frame_diag},
                         {"known_pixels", n},
                         {"chosen", fj.value("chosen", 0)},
                         {"scores", fj.value("scores", json::array())},
                         {"timings_ms", fj.value("timings_ms", json::object())}});
    csv += fmt::format("{},{:.4f},{:.6f},{:.6f},{:.4f},{:.1f}\n",
                       index,
                       p,
                       l,
                       d,
                       g,
                       fj.value("timings_ms", json::object()).value("total", 0.0));
    if (index > 0) {
      psnr.push_back(p), l1.push_back(l), depth_err.push_back(d), generated.push_back(g);
    } else {
      psnr_frame0 = p;
    }
  }
  json overall = {{"frames", cameras.size()},
                  {"psnr_frame0", Num(psnr_frame0)},
                  {"psnr_known_mean", Num(Mean(psnr))},
                  {"l1_known_mean", Num(Mean(l1))},
                  {"depth_rel_error_mean", Num(Mean(depth_err))},
                  {"generated_fraction_mean", Num(Mean(generated))},
                  {"clip_score_mean", Num(Mean(clip_scores))},
                  {"run_seconds", run.seconds},
                  {"mesh_faces", mesh.NumFaces()}};
  for (const auto& [key, values] : diagnostics) overall[key + "_mean"] = Num(Mean(values));
  json doc = {{"run", dir.string()},
              {"backend", run.backend.is_null() ? json::object() : run.backend},
              {"prompt", run.config.prompt},
              {"seed", run.seed},
              {"overall", overall},
              {"frames", per_frame}};
  if (options.colmap) doc["colmap"] = ColmapConsistency(dir, cameras, options.colmap_binary);
  WriteAtomically(dir / "metrics.json", doc.dump(1));
  WriteAtomically(dir / "metrics.csv", csv);
  if (options.plots) {
    EnsureWritableDir(dir / "plots");
    std::vector<double> all_psnr, all_l1;
    for (const auto& f : per_frame) {
      all_psnr.push_back(f["psnr_known"].is_number() ? f["psnr_known"].get<double>() : NAN);
      all_l1.push_back(f["l1_known"].is_number() ? f["l1_known"].get<double>() : NAN);
    }
    PlotSeries(dir / "plots" / "consistency.png", all_psnr, "PSNR (dB), known pixels", all_l1, "L1, known pixels");
    PlotPath(dir / "plots" / "camera_path.png", cameras);
  }
  SCN_LOG_INFO(
      "eval {}: frame 0 (the start image) {:.2f} dB from the final mesh; frames 1+ {:.2f} dB, L1 {:.4f}, "
      "depth error {:.2f}% on known pixels; generated {:.1f}% per frame",
      dir.string(),
      psnr_frame0,
      Mean(psnr),
      Mean(l1),
      100 * Mean(depth_err),
      100 * Mean(generated));
  return doc;
}

}  // namespace scenescape
