#include "scenescape/render/rasterizer.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>

#include "scenescape/core/check.h"

namespace scenescape {
namespace {

// A vertex in continuous pixel coordinates. Double precision keeps the edge
// functions exact enough for pixel centres lying on (or a hair off) an edge.
struct ScreenVertex {
  double x;
  double y;
  double inv_z;  // 1 / camera z; interpolates linearly in screen space
  int32_t ok;    // camera z > near_plane
  int32_t pad;
};

// The projected vertices; uninitialised storage (every entry is written by
// ProjectVertices), which saves zeroing tens of MB per call.
struct ScreenVertices {
  std::unique_ptr<ScreenVertex[]> data;
  int64_t size = 0;
  const ScreenVertex& operator[](int64_t i) const { return data[i]; }
};

// Depth-test key: the positive float depth's bits compare like the float, and
// the face id in the low half makes ties resolve to the smaller id, so the
// result does not depend on which thread wins a race.
constexpr uint64_t kEmpty = std::numeric_limits<uint64_t>::max();

inline uint64_t PackDepthFace(float z, uint32_t face) {
  uint32_t bits;
  std::memcpy(&bits, &z, sizeof(bits));
  return (static_cast<uint64_t>(bits) << 32) | face;
}

inline float UnpackDepth(uint64_t key) {
  const uint32_t bits = static_cast<uint32_t>(key >> 32);
  float z;
  std::memcpy(&z, &bits, sizeof(z));
  return z;
}

inline void AtomicMin(std::atomic<uint64_t>& slot, uint64_t value) {
  uint64_t current = slot.load(std::memory_order_relaxed);
  while (value < current && !slot.compare_exchange_weak(current, value, std::memory_order_relaxed)) {
  }
}

// at::parallel_for splits a range statically (OpenMP build); faces vary a lot in
// size and a thread may be preempted on a shared machine, so hand out blocks
// from a shared counter instead.
template <typename Fn>
void ParallelBlocks(int64_t n, int64_t block, const Fn& fn) {
  const int64_t num_blocks = (n + block - 1) / block;
  const int64_t threads = std::min<int64_t>(at::get_num_threads(), num_blocks);
  if (threads <= 1 || at::in_parallel_region()) {
    if (n > 0) fn(0, n);
    return;
  }
  std::atomic<int64_t> next{0};
  at::parallel_for(0, threads, 1, [&](int64_t, int64_t) {
    for (int64_t b = next.fetch_add(1); b < num_blocks; b = next.fetch_add(1)) {
      fn(b * block, std::min(n, (b + 1) * block));
    }
  });
}

void CheckInputs(const Mesh& mesh, const Camera& camera, const RasterOptions& options, bool with_color) {
  const Intrinsics& k = camera.intrinsics;
  SCN_CHECK(k.width > 0 && k.height > 0) << "image size " << k.width << "x" << k.height;
  SCN_CHECK(k.fx != 0.0 && k.fy != 0.0) << "focal length " << k.fx << ", " << k.fy;
  SCN_CHECK(options.near_plane > 0.0) << "near_plane must be > 0, got " << options.near_plane;
  SCN_CHECK(options.coverage_epsilon_px >= 0.0)
      << "coverage_epsilon_px must be >= 0, got " << options.coverage_epsilon_px;
  if (mesh.NumFaces() == 0) return;
  SCN_CHECK(mesh.vertices.defined() && mesh.vertices.dim() == 2 && mesh.vertices.size(1) == 3 &&
            mesh.vertices.scalar_type() == at::kFloat)
      << "mesh.vertices must be [V,3] float32";
  SCN_CHECK(mesh.faces.dim() == 2 && mesh.faces.size(1) == 3 && mesh.faces.scalar_type() == at::kInt)
      << "mesh.faces must be [F,3] int32";
  SCN_CHECK(mesh.vertices.device().is_cpu() && mesh.faces.device().is_cpu()) << "the CPU rasterizer needs CPU tensors";
  if (with_color) {
    SCN_CHECK(mesh.colors.defined() && mesh.colors.sizes() == mesh.vertices.sizes() &&
              mesh.colors.scalar_type() == at::kFloat && mesh.colors.device().is_cpu())
        << "mesh.colors must be [V,3] float32 on the CPU";
  }
}

// Stage (a): every vertex to pixel coordinates once.
ScreenVertices ProjectVertices(const at::Tensor& vertices, const Camera& camera, double near_plane) {
  const int64_t num_vertices = vertices.size(0);
  ScreenVertices out;
  out.data.reset(new ScreenVertex[num_vertices]);
  out.size = num_vertices;
  const float* v = vertices.data_ptr<float>();
  const Eigen::Matrix3d r = camera.cam_from_world.topLeftCorner<3, 3>();
  const Eigen::Vector3d t = camera.cam_from_world.topRightCorner<3, 1>();
  const Intrinsics& k = camera.intrinsics;
  ParallelBlocks(num_vertices, 16384, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const Eigen::Vector3d p(v[3 * i], v[3 * i + 1], v[3 * i + 2]);
      const Eigen::Vector3d q = r * p + t;
      ScreenVertex& s = out.data[i];
      s.ok = q.z() > near_plane;  // false for NaN too
      const double inv_z = 1.0 / q.z();
      s.inv_z = inv_z;
      s.x = k.fx * q.x() * inv_z + k.cx;
      s.y = k.fy * q.y() * inv_z + k.cy;
      s.pad = 0;
    }
  });
  return out;
}

// One edge of a triangle, set up so that a shared edge gives bit-identical
// (negated) values in both triangles: the edge function is always evaluated
// from the lexicographically smaller endpoint, with the direction negated when
// the triangle runs the other way (negating a factor negates the products and
// their difference exactly, FMA contraction included).
struct Edge {
  double ox, oy;  // canonical origin
  double dx, dy;  // direction as the triangle runs (canonical one times +-1)
  double thresh;  // covered when value > thresh (or == thresh and take_tie)
  bool take_tie;

  void Setup(const ScreenVertex& a, const ScreenVertex& b, double eps) {
    const bool forward = a.x < b.x || (a.x == b.x && a.y < b.y);
    const ScreenVertex& o = forward ? a : b;
    const ScreenVertex& e = forward ? b : a;
    ox = o.x;
    oy = o.y;
    dx = e.x - o.x;
    dy = e.y - o.y;
    if (!forward) {
      dx = -dx;
      dy = -dy;
    }
    if (eps > 0.0) {
      thresh = -eps * std::sqrt(dx * dx + dy * dy);
      take_tie = true;
    } else {
      // Tie rule: a centre exactly on the edge belongs to the triangle that
      // would cover it after nudging the point by (d, d^2), d -> 0+. Exactly
      // one of two triangles sharing the edge passes, and at a shared vertex
      // exactly one of the fan does.
      thresh = 0.0;
      take_tie = dy < 0.0 || (dy == 0.0 && dx > 0.0);
    }
  }
  double Eval(double px, double py) const { return dx * (py - oy) - dy * (px - ox); }
  bool Covers(double value) const { return value > thresh || (value == thresh && take_tie); }
};

// First and last integer i with i + 0.5 in [lo, hi], clamped to [0, size-1].
// Clamping before the int conversion keeps huge (or NaN) projections harmless.
inline void CentreRange(double lo, double hi, int size, int* first, int* last) {
  lo = std::min(static_cast<double>(size), std::max(-1.0, lo - 0.5));  // NaN -> -1
  hi = std::min(static_cast<double>(size), std::max(-1.0, hi - 0.5));
  int i0 = static_cast<int>(lo);  // truncation; fixed up to ceil / floor below
  int i1 = static_cast<int>(hi);
  i0 += i0 < lo;
  i1 -= i1 > hi;
  *first = std::max(i0, 0);
  *last = std::min(i1, size - 1);
}

// Stage (b): z-buffer of packed (depth, face id) keys.
std::unique_ptr<std::atomic<uint64_t>[]> RasterizeKeys(const Mesh& mesh,
                                                       const Camera& camera,
                                                       const RasterOptions& options,
                                                       const ScreenVertices& sv) {
  const int width = camera.intrinsics.width;
  const int height = camera.intrinsics.height;
  const int64_t num_pixels = static_cast<int64_t>(width) * height;
  std::unique_ptr<std::atomic<uint64_t>[]> keys(new std::atomic<uint64_t>[num_pixels]);
  ParallelBlocks(num_pixels, 1 << 16, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) keys[i].store(kEmpty, std::memory_order_relaxed);
  });

  const int64_t num_faces = mesh.NumFaces();
  if (num_faces == 0) return keys;
  const int32_t* faces = mesh.faces.data_ptr<int32_t>();
  const int64_t num_vertices = sv.size;
  const double eps = options.coverage_epsilon_px;
  const bool clip = eps > 0.0;
  std::atomic<bool> bad_index{false};

  ParallelBlocks(num_faces, 8192, [&](int64_t begin, int64_t end) {
    for (int64_t f = begin; f < end; ++f) {
      const int32_t* ids = faces + 3 * f;
      if (static_cast<uint64_t>(ids[0]) >= static_cast<uint64_t>(num_vertices) ||
          static_cast<uint64_t>(ids[1]) >= static_cast<uint64_t>(num_vertices) ||
          static_cast<uint64_t>(ids[2]) >= static_cast<uint64_t>(num_vertices)) {
        bad_index.store(true, std::memory_order_relaxed);
        continue;
      }
      const ScreenVertex* a = &sv[ids[0]];
      const ScreenVertex* b = &sv[ids[1]];
      const ScreenVertex* c = &sv[ids[2]];
      if (!(a->ok & b->ok & c->ok)) continue;

      // Pixel centres inside the (widened) bounding box.
      int u0, u1, v0, v1;
      CentreRange(std::min({a->x, b->x, c->x}) - eps, std::max({a->x, b->x, c->x}) + eps, width, &u0, &u1);
      if (u0 > u1) continue;
      CentreRange(std::min({a->y, b->y, c->y}) - eps, std::max({a->y, b->y, c->y}) + eps, height, &v0, &v1);
      if (v0 > v1) continue;

      const double area = (b->x - a->x) * (c->y - a->y) - (b->y - a->y) * (c->x - a->x);
      if (!(std::fabs(area) > 0.0)) continue;
      if (area < 0.0) std::swap(b, c);  // no culling: both windings render

      // Edge k is opposite vertex k, so its value weights vertex k.
      Edge e0, e1, e2;
      e0.Setup(*b, *c, eps);
      e1.Setup(*c, *a, eps);
      e2.Setup(*a, *b, eps);
      const double iz0 = a->inv_z, iz1 = b->inv_z, iz2 = c->inv_z;
      const uint32_t face = static_cast<uint32_t>(f);
      for (int v = v0; v <= v1; ++v) {
        const double py = v + 0.5;
        std::atomic<uint64_t>* row = keys.get() + static_cast<int64_t>(v) * width;
        for (int u = u0; u <= u1; ++u) {
          const double px = u + 0.5;
          double l0 = e0.Eval(px, py);
          double l1 = e1.Eval(px, py);
          double l2 = e2.Eval(px, py);
          if (!(e0.Covers(l0) && e1.Covers(l1) && e2.Covers(l2))) continue;
          if (clip) {
            // Points admitted by the epsilon lie just outside: clamp their
            // barycentrics onto the triangle (as PyTorch3D does with blur).
            l0 = std::max(l0, 0.0);
            l1 = std::max(l1, 0.0);
            l2 = std::max(l2, 0.0);
          }
          const double sum = l0 + l1 + l2;
          if (!(sum > 0.0)) continue;
          const float z = static_cast<float>(sum / (l0 * iz0 + l1 * iz1 + l2 * iz2));
          AtomicMin(row[u], PackDepthFace(z, face));
        }
      }
    }
  });
  SCN_CHECK(!bad_index.load()) << "mesh.faces hold vertex ids outside [0," << num_vertices << ")";
  return keys;
}

RasterResult Run(const Mesh& mesh, const Camera& camera, const RasterOptions& options, bool with_color) {
  CheckInputs(mesh, camera, options, with_color);
  const int width = camera.intrinsics.width;
  const int height = camera.intrinsics.height;

  ScreenVertices sv;
  if (mesh.NumFaces() > 0) {
    sv = ProjectVertices(mesh.vertices.contiguous(), camera, options.near_plane);
  }
  const Mesh contiguous{mesh.vertices, mesh.colors, mesh.NumFaces() > 0 ? mesh.faces.contiguous() : mesh.faces};
  auto keys = RasterizeKeys(contiguous, camera, options, sv);

  RasterResult result;
  result.depth = at::empty({height, width}, at::kFloat);
  result.face_ids = at::empty({height, width}, at::kInt);
  float* depth = result.depth.data_ptr<float>();
  int32_t* face_ids = result.face_ids.data_ptr<int32_t>();

  const float* colors = nullptr;
  float* rgb = nullptr;
  at::Tensor colors_tensor;
  if (with_color) {
    result.rgb = at::empty({height, width, 3}, at::kFloat);
    rgb = result.rgb.data_ptr<float>();
    if (mesh.NumFaces() > 0) {
      colors_tensor = mesh.colors.contiguous();
      colors = colors_tensor.data_ptr<float>();
    }
  }
  const int32_t* faces = mesh.NumFaces() > 0 ? contiguous.faces.data_ptr<int32_t>() : nullptr;
  const bool clip = options.coverage_epsilon_px > 0.0;

  // Stage (c): per pixel, unpack the winner and (for colour) recompute its
  // perspective-correct barycentrics at the pixel centre.
  ParallelBlocks(height, 16, [&](int64_t row_begin, int64_t row_end) {
    for (int64_t v = row_begin; v < row_end; ++v) {
      const double py = v + 0.5;
      for (int64_t u = 0; u < width; ++u) {
        const int64_t i = v * width + u;
        const uint64_t key = keys[i].load(std::memory_order_relaxed);
        if (key == kEmpty) {
          depth[i] = -1.0f;
          face_ids[i] = -1;
          if (rgb) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = 1.0f;
          continue;
        }
        const uint32_t face = static_cast<uint32_t>(key);
        depth[i] = UnpackDepth(key);
        face_ids[i] = static_cast<int32_t>(face);
        if (!rgb) continue;
        const int32_t* ids = faces + 3 * static_cast<int64_t>(face);
        const ScreenVertex& a = sv[ids[0]];
        const ScreenVertex& b = sv[ids[1]];
        const ScreenVertex& c = sv[ids[2]];
        const double px = u + 0.5;
        double l0 = (c.x - b.x) * (py - b.y) - (c.y - b.y) * (px - b.x);
        double l1 = (a.x - c.x) * (py - c.y) - (a.y - c.y) * (px - c.x);
        double l2 = (b.x - a.x) * (py - a.y) - (b.y - a.y) * (px - a.x);
        if (l0 + l1 + l2 < 0.0) {
          l0 = -l0;
          l1 = -l1;
          l2 = -l2;
        }
        if (clip) {
          l0 = std::max(l0, 0.0);
          l1 = std::max(l1, 0.0);
          l2 = std::max(l2, 0.0);
        }
        // Screen-space weights over z give the perspective-correct ones.
        double w0 = l0 * a.inv_z, w1 = l1 * b.inv_z, w2 = l2 * c.inv_z;
        double total = w0 + w1 + w2;
        if (!(total > 0.0)) {  // only for a sliver that rounds to zero area here
          w0 = w1 = w2 = 1.0;
          total = 3.0;
        }
        const double norm = 1.0 / total;
        const float* c0 = colors + 3 * static_cast<int64_t>(ids[0]);
        const float* c1 = colors + 3 * static_cast<int64_t>(ids[1]);
        const float* c2 = colors + 3 * static_cast<int64_t>(ids[2]);
        for (int ch = 0; ch < 3; ++ch) {
          rgb[3 * i + ch] = static_cast<float>((w0 * c0[ch] + w1 * c1[ch] + w2 * c2[ch]) * norm);
        }
      }
    }
  });
  return result;
}

}  // namespace

RasterResult Rasterize(const Mesh& mesh, const Camera& camera, const RasterOptions& options) {
  return Run(mesh, camera, options, /*with_color=*/true);
}

RasterResult RasterizeGeometry(const Mesh& mesh, const Camera& camera, const RasterOptions& options) {
  return Run(mesh, camera, options, /*with_color=*/false);
}

ViewRender MaskedDownsample(const at::Tensor& rgb_in,
                            const at::Tensor& depth_in,
                            const at::Tensor& face_ids_in,
                            int factor) {
  SCN_CHECK(factor >= 1) << "downsample factor must be >= 1, got " << factor;
  SCN_CHECK(depth_in.dim() == 2 && depth_in.scalar_type() == at::kFloat)
      << "depth must be [sH,sW] float32, got " << depth_in.sizes();
  const int64_t sh = depth_in.size(0), sw = depth_in.size(1);
  SCN_CHECK(rgb_in.dim() == 3 && rgb_in.size(0) == sh && rgb_in.size(1) == sw && rgb_in.size(2) == 3 &&
            rgb_in.scalar_type() == at::kFloat)
      << "rgb must be [sH,sW,3] float32 matching depth " << depth_in.sizes() << ", got " << rgb_in.sizes();
  SCN_CHECK(face_ids_in.dim() == 2 && face_ids_in.size(0) == sh && face_ids_in.size(1) == sw &&
            face_ids_in.scalar_type() == at::kInt)
      << "face_ids must be [sH,sW] int32 matching depth, got " << face_ids_in.sizes();
  SCN_CHECK(sh % factor == 0 && sw % factor == 0) << "size " << sh << "x" << sw << " is not a multiple of " << factor;
  SCN_CHECK(rgb_in.device().is_cpu() && depth_in.device().is_cpu() && face_ids_in.device().is_cpu())
      << "MaskedDownsample needs CPU tensors";

  const at::Tensor rgb_c = rgb_in.contiguous();
  const at::Tensor depth_c = depth_in.contiguous();
  const at::Tensor faces_c = face_ids_in.contiguous();
  const float* rgb = rgb_c.data_ptr<float>();
  const float* depth = depth_c.data_ptr<float>();
  const int32_t* face_ids = faces_c.data_ptr<int32_t>();

  const int64_t h = sh / factor, w = sw / factor;
  ViewRender out;
  out.rgb = at::empty({h, w, 3}, at::kFloat);
  out.depth = at::empty({h, w}, at::kFloat);
  out.valid = at::empty({h, w}, at::kBool);
  out.face_ids = at::empty({h, w}, at::kInt);
  float* out_rgb = out.rgb.data_ptr<float>();
  float* out_depth = out.depth.data_ptr<float>();
  bool* out_valid = out.valid.data_ptr<bool>();
  int32_t* out_faces = out.face_ids.data_ptr<int32_t>();
  const int block = factor * factor;

  ParallelBlocks(h, 8, [&](int64_t row_begin, int64_t row_end) {
    for (int64_t i = row_begin; i < row_end; ++i) {
      for (int64_t j = 0; j < w; ++j) {
        int count = 0;
        double sum_r = 0, sum_g = 0, sum_b = 0, sum_z = 0;
        float best_z = std::numeric_limits<float>::infinity();
        int32_t best_face = -1;
        for (int di = 0; di < factor; ++di) {
          const int64_t row = i * factor + di;
          for (int dj = 0; dj < factor; ++dj) {
            const int64_t k = row * sw + j * factor + dj;
            const float z = depth[k];
            if (!(z > 0.0f)) continue;  // -1 (and NaN) mark invalid sub-pixels
            ++count;
            sum_z += z;
            sum_r += rgb[3 * k];
            sum_g += rgb[3 * k + 1];
            sum_b += rgb[3 * k + 2];
            if (z < best_z) {  // strict: ties keep the first in row-major order
              best_z = z;
              best_face = face_ids[k];
            }
          }
        }
        const int64_t o = i * w + j;
        if (2 * count >= block) {
          const double inv = 1.0 / count;
          out_rgb[3 * o] = static_cast<float>(sum_r * inv);
          out_rgb[3 * o + 1] = static_cast<float>(sum_g * inv);
          out_rgb[3 * o + 2] = static_cast<float>(sum_b * inv);
          out_depth[o] = static_cast<float>(sum_z * inv);
          out_valid[o] = true;
          out_faces[o] = best_face;
        } else {
          out_rgb[3 * o] = out_rgb[3 * o + 1] = out_rgb[3 * o + 2] = 1.0f;
          out_depth[o] = -1.0f;
          out_valid[o] = false;
          out_faces[o] = -1;
        }
      }
    }
  });
  return out;
}

ViewRender RenderView(const Mesh& mesh, const Camera& camera, int supersample, const RasterOptions& options) {
  SCN_CHECK(supersample >= 1) << "supersample must be >= 1, got " << supersample;
  Camera big = camera;
  big.intrinsics = camera.intrinsics.Scaled(supersample);
  const RasterResult r = Rasterize(mesh, big, options);
  return MaskedDownsample(r.rgb, r.depth, r.face_ids, supersample);
}

}  // namespace scenescape
