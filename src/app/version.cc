#include "scenescape/app/version.h"

#include <ATen/Context.h>
#include <fmt/format.h>
#include <opencv2/core/version.hpp>
#include <torch/cuda.h>
#include <torch/version.h>

#include "build_version.h"

namespace scenescape {

std::string VersionString() { return std::string(kScnVersion) + " (" + kScnGitDescribe + ")"; }

std::string BuildInfo() {
#ifdef SCN_CUDA_ENABLED
  const char* cuda_build = "yes";
#else
  const char* cuda_build = "no (configure with -DSCN_WITH_CUDA=ON and a CUDA LibTorch)";
#endif
  return fmt::format("scenescape {}\nLibTorch {}  OpenCV {}\nCUDA build: {}  LibTorch with CUDA: {}  GPUs visible: {}",
                     VersionString(),
                     TORCH_VERSION,
                     CV_VERSION,
                     cuda_build,
                     at::hasCUDA() ? "yes" : "no",
                     torch::cuda::device_count());
}

}  // namespace scenescape
