#include "logger.h"

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace glue {

namespace {

std::atomic<int> threshold{static_cast<int>(Severity::kInfo)};
std::mutex mutex;

const char* name(Severity s) {
  switch (s) {
    case Severity::kError:
      return "ERROR";
    case Severity::kWarn:
      return "WARN";
    case Severity::kInfo:
      return "INFO";
    case Severity::kDebug:
      return "DEBUG";
  }
  return "?";
}

}  // namespace

void set_log_level(const std::string& level) {
  Severity s = Severity::kInfo;
  if (level == "error") s = Severity::kError;
  if (level == "warn") s = Severity::kWarn;
  if (level == "debug") s = Severity::kDebug;
  threshold = static_cast<int>(s);
}

void log_line(Severity severity, const char* format, ...) {
  if (static_cast<int>(severity) > threshold) return;
  char message[4096];
  va_list args;
  va_start(args, format);
  vsnprintf(message, sizeof(message), format, args);
  va_end(args);
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  tm local{};
  gmtime_r(&ts.tv_sec, &local);
  char stamp[32];
  strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &local);
  std::lock_guard lock(mutex);
  fprintf(stderr, "%s.%03ldZ %-5s %s\n", stamp, ts.tv_nsec / 1000000, name(severity), message);
}

}  // namespace glue
