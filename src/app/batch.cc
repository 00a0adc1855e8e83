#include "scenescape/app/batch.h"

#include <nlohmann/json.hpp>

#include <regex>
#include <set>
#include <sstream>

#include "scenescape/app/generate.h"
#include "scenescape/app/run_folder.h"
#include "scenescape/app/run_plan.h"
#include "scenescape/core/check.h"
#include "scenescape/core/fs.h"
#include "scenescape/core/json_reader.h"
#include "scenescape/core/limits.h"
#include "scenescape/core/logging.h"
#include "scenescape/core/timer.h"

namespace scenescape {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string Resolve(const fs::path& base, const std::string& p) {
  const fs::path path(p);
  return path.is_absolute() ? p : (base / path).lexically_normal().string();
}

BatchJob ParseJob(const json& line, int line_no, const fs::path& file, const json& base_doc) {
  const std::string where = file.string() + ":" + std::to_string(line_no);
  JsonReader r(line, "", [where](const std::string& key, const std::string& problem) {
    throw InputError(where + ": " + key + ": " + problem);
  });
  const fs::path dir = file.parent_path();
  BatchJob job;
  job.line = line_no;
  const json* name = r.Find("name");
  if (!name || !name->is_string()) r.Fail("name", "required, a string naming the run folder");
  job.name = name->get<std::string>();
  // The name becomes a folder name under --out on any file system: portable
  // characters only, and short enough for the strictest NAME_MAX (143 bytes on eCryptfs).
  static const std::regex kName(R"([A-Za-z0-9._-]+)");
  if (job.name.size() > limits::kMaxJobNameBytes)
    r.Fail("name",
           JsonReader::Brief(*name) + " is " + std::to_string(job.name.size()) + " bytes long, more than " +
               std::to_string(limits::kMaxJobNameBytes));
  if (!std::regex_match(job.name, kName) || job.name == "." || job.name == "..")
    r.Fail("name", JsonReader::Brief(*name) + " must use only letters, digits, '.', '_' and '-'");

  json doc = base_doc;
  std::string config_file;
  r.Read("config", config_file);
  if (!config_file.empty()) doc.merge_patch(LoadConfigJson(Resolve(dir, config_file)));
  if (const json* overrides = r.Find("overrides")) {
    if (!overrides->is_object()) r.Fail("overrides", "expected an object of key.path: value");
    for (const auto& item : overrides->items()) ApplyOverride(doc, item.key() + "=" + item.value().dump());
  }
  for (const char* key : {"prompt", "negative_prompt", "seed", "frames"})
    if (const json* value = r.Find(key)) doc[key] = *value;
  std::string init_image;
  r.Read("init_image", init_image);
  if (!init_image.empty()) doc["init_image"] = Resolve(dir, init_image);
  if (const json* fov = r.Find("fov")) doc["camera"]["fov"] = *fov;
  std::string trajectory;
  r.Read("trajectory", trajectory);
  if (!trajectory.empty()) {
    // A motion name, or a file relative to the jobs file.
    TrajectoryOptions probe;
    const fs::path relative = Resolve(dir, trajectory);
    ApplyTrajectoryArgument(probe, fs::exists(relative) ? relative.string() : trajectory, where + ": trajectory:");
    doc["trajectory"]["type"] = OptionName(probe.type);
    if (probe.type == Motion::kFile) doc["trajectory"]["file"] = probe.file;
  }
  r.Finish();
  job.config = ConfigFromJson(doc, where);
  if (!job.config.init_image.empty() && !fs::exists(job.config.init_image))
    throw InputError(where + ": init_image: " + job.config.init_image + ": file not found");
  try {
    ResolveCameraPath(job.config.trajectory, nullptr);
  } catch (const InputError& e) {
    throw InputError(where + ": trajectory: " + e.what());
  }
  return job;
}

}  // namespace

std::vector<BatchJob> LoadBatchJobs(const BatchOptions& options) {
  const fs::path& file = options.jobs_file;
  if (!fs::exists(file)) throw InputError(file.string() + ": jobs file not found");
  if (options.shard_count < 1 || options.shard_index < 0 || options.shard_index >= options.shard_count)
    throw InputError("--shard " + std::to_string(options.shard_index) + "/" + std::to_string(options.shard_count) +
                     ": expected I/N with 0 <= I < N");
  json base_doc = json::object();
  if (options.base_config) base_doc = LoadConfigJson(*options.base_config);
  std::istringstream in(ReadFile(file, limits::kMaxJsonBytes));
  std::vector<BatchJob> jobs;
  std::set<std::string> names;
  std::string text;
  for (int line_no = 1; std::getline(in, text); ++line_no) {
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string::npos || text[first] == '#') continue;
    const json line = ParseJson(text, file.string() + ":" + std::to_string(line_no));
    BatchJob job = ParseJob(line, line_no, file, base_doc);
    if (!names.insert(job.name).second)
      throw InputError(file.string() + ":" + std::to_string(line_no) + ": name: \"" + job.name +
                       "\" is used by an earlier line");
    jobs.push_back(std::move(job));
  }
  if (jobs.empty()) throw InputError(file.string() + ": no jobs");
  return jobs;
}

std::vector<BatchOutcome> RunBatch(const BatchOptions& options) {
  const std::vector<BatchJob> jobs = LoadBatchJobs(options);
  // A folder that already holds a run is continued or skipped: only when it was made from the same config, which
  // is checked for every job before any runs (a run cannot mix two configs, and an edited line would be skipped).
  for (size_t position = 0; position < jobs.size(); ++position) {
    if (static_cast<int>(position % options.shard_count) != options.shard_index) continue;
    const BatchJob& job = jobs[position];
    const RunFolder folder(options.out_root / job.name);
    const RunStatus status = folder.Status();
    if (status == RunStatus::kNone || status == RunStatus::kUnreadable) continue;  // started / reported as it runs
    const std::string differences = folder.DifferencesFromRun(folder.ReadRecord().config, job.config, "this line");
    if (!differences.empty())
      throw InputError(options.jobs_file.string() + ":" + std::to_string(job.line) + ": " + folder.dir().string() +
                       " holds a run made with another config: " + differences +
                       "; give the job a new name, or remove the folder");
  }
  std::vector<BatchOutcome> outcomes;
  int position = -1;
  for (const BatchJob& job : jobs) {
    ++position;
    if (position % options.shard_count != options.shard_index) continue;
    BatchOutcome outcome;
    outcome.name = job.name;
    outcome.frames = job.config.frames;
    const fs::path dir = options.out_root / job.name;
    const Timer timer;
    try {
      const RunStatus status = RunFolder(dir).Status();
      if (status == RunStatus::kComplete) {
        outcome.action = "skipped (complete)";
      } else if (status != RunStatus::kNone) {
        SCN_LOG_INFO("batch: resuming {} ({})", job.name, dir.string());
        ResumeRequest resume;
        resume.run_dir = dir;
        resume.command_line = "batch " + options.jobs_file.string() + " (line " + std::to_string(job.line) + ")";
        RunResume(resume);
        outcome.action = "resumed";
      } else {
        SCN_LOG_INFO("batch: starting {} ({})", job.name, dir.string());
        GenerateRequest request;
        request.config = job.config;
        request.out_dir = dir;
        request.command_line = "batch " + options.jobs_file.string() + " (line " + std::to_string(job.line) + ")";
        RunGenerate(request);
        outcome.action = "started";
      }
    } catch (const std::exception& e) {
      outcome.action = "failed";
      outcome.detail = e.what();
      SCN_LOG_ERROR("batch: {} failed: {}", job.name, e.what());
      CloseLogFile();
    }
    outcome.seconds = timer.ElapsedSeconds();
    outcomes.push_back(outcome);
  }
  std::string table = fmt::format("\n{:<24} {:<20} {:>7} {:>9}  {}\n", "run", "result", "frames", "seconds", "folder");
  for (const auto& o : outcomes)
    table += fmt::format("{:<24} {:<20} {:>7} {:>9.1f}  {}{}\n",
                         o.name,
                         o.action,
                         o.frames,
                         o.seconds,
                         (options.out_root / o.name).string(),
                         o.detail.empty() ? "" : "  (" + o.detail + ")");
  std::printf("%s", table.c_str());
  std::fflush(stdout);
  return outcomes;
}

}  // namespace scenescape
