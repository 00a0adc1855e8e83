#pragma once
// The limits on what the tool reads, in one place (the README's "Limits" table
// lists them). An input beyond a limit is refused with one line naming the file
// and exit code 2 (bad input) before anything is allocated for it: a count or a
// size declared inside a file is never trusted to size an allocation until it is
// checked against these and against the bytes the file really holds.

#include <cstddef>
#include <cstdint>

namespace scenescape::limits {

// Any file the tool reads whole (images, meshes, run state, model vocabularies).
inline constexpr uint64_t kMaxFileBytes = uint64_t{4} << 30;  // 4 GiB
// A JSON document: config, keyframes, transforms.json, manifest, run records, one batch line.
inline constexpr uint64_t kMaxJsonBytes = uint64_t{256} << 20;  // 256 MiB
// Nesting of arrays and objects in a JSON document (the deepest the tool writes is 5).
inline constexpr int kMaxJsonDepth = 64;
// The pixels an image may declare in its header (width x height), checked before decoding.
inline constexpr int64_t kMaxImagePixels = 100'000'000;  // e.g. 12000 x 8000

// A coordinate in a keyframe file (position, look_at, up, cam_from_world): within
// +-1e6 every difference and norm the interpolation takes stays finite.
inline constexpr double kMaxKeyframeCoordinate = 1e6;
// A batch job's name (it becomes a folder name).
inline constexpr size_t kMaxJobNameBytes = 128;

}  // namespace scenescape::limits
