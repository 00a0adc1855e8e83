// A model folder's manifest.json (--models DIR). The folder holds the files the
// seed manifest names (a.pt, b.pt, vocab.json, merges.txt), plus one outside it
// (../outside.pt), which the reader must never accept.
#include "fuzz_util.h"
#include "scenescape/models/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace scenescape;
  const std::filesystem::path dir = fuzz::Scratch() / "models";
  static const bool made = [&] {
    std::filesystem::create_directories(dir);
    for (const char* f : {"a.pt", "b.pt", "vocab.json", "merges.txt"}) WriteAtomically(dir / f, "x");
    WriteAtomically(dir.parent_path() / "outside.pt", "x");
    return true;
  }();
  (void)made;
  WriteAtomically(ManifestPath(dir), fuzz::Text(data, size));
  fuzz::ExpectCleanRefusal([&] {
    const ModelManifest m = LoadManifest(dir);
    for (const std::filesystem::path* p : {m.inpainter ? &m.inpainter->unet : nullptr,
                                           m.depth ? &m.depth->file : nullptr,
                                           m.clip ? &m.clip->image_encoder : nullptr})
      if (p && p->lexically_relative(dir).begin()->string() == "..") {
        std::fprintf(stderr, "finding: the manifest names a file outside its folder: %s\n", p->c_str());
        std::abort();
      }
  });
  return 0;
}
