#include "scenescape/mesh/mesh.h"

#include <ATen/ATen.h>

#include "scenescape/core/check.h"

namespace scenescape {

Mesh Mesh::Empty() {
  Mesh m;
  m.vertices = at::zeros({0, 3}, at::kFloat);
  m.colors = at::zeros({0, 3}, at::kFloat);
  m.faces = at::zeros({0, 3}, at::kInt);
  return m;
}

void Mesh::Validate() const {
  SCN_CHECK(vertices.defined() && colors.defined() && faces.defined()) << "mesh has undefined tensors";
  SCN_CHECK(vertices.dim() == 2 && vertices.size(1) == 3 && vertices.scalar_type() == at::kFloat)
      << "mesh.vertices must be [V,3] float32, got " << vertices.sizes();
  SCN_CHECK(colors.sizes() == vertices.sizes() && colors.scalar_type() == at::kFloat)
      << "mesh.colors must be [V,3] float32, got " << colors.sizes();
  SCN_CHECK(faces.dim() == 2 && faces.size(1) == 3 && faces.scalar_type() == at::kInt)
      << "mesh.faces must be [F,3] int32, got " << faces.sizes();
  if (faces.size(0) > 0) {
    SCN_CHECK(faces.min().item<int>() >= 0 && faces.max().item<int64_t>() < vertices.size(0))
        << "mesh.faces hold vertex ids outside [0," << vertices.size(0) << ")";
  }
}

}  // namespace scenescape
