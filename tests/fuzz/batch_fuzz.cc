// Batch job files (scenescape batch JOBS.jsonl): every line checked up front.
#include "fuzz_util.h"
#include "scenescape/app/batch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace scenescape;
  BatchOptions options;
  options.jobs_file = fuzz::Scratch() / "jobs.jsonl";
  WriteAtomically(options.jobs_file, fuzz::Text(data, size));
  fuzz::ExpectCleanRefusal([&] { LoadBatchJobs(options); });
  return 0;
}
