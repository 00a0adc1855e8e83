#pragma once
// One named spdlog logger ("scenescape"), set up once by the executable.
// Library code logs with SCN_LOG_INFO("frame {} done", i) and friends.

#include <spdlog/spdlog.h>

#include <filesystem>
#include <string>

namespace scenescape {

// The project's logger; created on first use with a console sink on stderr.
spdlog::logger& Logger();

// Sets the console level ("trace", "debug", "info", "warn", "error", "off").
// Throws InputError for an unknown level name.
void SetLogLevel(const std::string& level);

// Adds (or replaces) a file sink that receives every message at debug level and up.
// Used for <out>/log.txt.
void SetLogFile(const std::filesystem::path& path);
void CloseLogFile();

}  // namespace scenescape

#define SCN_LOG_TRACE(...) ::scenescape::Logger().trace(__VA_ARGS__)
#define SCN_LOG_DEBUG(...) ::scenescape::Logger().debug(__VA_ARGS__)
#define SCN_LOG_INFO(...) ::scenescape::Logger().info(__VA_ARGS__)
#define SCN_LOG_WARN(...) ::scenescape::Logger().warn(__VA_ARGS__)
#define SCN_LOG_ERROR(...) ::scenescape::Logger().error(__VA_ARGS__)
