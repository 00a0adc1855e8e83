// mesh.ply (eval, render): the header's counts must never size an allocation
// before they are held to the bytes present; accepted meshes must be valid.
#include "fuzz_util.h"
#include "scenescape/mesh/mesh_io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace scenescape;
  fuzz::ExpectCleanRefusal([&] { ParsePly(fuzz::Text(data, size), "mesh.ply").Validate(); });
  return 0;
}
