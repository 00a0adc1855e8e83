#include "scenescape/synth/procedural_room.h"

#include <ATen/ATen.h>

#include <cmath>
#include <vector>

#include "scenescape/core/check.h"
#include "scenescape/mesh/mesh_builder.h"
#include "scenescape/render/rasterizer.h"

namespace scenescape {
namespace {

// Textures are band-limited (features >= ~0.25 units) so that a mesh sampled at
// pixel centres reproduces them: the oracle test measures geometry, not aliasing.
using Texture = at::Tensor (*)(const at::Tensor& a, const at::Tensor& b);  // [n] coords -> [n,3]

at::Tensor Rgb(const at::Tensor& r, const at::Tensor& g, const at::Tensor& b) {
  return at::stack({r, g, b}, -1).clamp(0.0, 1.0);
}

// Soft-edged stripe in [0,1]: 1 near the lines every `period`, smooth falloff.
at::Tensor SoftLines(const at::Tensor& x, double period, double sharpness) {
  return at::pow(at::cos(x * (M_PI / period)).abs(), sharpness);
}

at::Tensor FloorTexture(const at::Tensor& x, const at::Tensor& z) {
  // Wooden planks along z: per-plank tint, soft seams, slow grain.
  const at::Tensor plank = at::floor(x / 0.5);
  const at::Tensor tint = 0.08 * at::sin(plank * 2.3) + 0.05 * at::sin(z * 0.7 + plank);
  const at::Tensor grain = 0.04 * at::sin(z * 3.0 + at::sin(x * 2.0) * 2.0);
  const at::Tensor seam = 0.25 * SoftLines(x, 0.5, 16.0);
  const at::Tensor base = 0.55 + tint + grain - seam;
  return Rgb(base, base * 0.72, base * 0.45);
}

at::Tensor WallTexture(const at::Tensor& z, const at::Tensor& y) {
  // Plaster panels with soft frames and a slow colour drift along the hall.
  const at::Tensor frame = 0.18 * at::maximum(SoftLines(z, 2.0, 24.0), SoftLines(y + 0.3, 1.5, 24.0));
  const at::Tensor drift = 0.1 * at::sin(z * 0.21);
  const at::Tensor blotch = 0.05 * at::sin(z * 1.3 + y * 1.7) * at::cos(z * 0.9 - y * 2.1);
  const at::Tensor r = 0.72 + drift + blotch - frame;
  const at::Tensor g = 0.66 + blotch - frame * 0.9 - drift * 0.3;
  const at::Tensor b = 0.52 - drift * 0.5 + blotch - frame * 0.6;
  return Rgb(r, g, b);
}

at::Tensor CeilingTexture(const at::Tensor& x, const at::Tensor& z) {
  const at::Tensor beam = 0.3 * SoftLines(z, 3.0, 10.0);
  const at::Tensor lamp = 0.15 * at::exp(-(x * x) * 2.0) * (0.5 + 0.5 * at::cos(z * (2 * M_PI / 6.0)));
  const at::Tensor base = 0.85 - beam + lamp;
  return Rgb(base, base * 0.95, base * 0.9);
}

at::Tensor EndWallTexture(const at::Tensor& x, const at::Tensor& y) {
  const at::Tensor arch = at::exp(-(x * x) / 0.8 - at::pow(y - 0.2, 2) / 1.2);
  return Rgb(0.35 + 0.4 * arch, 0.4 + 0.25 * arch, 0.55 - 0.2 * arch + 0.05 * at::sin(x * 3.0));
}

at::Tensor CrateTexture(const at::Tensor& a, const at::Tensor& b) {
  const at::Tensor slat = 0.2 * SoftLines(a, 0.35, 12.0) + 0.1 * SoftLines(b, 0.35, 12.0);
  return Rgb(0.75 - slat, 0.5 - slat * 0.8, 0.22 - slat * 0.3);
}

at::Tensor PillarTexture(const at::Tensor& a, const at::Tensor& b) {
  const at::Tensor band = 0.15 * SoftLines(b, 0.6, 8.0);
  return Rgb(0.3 + band + 0.05 * at::sin(a * 6.0), 0.45 + band, 0.5 + band * 0.5);
}

// A planar rectangle origin + s*u + t*v for s in [0,1], t in [0,1], tessellated
// at `spacing`; colour = texture(coord_a, coord_b) where the coords are the
// world-space coordinates picked by `axis_a` / `axis_b`.
Mesh Rectangle(const Eigen::Vector3d& origin,
               const Eigen::Vector3d& u,
               const Eigen::Vector3d& v,
               double spacing,
               Texture texture,
               int axis_a,
               int axis_b) {
  const int64_t nu = std::max<int64_t>(2, std::llround(u.norm() / spacing) + 1);
  const int64_t nv = std::max<int64_t>(2, std::llround(v.norm() / spacing) + 1);
  const at::Tensor s = at::linspace(0.0, 1.0, nu, at::kDouble);
  const at::Tensor t = at::linspace(0.0, 1.0, nv, at::kDouble);
  std::vector<at::Tensor> coords;
  for (int k = 0; k < 3; ++k) coords.push_back(origin[k] + t.unsqueeze(1) * v[k] + s.unsqueeze(0) * u[k]);  // [nv,nu]
  const at::Tensor points = at::stack(coords, -1);
  const at::Tensor colors = texture(coords[axis_a].reshape({-1}), coords[axis_b].reshape({-1})).reshape({nv, nu, 3});
  return GridMesh(points.to(at::kFloat), colors.to(at::kFloat), at::ones({nv, nu}, at::kBool));
}

Mesh Concatenate(const std::vector<Mesh>& parts) {
  std::vector<at::Tensor> v, c, f;
  int64_t offset = 0;
  for (const Mesh& m : parts) {
    v.push_back(m.vertices);
    c.push_back(m.colors);
    f.push_back(m.faces + static_cast<int>(offset));
    offset += m.NumVertices();
  }
  return Mesh{at::cat(v).contiguous(), at::cat(c).contiguous(), at::cat(f).contiguous()};
}

// An axis-aligned box's six faces.
void AddBox(
    std::vector<Mesh>& parts, const Eigen::Vector3d& lo, const Eigen::Vector3d& hi, double spacing, Texture texture) {
  const Eigen::Vector3d d = hi - lo;
  const Eigen::Vector3d ex(d.x(), 0, 0), ey(0, d.y(), 0), ez(0, 0, d.z());
  parts.push_back(Rectangle(lo, ex, ey, spacing, texture, 0, 1));       // z = lo
  parts.push_back(Rectangle(lo + ez, ex, ey, spacing, texture, 0, 1));  // z = hi
  parts.push_back(Rectangle(lo, ez, ey, spacing, texture, 2, 1));       // x = lo
  parts.push_back(Rectangle(lo + ex, ez, ey, spacing, texture, 2, 1));  // x = hi
  parts.push_back(Rectangle(lo, ex, ez, spacing, texture, 0, 2));       // y = lo
  parts.push_back(Rectangle(lo + ey, ex, ez, spacing, texture, 0, 2));  // y = hi
}

}  // namespace

Mesh MakeProceduralRoom(const RoomOptions& o) {
  SCN_CHECK(o.spacing > 0 && o.z_front > o.z_back && o.floor_y > o.ceiling_y && o.half_width > 0)
      << "invalid room options";
  const double w = o.half_width, len = o.z_front - o.z_back, hgt = o.floor_y - o.ceiling_y;
  std::vector<Mesh> parts;
  const Eigen::Vector3d ex(2 * w, 0, 0), ey(0, hgt, 0), ez(0, 0, len);
  parts.push_back(Rectangle({-w, o.floor_y, o.z_back}, ex, ez, o.spacing, FloorTexture, 0, 2));
  parts.push_back(Rectangle({-w, o.ceiling_y, o.z_back}, ex, ez, o.spacing, CeilingTexture, 0, 2));
  parts.push_back(Rectangle({-w, o.ceiling_y, o.z_back}, ez, ey, o.spacing, WallTexture, 2, 1));
  parts.push_back(Rectangle({w, o.ceiling_y, o.z_back}, ez, ey, o.spacing, WallTexture, 2, 1));
  parts.push_back(Rectangle({-w, o.ceiling_y, o.z_front}, ex, ey, o.spacing, EndWallTexture, 0, 1));
  parts.push_back(Rectangle({-w, o.ceiling_y, o.z_back}, ex, ey, o.spacing, EndWallTexture, 0, 1));
  if (o.props) {
    AddBox(parts, {-1.7, o.floor_y - 0.7, 3.0}, {-0.9, o.floor_y, 3.8}, o.spacing, CrateTexture);
    AddBox(parts, {0.9, o.ceiling_y, 5.5}, {1.3, o.floor_y, 5.9}, o.spacing, PillarTexture);
  }
  return Concatenate(parts);
}

TrueView RenderTruth(const Mesh& scene, const Camera& camera) {
  const ViewRender v = RenderView(scene, camera, 2);
  return {v.rgb, v.depth};
}

}  // namespace scenescape
