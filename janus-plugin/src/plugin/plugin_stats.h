// The plugin's health in one object: rooms, participants, mixer tick times and counters,
// video frame times, tick threads. Answers the Admin API's `stats` and goes to Janus' event
// handlers every general.stats_interval seconds.
#pragma once

#include <jansson.h>

namespace conf {

json_t* plugin_stats_json();

// Starts or stops sending plugin_stats_json() to the event handlers (interval 0: never).
void start_stats_events(int interval_s);
void stop_stats_events();

}  // namespace conf
