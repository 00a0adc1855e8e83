#pragma once
// `scenescape models check DIR`: load every file of a model folder, run each
// once on a tiny input (the contract dry run) and report what was found.

#include <c10/core/Device.h>

#include <filesystem>
#include <string>
#include <vector>

namespace scenescape {

struct ModelCheckEntry {
  std::string role;             // manifest key: "inpainter.unet", "depth.file", ...
  std::filesystem::path file;
  std::string contract;         // the signature that was checked
  std::string device;           // "cpu", "cuda:0"
  std::string dtype;            // the dtype it runs in ("float", "half")
  double load_ms = 0;           // torch::jit::load + casts (tokenizers: file parsing)
  double run_ms = 0;            // one dry run after loading
};

struct ModelCheckReport {
  std::filesystem::path dir;
  std::string format;
  std::vector<ModelCheckEntry> entries;
  // One header line, then one aligned line per entry.
  std::string ToString() const;
};

// Loads DIR/manifest.json and every file it names on `device`, runs each
// model once. Throws ResourceError at the first file that is missing, does
// not load or breaks its contract (the message names the file), and for a
// manifest without one of the three sections.
ModelCheckReport CheckModelFolder(const std::filesystem::path& dir, const c10::Device& device);

}  // namespace scenescape
