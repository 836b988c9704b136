#include "log.h"

#include <cstdarg>
#include <cstdio>

#include "janus_api.h"

namespace conf {

void log(Level level, const char* format, ...) {
  const int lvl = static_cast<int>(level);
  if (lvl > janus_log_level) return;
  char line[1024];
  va_list args;
  va_start(args, format);
  vsnprintf(line, sizeof(line), format, args);
  va_end(args);
  JANUS_LOG(lvl, "[conference] %s\n", line);
}

}  // namespace conf
