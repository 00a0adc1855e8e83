#pragma once
// sampler.*: the diffusion sampler of the torch back end (torch-free, so the
// config can include it).

#include <array>
#include <utility>

#include "scenescape/core/options.h"

namespace scenescape {

enum class SamplerKind {
  kDdim,     // DDIM, eta 0 (the reference)
  kDpmpp2m,  // DPM-Solver++ (2M), good in 15-25 steps
};

// The names are MakeScheduler's (diffusion/scheduler.h).
template <>
struct EnumTable<SamplerKind> {
  static constexpr std::array<std::pair<SamplerKind, const char*>, 2> kNames = {
      {{SamplerKind::kDdim, "ddim"}, {SamplerKind::kDpmpp2m, "dpmpp_2m"}}};
};

struct SamplerOptions {
  SamplerKind name = SamplerKind::kDdim;
  int steps = 50;
  double guidance_scale = 7.5;

  template <class Self, class V>
  static void List(Self& o, V& v) {
    v.Choice("name", o.name, "`ddim` (reference, eta 0) or `dpmpp_2m` (DPM-Solver++ 2M, good in 15-25 steps)");
    v.Number("steps", o.steps, Range::Closed(1, 1000), "denoising steps");
    v.Number("guidance_scale", o.guidance_scale, Range::Closed(0, 100), "classifier-free guidance scale");
  }
};

}  // namespace scenescape
