// Timestamped log lines on stderr (journald or a file collects them): text, or JSON lines
// (general.log_format) for log collectors.
#pragma once

#include <string>

namespace glue {

enum class Severity { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };
enum class LogFormat { kText, kJson };

// What a line is about, where known (empty: not known). JSON lines carry each as a field.
struct LogContext {
  std::string room;
  std::string user;
  std::string call_id;
};

struct LogRecord {
  std::string timestamp;  // RFC 3339, UTC, milliseconds
  Severity severity = Severity::kInfo;
  std::string message;
  LogContext context;
};

void set_log_level(const std::string& level);
void set_log_format(LogFormat format);
// One line, without its newline; JSON lines are valid JSON whatever bytes the message holds.
std::string format_log_line(LogFormat format, const LogRecord& record);
[[gnu::format(printf, 2, 3)]] void log_line(Severity severity, const char* format, ...);
[[gnu::format(printf, 3, 4)]] void log_line(Severity severity, const LogContext& context,
                                            const char* format, ...);

}  // namespace glue
