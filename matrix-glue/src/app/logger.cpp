#include "logger.h"

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <utility>

#include "valid_utf8.h"

namespace glue {

namespace {

std::atomic<int> threshold{static_cast<int>(Severity::kInfo)};
std::atomic<LogFormat> output_format{LogFormat::kText};
std::mutex mutex;

// By Severity's value: the text format's name and the JSON lines' `level`.
constexpr std::pair<const char*, const char*> kNames[] = {
    {"ERROR", "error"}, {"WARN", "warn"}, {"INFO", "info"}, {"DEBUG", "debug"}};

// A JSON string: RFC 8259 escapes, and bytes that are not UTF-8 as U+FFFD.
void append_json_string(std::string* out, const std::string& text) {
  *out += '"';
  for (char c : valid_utf8(text)) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      *out += '\\';
      *out += c;
    } else if (c == '\n') {
      *out += "\\n";
    } else if (c == '\r') {
      *out += "\\r";
    } else if (c == '\t') {
      *out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      char escaped[8];
      snprintf(escaped, sizeof(escaped), "\\u%04x", u);
      *out += escaped;
    } else {
      *out += c;
    }
  }
  *out += '"';
}

std::string now_rfc3339() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  tm utc{};
  gmtime_r(&ts.tv_sec, &utc);
  char stamp[32];
  strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &utc);
  char out[48];
  snprintf(out, sizeof(out), "%s.%03ldZ", stamp, ts.tv_nsec / 1000000);
  return out;
}

void emit(Severity severity, const LogContext& context, const char* format, va_list args) {
  if (static_cast<int>(severity) > threshold) return;
  char message[4096];
  vsnprintf(message, sizeof(message), format, args);
  const std::string line =
      format_log_line(output_format, LogRecord{now_rfc3339(), severity, message, context});
  std::lock_guard lock(mutex);
  fprintf(stderr, "%s\n", line.c_str());
}

}  // namespace

void set_log_level(const std::string& level) {
  Severity s = Severity::kInfo;
  if (level == "error") s = Severity::kError;
  if (level == "warn") s = Severity::kWarn;
  if (level == "debug") s = Severity::kDebug;
  threshold = static_cast<int>(s);
}

void set_log_format(LogFormat format) {
  output_format = format;
}

std::string format_log_line(LogFormat format, const LogRecord& record) {
  const LogContext& c = record.context;
  if (format == LogFormat::kText) {
    std::string line = record.timestamp + " ";
    char level[8];
    snprintf(level, sizeof(level), "%-5s", kNames[static_cast<int>(record.severity)].first);
    line += level;
    line += " ";
    if (!c.room.empty() || !c.user.empty() || !c.call_id.empty()) {
      line += "room=" + c.room + " user=" + c.user + " call=" + c.call_id + " ";
    }
    return line + record.message;
  }
  std::string line = "{\"ts\":";
  append_json_string(&line, record.timestamp);
  line += ",\"level\":";
  append_json_string(&line, kNames[static_cast<int>(record.severity)].second);
  line += ",\"msg\":";
  append_json_string(&line, record.message);
  const std::pair<const char*, const std::string*> fields[] = {
      {"room", &c.room}, {"user", &c.user}, {"call_id", &c.call_id}};
  for (const auto& [key, value] : fields) {
    if (value->empty()) continue;
    line += ",\"";
    line += key;
    line += "\":";
    append_json_string(&line, *value);
  }
  return line + "}";
}

void log_line(Severity severity, const char* format, ...) {
  va_list args;
  va_start(args, format);
  emit(severity, LogContext{}, format, args);
  va_end(args);
}

void log_line(Severity severity, const LogContext& context, const char* format, ...) {
  va_list args;
  va_start(args, format);
  emit(severity, context, format, args);
  va_end(args);
}

}  // namespace glue
