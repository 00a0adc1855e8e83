#pragma once
// What a run folder keeps so that a stopped run can continue (resume) or
// regenerate frames (redo), bit-identically:
//   state/mesh/00000.bin   the vertices, colours and faces that frame added
//                          (the mesh only grows, so frames' deltas concatenate
//                          to the whole mesh; no per-frame rewrite of mesh.ply)
//   state/depth/00000.f32  the frame's final depth, raw float32 [H,W]
//   state/state.json       {"next_index", "median_depth0", "mesh_vertices", "mesh_faces"},
//                          written last: a frame counts as done once it names it
// Every file is written atomically; files of frames >= next_index are leftovers
// of an interrupted frame and are removed before continuing.

#include <filesystem>

#include "scenescape/pipeline/scene_generator.h"

namespace scenescape {

// Writes frame `index`'s mesh delta (the last new_vertices / new_faces of
// `mesh`) and its raw depth.
void SaveFrameData(const std::filesystem::path& run_dir, int index, const Mesh& mesh, int64_t new_vertices,
                   int64_t new_faces, const at::Tensor& depth);
// Writes state.json saying frames < index + 1 are done. Call it after every
// other file of the frame (frames, depth, run.json, cameras.json) is in place.
void CommitFrameState(const std::filesystem::path& run_dir, int index, const Mesh& mesh, const at::Tensor& depth,
                      double median_depth0);

// True when state/state.json exists.
bool HasFrameState(const std::filesystem::path& run_dir);

// Reads the state after frame `next_index - 1` (next_index <= the saved one;
// smaller values rewind, for --redo-frames). Throws InputError naming the file
// when something is missing or inconsistent.
GeneratorState LoadGeneratorState(const std::filesystem::path& run_dir, int next_index);

// The saved next_index (0 when there is no state).
int SavedNextIndex(const std::filesystem::path& run_dir);

// Deletes every per-frame file of frames >= first (frames/, depth/, masks/,
// warped/, candidates/, state/), the final products (videos, mesh files,
// transforms.json, colmap/), which are rewritten when the run completes, and any
// temporary file an interrupted write left.
void RemoveFramesFrom(const std::filesystem::path& run_dir, int first);

}  // namespace scenescape
