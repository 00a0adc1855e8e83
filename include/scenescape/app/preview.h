#pragma once
// `scenescape --dry-run`: renders the camera path over a proxy scene (the first
// frame's mesh from the classical depth, plus a floor grid) as a preview video,
// in seconds, before hours of generation. Writes into the output folder:
//   preview.mp4, preview/00000.png ..., cameras.json (the run folder's schema)
// No run.json is written, so the folder is not mistaken for a run.

#include "scenescape/app/generate.h"

namespace scenescape {

void RunDryRun(const GenerateRequest& request);

}  // namespace scenescape
