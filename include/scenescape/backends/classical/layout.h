#pragma once
// Which scene model a photo shows, for the classical (weight-free) depth.
//
// A single photo's depth is guessed from a scene model whose few parameters
// the image's lines, horizon and sky determine. Three models, tried in order:
//   room    a box seen from inside (classical/depth.h: FitBoxModel): a central
//           vanishing point (VP) that many lines converge to, from above (a
//           ceiling; or a plain ceiling seen as a smooth top region outlined
//           by straight lines) and from below (a floor), and no sky. A box puts near
//           surfaces all around the border, so it needs both.
//   street  the same box without its ceiling (an open street or a corridor of
//           facades): a central VP with converging lines but sky, or none of
//           them above; what the sky mask marks is far.
//   ground  the fallback, and the safest: a ground plane rising to the horizon,
//           vertical surfaces standing on it, sky far. It never puts near
//           geometry at the top of the image, where photos are farthest.
// The ground model. The camera, height 1 above the ground and pitched so that
// the horizon is at row y_h, sees the ground below the contact row c, where
// the walls stand: pixels above c lie on a wall facing the camera through the
// ground point seen at c. The walls lean back by wall_lean_deg: in photos the
// upper parts are farther on average, and an exactly vertical wall seen by a
// camera pitched down comes nearer towards the top (measured on the stereo
// pairs of docs/benchmarks.md: leaning walls rank depth as well as the ground
// ramp does, upright ones worse), and bend back towards the sides (wall_bend
// below). The contact row comes from the lower ends of
// near-vertical line segments (walls, posts, window frames end on the
// ground): the lowest per column band, the median over the bands; with none,
// default_contact (the fraction of the way from the horizon to the bottom
// row). A contact row per column band was tried and ranked depth worse: the
// lines of foreground objects end above the ground.
// Horizon: the line through two finite VPs of horizontal directions when found,
// else through the one such VP, else the one a vertical VP gives (the pitch
// that makes vertical lines converge there), else the principal point's row (a
// level camera).
// Sky: pixels connected to the top border that are smooth (low gradient) and
// bright, and either bluish or unsaturated; a component must cover
// min_sky_fraction of the image and min_sky_top_fraction of the top border,
// and its outline must not run along straight line segments (a plain ceiling,
// bounded by the room's edges, passes the colour test too; skylines are broken).
// Sky depth = sky_depth_ratio x the farthest non-sky depth.
// The depth is finally scaled so that its median (over non-sky pixels) is the
// box model's back_wall_depth, so every model has the same depth scale.

#include <ATen/core/Tensor.h>
#include <opencv2/core.hpp>

#include <map>
#include <string>
#include <vector>

#include "scenescape/backends/classical/depth.h"
#include "scenescape/backends/classical/vanishing.h"
#include "scenescape/pipeline/stages.h"

namespace scenescape {

enum class SceneModel { kRoom, kStreet, kGround };
const char* SceneModelName(SceneModel model);  // "room", "street", "ground"

struct LayoutOptions {
  BoxDepthOptions box;
  // Converging lines: segments pointing at the central VP (within
  // box.vanishing.inlier_angle_deg). A box needs this fraction of all segment
  // length to converge...
  double min_converging = 0.08;
  // ...and a room this share of the converging length above the VP (midpoint
  // above, |dy| > |dx| / 2: a ceiling) and the same below (a floor). A plain
  // ceiling shows only its two edges with the walls (a floor's planks or tiles
  // add many lines), so a smooth top region outlined by straight lines (see
  // Sky below) counts as the ceiling too. Lowering this to 0.12 instead made
  // Aloe (17% below) a room, ranking its depth backwards.
  double min_side_share = 0.2;
  double default_contact = 0.35;  // ground: contact row without line evidence (0..1)
  int contact_bands = 16;         // ground: column bands searched for the contact row
  double wall_lean_deg = 15;      // ground: walls lean back by this (degrees)
  // ground: the walls bend back towards the left and right borders, depth x
  // (1 + wall_bend * u^2) with u = (x - cx) / (width / 2): a photo's subject
  // is usually in the middle and nearer than what stands beside it. 0 is a
  // flat wall, which ranks depth exactly as the ground ramp does (by row
  // only). Measured on the two stereo pairs of docs/benchmarks.md (so fitted
  // on them: one number, two scenes): 0.1 raised Spearman on both (0.654 ->
  // 0.717, 0.665 -> 0.679); 0.2 over-rode the rows on Motorcycle (0.65).
  double wall_bend = 0.1;
  double vertical_angle_deg = 8;      // segments within this of the image's vertical
  double min_sky_fraction = 0.02;     // of the image
  double min_sky_top_fraction = 0.2;  // of the top border
  // A candidate whose outline (the image border left out) runs along line
  // segments for more than this share is a surface, not sky (a plain ceiling).
  double max_sky_straight_outline = 0.6;
  double sky_depth_ratio = 3.0;
};

struct SceneLayout {
  SceneModel model = SceneModel::kGround;
  std::string reason;    // one line: why this model
  BoxModel box;          // room and street
  double horizon_y = 0;  // continuous pixel row of the horizon
  double contact_y = 0;  // ground: where the walls stand (continuous pixel row)
  cv::Mat sky;           // CV_8U, 255 = sky (street and ground; empty = none)
  double sky_fraction = 0;
};

// Chooses and fits the model for `bgr` (CV_8UC3) seen with `intrinsics`
// (rescaled to the image size if they differ).
SceneLayout FitSceneLayout(const cv::Mat& bgr, const Intrinsics& intrinsics, const LayoutOptions& options = {});

// The layout's depth (camera z) on the image grid of `intrinsics`.
// Returns [H,W] float32 > 0, CPU.
at::Tensor RenderLayoutDepth(const SceneLayout& layout,
                             const Intrinsics& intrinsics,
                             const LayoutOptions& options = {});

// CV_8U sky mask of `bgr` (CV_8UC3), see above; empty when there is none.
// `segments`: the image's line segments (pixels of `bgr`). surface_fraction
// (optional): the image share of the candidates left out as surfaces (their
// outline runs along the segments).
cv::Mat DetectSky(const cv::Mat& bgr,
                  const std::vector<LineSegment>& segments,
                  double min_fraction = 0.02,
                  double min_top_fraction = 0.2,
                  double max_straight_outline = 0.6,
                  double* surface_fraction = nullptr);

// The classical back end's DepthEstimator. Every frame fits the layout of its
// own image (so a resumed run repeats the frames of one that never stopped);
// frames >= 1 are then aligned to the mesh (depth.h: AlignDepthToMesh).
class LayoutDepthEstimator : public DepthEstimator {
 public:
  explicit LayoutDepthEstimator(LayoutOptions options = {});
  std::string Name() const override { return "layout"; }
  // image: [H,W,3] float32 RGB in [0,1], CPU. mesh_depth: undefined (frame 0)
  // or [H,W] float32 with -1 for no geometry. Intrinsics from
  // context.camera.intrinsics. Returns [H,W] float32 > 0, CPU.
  at::Tensor Estimate(const at::Tensor& image, const at::Tensor& mesh_depth, const FrameContext& context) override;
  // {"depth_model": "room" | "street" | "ground", "depth_model_reason": ...}
  std::map<std::string, std::string> Choices() const override;
  const SceneLayout& last_layout() const { return last_layout_; }

 private:
  LayoutOptions options_;
  SceneLayout last_layout_;
};

}  // namespace scenescape
