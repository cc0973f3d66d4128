// Leveled diagnostics on stderr: "inferbench: warning: ..." lines for people, never data.
// Data goes to stdout or files; logs never carry secrets (API keys, header values).
//
// Thread-safe: each message is written as one whole line, so lines from different threads never
// interleave. Formatting happens only when the level is enabled.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "core/status.h"

namespace inferbench {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

// Messages below level are dropped. The default is kInfo.
void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
bool LogEnabled(LogLevel level);

// "debug", "info", "warning" (or "warn"), "error", "off".
Result<LogLevel> ParseLogLevel(std::string_view text);
std::string_view LogLevelName(LogLevel level);

// Where whole lines go (each without its trailing newline). Null restores stderr. Tests install
// a sink to check messages. Thread-safe, but a sink must not log itself.
using LogSink = std::function<void(LogLevel level, std::string_view line)>;
void SetLogSink(LogSink sink);

// Writes "inferbench: <level>: message" ("inferbench: message" for kInfo) if level is enabled.
void LogMessage(LogLevel level, std::string_view message);

template <typename... Args>
void LogDebug(fmt::format_string<Args...> format, Args&&... args) {
  if (LogEnabled(LogLevel::kDebug)) {
    LogMessage(LogLevel::kDebug, fmt::format(format, std::forward<Args>(args)...));
  }
}
template <typename... Args>
void LogInfo(fmt::format_string<Args...> format, Args&&... args) {
  if (LogEnabled(LogLevel::kInfo)) {
    LogMessage(LogLevel::kInfo, fmt::format(format, std::forward<Args>(args)...));
  }
}
template <typename... Args>
void LogWarn(fmt::format_string<Args...> format, Args&&... args) {
  if (LogEnabled(LogLevel::kWarn)) {
    LogMessage(LogLevel::kWarn, fmt::format(format, std::forward<Args>(args)...));
  }
}
template <typename... Args>
void LogError(fmt::format_string<Args...> format, Args&&... args) {
  if (LogEnabled(LogLevel::kError)) {
    LogMessage(LogLevel::kError, fmt::format(format, std::forward<Args>(args)...));
  }
}

}  // namespace inferbench
