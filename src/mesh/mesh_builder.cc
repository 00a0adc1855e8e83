#include "scenescape/mesh/mesh_builder.h"

#include <ATen/ATen.h>

#include <cmath>

#include "scenescape/core/check.h"

namespace scenescape {
namespace {

void CheckImageLike(const at::Tensor& t, int64_t h, int64_t w, const char* name) {
  SCN_CHECK(t.defined() && t.dim() == 3 && t.size(0) == h && t.size(1) == w && t.size(2) == 3 &&
            t.scalar_type() == at::kFloat)
      << name << " must be [" << h << "," << w << ",3] float32, got " << t.sizes();
}

void CheckMask(const at::Tensor& t, int64_t h, int64_t w, const char* name) {
  SCN_CHECK(t.defined() && t.dim() == 2 && t.size(0) == h && t.size(1) == w && t.scalar_type() == at::kBool)
      << name << " must be [" << h << "," << w << "] bool, got " << t.sizes();
}

at::Tensor ToTensor(const Eigen::Matrix3d& m) {
  at::Tensor t = at::empty({3, 3}, at::kFloat);
  auto a = t.accessor<float, 2>();
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) a[r][c] = static_cast<float>(m(r, c));
  return t;
}

at::Tensor ToTensor(const Eigen::Vector3d& v) {
  return at::tensor({static_cast<float>(v.x()), static_cast<float>(v.y()), static_cast<float>(v.z())}, at::kFloat);
}

// Two triangles per quad of an id image [H,W]; the two faces of a quad are
// adjacent in the output. With y down, (BL, BR, TR) and (TL, BL, TR) have their
// normal towards the camera for a fronto-parallel surface (reference 7.2).
at::Tensor QuadFaces(const at::Tensor& ids) {
  using at::indexing::None;
  using at::indexing::Slice;
  const at::Tensor tl = ids.index({Slice(None, -1), Slice(None, -1)});
  const at::Tensor tr = ids.index({Slice(None, -1), Slice(1, None)});
  const at::Tensor bl = ids.index({Slice(1, None), Slice(None, -1)});
  const at::Tensor br = ids.index({Slice(1, None), Slice(1, None)});
  const at::Tensor t1 = at::stack({bl, br, tr}, -1);
  const at::Tensor t2 = at::stack({tl, bl, tr}, -1);
  return at::stack({t1, t2}, 2).reshape({-1, 3});
}

}  // namespace

at::Tensor UnprojectDepth(const at::Tensor& depth, const Camera& camera) {
  SCN_CHECK(depth.defined() && depth.dim() == 2 && depth.scalar_type() == at::kFloat)
      << "UnprojectDepth: depth must be [H,W] float32, got " << depth.sizes();
  const auto& k = camera.intrinsics;
  const int64_t h = depth.size(0), w = depth.size(1);
  const auto opts = at::TensorOptions().dtype(at::kFloat);
  // Pixel centres sit at +0.5 (camera.h).
  const at::Tensor xn = ((at::arange(w, opts) + 0.5f) - k.cx) / k.fx;  // [W]
  const at::Tensor yn = ((at::arange(h, opts) + 0.5f) - k.cy) / k.fy;  // [H]
  const at::Tensor x = xn.unsqueeze(0) * depth;
  const at::Tensor y = yn.unsqueeze(1) * depth;
  const at::Tensor points_in_cam = at::stack({x, y, depth}, -1).reshape({-1, 3});
  const Eigen::Matrix4d& t = camera.cam_from_world;
  const at::Tensor r = ToTensor(Eigen::Matrix3d(t.topLeftCorner<3, 3>()));
  const at::Tensor tr = ToTensor(Eigen::Vector3d(t.topRightCorner<3, 1>()));
  // point_in_world = R^T (point_in_cam - t); as row vectors: (p - t) R.
  return at::matmul(points_in_cam - tr, r).reshape({h, w, 3});
}

at::Tensor Dilate(const at::Tensor& mask, int k) {
  if (k <= 1) return mask.clone();
  SCN_CHECK(k % 2 == 1) << "morphology kernel size must be odd, got " << k;
  // max_pool2d pads with -inf, so pixels outside the image never win.
  const at::Tensor m = mask.to(at::kFloat).unsqueeze(0).unsqueeze(0);
  return at::max_pool2d(m, {k, k}, {1, 1}, {k / 2, k / 2}).squeeze(0).squeeze(0) > 0.5f;
}

at::Tensor Erode(const at::Tensor& mask, int k) { return Dilate(mask.logical_not(), k).logical_not(); }

at::Tensor DiscontinuityMask(const at::Tensor& depth, const MeshingOptions& options) {
  SCN_CHECK(depth.defined() && depth.dim() == 2) << "DiscontinuityMask: depth must be [H,W]";
  at::Tensor disparity = 1.0f / depth.to(at::kFloat).clamp_min(1e-6f);
  const float lo = disparity.min().item<float>();
  const float hi = disparity.max().item<float>();
  disparity = (disparity - lo) / (hi - lo + 1e-6f);
  // Unnormalised Sobel with replicate padding, as kornia.spatial_gradient.
  const at::Tensor kx = at::tensor({-1.f, 0.f, 1.f, -2.f, 0.f, 2.f, -1.f, 0.f, 1.f}).reshape({1, 1, 3, 3});
  const at::Tensor ky = kx.transpose(2, 3).contiguous();
  const at::Tensor padded = at::replication_pad2d(disparity.unsqueeze(0).unsqueeze(0), {1, 1, 1, 1});
  const at::Tensor gx = at::conv2d(padded, kx);
  const at::Tensor gy = at::conv2d(padded, ky);
  const at::Tensor magnitude = (gx * gx + gy * gy).sqrt().squeeze(0).squeeze(0);
  const at::Tensor alpha = at::exp(-options.sobel_beta * magnitude);
  return Dilate(alpha < options.sobel_threshold, options.discontinuity_dilation);
}

at::Tensor StitchVertexIds(const Mesh& mesh,
                           const at::Tensor& face_ids,
                           const at::Tensor& holes,
                           const Eigen::Vector3d& camera_centre_in_world) {
  const int64_t h = holes.size(0), w = holes.size(1);
  CheckMask(holes, h, w, "StitchVertexIds: holes");
  SCN_CHECK(face_ids.dim() == 2 && face_ids.size(0) == h && face_ids.size(1) == w && face_ids.scalar_type() == at::kInt)
      << "StitchVertexIds: face_ids must be [H,W] int32";
  at::Tensor out = at::full({h, w}, -1, at::kInt);
  const at::Tensor boundary = holes.logical_not() & Dilate(holes, 3) & (face_ids >= 0);
  const at::Tensor flat_index = boundary.reshape({-1}).nonzero().squeeze(1);
  if (flat_index.numel() == 0 || mesh.NumFaces() == 0) return out;
  const at::Tensor faces = face_ids.reshape({-1}).index_select(0, flat_index).to(at::kLong);
  const at::Tensor corners = mesh.faces.index_select(0, faces).to(at::kLong);  // [n,3]
  const at::Tensor positions = mesh.vertices.index_select(0, corners.reshape({-1})).reshape({-1, 3, 3});
  const at::Tensor distance = (positions - ToTensor(camera_centre_in_world)).norm(2, -1);  // [n,3]
  const at::Tensor nearest = distance.argmin(1, /*keepdim=*/true);
  out.reshape({-1}).index_put_({flat_index}, corners.gather(1, nearest).squeeze(1).to(at::kInt));
  return out;
}

Mesh GridMesh(const at::Tensor& points, const at::Tensor& colors, const at::Tensor& keep) {
  const int64_t h = keep.size(0), w = keep.size(1);
  CheckMask(keep, h, w, "GridMesh: keep");
  CheckImageLike(points, h, w, "GridMesh: points");
  CheckImageLike(colors, h, w, "GridMesh: colors");
  at::Tensor ids = at::full({h, w}, -1, at::kInt);
  const int64_t n = keep.sum().item<int64_t>();
  ids.masked_scatter_(keep, at::arange(n, at::kInt));
  at::Tensor faces = QuadFaces(ids);
  faces = faces.index({(faces >= 0).all(1)}).contiguous();
  Mesh mesh;
  mesh.vertices = points.reshape({-1, 3}).index({keep.reshape({-1})}).contiguous();
  mesh.colors = colors.reshape({-1, 3}).index({keep.reshape({-1})}).contiguous();
  mesh.faces = faces;
  return mesh;
}

MeshUpdateStats AddFrameToMesh(Mesh& mesh,
                               const at::Tensor& image,
                               const at::Tensor& depth,
                               const at::Tensor& new_pixels,
                               const at::Tensor& stitch_ids,
                               const Camera& camera,
                               const MeshingOptions& options) {
  const int64_t h = depth.size(0), w = depth.size(1);
  CheckImageLike(image, h, w, "AddFrameToMesh: image");
  CheckMask(new_pixels, h, w, "AddFrameToMesh: new_pixels");
  if (!mesh.vertices.defined()) mesh = Mesh::Empty();
  MeshUpdateStats stats;
  const int64_t first_new = mesh.NumVertices();
  const at::Tensor new_flat = new_pixels.reshape({-1});
  stats.new_vertices = new_flat.sum().item<int64_t>();
  if (stats.new_vertices == 0) return stats;
  SCN_CHECK(first_new + stats.new_vertices < (int64_t{1} << 31)) << "mesh exceeds 2^31 vertices";

  // Vertex id image: new ids in row-major pixel order, stitched old ids on the boundary.
  at::Tensor ids = at::full({h, w}, -1, at::kInt);
  ids.masked_scatter_(new_pixels, at::arange(first_new, first_new + stats.new_vertices, at::kInt));
  if (options.connect_to_existing && stitch_ids.defined()) {
    ids = at::where(new_pixels.logical_not() & (stitch_ids >= 0), stitch_ids, ids);
  }

  const at::Tensor points = UnprojectDepth(depth, camera).reshape({-1, 3}).index({new_flat});
  const at::Tensor colors = image.reshape({-1, 3}).index({new_flat});
  mesh.vertices = at::cat({mesh.vertices, points}).contiguous();
  mesh.colors = at::cat({mesh.colors, colors.to(at::kFloat)}).contiguous();

  at::Tensor faces = QuadFaces(ids);
  // Which pixels each face's corners sit on, to test "touches a discontinuity".
  const at::Tensor disc_faces = QuadFaces(DiscontinuityMask(depth, options).to(at::kInt));
  const at::Tensor keep = (faces >= 0).all(1) & (faces >= first_new).any(1);
  faces = faces.index({keep});
  const at::Tensor touches_disc = disc_faces.index({keep}).any(1);

  at::Tensor stretched = at::zeros({faces.size(0)}, at::kBool);
  if (options.normal_filter_threshold < 1.0 && faces.size(0) > 0) {
    const at::Tensor f = faces.to(at::kLong);
    const at::Tensor v0 = mesh.vertices.index_select(0, f.select(1, 0));
    const at::Tensor v1 = mesh.vertices.index_select(0, f.select(1, 1));
    const at::Tensor v2 = mesh.vertices.index_select(0, f.select(1, 2));
    const auto unit = [](const at::Tensor& v) { return v / v.norm(2, -1, true).clamp_min(1e-12); };
    const at::Tensor normal = unit(at::cross(unit(v1 - v0), unit(v2 - v0), -1));
    const at::Tensor view = unit((v0 + v1 + v2) / 3.0f - ToTensor(camera.CenterInWorld()));
    stretched = ((normal * view).sum(-1) >= options.normal_filter_threshold) & touches_disc;
  }
  const at::Tensor degenerate = (faces.select(1, 0) == faces.select(1, 1)) |
                                (faces.select(1, 1) == faces.select(1, 2)) | (faces.select(1, 0) == faces.select(1, 2));
  stats.removed_stretched = stretched.sum().item<int64_t>();
  stats.removed_degenerate = (degenerate & stretched.logical_not()).sum().item<int64_t>();
  faces = faces.index({(stretched | degenerate).logical_not()});
  stats.new_faces = faces.size(0);
  mesh.faces = at::cat({mesh.faces, faces}).contiguous();
  return stats;
}

}  // namespace scenescape
