#include "colmap_check.h"

#include <Eigen/SVD>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "scenescape/core/check.h"
#include "scenescape/core/logging.h"
#include "scenescape/core/timer.h"
#include "scenescape/io/camera_formats.h"

namespace scenescape {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string Quote(const fs::path& p) { return "'" + p.string() + "'"; }

void RunStep(const std::string& binary, const std::string& args, const fs::path& log) {
  // COLMAP is a Qt program; the offscreen platform keeps it headless.
  const std::string cmd = "QT_QPA_PLATFORM=offscreen " + binary + " " + args + " > " + Quote(log) + " 2>&1";
  const int code = std::system(cmd.c_str());
  if (code != 0)
    throw Error("colmap " + args.substr(0, args.find(' ')) + " failed (exit " + std::to_string(code) + "); see " +
                log.string());
}

double Median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

Eigen::Matrix3d ProjectToRotation(const Eigen::Matrix3d& m) {
  Eigen::JacobiSVD<Eigen::Matrix3d> svd(m, Eigen::ComputeFullU | Eigen::ComputeFullV);
  Eigen::Matrix3d d = Eigen::Matrix3d::Identity();
  d(2, 2) = (svd.matrixU() * svd.matrixV().transpose()).determinant() < 0 ? -1 : 1;
  return svd.matrixU() * d * svd.matrixV().transpose();
}

// Mean reprojection error over the model's points (points3D.txt ERROR column).
double MeanReprojectionError(const fs::path& points_file) {
  std::ifstream in(points_file);
  double sum = 0;
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    double id, x, y, z, r, g, b, err;
    if (ls >> id >> x >> y >> z >> r >> g >> b >> err) sum += err, ++n;
  }
  return n ? sum / n : NAN;
}

}  // namespace

json ColmapConsistency(const fs::path& run_dir, const std::vector<Camera>& known, const std::string& binary) {
  if (std::system(("command -v " + binary + " > /dev/null 2>&1").c_str()) != 0)
    throw ResourceError("eval --colmap: the '" + binary + "' program was not found (Debian package: colmap)");
  const Timer timer;
  const fs::path work = run_dir / "colmap_eval";
  fs::remove_all(work);
  fs::create_directories(work / "sparse");
  const auto& k = known.front().intrinsics;
  const std::string db = Quote(work / "database.db");
  RunStep(binary,
          "feature_extractor --database_path " + db + " --image_path " + Quote(run_dir / "frames") +
              " --ImageReader.camera_model PINHOLE --ImageReader.single_camera 1 --ImageReader.camera_params " +
              fmt::format("{},{},{},{}", k.fx, k.fy, k.cx, k.cy) +
              " --SiftExtraction.use_gpu 0 --SiftExtraction.num_threads 2",
          work / "feature_extractor.log");
  RunStep(binary,
          "exhaustive_matcher --database_path " + db + " --SiftMatching.use_gpu 0 --SiftMatching.num_threads 2",
          work / "matcher.log");
  RunStep(binary,
          "mapper --database_path " + db + " --image_path " + Quote(run_dir / "frames") + " --output_path " +
              Quote(work / "sparse") +
              " --Mapper.ba_refine_focal_length 0 --Mapper.ba_refine_principal_point 0"
              " --Mapper.ba_refine_extra_params 0 --Mapper.num_threads 2",
          work / "mapper.log");
  // The largest model wins.
  fs::path best;
  size_t best_images = 0;
  CameraTrack track;
  for (const auto& entry : fs::directory_iterator(work / "sparse")) {
    if (!entry.is_directory()) continue;
    RunStep(binary,
            "model_converter --input_path " + Quote(entry.path()) + " --output_path " + Quote(entry.path()) +
                " --output_type TXT",
            work / "converter.log");
    CameraTrack t = ReadColmapText(entry.path());
    if (t.cameras.size() > best_images) best_images = t.cameras.size(), best = entry.path(), track = std::move(t);
  }
  json out = {{"frames", known.size()}, {"registered", best_images}};
  out["registered_fraction"] = known.empty() ? 0.0 : static_cast<double>(best_images) / known.size();
  if (best_images < 3) {
    out["note"] = "fewer than 3 frames registered: no alignment";
    return out;
  }
  // Pair recovered cameras with known ones by file name (00012.png -> frame 12).
  std::vector<std::pair<const Camera*, const Camera*>> pairs;  // (recovered, known)
  for (size_t i = 0; i < track.cameras.size(); ++i) {
    const std::string name = fs::path(track.image_names[i]).stem().string();
    const int index = std::atoi(name.c_str());
    if (index >= 0 && index < static_cast<int>(known.size())) pairs.emplace_back(&track.cameras[i], &known[index]);
  }
  // world_recovered = A * world_known (rotation part): R_known = R_recovered * A.
  Eigen::Matrix3d sum = Eigen::Matrix3d::Zero();
  for (const auto& [rec, kn] : pairs)
    sum += rec->cam_from_world.topLeftCorner<3, 3>().transpose() * kn->cam_from_world.topLeftCorner<3, 3>();
  const Eigen::Matrix3d a = ProjectToRotation(sum);
  // Centres: c_known ~ s * A^T c_recovered + t.
  Eigen::Vector3d mean_rec = Eigen::Vector3d::Zero(), mean_known = Eigen::Vector3d::Zero();
  for (const auto& [rec, kn] : pairs) {
    mean_rec += a.transpose() * rec->CenterInWorld();
    mean_known += kn->CenterInWorld();
  }
  mean_rec /= pairs.size();
  mean_known /= pairs.size();
  double num = 0, den = 0;
  for (const auto& [rec, kn] : pairs) {
    const Eigen::Vector3d r = a.transpose() * rec->CenterInWorld() - mean_rec;
    num += r.dot(kn->CenterInWorld() - mean_known);
    den += r.squaredNorm();
  }
  const double scale = den > 0 ? num / den : 1.0;
  double path_length = 0;
  for (size_t i = 1; i < known.size(); ++i)
    path_length += (known[i].CenterInWorld() - known[i - 1].CenterInWorld()).norm();
  std::vector<double> rot_err, trans_err;
  for (const auto& [rec, kn] : pairs) {
    const Eigen::Matrix3d r_aligned = rec->cam_from_world.topLeftCorner<3, 3>() * a;
    const Eigen::Matrix3d diff = kn->cam_from_world.topLeftCorner<3, 3>().transpose() * r_aligned;
    rot_err.push_back(std::acos(std::clamp((diff.trace() - 1.0) / 2.0, -1.0, 1.0)) * 180.0 / M_PI);
    const Eigen::Vector3d c = scale * (a.transpose() * rec->CenterInWorld() - mean_rec) + mean_known;
    trans_err.push_back((c - kn->CenterInWorld()).norm() / std::max(path_length, 1e-12));
  }
  out["rotation_error_deg"] = {{"median", Median(rot_err)}, {"max", *std::max_element(rot_err.begin(), rot_err.end())}};
  out["translation_error"] = {{"median", Median(trans_err)},
                              {"max", *std::max_element(trans_err.begin(), trans_err.end())},
                              {"unit", "fraction of the known path length"}};
  out["path_length"] = path_length;
  out["reprojection_error_px"] = MeanReprojectionError(best / "points3D.txt");
  out["seconds"] = timer.ElapsedSeconds();
  SCN_LOG_INFO(
      "colmap: {}/{} frames registered, rotation error median {:.2f} deg, translation error median {:.2f}% "
      "of the path, reprojection {:.2f} px ({:.0f} s)",
      best_images,
      known.size(),
      Median(rot_err),
      100 * Median(trans_err),
      out["reprojection_error_px"].get<double>(),
      timer.ElapsedSeconds());
  return out;
}

}  // namespace scenescape
