// COLMAP text models (--trajectory FOLDER): the input is cameras.txt, a line
// "====", then images.txt, written to a scratch folder and read back.
#include "fuzz_util.h"
#include "scenescape/io/camera_formats.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace scenescape;
  const std::string text = fuzz::Text(data, size);
  const size_t split = text.find("\n====\n");
  const std::filesystem::path dir = fuzz::Scratch() / "colmap";
  std::filesystem::create_directories(dir);
  WriteAtomically(dir / "cameras.txt", text.substr(0, split));
  WriteAtomically(dir / "images.txt", split == std::string::npos ? "" : text.substr(split + 6));
  fuzz::ExpectCleanRefusal([&] { ReadColmapText(dir); });
  return 0;
}
