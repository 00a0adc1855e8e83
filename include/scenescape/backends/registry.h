#pragma once
// The back-end registry: from the config's Backend enum to the stages
// (pipeline/stages.h) that run a frame. One entry per back end:
//   classical  box-model depth, OpenCV inpainting candidates, seam scorer (no weights)
//   torch      the TorchScript models of config.models (backends/torch/torch_backend.h)
//   oracle     the procedural room's ground truth (backends/oracle/oracle.h)
// Every back end fills specks with the classical Telea filler.

#include <string>
#include <vector>

#include "scenescape/config/config.h"
#include "scenescape/pipeline/scene_generator.h"

namespace scenescape {

struct BackendStages {
  Stages stages;
  std::string description;  // one line for the log
};

struct BackendEntry {
  Backend backend;
  // Loads and checks everything the back end needs (models: ResourceError
  // naming the file) before any output is written. `config` is resolved: its
  // device is not "auto".
  BackendStages (*make)(const Config& config);
};

// Every back end but kAuto, in EnumTable<Backend> order.
const std::vector<BackendEntry>& BackendRegistry();

// The stages of `backend` (never kAuto: the run's resolve step decides it).
BackendStages MakeBackend(Backend backend, const Config& config);

}  // namespace scenescape
