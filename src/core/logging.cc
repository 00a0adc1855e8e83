#include "scenescape/core/logging.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <memory>
#include <mutex>

#include "scenescape/core/check.h"

namespace scenescape {
namespace {

struct LoggerState {
  std::shared_ptr<spdlog::sinks::sink> console;
  std::shared_ptr<spdlog::sinks::sink> file;
  std::shared_ptr<spdlog::logger> logger;
};

LoggerState& State() {
  static LoggerState state = [] {
    LoggerState s;
    s.console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    s.console->set_level(spdlog::level::info);
    s.logger = std::make_shared<spdlog::logger>("scenescape", s.console);
    s.logger->set_level(spdlog::level::trace);
    s.logger->set_pattern("[%H:%M:%S.%e] [%^%l%$] %v");
    s.logger->flush_on(spdlog::level::info);
    // The only sink that fails in practice is the log file on a full disk: it is switched off instead of
    // spdlog's "[*** LOG ERROR ***]" on stderr at every line, and the error that stops the run says, in one
    // line, what could not be written.
    s.logger->set_error_handler([](const std::string&) {
      if (State().file) State().file->set_level(spdlog::level::off);
    });
    return s;
  }();
  return state;
}

}  // namespace

spdlog::logger& Logger() { return *State().logger; }

void SetLogLevel(const std::string& level) {
  const auto parsed = spdlog::level::from_str(level);
  // from_str maps unknown names to "off"; only accept "off" when asked for.
  if (parsed == spdlog::level::off && level != "off")
    throw InputError("--log-level: unknown level '" + level + "' (expected trace, debug, info, warn, error or off)");
  State().console->set_level(parsed);
}

void SetLogFile(const std::filesystem::path& path) {
  auto& s = State();
  CloseLogFile();
  s.file = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path.string(), true);
  s.file->set_level(spdlog::level::debug);
  s.file->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %v");
  s.logger->sinks().push_back(s.file);
}

void CloseLogFile() {
  auto& s = State();
  if (!s.file) return;
  auto& sinks = s.logger->sinks();
  for (auto it = sinks.begin(); it != sinks.end(); ++it) {
    if (*it == s.file) {
      sinks.erase(it);
      break;
    }
  }
  s.file->flush();
  s.file.reset();
}

}  // namespace scenescape
