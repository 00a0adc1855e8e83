// Merging one RGB-D frame into a mesh of about 1M faces (docs/benchmarks.md).
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <benchmark/benchmark.h>

#include <thread>

#include "scenescape/mesh/mesh_builder.h"

namespace scenescape {
namespace {

// A 1M-face mesh (frame-0-like grid of 708x708 pixels), then a 512x512 frame
// whose outer border (15% of the pixels, as in the default path) is new.
void BM_MergeFrame(benchmark::State& state) {
  at::set_num_threads(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  Camera big;
  big.intrinsics = Intrinsics().Scaled(708.0 / 512.0);
  Mesh base = Mesh::Empty();
  AddFrameToMesh(base,
                 at::rand({708, 708, 3}),
                 at::full({708, 708}, 2.0f) + at::rand({708, 708}) * 0.01f,
                 at::ones({708, 708}, at::kBool),
                 at::Tensor(),
                 big,
                 {});
  Camera cam;
  cam.cam_from_world(2, 3) = 0.1;
  at::Tensor holes = at::ones({512, 512}, at::kBool);
  holes.narrow(0, 20, 472).narrow(1, 20, 472).fill_(false);
  const at::Tensor stitch =
      at::where(holes, at::full({512, 512}, -1, at::kInt), at::randint(0, base.NumVertices(), {512, 512}).to(at::kInt));
  const at::Tensor image = at::rand({512, 512, 3});
  const at::Tensor depth = at::full({512, 512}, 2.1f);
  for (auto _ : state) {
    state.PauseTiming();
    Mesh mesh = base;
    state.ResumeTiming();
    AddFrameToMesh(mesh, image, depth, holes, stitch, cam, {});
    benchmark::DoNotOptimize(mesh.faces.data_ptr());
  }
  state.counters["base_faces"] = static_cast<double>(base.NumFaces());
  state.counters["new_pixels"] = holes.sum().item<double>();
}
BENCHMARK(BM_MergeFrame)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace
}  // namespace scenescape

BENCHMARK_MAIN();
