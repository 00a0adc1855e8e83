#pragma once
// The global scene mesh: per-vertex colours, no UVs, and it only ever grows.
//
// All tensors live on one device (CPU unless stated) and are contiguous:
//   vertices: [V,3] float32, points_in_world
//   colors:   [V,3] float32 RGB in [0,1] as in the images (sRGB-encoded, not linear)
//   faces:    [F,3] int32, vertex ids in [0,V); winding so that
//             cross(v1-v0, v2-v0) points towards the camera that created the face.

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace scenescape {

struct Mesh {
  at::Tensor vertices;
  at::Tensor colors;
  at::Tensor faces;

  static Mesh Empty();
  int64_t NumVertices() const { return vertices.defined() ? vertices.size(0) : 0; }
  int64_t NumFaces() const { return faces.defined() ? faces.size(0) : 0; }
  // Throws scenescape::Error if shapes, dtypes or ids are inconsistent.
  void Validate() const;
};

}  // namespace scenescape
