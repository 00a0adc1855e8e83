// Rasterizer benchmark on the synthetic mesh of tools/peer-render (same mesh,
// camera and image), so the times compare directly with Open3D ray casting and
// Mesa llvmpipe measured by that tool. See docs/benchmarks.md, "Rendering".
//
//   render_bench [--threads=N] [benchmark flags]      (N defaults to 2)
//
// Counters: coverage = fraction of pixels hit; depth_mae = mean |z - z_analytic|
// over pixels hit, with z_analytic the analytic surface depth at the pixel
// centre (computed the way peer-render computes its depth_mae).

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "scenescape/render/rasterizer.h"

namespace scenescape {
namespace {

// peer-render's synthetic RGB-D grid: a W x W grid camera with f = 500 W / 512
// and c = W / 2; every pixel centre unprojected at depth
// 2 + 0.3 sin(10 xn) cos(10 yn); two triangles per pixel quad split along a-d;
// random uint8 colours from std::mt19937(12345). W - 1 = round(sqrt(N / 2)).
struct Synthetic {
  int grid = 0;
  double f = 0, c = 0;
  Mesh mesh;

  static double Depth(double xn, double yn) { return 2.0 + 0.3 * std::sin(10.0 * xn) * std::cos(10.0 * yn); }
  double XnMin() const { return (0.5 - c) / f; }
  double XnMax() const { return (grid - 0.5 - c) / f; }
};

Synthetic MakeSynthetic(int64_t target_faces) {
  Synthetic s;
  const int q = std::max(1, static_cast<int>(std::lround(std::sqrt(target_faces / 2.0))));
  s.grid = q + 1;
  s.f = 500.0 * s.grid / 512.0;
  s.c = 0.5 * s.grid;
  const int64_t w = s.grid;
  s.mesh.vertices = at::empty({w * w, 3}, at::kFloat);
  s.mesh.colors = at::empty({w * w, 3}, at::kFloat);
  s.mesh.faces = at::empty({2 * (w - 1) * (w - 1), 3}, at::kInt);
  float* v = s.mesh.vertices.data_ptr<float>();
  float* col = s.mesh.colors.data_ptr<float>();
  std::mt19937 rng(12345);
  for (int64_t j = 0; j < w; ++j) {
    for (int64_t i = 0; i < w; ++i) {
      const double xn = (i + 0.5 - s.c) / s.f, yn = (j + 0.5 - s.c) / s.f;
      const double z = Synthetic::Depth(xn, yn);
      const int64_t k = j * w + i;
      v[3 * k] = static_cast<float>(xn * z);
      v[3 * k + 1] = static_cast<float>(yn * z);
      v[3 * k + 2] = static_cast<float>(z);
      const uint32_t r = rng();
      col[3 * k] = (r & 0xff) / 255.0f;
      col[3 * k + 1] = ((r >> 8) & 0xff) / 255.0f;
      col[3 * k + 2] = ((r >> 16) & 0xff) / 255.0f;
    }
  }
  int32_t* f = s.mesh.faces.data_ptr<int32_t>();
  for (int64_t j = 0; j + 1 < w; ++j) {
    for (int64_t i = 0; i + 1 < w; ++i) {
      const int32_t a = static_cast<int32_t>(j * w + i), b = a + 1;
      const int32_t c = static_cast<int32_t>((j + 1) * w + i), d = c + 1;
      for (int32_t id : {a, b, d, a, d, c}) *f++ = id;
    }
  }
  return s;
}

const Synthetic& CachedSynthetic(int64_t target_faces) {
  static std::map<int64_t, Synthetic> cache;
  auto it = cache.find(target_faces);
  if (it == cache.end()) it = cache.emplace(target_faces, MakeSynthetic(target_faces)).first;
  return it->second;
}

// peer-render's default render camera: 1024 x 1024, f = 1000, c = 512, identity.
Camera BenchCamera() {
  Camera cam;
  cam.intrinsics.width = cam.intrinsics.height = 1024;
  cam.intrinsics.fx = cam.intrinsics.fy = 1000.0;
  cam.intrinsics.cx = cam.intrinsics.cy = 512.0;
  return cam;
}

// Exact double-precision hit of the pixel ray (xn, yn, 1) with the synthetic
// mesh: the ray is a ray of the grid camera (same centre), so it crosses the
// triangle whose grid-image projection contains (gx, gy); that triangle is
// intersected with the (float-stored) vertices. Returns the face id or -1.
// *on_diagonal: the centre lies on the cell's a-d diagonal (to 1e-9 grid px),
// so both faces of the cell hit it; this happens along whole lines of pixels
// here because both cameras share the principal ray.
int64_t ExactMeshHit(const Synthetic& s, double xn, double yn, double* z, Eigen::Vector3d* bary, bool* on_diagonal) {
  const double gx = xn * s.f + s.c - 0.5, gy = yn * s.f + s.c - 0.5;
  const int64_t w = s.grid;
  const int64_t i = std::min<int64_t>(std::max<int64_t>(std::floor(gx), 0), w - 2);
  const int64_t j = std::min<int64_t>(std::max<int64_t>(std::floor(gy), 0), w - 2);
  const bool upper = gy - j <= gx - i;  // (a, b, d) above the a-d diagonal, else (a, d, c)
  *on_diagonal = std::abs((gy - j) - (gx - i)) < 1e-9;
  const int64_t face = 2 * (j * (w - 1) + i) + (upper ? 0 : 1);
  auto verts = s.mesh.vertices.accessor<float, 2>();
  auto faces = s.mesh.faces.accessor<int32_t, 2>();
  Eigen::Vector3d p[3];
  for (int k = 0; k < 3; ++k) {
    const int32_t v = faces[face][k];
    p[k] = Eigen::Vector3d(verts[v][0], verts[v][1], verts[v][2]);
  }
  const Eigen::Vector3d d(xn, yn, 1.0);
  const Eigen::Vector3d e1 = p[1] - p[0], e2 = p[2] - p[0];
  const Eigen::Vector3d pv = d.cross(e2);
  const double det = e1.dot(pv);
  const Eigen::Vector3d tv = -p[0];
  const double s1 = tv.dot(pv) / det;
  const Eigen::Vector3d qv = tv.cross(e1);
  const double s2 = d.dot(qv) / det;
  *z = e2.dot(qv) / det;
  *bary = Eigen::Vector3d(1.0 - s1 - s2, s1, s2);
  return face;
}

// Quality counters (outside the timed loop):
//   coverage        fraction of pixels hit
//   depth_mae       mean |z - z_analytic| over pixels hit inside the surface's
//                   footprint (peer-render's depth_mae)
//   mesh_depth_mae  mean |z - z_exact| against the exact ray/mesh intersection
//   rgb_mae_255     mean |rgb - exact barycentric colour| x 255 (unrounded)
//   face_agree      fraction of hit pixels whose face id is the exact hit's
//                   (either face of the cell for centres on its diagonal)
void SetQualityCounters(benchmark::State& state, const Synthetic& s, const RasterResult& r) {
  const Intrinsics k = BenchCamera().intrinsics;
  auto d = r.depth.accessor<float, 2>();
  auto f = r.face_ids.accessor<int32_t, 2>();
  auto colors = s.mesh.colors.accessor<float, 2>();
  auto faces = s.mesh.faces.accessor<int32_t, 2>();
  const bool with_rgb = r.rgb.defined();
  const at::Tensor rgb_tensor = with_rgb ? r.rgb : at::zeros({1, 1, 3}, at::kFloat);
  auto rgb = rgb_tensor.accessor<float, 3>();
  int64_t hit = 0, both = 0, agree = 0;
  double sum = 0, mesh_sum = 0, rgb_sum = 0;
  for (int v = 0; v < k.height; ++v) {
    for (int u = 0; u < k.width; ++u) {
      if (!(d[v][u] > 0)) continue;
      ++hit;
      const double xn = (u + 0.5 - k.cx) / k.fx, yn = (v + 0.5 - k.cy) / k.fy;
      if (xn < s.XnMin() || xn > s.XnMax() || yn < s.XnMin() || yn > s.XnMax()) continue;
      ++both;
      sum += std::abs(d[v][u] - Synthetic::Depth(xn, yn));
      double z;
      Eigen::Vector3d bary;
      bool tie = false;
      const int64_t face = ExactMeshHit(s, xn, yn, &z, &bary, &tie);
      agree += f[v][u] == face || (tie && f[v][u] / 2 == face / 2);
      mesh_sum += std::abs(d[v][u] - z);
      if (with_rgb) {
        for (int ch = 0; ch < 3; ++ch) {
          double expected = 0;
          for (int c = 0; c < 3; ++c) expected += bary[c] * colors[faces[face][c]][ch];
          rgb_sum += std::abs(rgb[v][u][ch] - expected);
        }
      }
    }
  }
  state.counters["faces"] = static_cast<double>(s.mesh.NumFaces());
  state.counters["coverage"] = static_cast<double>(hit) / (k.width * k.height);
  state.counters["depth_mae"] = both ? sum / both : 0.0;
  state.counters["mesh_depth_mae"] = both ? mesh_sum / both : 0.0;
  state.counters["face_agree"] = both ? static_cast<double>(agree) / both : 0.0;
  if (with_rgb) state.counters["rgb_mae_255"] = both ? 255.0 * rgb_sum / (3.0 * both) : 0.0;
}

// peer-render's protocol: 2 untimed warm-up frames (once per benchmark and
// size), then 10 timed frames; the median and min are reported.
template <typename Fn>
void TimeFrames(benchmark::State& state, const std::string& tag, const Fn& render) {
  static std::map<std::pair<std::string, int64_t>, bool> warmed;
  bool& done = warmed[std::make_pair(tag, state.range(0))];
  if (!done) {
    render();
    render();
    done = true;
  }
  for (auto _ : state) render();
}

void BM_Rasterize(benchmark::State& state) {
  const Synthetic& s = CachedSynthetic(state.range(0));
  const Camera cam = BenchCamera();
  RasterResult r;
  TimeFrames(state, "raster", [&] {
    r = Rasterize(s.mesh, cam);
    benchmark::DoNotOptimize(r.rgb.data_ptr<float>());
  });
  SetQualityCounters(state, s, r);
}

void BM_RasterizeGeometry(benchmark::State& state) {
  const Synthetic& s = CachedSynthetic(state.range(0));
  const Camera cam = BenchCamera();
  RasterResult r;
  TimeFrames(state, "geometry", [&] {
    r = RasterizeGeometry(s.mesh, cam);
    benchmark::DoNotOptimize(r.depth.data_ptr<float>());
  });
  SetQualityCounters(state, s, r);
}

// The pipeline's 2x supersampled view render: a 512^2 view (f = 500) drawn at
// 1024^2 and reduced by the masked downsample.
void BM_RenderView2x(benchmark::State& state) {
  const Synthetic& s = CachedSynthetic(state.range(0));
  Camera cam = BenchCamera();
  cam.intrinsics = cam.intrinsics.Scaled(0.5);
  TimeFrames(state, "view2x", [&] {
    ViewRender v = RenderView(s.mesh, cam, 2);
    benchmark::DoNotOptimize(v.rgb.data_ptr<float>());
  });
}

double MinOf(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

void Sizes(benchmark::internal::Benchmark* b) {
  b->Arg(250000)->Arg(1000000)->Arg(4000000);
  b->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1)->Repetitions(10);
  b->ComputeStatistics("min", MinOf)->ReportAggregatesOnly(true);
}

BENCHMARK(BM_Rasterize)->Apply(Sizes);
BENCHMARK(BM_RasterizeGeometry)->Apply(Sizes);
BENCHMARK(BM_RenderView2x)->Apply(Sizes);

}  // namespace
}  // namespace scenescape

int main(int argc, char** argv) {
  int threads = 2;
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (i > 0 && std::strncmp(argv[i], "--threads=", 10) == 0) {
      threads = std::atoi(argv[i] + 10);
    } else {
      rest.push_back(argv[i]);
    }
  }
  int rest_argc = static_cast<int>(rest.size());
  at::set_num_threads(threads);
  benchmark::AddCustomContext("at_num_threads", std::to_string(at::get_num_threads()));
  benchmark::Initialize(&rest_argc, rest.data());
  if (benchmark::ReportUnrecognizedArguments(rest_argc, rest.data())) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
