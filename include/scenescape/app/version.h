#pragma once
// What this build is, for `scenescape version` and run.json.

#include <string>

namespace scenescape {

// "0.1.0 (git abc1234)".
std::string VersionString();
// VersionString, the library versions, whether the build has CUDA
// (SCN_CUDA_ENABLED, from -DSCN_WITH_CUDA=ON) and whether LibTorch sees a GPU.
std::string BuildInfo();

}  // namespace scenescape
