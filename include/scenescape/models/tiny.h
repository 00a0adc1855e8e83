#pragma once
// A complete model folder of tiny random-weight TorchScript modules, built in
// C++ (torch::jit::Module + register_parameter + define), for tests and demos
// without real weights. Every file meets exactly the contract of the real one
// (see manifest.h and the wrappers' headers), and every input influences the
// output:
//   text_encoder  embedding lookup (ids modulo the table size, so any CLIP ids
//                 work) + position embedding + mean-token mixing + tanh
//   unet          3x3 conv over the 2C+1 channels + sinusoidal timestep
//                 embedding + projection of the mean text state, SiLU, 3x3 conv
//   vae_encoder   three stride-2 3x3 convs (/8)
//   vae_decoder   submodules "post_quant_conv" (1x1 conv) and "decoder"
//                 (conv, three nearest x2 upsamplings with convs, conv, tanh)
//   depth         3x3 conv net with ReLUs; output relu(x) + 0.1 (positive), [B,h,w]
//   clip_image    4x4 stride-4 conv, ReLU, spatial mean, projection -> [B,E]
//   clip_text     embedding + position, tanh, token mean, projection -> [B,E]
// plus vocab.json / merges.txt: a tiny CLIP vocabulary (the 256 byte symbols,
// their "</w>" forms, merges spelling a few scene words, <|startoftext|>,
// <|endoftext|>) that ClipTokenizer accepts, and manifest.json.
// The folder is about 0.3 MB and takes well under a second to write.

#include <cstdint>
#include <filesystem>
#include <string>

#include "scenescape/models/manifest.h"

namespace scenescape {

struct TinyModelOptions {
  uint64_t seed = 0;                       // weights are a function of the seed only
  std::string dtype = "float32";           // inpainter dtype; "float16" saves those files in half
  int text_embedding_dim = 32;             // D
  int clip_embedding_dim = 16;             // E
  int depth_input_size = 384;              // depth.input_size (the reference's 384)
  int clip_input_size = 224;               // clip.input_size
  std::string depth_output = "disparity";  // the network is the same; only the manifest says
};

// Writes the folder (created if needed; existing files are replaced) and
// returns its manifest, as LoadManifest(dir) would read it.
ModelManifest MakeTinyModelFolder(const std::filesystem::path& dir, const TinyModelOptions& options);
ModelManifest MakeTinyModelFolder(const std::filesystem::path& dir, uint64_t seed = 0);

// Just the tokenizer files (vocab.json, merges.txt) into `dir`.
void WriteTinyClipVocabulary(const std::filesystem::path& dir);

}  // namespace scenescape
