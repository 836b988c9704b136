#include "plugin_stats.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "admin_request.h"
#include "errors.h"
#include "events.h"
#include "state.h"
#include "tick_histogram.h"
#include "tick_pool.h"

namespace conf {

namespace {

json_t* percentiles_json(const mcu::TickHistogram& h, int64_t max_us) {
  json_t* j = json_object();
  json_object_set_new(j, "count", json_integer(static_cast<json_int_t>(h.count())));
  json_object_set_new(j, "p50", json_integer(h.percentile_us(0.50)));
  json_object_set_new(j, "p95", json_integer(h.percentile_us(0.95)));
  json_object_set_new(j, "p99", json_integer(h.percentile_us(0.99)));
  json_object_set_new(j, "max", json_integer(max_us));
  return j;
}

json_t* counter(uint64_t v) {
  return json_integer(static_cast<json_int_t>(v));
}

mcu::TickTask& stats_clock() {
  static mcu::TickTask clock;
  return clock;
}

}  // namespace

PluginTotals gather_totals() {
  Plugin& pl = plugin();
  std::vector<std::shared_ptr<Room>> rooms;
  {
    std::lock_guard lock(pl.rooms_mutex);
    for (const auto& [id, room] : pl.rooms) rooms.push_back(room);
  }
  PluginTotals t;
  t.rooms = rooms.size();
  t.drained = pl.mix_drained;
  t.overdue = pl.mix_overdue;
  t.waited_us = pl.mix_waited_us;
  for (const auto& room : rooms) {
    {
      std::lock_guard lock(room->mutex);
      for (const auto& [id, member] : room->members) {
        if (member.first->link) {
          ++t.links;
          continue;
        }
        ++t.participants;
        if (const auto& out = member.first->webrtc) {
          ++t.webrtc;
          t.drained += out->drained();
          t.overdue += out->overdue();
          t.waited_us += out->waited_us();
        }
        if (member.first->plain) ++t.plain;
      }
    }
    if (room->muted) ++t.muted_rooms;
    const mcu::MixerStats a = room->audio->stats();
    t.audio.ticks += a.ticks;
    t.audio.late_ticks += a.late_ticks;
    t.audio.missed_ticks += a.missed_ticks;
    t.audio.encodes += a.encodes;
    t.audio.passed_through += a.passed_through;
    t.audio.max_tick_us = std::max(t.audio.max_tick_us, a.max_tick_us);
    t.audio.tick_us.merge(a.tick_us);
    if (!room->video) continue;
    ++t.video_rooms;
    const mcu::RoomVideoStats v = room->video->stats();
    t.video.frames += v.frames;
    t.video.key_frames += v.key_frames;
    t.video.bytes += v.bytes;
    t.video.late_ticks += v.late_ticks;
    t.video.missed_ticks += v.missed_ticks;
    t.video.encode_errors += v.encode_errors;
    t.video.max_tick_us = std::max(t.video.max_tick_us, v.max_tick_us);
    t.video.frame_us.merge(v.frame_us);
  }
  return t;
}

json_t* plugin_stats_json() {
  Plugin& pl = plugin();
  const PluginTotals t = gather_totals();
  const mcu::MixerStats& audio = t.audio;
  const mcu::RoomVideoStats& video = t.video;
  const uint64_t drained = t.drained, overdue = t.overdue, waited_us = t.waited_us;
  json_t* a = json_object();
  json_object_set_new(a, "ticks", counter(audio.ticks));
  json_object_set_new(a, "late_ticks", counter(audio.late_ticks));
  json_object_set_new(a, "missed_ticks", counter(audio.missed_ticks));
  json_object_set_new(a, "encodes", counter(audio.encodes));
  json_object_set_new(a, "passed_through", counter(audio.passed_through));
  json_object_set_new(a, "tick_us", percentiles_json(audio.tick_us, audio.max_tick_us));
  json_t* v = json_object();
  json_object_set_new(v, "rooms", counter(t.video_rooms));
  json_object_set_new(v, "frames", counter(video.frames));
  json_object_set_new(v, "key_frames", counter(video.key_frames));
  json_object_set_new(v, "bytes", counter(video.bytes));
  json_object_set_new(v, "late_ticks", counter(video.late_ticks));
  json_object_set_new(v, "missed_ticks", counter(video.missed_ticks));
  json_object_set_new(v, "encode_errors", counter(video.encode_errors));
  json_object_set_new(v, "frame_us", percentiles_json(video.frame_us, video.max_tick_us));
  // Which thread sent WebRTC listeners their mix (webrtc_audio_relay): their own
  // loop thread (drained) or the mixer's, a tick late (overdue), and how long
  // they waited for it on average; since start.
  json_t* relay = json_object();
  json_object_set_new(relay, "mode", json_string(pl.settings.audio_outbox ? "outbox" : "tick"));
  json_object_set_new(relay, "drained", counter(drained));
  json_object_set_new(relay, "overdue", counter(overdue));
  json_object_set_new(relay, "mean_wait_us",
                      counter(drained + overdue > 0 ? waited_us / (drained + overdue) : 0));
  json_t* threads = json_array();
  for (size_t n : mcu::TickPool::shared().load()) json_array_append_new(threads, counter(n));

  json_t* s = make_event("stats");
  json_object_set_new(s, "rooms", counter(t.rooms));
  json_object_set_new(s, "muted_rooms", counter(t.muted_rooms));
  json_object_set_new(s, "participants", counter(t.participants));
  json_object_set_new(s, "webrtc_participants", counter(t.webrtc));
  json_object_set_new(s, "rtp_participants", counter(t.plain));
  json_object_set_new(s, "links", counter(t.links));
  json_object_set_new(s, "audio", a);
  json_object_set_new(s, "video", v);
  json_object_set_new(s, "webrtc_relay", relay);
  json_object_set_new(s, "tick_threads", threads);
  return s;
}

json_t* handle_load(const json_t* message) {
  AdminRequest request;
  if (auto e = parse_admin_request(message, &request)) return make_error(e->code, e->message);
  const std::string& key = plugin().settings.admin_key;
  if (!key.empty() && admin_access(request, key) != AdminAccess::kAdmin)
    return make_error(kErrUnauthorized, "Unauthorized (wrong or missing admin_key)");
  const PluginTotals t = gather_totals();
  mcu::TickPool& pool = mcu::TickPool::shared();
  json_t* s = make_event("load");
  json_object_set_new(s, "rooms", counter(t.rooms));
  json_object_set_new(s, "participants", counter(t.participants));
  json_object_set_new(s, "webrtc_participants", counter(t.webrtc));
  json_object_set_new(s, "rtp_participants", counter(t.plain));
  json_object_set_new(s, "tick_threads", counter(pool.size()));
  json_object_set_new(s, "tick_load", json_real(pool.busy_fraction()));
  json_object_set_new(s, "late_ticks", counter(t.audio.late_ticks + t.video.late_ticks));
  json_object_set_new(s, "missed_ticks", counter(t.audio.missed_ticks + t.video.missed_ticks));
  return s;
}

void start_stats_events(int interval_s) {
  if (interval_s <= 0) return;
  const auto period = std::chrono::seconds(interval_s);
  // The clock only posts: the stats are gathered on the plugin's worker, off the tick threads.
  stats_clock().start(period, period, [](uint64_t, bool) {
    plugin().post([] {
      json_t* stats = plugin_stats_json();
      json_object_set_new(stats, "event", json_string("stats"));
      notify_handlers(nullptr, stats);
    });
  });
}

void stop_stats_events() {
  stats_clock().stop();
}

}  // namespace conf
