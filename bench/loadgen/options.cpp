#include "options.h"

#include <cstdlib>

namespace loadgen {

namespace {

constexpr const char* kUsage =
    "usage: conference_loadgen [--janus URL] [--plugin janus.plugin.conference|"
    "janus.plugin.audiobridge]\n"
    "         [--rooms R] [--participants N] [--talkers K] [--seconds S] [--warmup W]\n"
    "         [--janus-pid PID] [--monitors M] [--bitrate BPS] [--timeout S] [--short-pauses]\n"
    "         [--json]\n"
    "Creates R rooms (default 1), joins N plain-RTP participants to each (K talking, the rest\n"
    "sending silence), measures delivery, mixer counters (summed over the rooms), Janus CPU\n"
    "and marker-burst latency (in the first room, and with R > 1 also in a late one) over S\n"
    "seconds.\n";

bool number(const char* text, double lo, double hi, double* out) {
  char* end = nullptr;
  const double v = std::strtod(text, &end);
  if (end == text || *end != '\0' || v < lo || v > hi) return false;
  *out = v;
  return true;
}

}  // namespace

bool parse_options(int argc, char** argv, Options* out, std::string* message) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--short-pauses") {
      out->short_pauses = true;
      continue;
    }
    if (arg == "--json") {
      out->json = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      *message = kUsage;
      return false;
    }
    if (i + 1 >= argc) {
      *message = "missing value for " + arg + "\n" + kUsage;
      return false;
    }
    const char* value = argv[++i];
    double v = 0;
    bool ok = true;
    if (arg == "--janus") {
      out->janus = value;
    } else if (arg == "--plugin") {
      out->plugin = value;
      ok = out->plugin == "janus.plugin.conference" || out->plugin == "janus.plugin.audiobridge";
    } else if (arg == "--rooms") {
      ok = number(value, 1, 5000, &v);
      out->rooms = static_cast<int>(v);
    } else if (arg == "--participants") {
      ok = number(value, 1, 20000, &v);
      out->participants = static_cast<int>(v);
    } else if (arg == "--talkers") {
      ok = number(value, 0, 16, &v);
      out->talkers = static_cast<int>(v);
    } else if (arg == "--seconds") {
      ok = number(value, 1, 3600, &out->seconds);
    } else if (arg == "--warmup") {
      ok = number(value, 0, 600, &out->warmup);
    } else if (arg == "--janus-pid") {
      ok = number(value, 1, 1e9, &v);
      out->janus_pid = static_cast<int>(v);
    } else if (arg == "--monitors") {
      ok = number(value, 0, 32, &v);
      out->monitors = static_cast<int>(v);
    } else if (arg == "--bitrate") {
      ok = number(value, 6000, 510000, &v);
      out->bitrate = static_cast<int>(v);
    } else if (arg == "--timeout") {
      ok = number(value, 0.1, 600, &out->timeout);
    } else {
      *message = "unknown option " + arg + "\n" + kUsage;
      return false;
    }
    if (!ok) {
      *message = "bad value for " + arg + ": " + value + "\n" + kUsage;
      return false;
    }
  }
  if (out->talkers > out->participants) out->talkers = out->participants;
  if (out->rooms * out->participants > 20000) {
    *message = "at most 20000 participants in all\n" + std::string(kUsage);
    return false;
  }
  return true;
}

}  // namespace loadgen
