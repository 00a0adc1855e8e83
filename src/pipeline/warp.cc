#include "scenescape/pipeline/warp.h"

#include <ATen/ATen.h>

#include "scenescape/core/check.h"
#include "scenescape/mesh/mesh_builder.h"
#include "scenescape/render/rasterizer.h"

namespace scenescape {

at::Tensor OutsidePreviousFrustum(
    const Camera& previous, const at::Tensor& previous_depth, const Camera& camera, int margin_px, int supersample) {
  const int64_t h = previous_depth.size(0), w = previous_depth.size(1);
  const int m = margin_px;
  // Where the previous view saw nothing, use the median of what it saw: the ring
  // only needs a plausible depth at the frustum's edge.
  at::Tensor depth = previous_depth.clone();
  const at::Tensor valid = depth > 0;
  const float fallback = valid.any().item<bool>() ? depth.index({valid}).median().item<float>() : 1.0f;
  depth.masked_fill_(valid.logical_not(), fallback);
  const at::Tensor padded = at::replication_pad2d(depth.unsqueeze(0).unsqueeze(0), {m, m, m, m}).squeeze(0).squeeze(0);
  Camera big = previous;
  big.intrinsics.width = static_cast<int>(w + 2 * m);
  big.intrinsics.height = static_cast<int>(h + 2 * m);
  big.intrinsics.cx += m;
  big.intrinsics.cy += m;
  // The ring: everything of the padded image outside the central h x w. Its
  // inner edge sits half a pixel outside the frustum; the dilation below closes that.
  at::Tensor ring = at::ones({h + 2 * m, w + 2 * m}, at::kBool);
  ring.narrow(0, m, h).narrow(1, m, w).fill_(false);
  const at::Tensor points = UnprojectDepth(padded, big);
  const Mesh ring_mesh = GridMesh(points, at::zeros_like(points), ring);
  Camera hi = camera;
  hi.intrinsics = camera.intrinsics.Scaled(supersample);
  const RasterResult r = RasterizeGeometry(ring_mesh, hi);
  // Any sub-pixel (after a 3x3 dilation at the high resolution, as the
  // reference does) that sees the ring marks the pixel.
  at::Tensor hit = Dilate(r.face_ids >= 0, 3).to(at::kFloat).unsqueeze(0).unsqueeze(0);
  hit = at::max_pool2d(hit, {supersample, supersample}, {supersample, supersample});
  return hit.squeeze(0).squeeze(0) > 0.5f;
}

WarpResult WarpToCamera(const Mesh& mesh,
                        const Camera& previous,
                        const at::Tensor& previous_depth,
                        const Camera& camera,
                        const WarpOptions& options) {
  SCN_CHECK(options.supersample >= 1) << "supersample " << options.supersample;
  WarpResult out;
  ViewRender view = RenderView(mesh, camera, options.supersample);
  out.holes = view.valid.logical_not();
  if (options.fix_floating_artifacts) {
    out.outside_previous =
        OutsidePreviousFrustum(previous, previous_depth, camera, options.frustum_margin_px, options.supersample);
    out.holes = out.holes | out.outside_previous;
  } else {
    out.outside_previous = at::zeros_like(out.holes);
  }
  out.rgb = view.rgb.masked_fill(out.holes.unsqueeze(-1), 1.0f);
  out.depth = view.depth.masked_fill(out.holes, -1.0f);
  out.face_ids = view.face_ids.masked_fill(out.holes, -1);
  out.opened = Open(out.holes, options.mask_opening_kernel);
  out.specks = out.holes & out.opened.logical_not();
  return out;
}

}  // namespace scenescape
