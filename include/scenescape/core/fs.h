#pragma once
// File-system helpers. Every file the tool writes goes through WriteAtomically
// (or, for writers that need a path, WriteViaTemporary): the data is written to
// "<name>.tmp-<pid>" in the same folder, flushed, then renamed over the final
// name, so a killed run never leaves a half-written file under a final name.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "scenescape/core/limits.h"

namespace scenescape {

// Writes `bytes` to `path` atomically. Throws OutputError naming the file.
void WriteAtomically(const std::filesystem::path& path, const std::string& bytes);

// Calls write(tmp_path) to produce the file under a temporary name, then renames
// it to `path`. Use for writers that need a path (OpenCV, video encoders).
// The temporary keeps the final extension so format detection still works.
void WriteViaTemporary(const std::filesystem::path& path,
                       const std::function<void(const std::filesystem::path& tmp)>& write);

// Reads a whole file. Throws InputError naming the file when it cannot be read
// or holds more than `max_bytes` (checked before reading).
std::string ReadFile(const std::filesystem::path& path, uint64_t max_bytes = limits::kMaxFileBytes);

// Creates `dir` (and parents) and checks that a file can be written in it.
// Throws OutputError naming the folder otherwise.
void EnsureWritableDir(const std::filesystem::path& dir);

}  // namespace scenescape
