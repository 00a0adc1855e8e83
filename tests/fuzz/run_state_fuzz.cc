// A run folder's records (--resume, render, eval): run.json, cameras.json,
// state/state.json and a mesh delta. The first input byte picks the file the
// rest of the input replaces in an otherwise valid 1-frame run folder (16x16
// depth, one triangle), which is then read as --resume and render read it.
#include <cstring>

#include "fuzz_util.h"
#include "scenescape/app/run_folder.h"

namespace {
namespace fs = std::filesystem;

std::string ValidDelta() {
  std::string blob = "SCNMESH1";
  const int64_t header[4] = {0, 3, 0, 1};
  blob.append(reinterpret_cast<const char*>(header), sizeof(header));
  const float vertices[9] = {0, 0, 1, 1, 0, 1, 0, 1, 1}, colors[9] = {};
  const int32_t face[3] = {0, 1, 2};
  blob.append(reinterpret_cast<const char*>(vertices), sizeof(vertices));
  blob.append(reinterpret_cast<const char*>(colors), sizeof(colors));
  blob.append(reinterpret_cast<const char*>(face), sizeof(face));
  return blob;
}

void WriteValidRun(const fs::path& dir) {
  using scenescape::WriteAtomically;
  fs::create_directories(dir / "state" / "mesh");
  fs::create_directories(dir / "state" / "depth");
  WriteAtomically(dir / "run.json", R"({"config": {}, "status": "running", "seed": 1, "frames": [{"index": 0}]})");
  WriteAtomically(dir / "cameras.json",
                  R"({"depth_png_scale": 100, "frames": [{"index": 0, "width": 16, "height": 16, "fx": 20, )"
                  R"("fy": 20, "cx": 8, "cy": 8, "cam_from_world": [[1,0,0,0],[0,1,0,0],[0,0,1,0],[0,0,0,1]]}]})");
  WriteAtomically(
      dir / "state" / "state.json",
      R"({"next_index": 1, "median_depth0": 1, "height": 16, "width": 16, "mesh_vertices": 3, "mesh_faces": 1})");
  WriteAtomically(dir / "state" / "mesh" / "00000.bin", ValidDelta());
  WriteAtomically(dir / "state" / "depth" / "00000.f32", std::string(16 * 16 * sizeof(float), '\0'));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace scenescape;
  if (size == 0) return 0;
  const fs::path dir = fuzz::Scratch() / "run";
  WriteValidRun(dir);
  static const char* const kFiles[] = {"run.json", "cameras.json", "state/state.json", "state/mesh/00000.bin"};
  WriteAtomically(dir / kFiles[data[0] % 4], fuzz::Text(data + 1, size - 1));
  const RunFolder folder(dir);
  fuzz::ExpectCleanRefusal([&] { folder.ReadRecord(); });
  fuzz::ExpectCleanRefusal([&] { RunFolder::ReadCameras(dir / "cameras.json"); });
  fuzz::ExpectCleanRefusal([&] {
    const int next = folder.SavedNextIndex();
    folder.SavedMedianDepth0();
    if (next >= 1) folder.LoadGeneratorState(1).mesh.Validate();
  });
  return 0;
}
