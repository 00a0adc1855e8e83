#pragma once
// The model folder's DIR/manifest.json (schema "scenescape-models/1"; the
// documented in models/README.md, with models/manifest.example.json).
//
// Every file name is relative to DIR in the JSON; LoadManifest resolves it to
// DIR/name and checks that the file exists. Keys not in the schema are errors.
// The three sections are each optional in the file; the torch back end needs
// all three and asks for them with Require*(), which says which is missing.
//
// Missing keys: the file names (and "format") are required; every other value
// defaults to the one the reference uses (SD-2 inpainting, MiDaS DPT-Large,
// OpenCLIP-style CLIP), as written in the schema's example.

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "scenescape/diffusion/schedule.h"

namespace scenescape {

constexpr const char* kModelManifestFormat = "scenescape-models/1";

// A CLIP BPE vocabulary (Hugging Face vocab.json + merges.txt); see
// text/tokenizer.h.
struct TokenizerFiles {
  std::filesystem::path vocab;   // DIR/vocab.json
  std::filesystem::path merges;  // DIR/merges.txt
  int context_length = 77;       // >= 2
  int64_t pad_id = 0;            // SD 2.x / open_clip pad with 0
};

// The noise schedule the UNet was trained with: the diffusion module's
// ScheduleOptions (field names and meanings are diffusers' scheduler config).
// LoadManifest checks the values with ScheduleOptions::Check, so the manifest
// accepts exactly what the schedulers accept.
using SchedulerSettings = ScheduleOptions;

// Stable-Diffusion-style inpainting models (text encoder, 9-channel UNet, VAE).
struct InpainterManifest {
  std::filesystem::path text_encoder;  // DIR/text_encoder.pt
  std::filesystem::path unet;
  std::filesystem::path vae_encoder;
  std::filesystem::path vae_decoder;
  double latent_scale = 0.18215;  // > 0; latents = vae_mean * latent_scale
  int latent_channels = 4;        // > 0; the UNet takes 2 * latent_channels + 1
  int vae_downsample = 8;         // > 0; image size = latent size * vae_downsample
  int text_embedding_dim = 1024;  // > 0; D of the text encoder's [B,77,D]
  std::string dtype = "float16";  // "float16" | "float32": what the files were saved in
  TokenizerFiles tokenizer;
  SchedulerSettings scheduler;
};

// A monocular depth network (MiDaS/DPT-style relative disparity, or metric depth).
struct DepthManifest {
  std::filesystem::path file;  // DIR/depth.pt
  int input_size = 384;        // > 0; target of the MiDaS "minimal" resize
  int multiple_of = 32;        // > 0
  bool keep_aspect_ratio = true;
  std::array<double, 3> mean = {0.5, 0.5, 0.5};
  std::array<double, 3> std = {0.5, 0.5, 0.5};  // each > 0
  std::string output = "disparity";             // "disparity" | "depth"
  double min_disparity = 0.01;                  // > 0; depth = 1 / max(disparity, min_disparity)
};

// CLIP image and text towers for candidate scoring.
struct ClipManifest {
  std::filesystem::path image_encoder;  // DIR/clip_image.pt
  std::filesystem::path text_encoder;   // DIR/clip_text.pt
  int input_size = 224;                 // > 0; square image side S
  std::array<double, 3> mean = {0.48145466, 0.4578275, 0.40821073};
  std::array<double, 3> std = {0.26862954, 0.26130258, 0.27577711};
  int embedding_dim = 512;  // > 0; E
  TokenizerFiles tokenizer;
};

struct ModelManifest {
  std::filesystem::path dir;  // the folder the manifest was read from
  std::string format = kModelManifestFormat;
  std::optional<InpainterManifest> inpainter;
  std::optional<DepthManifest> depth;
  std::optional<ClipManifest> clip;

  // The section, or ResourceError "DIR/manifest.json: no \"depth\" section
  // (the torch back end needs inpainter, depth and clip)".
  const InpainterManifest& RequireInpainter() const;
  const DepthManifest& RequireDepth() const;
  const ClipManifest& RequireClip() const;
};

// Reads and validates DIR/manifest.json. Throws ResourceError (exit code 3)
// with a one-line message naming the file and the key path, e.g.
//   "DIR/manifest.json: inpainter.scheduler.beta_end: expected a number, got \"x\""
//   "DIR/manifest.json: depth.colour: unknown key"
//   "DIR/unet.pt: file not found (named by manifest.json inpainter.unet)"
ModelManifest LoadManifest(const std::filesystem::path& dir);

// The manifest as JSON text (file names relative to manifest.dir), every key
// written out. LoadManifest(dir) of what WriteManifest wrote gives back an
// equal manifest.
std::string ManifestToJson(const ModelManifest& manifest);

// Writes manifest.dir/manifest.json atomically (OutputError on failure).
void WriteManifest(const ModelManifest& manifest);

// "DIR/manifest.json" for messages.
std::filesystem::path ManifestPath(const std::filesystem::path& dir);

}  // namespace scenescape
