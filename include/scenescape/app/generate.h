#pragma once
// `scenescape` (generate) and `scenescape --resume`: one run from a Config to a
// run folder (layout: app/run_folder.h), and the continuation of a stopped one.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "scenescape/config/config.h"

namespace scenescape {

struct GenerateRequest {
  Config config;  // as given; "auto" values are resolved by the run (app/run_plan.h)
  std::filesystem::path out_dir;
  std::string command_line;    // recorded in run.json
  bool overwrite = false;      // allow an output folder that already holds a run
  bool progress_json = false;  // one JSON event per frame on stdout (--progress json)
};

// Runs the whole job. Every input is read and checked before anything is
// written. Throws scenescape::Error subclasses (with exit codes) on failure.
void RunGenerate(const GenerateRequest& request);

struct ResumeRequest {
  std::filesystem::path run_dir;
  // --redo-frames A-B: regenerate from frame A on (frames A..B with redo_seed
  // when given, later frames with the run's seed). redo_from < 0: plain resume.
  int redo_from = -1;
  int redo_to = -1;
  std::optional<uint64_t> redo_seed;
  // The config that the command line asks for (run.json's with the given -c, --set and flags applied), when it
  // gave any: a run cannot mix two configs, so any key that differs from run.json's is refused (InputError).
  std::optional<Config> asked_config;
  std::string command_line;
  bool progress_json = false;
};

// Continues a stopped or failed run (or redoes frames) in its folder; the result is bit-identical to a run that was
// never stopped. First it checks what it builds on: a config that differs from the run's (asked_config, or run.json
// edited since the frames were made) is refused, and a finished frame whose files changed after the run wrote them
// is made again, with every frame after it (a redo refuses damage below the frames it names). A complete run is left
// alone (a damaged one is refused, naming the file and the --redo-frames that regenerates it).
void RunResume(const ResumeRequest& request);

}  // namespace scenescape
