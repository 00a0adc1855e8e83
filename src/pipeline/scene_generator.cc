#include "scenescape/pipeline/scene_generator.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

#include "scenescape/core/check.h"
#include "scenescape/core/logging.h"
#include "scenescape/core/timer.h"
#include "scenescape/pipeline/clearance.h"

namespace scenescape {

SceneGenerator::SceneGenerator(GeneratorOptions options, Stages stages)
    : options_(std::move(options)), stages_(std::move(stages)) {
  SCN_CHECK(stages_.depth && stages_.inpainter) << "a depth estimator and an inpainter are required";
  SCN_CHECK(options_.frames >= 1) << "frames must be >= 1";
  SCN_CHECK(options_.inpaint.num_candidates >= 1) << "num_candidates must be >= 1";
  SCN_CHECK(options_.inpaint.num_candidates == 1 || stages_.scorer) << "several candidates need a scorer";
}

FrameContext SceneGenerator::Context(int index, const Camera& camera) const {
  FrameContext ctx;
  ctx.frame_index = index;
  ctx.camera = camera;
  ctx.seed = index >= options_.reseed_from && index <= options_.reseed_to ? options_.reseed : options_.seed;
  ctx.prompt = options_.prompt;
  if (index < static_cast<int>(path_.size()) && !path_[index].prompt.empty()) ctx.prompt = path_[index].prompt;
  ctx.negative_prompt = options_.negative_prompt;
  return ctx;
}

Camera SceneGenerator::CameraAt(int i) const {
  SCN_CHECK(i >= 0 && i < static_cast<int>(path_.size())) << "frame " << i << " is not on the path";
  Camera cam;
  cam.intrinsics = options_.intrinsics;
  if (path_[i].fov_deg)
    cam.intrinsics =
        Intrinsics::FromHorizontalFov(options_.intrinsics.width, options_.intrinsics.height, *path_[i].fov_deg);
  cam.cam_from_world = path_[i].cam_from_world;
  return cam;
}

FrameResult SceneGenerator::Start(const at::Tensor& image) {
  SCN_CHECK(next_index_ == 0) << "Start() was already called";
  const Timer total;
  const int h = options_.intrinsics.height, w = options_.intrinsics.width;
  FrameResult r;
  r.index = 0;
  r.camera.intrinsics = options_.intrinsics;
  // A keyframe file may set frame 0's prompt. Prompts do not depend on the depth
  // scale, so a provisional one-frame path gives it before frame 0's depth exists.
  path_ = ComputePath(options_.path, Eigen::Matrix4d::Identity(), 1.0, 1, options_.seed);
  r.prompt = Context(0, r.camera).prompt;
  Timer t;
  if (image.defined()) {
    SCN_CHECK(image.dim() == 3 && image.size(0) == h && image.size(1) == w && image.size(2) == 3)
        << "initial image must be [" << h << "," << w << ",3], got " << image.sizes();
    r.image = image.to(at::kFloat).contiguous();
  } else {
    // Text-to-image through the inpainter with a full mask, N candidates ranked
    // like any other frame's.
    const at::Tensor blank = at::ones({h, w, 3});
    const at::Tensor full = at::ones({h, w}, at::kBool);
    const FrameContext ctx = Context(0, r.camera);
    r.candidates = stages_.inpainter->Inpaint(blank, full, ctx, options_.inpaint.num_candidates);
    SCN_CHECK(!r.candidates.empty()) << "the inpainter returned no image";
    r.timings_ms["inpaint"] = t.ElapsedMs();
    r.scores.assign(r.candidates.size(), 0.0);
    if (r.candidates.size() > 1) {
      t.Restart();
      r.scores = stages_.scorer->Score(r.candidates, blank, full, ctx);
      r.chosen = static_cast<int>(std::max_element(r.scores.begin(), r.scores.end()) - r.scores.begin());
      r.timings_ms["score"] = t.ElapsedMs();
    }
    r.image = stages_.inpainter->Finalize(r.chosen, r.candidates);
    for (const auto& [k, v] : stages_.inpainter->Diagnostics()) r.diagnostics[k] = v;
  }
  r.holes = at::ones({h, w}, at::kBool);
  r.inpaint_mask = image.defined() ? at::zeros({h, w}, at::kBool) : r.holes;
  t.Restart();
  r.depth = stages_.depth->Estimate(r.image, at::Tensor(), Context(0, r.camera));
  r.timings_ms["depth"] = t.ElapsedMs();
  for (const auto& [k, v] : stages_.depth->Diagnostics()) r.diagnostics[k] = v;
  r.choices = stages_.depth->Choices();

  // The path needs frame 0's median depth (steps scale with it); the depth does
  // not depend on the pose, so the mesh is built once the path fixes camera 0.
  const at::Tensor valid = r.depth > 0;
  SCN_CHECK(valid.any().item<bool>()) << "frame 0 has no valid depth";
  median_depth0_ = r.depth.index({valid}).median().item<double>();
  path_ = ComputePath(options_.path, Eigen::Matrix4d::Identity(), median_depth0_, options_.frames, options_.seed);
  r.camera = CameraAt(0);
  previous_ = r.camera;
  previous_depth_ = r.depth;

  t.Restart();
  mesh_ = Mesh::Empty();
  r.mesh_update = AddFrameToMesh(mesh_, r.image, r.depth, r.holes, at::Tensor(), r.camera, options_.meshing);
  r.timings_ms["mesh"] = t.ElapsedMs();
  views_ = {MakeSeenView(r.camera, r.depth)};
  t.Restart();
  KeepPathClear();
  r.timings_ms["clearance"] = t.ElapsedMs();
  r.mesh_vertices = mesh_.NumVertices();
  r.mesh_faces = mesh_.NumFaces();
  if (r.scores.empty()) r.scores = {0.0};
  r.timings_ms["total"] = total.ElapsedMs();
  next_index_ = 1;
  return r;
}

void SceneGenerator::Resume(const GeneratorState& state) {
  SCN_CHECK(next_index_ == 0) << "Resume() on a generator that already ran";
  SCN_CHECK(state.next_index >= 1 && state.median_depth0 > 0) << "invalid generator state";
  state.mesh.Validate();
  median_depth0_ = state.median_depth0;
  path_ = ComputePath(options_.path, Eigen::Matrix4d::Identity(), median_depth0_, options_.frames, options_.seed);
  path_limit_ = state.path_limit;
  path_ = LimitPathLength(path_, path_limit_);
  mesh_ = state.mesh;
  previous_ = CameraAt(std::min(state.next_index, options_.frames) - 1);
  previous_depth_ = state.previous_depth;
  next_index_ = state.next_index;
  SCN_CHECK_EQ(static_cast<int>(state.frame_depths.size()), state.next_index) << "the state holds every frame's depth";
  views_.clear();
  for (int i = 0; i < state.next_index; ++i) views_.push_back(MakeSeenView(CameraAt(i), state.frame_depths[i]));
}

GeneratorState SceneGenerator::State() const {
  GeneratorState state;
  state.next_index = next_index_;
  state.median_depth0 = median_depth0_;
  state.mesh = mesh_;
  state.previous_depth = previous_depth_;
  state.path_limit = path_limit_;
  return state;
}

void SceneGenerator::KeepPathClear() {
  const double min_clearance = options_.path.motion.min_clearance * median_depth0_;
  if (min_clearance <= 0 || path_.size() < 2) return;
  if (options_.path.motion.type != Motion::kFile) {
    path_limit_ = SafePathLength(path_, options_.intrinsics, mesh_, min_clearance);
    if (std::isfinite(path_limit_)) {
      path_ = LimitPathLength(path_, path_limit_);
      SCN_LOG_INFO(
          "camera path: a surface is nearer than {:.2f} median depths ahead after {:.2f} median depths of "
          "travel; the camera slows down and stops short of it",
          options_.path.motion.min_clearance,
          path_limit_ / median_depth0_);
    }
    return;
  }
  // A keyframe file is the user's: warn, naming the frames.
  for (size_t i = 1; i < path_.size(); ++i) {
    const double clearance = CameraClearance(mesh_, CameraAt(static_cast<int>(i)));
    if (clearance < min_clearance)
      SCN_LOG_WARN(
          "camera path: frame {} has a surface {:.3f} median depths ahead (trajectory.min_clearance {}): it "
          "may pass through the scene",
          i,
          clearance / median_depth0_,
          options_.path.motion.min_clearance);
  }
}

FrameResult SceneGenerator::Next() {
  SCN_CHECK(next_index_ >= 1) << "Start() must run first";
  SCN_CHECK(!Done()) << "all " << options_.frames << " frames are done";
  const Timer total;
  FrameResult r;
  r.index = next_index_;
  r.camera = CameraAt(r.index);
  FrameContext ctx = Context(r.index, r.camera);
  r.prompt = ctx.prompt;

  Timer t;
  const WarpResult warp = WarpToCamera(mesh_, previous_, previous_depth_, r.camera, options_.warp);
  r.timings_ms["render"] = t.ElapsedMs();
  r.warped = warp.rgb;
  r.holes = warp.holes;
  r.inpaint_mask = warp.opened;

  at::Tensor known = warp.rgb;
  if (stages_.hole_filler && warp.specks.any().item<bool>()) {
    t.Restart();
    // Every hole is unknown to the filler, not only the specks: the other hole
    // pixels are white in the render and would bleed into the specks (thin cracks
    // between frame layers then stay visibly white). Only the specks are kept.
    const at::Tensor filled = stages_.hole_filler->Fill(warp.rgb, warp.holes);
    known = at::where(warp.specks.unsqueeze(-1), filled, warp.rgb);
    r.timings_ms["fill"] = t.ElapsedMs();
  } else if (!stages_.hole_filler) {
    r.inpaint_mask = warp.holes;
  }

  t.Restart();
  ctx.known_depth = warp.depth;
  if (r.inpaint_mask.any().item<bool>()) {
    r.candidates = stages_.inpainter->Inpaint(known, r.inpaint_mask, ctx, options_.inpaint.num_candidates);
    SCN_CHECK(!r.candidates.empty()) << "the inpainter returned no candidate";
  } else {
    r.candidates = {known};
  }
  r.timings_ms["inpaint"] = t.ElapsedMs();

  t.Restart();
  if (r.candidates.size() > 1) {
    r.scores = stages_.scorer->Score(r.candidates, known, r.inpaint_mask, ctx);
    SCN_CHECK_EQ(r.scores.size(), r.candidates.size());
    r.chosen = static_cast<int>(std::max_element(r.scores.begin(), r.scores.end()) - r.scores.begin());
  } else {
    r.scores = {0.0};
  }
  r.timings_ms["score"] = t.ElapsedMs();
  t.Restart();
  r.image =
      r.inpaint_mask.any().item<bool>() ? stages_.inpainter->Finalize(r.chosen, r.candidates) : r.candidates[r.chosen];
  r.timings_ms["finalize"] = t.ElapsedMs();
  for (const auto& [k, v] : stages_.inpainter->Diagnostics()) r.diagnostics[k] = v;

  t.Restart();
  r.depth = stages_.depth->Estimate(r.image, warp.depth, ctx);
  r.timings_ms["depth"] = t.ElapsedMs();
  for (const auto& [k, v] : stages_.depth->Diagnostics()) r.diagnostics[k] = v;
  r.choices = stages_.depth->Choices();

  t.Restart();
  const at::Tensor stitch = options_.meshing.connect_to_existing
                                ? StitchVertexIds(mesh_, warp.face_ids, warp.holes, previous_.CenterInWorld())
                                : at::Tensor();
  const int64_t first_vertex = mesh_.NumVertices(), first_face = mesh_.NumFaces();
  r.mesh_update = AddFrameToMesh(mesh_, r.image, r.depth, warp.holes, stitch, r.camera, options_.meshing);
  if (options_.meshing.keep == MeshKeep::kAll) {
    const EarlierViewStats kept = KeepEarlierViewsVisible(mesh_, first_vertex, first_face, r.camera, views_);
    r.mesh_update.new_faces -= kept.dropped_faces;
    r.diagnostics["pushed_vertices"] = static_cast<double>(kept.pushed_vertices);
    r.diagnostics["dropped_hiding_faces"] = static_cast<double>(kept.dropped_faces);
  }
  if (options_.meshing.keep == MeshKeep::kLastFrame) {
    mesh_ = Mesh::Empty();
    r.mesh_update =
        AddFrameToMesh(mesh_, r.image, r.depth, at::ones_like(warp.holes), at::Tensor(), r.camera, options_.meshing);
  }
  r.timings_ms["mesh"] = t.ElapsedMs();

  r.mesh_vertices = mesh_.NumVertices();
  r.mesh_faces = mesh_.NumFaces();
  previous_ = r.camera;
  previous_depth_ = r.depth;
  views_.push_back(MakeSeenView(r.camera, r.depth));
  ++next_index_;
  r.timings_ms["total"] = total.ElapsedMs();
  return r;
}

}  // namespace scenescape
