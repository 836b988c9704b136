// printf-style logging through Janus' logger, tagged with the plugin name.
#pragma once

namespace conf {

enum class Level { kError = 2, kWarn = 3, kInfo = 4, kVerbose = 5, kDebug = 7 };

[[gnu::format(printf, 2, 3)]] void log(Level level, const char* format, ...);

}  // namespace conf
