// Timestamped log lines on stderr (journald or a file collects them).
#pragma once

#include <string>

namespace glue {

enum class Severity { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

void set_log_level(const std::string& level);
[[gnu::format(printf, 2, 3)]] void log_line(Severity severity, const char* format, ...);

}  // namespace glue
