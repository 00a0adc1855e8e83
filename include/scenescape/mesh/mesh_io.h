#pragma once
// Mesh files. Every writer is atomic (temporary name, then rename).
//  * PLY: binary little-endian; vertex x y z (float32), red green blue (uchar);
//    face list uchar count + int32 vertex_indices. ReadPly reads that layout
//    (and ascii PLY with the same properties), so runs can reload their mesh.
//  * OBJ: "v x y z r g b" lines with colours in [0,1], "f a b c" (1-based).

#include <filesystem>
#include <string>

#include "scenescape/mesh/mesh.h"

namespace scenescape {

void WritePly(const std::filesystem::path& path, const Mesh& mesh);
Mesh ReadPly(const std::filesystem::path& path);  // throws InputError naming the file
// The PLY document `data` (ReadPly's parser); InputErrors name `source`. The
// header's counts are held to the bytes present before anything is allocated.
Mesh ParsePly(const std::string& data, const std::string& source);
void WriteObj(const std::filesystem::path& path, const Mesh& mesh);

}  // namespace scenescape
