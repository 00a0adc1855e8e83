// The config: a JSON document read into Config (every key, type and range), as
// `--config FILE` and batch lines do; also as one `--set key=value`.
#include "fuzz_util.h"
#include "scenescape/config/config.h"
#include "scenescape/core/json_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace scenescape;
  const std::string text = fuzz::Text(data, size);
  fuzz::ExpectCleanRefusal([&] { ConfigFromJson(ParseJson(text, "fuzz.json"), "fuzz.json"); });
  fuzz::ExpectCleanRefusal([&] {
    nlohmann::json doc = nlohmann::json::object();
    ApplyOverride(doc, text);
    ConfigFromJson(doc, "--set");
  });
  return 0;
}
