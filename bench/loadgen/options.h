// Command line of conference_loadgen.
#pragma once

#include <string>

namespace loadgen {

struct Options {
  std::string janus = "http://127.0.0.1:8088/janus";
  std::string plugin = "janus.plugin.conference";
  int rooms = 1;  // each with `participants`, `talkers` of them talking
  int participants = 10;
  int talkers = 3;
  double seconds = 10;        // measurement window
  double warmup = 3;          // sending before the window opens
  int janus_pid = 0;          // when set, the Janus process's CPU is measured over the window
  int monitors = 3;           // participants whose mix is decoded for the burst check
  int bitrate = 32000;        // of the talkers' Opus streams
  double timeout = 10;        // per HTTP request, and for each join's event
  bool short_pauses = false;  // talker 0 pauses at most 200 ms (make_signals)
  bool json = false;
};

// Returns false with a message (usage or error) in *message.
bool parse_options(int argc, char** argv, Options* out, std::string* message);

}  // namespace loadgen
