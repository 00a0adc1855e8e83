#include "scenescape/render/rasterizer.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <random>
#include <vector>

#include "scenescape/core/check.h"
#include "testing.h"

namespace scenescape {
namespace {

using Vec3 = Eigen::Vector3d;

Mesh MakeMesh(const std::vector<Vec3>& points_in_world,
              const std::vector<Vec3>& colors,
              const std::vector<std::array<int, 3>>& faces) {
  Mesh m;
  const int64_t nv = static_cast<int64_t>(points_in_world.size());
  m.vertices = at::empty({nv, 3}, at::kFloat);
  m.colors = at::empty({nv, 3}, at::kFloat);
  m.faces = at::empty({static_cast<int64_t>(faces.size()), 3}, at::kInt);
  auto v = m.vertices.accessor<float, 2>();
  auto c = m.colors.accessor<float, 2>();
  auto f = m.faces.accessor<int32_t, 2>();
  for (int64_t i = 0; i < nv; ++i) {
    for (int k = 0; k < 3; ++k) {
      v[i][k] = static_cast<float>(points_in_world[i][k]);
      c[i][k] = colors.empty() ? 0.5f : static_cast<float>(colors[i][k]);
    }
  }
  for (size_t i = 0; i < faces.size(); ++i)
    for (int k = 0; k < 3; ++k) f[i][k] = faces[i][k];
  return m;
}

// The vertex as the rasterizer sees it (after the float round trip).
Vec3 StoredVertex(const Mesh& m, int64_t i) {
  auto v = m.vertices.accessor<float, 2>();
  return {v[i][0], v[i][1], v[i][2]};
}

// Power-of-two intrinsics so that chosen pixel positions survive projection exactly.
Camera ExactCamera() {
  Camera cam;
  cam.intrinsics.width = 64;
  cam.intrinsics.height = 48;
  cam.intrinsics.fx = cam.intrinsics.fy = 64.0;
  cam.intrinsics.cx = 32.0;
  cam.intrinsics.cy = 24.0;
  return cam;
}

Camera PosedCamera() {
  Camera cam;
  cam.intrinsics.width = 80;
  cam.intrinsics.height = 60;
  cam.intrinsics.fx = 70.0;
  cam.intrinsics.fy = 72.0;
  cam.intrinsics.cx = 41.3;
  cam.intrinsics.cy = 29.1;
  cam.cam_from_world = LookAt({0.4, -0.3, -1.0}, {0.1, 0.2, 3.0}, {0, -1, 0});
  return cam;
}

// A world point that projects to continuous pixel (u, v) at camera depth z.
Vec3 At(const Camera& cam, double u, double v, double z) { return cam.Unproject(u, v, z); }

// Signed 2-D edge functions of pixel centre p w.r.t. triangle (a, b, c), all
// in pixel coordinates; returns the minimum distance to the edges (negative =
// outside), oriented so that the triangle's interior is positive.
double MinEdgeDistance(const Eigen::Vector2d& a,
                       const Eigen::Vector2d& b,
                       const Eigen::Vector2d& c,
                       const Eigen::Vector2d& p) {
  auto edge = [](const Eigen::Vector2d& s, const Eigen::Vector2d& e, const Eigen::Vector2d& q) {
    const Eigen::Vector2d d = e - s;
    return (d.x() * (q.y() - s.y()) - d.y() * (q.x() - s.x())) / d.norm();
  };
  const double area = (b - a).x() * (c - a).y() - (b - a).y() * (c - a).x();
  const double sign = area > 0 ? 1.0 : -1.0;
  return std::min({sign * edge(b, c, p), sign * edge(c, a, p), sign * edge(a, b, p)});
}

// Exact intersection of the ray through pixel centre (u, v) with the triangle
// (camera frame); returns false when the ray misses. z = camera depth, bary =
// barycentric weights of a, b, c at the hit.
bool IntersectPixelRay(
    const Camera& cam, double u, double v, const Vec3& a_w, const Vec3& b_w, const Vec3& c_w, double* z, Vec3* bary) {
  const Vec3 a = cam.PointInCam(a_w), b = cam.PointInCam(b_w), c = cam.PointInCam(c_w);
  const Vec3 d((u - cam.intrinsics.cx) / cam.intrinsics.fx, (v - cam.intrinsics.cy) / cam.intrinsics.fy, 1.0);
  const Vec3 e1 = b - a, e2 = c - a;
  const Vec3 pv = d.cross(e2);
  const double det = e1.dot(pv);
  if (std::abs(det) < 1e-300) return false;
  const Vec3 tv = -a;
  const double s1 = tv.dot(pv) / det;
  const Vec3 qv = tv.cross(e1);
  const double s2 = d.dot(qv) / det;
  *z = e2.dot(qv) / det;  // d has camera-z 1, so the ray parameter is camera z
  *bary = Vec3(1.0 - s1 - s2, s1, s2);
  return true;
}

TEST(Rasterizer, FrontoParallelPlaneGivesExactDepthAndFullCoverage) {
  const Camera cam = ExactCamera();
  const double z = 3.0;
  const Mesh mesh = MakeMesh({At(cam, -4, -4, z), At(cam, 70, -4, z), At(cam, 70, 52, z), At(cam, -4, 52, z)},
                             {{0.2, 0.4, 0.6}, {0.2, 0.4, 0.6}, {0.2, 0.4, 0.6}, {0.2, 0.4, 0.6}},
                             {{{0, 1, 2}}, {{0, 2, 3}}});
  const RasterResult r = Rasterize(mesh, cam);
  ASSERT_EQ(r.depth.sizes(), (std::vector<int64_t>{48, 64}));
  ASSERT_EQ(r.rgb.sizes(), (std::vector<int64_t>{48, 64, 3}));
  EXPECT_TRUE(at::all(r.depth == 3.0f).item<bool>());
  EXPECT_TRUE(at::all((r.face_ids == 0) | (r.face_ids == 1)).item<bool>());
  EXPECT_GT((r.face_ids == 0).sum().item<int64_t>(), 500);
  EXPECT_GT((r.face_ids == 1).sum().item<int64_t>(), 500);
  EXPECT_NEAR((r.rgb - at::tensor({0.2f, 0.4f, 0.6f})).abs().max().item<float>(), 0.0f, 1e-6);

  // The same plane seen from a posed camera (world vertices are then inexact floats).
  const Camera posed = PosedCamera();
  const Mesh posed_mesh =
      MakeMesh({At(posed, -4, -4, z), At(posed, 90, -4, z), At(posed, 90, 70, z), At(posed, -4, 70, z)},
               {},
               {{{0, 1, 2}}, {{0, 2, 3}}});
  const RasterResult p = Rasterize(posed_mesh, posed);
  EXPECT_TRUE(at::all(p.face_ids >= 0).item<bool>());
  EXPECT_LT((p.depth - 3.0f).abs().max().item<float>(), 3e-6);
}

TEST(Rasterizer, TiltedPlaneMatchesAnalyticDepth) {
  const Camera cam = PosedCamera();
  const Intrinsics& k = cam.intrinsics;
  // Plane in the camera frame: z = 2 + 0.6 x - 0.4 y, so along the pixel ray
  // (xn, yn, 1) z the depth is 2 / (1 - 0.6 xn + 0.4 yn).
  auto depth_at = [&](double u, double v) {
    const double xn = (u - k.cx) / k.fx, yn = (v - k.cy) / k.fy;
    return 2.0 / (1.0 - 0.6 * xn + 0.4 * yn);
  };
  std::vector<Vec3> pts;
  for (auto [u, v] : std::vector<std::pair<double, double>>{{-3, -3}, {83, -3}, {83, 63}, {-3, 63}})
    pts.push_back(At(cam, u, v, depth_at(u, v)));
  const Mesh mesh = MakeMesh(pts, {}, {{{0, 1, 2}}, {{2, 3, 0}}});
  const RasterResult r = Rasterize(mesh, cam);
  auto depth = r.depth.accessor<float, 2>();
  double worst = 0;
  for (int v = 0; v < k.height; ++v) {
    for (int u = 0; u < k.width; ++u) {
      const double expected = depth_at(u + 0.5, v + 0.5);
      worst = std::max(worst, std::abs(depth[v][u] - expected) / expected);
    }
  }
  EXPECT_LT(worst, 1e-5);
  EXPECT_TRUE(at::all(r.face_ids >= 0).item<bool>());
}

TEST(Rasterizer, SingleTrianglesMatchAnalyticCoverageDepthAndColor) {
  const Camera cam = PosedCamera();
  const Intrinsics& k = cam.intrinsics;
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> pix(-10.0, 90.0), depth(0.7, 9.0), col(0.0, 1.0);
  double max_affine_color_error = 0;  // how wrong non-perspective interpolation would be
  int64_t covered_total = 0;
  for (int trial = 0; trial < 40; ++trial) {
    std::vector<Vec3> pts, cols;
    for (int i = 0; i < 3; ++i) {
      pts.push_back(At(cam, pix(rng), pix(rng) * 0.75, depth(rng)));
      cols.push_back({col(rng), col(rng), col(rng)});
    }
    const Mesh mesh = MakeMesh(pts, cols, {{{0, 1, 2}}});
    const RasterResult r = Rasterize(mesh, cam);
    std::array<Eigen::Vector2d, 3> uv;
    std::array<Vec3, 3> world;
    for (int i = 0; i < 3; ++i) {
      world[i] = StoredVertex(mesh, i);
      uv[i] = cam.Project(world[i]);
    }
    auto d = r.depth.accessor<float, 2>();
    auto f = r.face_ids.accessor<int32_t, 2>();
    auto rgb = r.rgb.accessor<float, 3>();
    for (int v = 0; v < k.height; ++v) {
      for (int u = 0; u < k.width; ++u) {
        const Eigen::Vector2d p(u + 0.5, v + 0.5);
        const double dist = MinEdgeDistance(uv[0], uv[1], uv[2], p);
        if (std::abs(dist) < 1e-6) continue;  // too close to call in floating point
        const bool inside = dist > 0;
        ASSERT_EQ(f[v][u] == 0, inside) << "trial " << trial << " pixel " << u << "," << v;
        if (!inside) {
          EXPECT_EQ(d[v][u], -1.0f);
          EXPECT_EQ(rgb[v][u][0], 1.0f);
          continue;
        }
        ++covered_total;
        double z;
        Vec3 bary;
        ASSERT_TRUE(IntersectPixelRay(cam, p.x(), p.y(), world[0], world[1], world[2], &z, &bary));
        EXPECT_NEAR(d[v][u], z, 2e-6 * z);
        // Screen-space (affine) barycentrics, for the sanity check below.
        const double area = (uv[1] - uv[0]).x() * (uv[2] - uv[0]).y() - (uv[1] - uv[0]).y() * (uv[2] - uv[0]).x();
        auto e = [&](int i, int j) {
          return ((uv[j] - uv[i]).x() * (p.y() - uv[i].y()) - (uv[j] - uv[i]).y() * (p.x() - uv[i].x())) / area;
        };
        const Vec3 affine(e(1, 2), e(2, 0), e(0, 1));
        for (int ch = 0; ch < 3; ++ch) {
          const double expected = bary[0] * cols[0][ch] + bary[1] * cols[1][ch] + bary[2] * cols[2][ch];
          EXPECT_NEAR(rgb[v][u][ch], expected, 2e-5);
          const double naive = affine[0] * cols[0][ch] + affine[1] * cols[1][ch] + affine[2] * cols[2][ch];
          max_affine_color_error = std::max(max_affine_color_error, std::abs(naive - expected));
        }
      }
    }
  }
  EXPECT_GT(covered_total, 5000);
  EXPECT_GT(max_affine_color_error, 0.05) << "the test cannot tell perspective correction apart";
}

// Coverage count per pixel when every face is rendered on its own.
at::Tensor CoverageCount(const Mesh& mesh, const Camera& cam) {
  at::Tensor count = at::zeros({cam.intrinsics.height, cam.intrinsics.width}, at::kInt);
  for (int64_t f = 0; f < mesh.NumFaces(); ++f) {
    Mesh one{mesh.vertices, mesh.colors, mesh.faces.slice(0, f, f + 1).contiguous()};
    count += (Rasterize(one, cam).face_ids == 0).to(at::kInt);
  }
  return count;
}

TEST(Rasterizer, SharedEdgesThroughPixelCentresAreCoveredExactlyOnce) {
  const Camera cam = ExactCamera();
  const double z = 2.0;
  // A square whose diagonal and sides run through pixel centres, split both
  // ways, plus a fan of 8 triangles around a vertex sitting on a pixel centre.
  for (bool other_diagonal : {false, true}) {
    const Mesh quad =
        MakeMesh({At(cam, 10.5, 10.5, z), At(cam, 30.5, 10.5, z), At(cam, 30.5, 30.5, z), At(cam, 10.5, 30.5, z)},
                 {},
                 other_diagonal ? std::vector<std::array<int, 3>>{{0, 1, 3}, {1, 2, 3}}
                                : std::vector<std::array<int, 3>>{{0, 1, 2}, {0, 2, 3}});
    const at::Tensor count = CoverageCount(quad, cam);
    EXPECT_LE(count.max().item<int>(), 1);
    // Every centre strictly inside the square, the diagonal's included, once.
    EXPECT_TRUE(at::all(count.slice(0, 11, 30).slice(1, 11, 30) == 1).item<bool>());
    // The diagonal's centres themselves (interior part).
    auto c = count.accessor<int32_t, 2>();
    for (int i = 11; i < 30; ++i) EXPECT_EQ(c[other_diagonal ? 40 - i : i][i], 1);
    // The union equals the square rendered as one polygon: half-open along the
    // outer sides (the tie rule keeps two of the four sides).
    const int64_t total = count.sum().item<int64_t>();
    EXPECT_EQ(total, 20 * 20);
  }

  std::vector<Vec3> pts{At(cam, 40.5, 20.5, z)};
  const double ring[8][2] = {
      {48.5, 20.5}, {48.5, 28.5}, {40.5, 28.5}, {32.5, 28.5}, {32.5, 20.5}, {32.5, 12.5}, {40.5, 12.5}, {48.5, 12.5}};
  for (const auto& q : ring) pts.push_back(At(cam, q[0], q[1], z));
  std::vector<std::array<int, 3>> fan;
  for (int i = 0; i < 8; ++i) fan.push_back({0, 1 + i, 1 + (i + 1) % 8});
  const at::Tensor count = CoverageCount(MakeMesh(pts, {}, fan), cam);
  EXPECT_LE(count.max().item<int>(), 1);
  EXPECT_TRUE(at::all(count.slice(0, 13, 28).slice(1, 33, 48) == 1).item<bool>());
  EXPECT_EQ(count[20][40].item<int>(), 1);  // the shared vertex
  EXPECT_EQ(count.sum().item<int64_t>(), 16 * 16);
}

TEST(Rasterizer, JitteredGridHasNoCracksAndNoDoubleHits) {
  const Camera cam = PosedCamera();
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> jitter(-3.0, 3.0), dz(-0.5, 0.5);
  const int n = 7;
  std::vector<Vec3> pts;
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i)
      pts.push_back(At(cam,
                       5 + i * 12.0 + (i > 0 && i < n - 1 ? jitter(rng) : 0),
                       4 + j * 9.0 + (j > 0 && j < n - 1 ? jitter(rng) : 0),
                       2.5 + dz(rng)));
  std::vector<std::array<int, 3>> faces;
  for (int j = 0; j + 1 < n; ++j) {
    for (int i = 0; i + 1 < n; ++i) {
      const int a = j * n + i, b = a + 1, c = a + n, d = c + 1;
      if ((i + j) % 2) {
        faces.push_back({a, b, d});
        faces.push_back({a, d, c});
      } else {
        faces.push_back({a, b, c});
        faces.push_back({c, b, d});  // mixed windings: no culling anyway
      }
    }
  }
  const Mesh mesh = MakeMesh(pts, {}, faces);
  const at::Tensor count = CoverageCount(mesh, cam);
  EXPECT_LE(count.max().item<int>(), 1);
  // Inside the outer boundary (x in [5,77], y in [4,58]) every centre is hit once.
  EXPECT_TRUE(at::all(count.slice(0, 5, 57).slice(1, 6, 76) == 1).item<bool>());
  const RasterResult r = Rasterize(mesh, cam);
  EXPECT_TRUE(at::equal(r.face_ids >= 0, count == 1));
}

TEST(Rasterizer, NearestFaceWinsRegardlessOfOrder) {
  const Camera cam = ExactCamera();
  // Face A at z=2 (left), face B at z=3 (right), overlapping in the middle;
  // face C is tilted and cuts through A; D duplicates A exactly (tie).
  std::vector<Vec3> pts{At(cam, 5, 5, 2),
                        At(cam, 40, 5, 2),
                        At(cam, 5, 40, 2),
                        At(cam, 20, 8, 3),
                        At(cam, 60, 8, 3),
                        At(cam, 20, 45, 3),
                        At(cam, 2, 20, 1.5),
                        At(cam, 35, 20, 2.5),
                        At(cam, 2, 30, 1.5)};
  const std::vector<Vec3> cols{
      {1, 0, 0}, {1, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 1, 0}, {0, 1, 0}, {0, 0, 1}, {0, 0, 1}, {0, 0, 1}};
  const std::array<int, 3> a{0, 1, 2}, b{3, 4, 5}, c{6, 7, 8};
  const RasterResult ref = Rasterize(MakeMesh(pts, cols, {a, b, c, a}), cam);
  auto faces = ref.face_ids.accessor<int32_t, 2>();
  auto depth = ref.depth.accessor<float, 2>();
  int a_seen = 0, b_seen = 0, c_seen = 0;
  for (int v = 0; v < 48; ++v) {
    for (int u = 0; u < 64; ++u) {
      const int f = faces[v][u];
      EXPECT_NE(f, 3) << "the exact duplicate of face 0 must lose the tie";
      a_seen += f == 0;
      b_seen += f == 1;
      c_seen += f == 2;
      if (f < 0) continue;
      // The winner has the smallest analytic depth among faces covering the centre.
      double best = 1e9;
      for (const auto& tri : {a, b, c}) {
        double z;
        Vec3 bary;
        if (IntersectPixelRay(cam, u + 0.5, v + 0.5, pts[tri[0]], pts[tri[1]], pts[tri[2]], &z, &bary) &&
            bary.minCoeff() > 1e-9)
          best = std::min(best, z);
      }
      EXPECT_NEAR(depth[v][u], best, 1e-5) << u << "," << v;
    }
  }
  EXPECT_GT(a_seen, 100);
  EXPECT_GT(b_seen, 100);
  EXPECT_GT(c_seen, 20);
  // Same picture for every face order (ids mapped back).
  const std::vector<std::array<int, 3>> orders[] = {{c, b, a, a}, {b, a, c, a}, {a, a, c, b}};
  const std::vector<std::vector<int>> to_ref = {{2, 1, 0, 0}, {1, 0, 2, 0}, {0, 0, 2, 1}};
  for (int o = 0; o < 3; ++o) {
    const RasterResult r = Rasterize(MakeMesh(pts, cols, orders[o]), cam);
    EXPECT_TRUE(at::equal(r.depth, ref.depth));
    EXPECT_TRUE(at::equal(r.rgb, ref.rgb));
    auto rf = r.face_ids.accessor<int32_t, 2>();
    for (int v = 0; v < 48; ++v)
      for (int u = 0; u < 64; ++u)
        if (rf[v][u] >= 0) {
          ASSERT_EQ(to_ref[o][rf[v][u]], faces[v][u] == 3 ? 0 : faces[v][u]);
        }
  }
}

TEST(Rasterizer, FacesBehindTheNearPlaneAreSkipped) {
  const Camera cam = ExactCamera();
  // Camera-frame vertices (identity pose): one vertex at z = 0.05.
  const Mesh mesh = MakeMesh({{-0.5, -0.5, 2.0}, {0.5, -0.5, 2.0}, {0.0, 0.3, 0.05}}, {}, {{{0, 1, 2}}});
  RasterOptions opts;
  opts.near_plane = 0.1;
  EXPECT_EQ((Rasterize(mesh, cam, opts).face_ids >= 0).sum().item<int64_t>(), 0);
  opts.near_plane = 0.01;
  EXPECT_GT((Rasterize(mesh, cam, opts).face_ids >= 0).sum().item<int64_t>(), 100);
  // Exactly at the near plane also counts as behind it.
  opts.near_plane = 0.05f;
  EXPECT_EQ((Rasterize(mesh, cam, opts).face_ids >= 0).sum().item<int64_t>(), 0);
  // Entirely behind the camera: default near plane.
  const Mesh behind = MakeMesh({{-0.5, -0.5, -2.0}, {0.5, -0.5, -2.0}, {0.0, 0.5, -2.0}}, {}, {{{0, 1, 2}}});
  EXPECT_EQ((Rasterize(behind, cam).face_ids >= 0).sum().item<int64_t>(), 0);
}

TEST(Rasterizer, HugeProjectionsAndNonFiniteVerticesAreSafe) {
  const Camera cam = ExactCamera();
  // One vertex just past the near plane projects ~1e6 px away; coverage must
  // still match the analytic test. A NaN vertex drops its face.
  const Mesh mesh = MakeMesh({{-0.5, -0.3, 2.0},
                              {0.4, -0.2, 2.5},
                              {0.3, 0.9, 1e-4},
                              {0.0, 0.0, 2.0},
                              {0.1, 0.0, 2.0},
                              {0.0, std::nan(""), 2.0}},
                             {},
                             {{{0, 1, 2}}, {{3, 4, 5}}});
  const RasterResult r = Rasterize(mesh, cam);
  EXPECT_EQ((r.face_ids == 1).sum().item<int64_t>(), 0);
  std::array<Eigen::Vector2d, 3> uv;
  for (int i = 0; i < 3; ++i) uv[i] = cam.Project(StoredVertex(mesh, i));
  EXPECT_GT(uv[2].y(), 1e5);
  auto f = r.face_ids.accessor<int32_t, 2>();
  int64_t covered = 0;
  for (int v = 0; v < 48; ++v) {
    for (int u = 0; u < 64; ++u) {
      const double dist = MinEdgeDistance(uv[0], uv[1], uv[2], {u + 0.5, v + 0.5});
      if (std::abs(dist) < 1e-6) continue;
      EXPECT_EQ(f[v][u] == 0, dist > 0) << u << "," << v;
      covered += dist > 0;
    }
  }
  EXPECT_GT(covered, 200);
}

TEST(Rasterizer, BothWindingsRenderTheSame) {
  const Camera cam = PosedCamera();
  const std::vector<Vec3> pts{At(cam, 10.3, 7.9, 2), At(cam, 60.2, 15.1, 3), At(cam, 22.7, 50.4, 4)};
  const std::vector<Vec3> cols{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
  const RasterResult ccw = Rasterize(MakeMesh(pts, cols, {{{0, 1, 2}}}), cam);
  const RasterResult cw = Rasterize(MakeMesh(pts, cols, {{{0, 2, 1}}}), cam);
  EXPECT_GT((ccw.face_ids == 0).sum().item<int64_t>(), 300);
  EXPECT_TRUE(at::equal(ccw.face_ids, cw.face_ids));
  EXPECT_TRUE(at::equal(ccw.depth, cw.depth));
  EXPECT_LT((ccw.rgb - cw.rgb).abs().max().item<float>(), 1e-6);
}

TEST(Rasterizer, CoverageEpsilonWidensEdges) {
  const Camera cam = ExactCamera();
  // An axis-aligned right triangle whose legs lie 0.1 px outside a row and a
  // column of pixel centres.
  const Mesh mesh = MakeMesh({At(cam, 10.6, 10.6, 2), At(cam, 30.6, 10.6, 2), At(cam, 10.6, 30.6, 2)},
                             {{0, 0, 0}, {1, 1, 1}, {0.5, 0.5, 0.5}},
                             {{{0, 1, 2}}});
  const RasterResult exact = Rasterize(mesh, cam);
  EXPECT_EQ(exact.face_ids[15][10].item<int>(), -1);
  EXPECT_EQ(exact.face_ids[10][15].item<int>(), -1);
  RasterOptions opts;
  opts.coverage_epsilon_px = 0.16;
  const RasterResult wide = Rasterize(mesh, cam, opts);
  EXPECT_EQ(wide.face_ids[15][10].item<int>(), 0);
  EXPECT_EQ(wide.face_ids[10][15].item<int>(), 0);
  EXPECT_TRUE(at::all(wide.face_ids.ge(0).logical_or(exact.face_ids.lt(0))).item<bool>());
  EXPECT_NEAR(wide.depth[15][10].item<float>(), 2.0f, 1e-6);
  // Clamped barycentrics keep the colour within the vertices' range.
  EXPECT_GE(wide.rgb.min().item<float>(), 0.0f);
  EXPECT_LE(wide.rgb.max().item<float>(), 1.0f);
}

TEST(Rasterizer, GeometryOnlyMatchesFullRender) {
  const Camera cam = PosedCamera();
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> pix(-5.0, 85.0), depth(1.0, 5.0), col(0.0, 1.0);
  std::vector<Vec3> pts, cols;
  std::vector<std::array<int, 3>> faces;
  for (int t = 0; t < 60; ++t) {
    for (int i = 0; i < 3; ++i) {
      pts.push_back(At(cam, pix(rng), pix(rng), depth(rng)));
      cols.push_back({col(rng), col(rng), col(rng)});
    }
    faces.push_back({3 * t, 3 * t + 1, 3 * t + 2});
  }
  const Mesh mesh = MakeMesh(pts, cols, faces);
  const RasterResult full = Rasterize(mesh, cam);
  const RasterResult geo = RasterizeGeometry(mesh, cam);
  EXPECT_FALSE(geo.rgb.defined());
  EXPECT_TRUE(at::equal(full.depth, geo.depth));
  EXPECT_TRUE(at::equal(full.face_ids, geo.face_ids));
  EXPECT_TRUE(at::equal(full.face_ids < 0, full.depth == -1.0f));
}

TEST(Rasterizer, EmptyMeshIsBackground) {
  const Camera cam = ExactCamera();
  const RasterResult r = Rasterize(Mesh::Empty(), cam);
  EXPECT_TRUE(at::all(r.depth == -1.0f).item<bool>());
  EXPECT_TRUE(at::all(r.face_ids == -1).item<bool>());
  EXPECT_TRUE(at::all(r.rgb == 1.0f).item<bool>());
}

TEST(Rasterizer, RejectsBadInput) {
  const Camera cam = ExactCamera();
  Mesh mesh = MakeMesh({{0, 0, 2}, {1, 0, 2}, {0, 1, 2}}, {}, {{{0, 1, 3}}});
  EXPECT_THROW(Rasterize(mesh, cam), Error);
  mesh.faces[0][2] = 2;
  EXPECT_NO_THROW(Rasterize(mesh, cam));
  RasterOptions opts;
  opts.near_plane = 0.0;
  EXPECT_THROW(Rasterize(mesh, cam, opts), Error);
  opts = {};
  opts.coverage_epsilon_px = -1;
  EXPECT_THROW(Rasterize(mesh, cam, opts), Error);
  Mesh doubles = mesh;
  doubles.vertices = mesh.vertices.to(at::kDouble);
  EXPECT_THROW(Rasterize(doubles, cam), Error);
}

TEST(Rasterizer, DeterministicAcrossThreadCounts) {
  const Camera cam = PosedCamera();
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> pix(-10.0, 90.0), depth(1.0, 1.2), col(0.0, 1.0);
  std::vector<Vec3> pts, cols;
  std::vector<std::array<int, 3>> faces;
  for (int t = 0; t < 3000; ++t) {
    for (int i = 0; i < 3; ++i) {
      pts.push_back(At(cam, pix(rng), pix(rng), depth(rng)));
      cols.push_back({col(rng), col(rng), col(rng)});
    }
    faces.push_back({3 * t, 3 * t + 1, 3 * t + 2});
    if (t % 10 == 0) faces.push_back({3 * t, 3 * t + 1, 3 * t + 2});  // exact ties
  }
  const Mesh mesh = MakeMesh(pts, cols, faces);
  const int saved = at::get_num_threads();
  at::set_num_threads(1);
  const RasterResult one = Rasterize(mesh, cam);
  for (int threads : {2, 2, 3}) {
    at::set_num_threads(threads);
    const RasterResult two = Rasterize(mesh, cam);
    EXPECT_TRUE(at::equal(one.rgb, two.rgb));
    EXPECT_TRUE(at::equal(one.depth, two.depth));
    EXPECT_TRUE(at::equal(one.face_ids, two.face_ids));
  }
  at::set_num_threads(saved);
}

TEST(RenderView, UnprojectThenRenderReproducesTheImage) {
  Camera cam;
  cam.intrinsics = Intrinsics::FromHorizontalFov(96, 80, 54.0);
  cam.cam_from_world = LookAt({0.3, 0.1, -0.5}, {0.0, 0.0, 2.0}, {0, -1, 0});
  const int w = cam.intrinsics.width, h = cam.intrinsics.height;
  std::vector<Vec3> pts, cols;
  for (int v = 0; v < h; ++v) {
    for (int u = 0; u < w; ++u) {
      const double x = (u + 0.5) / w, y = (v + 0.5) / h;
      const double z = 2.0 + 0.4 * std::sin(3.0 * x) * std::cos(2.0 * y) + 0.5 * y;
      pts.push_back(cam.Unproject(u + 0.5, v + 0.5, z));
      cols.push_back(
          {0.5 + 0.4 * std::sin(4.0 * x + 1.0), 0.5 + 0.4 * std::cos(3.0 * y), 0.5 + 0.3 * std::sin(2.0 * (x + y))});
    }
  }
  std::vector<std::array<int, 3>> faces;
  for (int v = 0; v + 1 < h; ++v) {
    for (int u = 0; u + 1 < w; ++u) {
      const int a = v * w + u, b = a + 1, c = a + w, d = c + 1;
      faces.push_back({a, b, d});
      faces.push_back({a, d, c});
    }
  }
  const Mesh mesh = MakeMesh(pts, cols, faces);
  const at::Tensor image = at::empty({h, w, 3}, at::kFloat);
  {
    auto im = image.accessor<float, 3>();
    for (int v = 0; v < h; ++v)
      for (int u = 0; u < w; ++u)
        for (int ch = 0; ch < 3; ++ch) im[v][u][ch] = static_cast<float>(cols[v * w + u][ch]);
  }
  const ViewRender view = RenderView(mesh, cam, 2);
  ASSERT_EQ(view.rgb.sizes(), image.sizes());
  const at::Tensor interior = at::zeros({h, w}, at::kBool);
  interior.slice(0, 1, h - 1).slice(1, 1, w - 1).fill_(true);
  EXPECT_TRUE(at::all(view.valid.masked_select(interior)).item<bool>());
  const double psnr = testing::Psnr(view.rgb, image, interior);
  EXPECT_GE(psnr, 40.0) << "PSNR " << psnr;
  // Depth: the block mean of a smooth surface is close to the unprojected depth.
  auto depth = view.depth.accessor<float, 2>();
  for (int v = 1; v + 1 < h; ++v) {
    for (int u = 1; u + 1 < w; ++u) {
      const double x = (u + 0.5) / w, y = (v + 0.5) / h;
      const double z = 2.0 + 0.4 * std::sin(3.0 * x) * std::cos(2.0 * y) + 0.5 * y;
      ASSERT_NEAR(depth[v][u], z, 2e-3 * z) << u << "," << v;
    }
  }
  // Faces seen at each pixel belong to the quad around it.
  auto face = view.face_ids.accessor<int32_t, 2>();
  for (int v = 1; v + 1 < h; ++v) {
    for (int u = 1; u + 1 < w; ++u) {
      const int quad = face[v][u] / 2;
      EXPECT_LE(std::abs(quad % (w - 1) - u), 1);
      EXPECT_LE(std::abs(quad / (w - 1) - v), 1);
    }
  }
}

TEST(RenderView, SupersampleOneIsPlainRasterize) {
  const Camera cam = ExactCamera();
  const Mesh mesh = MakeMesh({At(cam, 3.2, 4.1, 2), At(cam, 50.7, 9.3, 3), At(cam, 12.2, 40.9, 2.5)},
                             {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}},
                             {{{0, 1, 2}}});
  const RasterResult r = Rasterize(mesh, cam);
  const ViewRender view = RenderView(mesh, cam, 1);
  EXPECT_TRUE(at::equal(view.rgb, r.rgb));
  EXPECT_TRUE(at::equal(view.depth, r.depth));
  EXPECT_TRUE(at::equal(view.face_ids, r.face_ids));
  EXPECT_TRUE(at::equal(view.valid, r.face_ids >= 0));
}

TEST(MaskedDownsample, CountsAveragesAndPicksTheNearestFace) {
  // 2x2 blocks of a 4x6 input -> 2x3 output.
  const at::Tensor depth = at::tensor({3.0f, 2.0f, /**/ 5.0f,  -1.0f, /**/ -1.0f, -1.0f,   //
                                       1.0f, 4.0f, /**/ -1.0f, 7.0f,  /**/ 9.0f,  -1.0f,   //
                                       2.0f, 2.0f, /**/ -1.0f, -1.0f, /**/ 6.0f,  6.0f,    //
                                       2.0f, 2.0f, /**/ -1.0f, -1.0f, /**/ -1.0f, -1.0f})  //
                               .view({4, 6});
  const at::Tensor faces = at::tensor({10, 11, 12, -1, -1, -1,  //
                                       13, 14, -1, 15, 16, -1,  //
                                       20, 21, -1, -1, 22, 23,  //
                                       24, 25, -1, -1, -1, -1},
                                      at::kInt)
                               .view({4, 6});
  const at::Tensor rgb = at::stack({depth / 10, depth / 20, at::full({4, 6}, 0.5f)}, -1);
  const ViewRender out = MaskedDownsample(rgb, depth, faces, 2);
  ASSERT_EQ(out.depth.sizes(), (std::vector<int64_t>{2, 3}));
  auto d = out.depth.accessor<float, 2>();
  auto f = out.face_ids.accessor<int32_t, 2>();
  auto valid = out.valid.accessor<bool, 2>();
  auto c = out.rgb.accessor<float, 3>();
  // All four valid: plain mean; the nearest (depth 1, bottom left) is face 13.
  EXPECT_TRUE(valid[0][0]);
  EXPECT_FLOAT_EQ(d[0][0], 2.5f);
  EXPECT_EQ(f[0][0], 13);
  EXPECT_FLOAT_EQ(c[0][0][0], 0.25f);
  EXPECT_FLOAT_EQ(c[0][0][1], 0.125f);
  EXPECT_FLOAT_EQ(c[0][0][2], 0.5f);
  // Two of four valid (exactly half): valid, mean over the valid two only.
  EXPECT_TRUE(valid[0][1]);
  EXPECT_FLOAT_EQ(d[0][1], 6.0f);
  EXPECT_EQ(f[0][1], 12);
  EXPECT_FLOAT_EQ(c[0][1][0], 0.6f);
  // One of four: invalid, white, -1.
  EXPECT_FALSE(valid[0][2]);
  EXPECT_EQ(d[0][2], -1.0f);
  EXPECT_EQ(f[0][2], -1);
  EXPECT_EQ(c[0][2][0], 1.0f);
  EXPECT_EQ(c[0][2][1], 1.0f);
  // Equal depths: the first sub-pixel in row-major order wins.
  EXPECT_TRUE(valid[1][0]);
  EXPECT_EQ(f[1][0], 20);
  EXPECT_FLOAT_EQ(d[1][0], 2.0f);
  // None valid.
  EXPECT_FALSE(valid[1][1]);
  EXPECT_EQ(d[1][1], -1.0f);
  // Two valid on the top row.
  EXPECT_TRUE(valid[1][2]);
  EXPECT_EQ(f[1][2], 22);
  EXPECT_FLOAT_EQ(d[1][2], 6.0f);

  // Factor 3: 5 of 9 valid is enough, 4 of 9 is not.
  at::Tensor d3 = at::full({3, 6}, -1.0f);
  for (int k = 0; k < 5; ++k) d3[k / 3][k % 3] = 4.0f;
  for (int k = 0; k < 4; ++k) d3[k / 3][3 + k % 3] = 4.0f;
  const ViewRender out3 = MaskedDownsample(at::ones({3, 6, 3}), d3, at::zeros({3, 6}, at::kInt), 3);
  EXPECT_TRUE(out3.valid[0][0].item<bool>());
  EXPECT_FALSE(out3.valid[0][1].item<bool>());
  EXPECT_FLOAT_EQ(out3.depth[0][0].item<float>(), 4.0f);

  EXPECT_THROW(MaskedDownsample(rgb, depth, faces, 4), Error);  // 6 is not a multiple of 4
  EXPECT_THROW(MaskedDownsample(rgb, depth, faces.to(at::kLong), 2), Error);
}

}  // namespace
}  // namespace scenescape
