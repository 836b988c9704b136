// The plugin's health in one object: rooms, participants, mixer tick times and counters,
// video frame times, tick threads. Answers the Admin API's `stats` and goes to Janus' event
// handlers every general.stats_interval seconds.
#pragma once

#include <jansson.h>

#include <cstdint>

#include "room_audio.h"
#include "room_video.h"

namespace conf {

// Every room's figures added up; counters since each room began.
struct PluginTotals {
  uint64_t rooms = 0, muted_rooms = 0, video_rooms = 0;
  uint64_t participants = 0, webrtc = 0, plain = 0, links = 0;  // links not among participants
  mcu::MixerStats audio;
  mcu::RoomVideoStats video;
  uint64_t drained = 0, overdue = 0, waited_us = 0;  // webrtc_relay's
};

PluginTotals gather_totals();

json_t* plugin_stats_json();

// `load`: what placing more rooms here may use, for a pool's placement (the admin_key's when
// one is configured). tick_load is the tick threads' busy share over the last second.
json_t* handle_load(const json_t* message);

// Starts or stops sending plugin_stats_json() to the event handlers (interval 0: never).
void start_stats_events(int interval_s);
void stop_stats_events();

}  // namespace conf
