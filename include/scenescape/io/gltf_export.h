#pragma once
// Binary glTF 2.0 (.glb) export of the scene mesh, for Blender, three.js /
// <model-viewer>, and other glTF viewers.
//
// Layout: one scene, one node, one mesh with one primitive:
//   POSITION  VEC3 float32, with the min/max the spec requires;
//   COLOR_0   VEC3 float32 (linear RGB, see below);
//   indices   SCALAR uint32, mode TRIANGLES.
// A mesh with vertices but no faces is written as a POINTS primitive; an empty
// mesh as a file with an empty scene. One binary buffer holds the three
// arrays (each a bufferView, 4-byte aligned).
//
// Axes: glTF is right-handed with +y up and cameras looking along -z; our world
// is the OpenCV frame of the first camera (+y down, +z forward). Positions are
// written as (x, -y, -z), i.e. multiplied by diag(1, -1, -1): camera space of a
// camera with identity pose maps onto glTF's default camera, so the scene
// stands upright and the first view looks along glTF's -z. The node has no
// transform. The flip is a rotation (det +1), so the face winding is kept:
// faces the mesh builder winds towards their camera stay front-facing
// (counter-clockwise) in glTF.
//
// Colours: glTF vertex colours are linear. Mesh colours are the [0,1] values of
// the frames read from 8-bit images, i.e. sRGB-encoded, so by default they are
// converted with the sRGB transfer function (clamped to [0,1] first); viewers
// encode back to sRGB on display and show the frames' colours. float32 keeps
// dark tones free of the banding that 8-bit linear would give.
//
// Material: one double-sided material, white base colour, metallic 0,
// roughness 1, with KHR_materials_unlit (listed in extensionsUsed, not
// required): colours come from photographs, so viewers that support it show
// them unshaded, and the others fall back to a plain diffuse surface.

#include <filesystem>

#include "scenescape/mesh/mesh.h"

namespace scenescape {

struct GlbOptions {
  // Convert mesh colours from sRGB-encoded to linear (see above). Off writes the
  // values as they are (clamped to [0,1]).
  bool srgb_colors = true;
};

// Writes `mesh` (any device; validated) to `path` as .glb, atomically (core/fs.h).
// Throws Error for an invalid mesh or non-finite positions, OutputError naming
// the file when it cannot be written.
void WriteGlb(const std::filesystem::path& path, const Mesh& mesh, const GlbOptions& options = {});

// The sRGB transfer function's decoding half (IEC 61966-2-1), for c in [0,1].
float SrgbToLinear(float c);

}  // namespace scenescape
