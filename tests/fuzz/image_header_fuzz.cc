// The declared-size sniffing that stands before every image decode.
#include "fuzz_util.h"
#include "scenescape/io/image_header.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  scenescape::ReadDeclaredImageSize(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
