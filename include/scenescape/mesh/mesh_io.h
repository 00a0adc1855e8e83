#pragma once
// Mesh files. Every writer is atomic (temporary name, then rename).
//  * PLY: binary little-endian; vertex x y z (float32), red green blue (uchar);
//    face list uchar count + int32 vertex_indices. ReadPly reads that layout
//    (and ascii PLY with the same properties), so runs can reload their mesh.
//  * OBJ: "v x y z r g b" lines with colours in [0,1], "f a b c" (1-based).

#include <filesystem>

#include "scenescape/mesh/mesh.h"

namespace scenescape {

void WritePly(const std::filesystem::path& path, const Mesh& mesh);
Mesh ReadPly(const std::filesystem::path& path);  // throws InputError naming the file
void WriteObj(const std::filesystem::path& path, const Mesh& mesh);

}  // namespace scenescape
