#pragma once
// `scenescape batch JOBS.jsonl`: many runs from one file, restartable blindly.
//
// One JSON object per line (blank lines and lines starting with # are skipped):
//   {"name": "cave_4",                        required; the run folder OUT/<name> ([A-Za-z0-9._-]+, unique)
//    "prompt": "...", "negative_prompt": "...",
//    "seed": 4, "frames": 50,
//    "trajectory": "rotations" | "path.json",  a preset or a keyframe file
//    "init_image": "photo.jpg", "fov": 60 | "auto",
//    "config": "preset.json",                  a config file for this job
//    "overrides": {"render.supersample": 3}}   config keys by path, as --set
// Relative paths resolve against the JSONL file's folder. Every line is
// validated (unknown keys, wrong types, bad config values) before any run
// starts, so a bad file changes nothing on disk.
// Each job: a complete run folder (run.json "status": "complete") is skipped, a
// stopped one is resumed, a missing one is started. A failing job is reported
// and the batch goes on; the exit code is then 1.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "scenescape/config/config.h"

namespace scenescape {

struct BatchJob {
  int line = 0;  // 1-based line in the file
  std::string name;
  Config config;
};

struct BatchOptions {
  std::filesystem::path jobs_file;
  std::filesystem::path out_root = "output";
  std::optional<std::filesystem::path> base_config;  // applied under every job
  int shard_index = 0;  // this process runs the jobs whose position % shard_count == shard_index
  int shard_count = 1;
};

// Parses and validates the whole file. Throws InputError "FILE:LINE: problem".
std::vector<BatchJob> LoadBatchJobs(const BatchOptions& options);

struct BatchOutcome {
  std::string name;
  std::string action;  // "skipped (complete)", "resumed", "started", "failed"
  std::string detail;  // error message for failures
  int frames = 0;
  double seconds = 0.0;
};

// Runs this shard's jobs and prints a summary table. Returns the outcomes.
std::vector<BatchOutcome> RunBatch(const BatchOptions& options);

}  // namespace scenescape
