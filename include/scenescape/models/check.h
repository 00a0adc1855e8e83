#pragma once
// `scenescape models check DIR [--full]`: load every file of a model folder,
// run each once on a tiny input (the contract dry run) and report what was
// found; with --full, also run every model at the size a frame uses.

#include <c10/core/Device.h>

#include <filesystem>
#include <string>
#include <vector>

namespace scenescape {

struct ModelCheckEntry {
  std::string role;  // manifest key: "inpainter.unet", "depth.file", ...
  std::filesystem::path file;
  std::string contract;  // the signature that was checked
  std::string device;    // "cpu", "cuda:0"
  std::string dtype;     // the dtype it runs in ("float", "half")
  double load_ms = 0;    // torch::jit::load + casts (tokenizers: file parsing)
  double run_ms = 0;     // one dry run after loading
};

// One model run at a frame's real size (models check --full).
struct FullSizeRun {
  std::string stage;   // "unet 75x75 latent", "vae_decoder backward", ...
  std::string input;   // "[8,9,75,75] + [8] + [8,77,1024]"
  double ms = 0;       // wall time of the run (inputs prepared beforehand)
  double cpu_ms = 0;   // CPU time of the process meanwhile (user + system, all threads): on a
                       // machine shared with other work, cpu_ms / threads is the steadier figure
  double peak_mb = 0;  // peak resident memory of the process during the stage (model loading
                       // included), from /proc/self/status VmHWM after a reset; 0 where unknown
};

struct ModelCheckOptions {
  // Run every model at the size a frame uses (slow on a CPU: minutes for SD).
  bool full = false;
  // N of the frame the full check sizes for: the UNet runs at batch 2N (both
  // guidance branches), the VAE decoder and CLIP image tower at batch N.
  int candidates = 4;
  // The canvas the inpainter works on (the reference's 600x600: a 75x75 latent).
  int canvas = 600;
};

struct ModelCheckReport {
  std::filesystem::path dir;
  std::string format;
  std::vector<ModelCheckEntry> entries;
  std::vector<FullSizeRun> full;  // empty unless ModelCheckOptions::full
  // One header line, then one aligned line per entry (and per full-size run).
  std::string ToString() const;
};

// Loads DIR/manifest.json and every file it names on `device`, runs each
// model once (and at full size when asked), one model in memory at a time.
// Throws ResourceError at the first file that is missing, does not load or
// breaks its contract (the message names the file), and for a manifest
// without one of the three sections.
ModelCheckReport CheckModelFolder(const std::filesystem::path& dir,
                                  const c10::Device& device,
                                  const ModelCheckOptions& options = {});

}  // namespace scenescape
