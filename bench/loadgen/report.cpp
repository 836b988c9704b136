#include "report.h"

#include <jansson.h>

#include <algorithm>
#include <cstdio>

namespace loadgen {

namespace {

// Nearest-rank percentile; q in [0, 1].
double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t rank = static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(rank, v.size() - 1)];
}

struct Summary {
  double total_ratio = 0, min_ratio = 0;
  int below_99 = 0, silent_participants = 0;
  int bursts_expected = 0, bursts_detected = 0;
  double lat_median = 0, lat_p95 = 0, dur_median = 0, dur_min = 0, dur_max = 0;
  double energy_median = 0, energy_min = 0;
  double cpu_percent = -1, cpu_ms_per_participant_s = -1;
};

Summary summarise(const RunReport& r) {
  Summary s;
  const double expected = static_cast<double>(r.expected_per_participant);
  uint64_t total = 0;
  s.min_ratio = r.received.empty() ? 0 : 1e9;
  for (uint64_t got : r.received) {
    total += got;
    const double ratio = expected > 0 ? static_cast<double>(got) / expected : 0;
    s.min_ratio = std::min(s.min_ratio, ratio);
    if (ratio < 0.99) ++s.below_99;
    if (got == 0) ++s.silent_participants;
  }
  if (!r.received.empty() && expected > 0)
    s.total_ratio =
        static_cast<double>(total) / (expected * static_cast<double>(r.received.size()));
  std::vector<double> lat, dur, en;
  for (const auto& o : r.bursts) {
    ++s.bursts_expected;
    if (!o.detected) continue;
    ++s.bursts_detected;
    lat.push_back(o.latency_ms);
    dur.push_back(o.duration_ms);
    en.push_back(o.energy_db);
  }
  s.lat_median = percentile(lat, 0.5);
  s.lat_p95 = percentile(lat, 0.95);
  s.dur_median = percentile(dur, 0.5);
  s.dur_min = percentile(dur, 0);
  s.dur_max = percentile(dur, 1);
  s.energy_median = percentile(en, 0.5);
  s.energy_min = percentile(en, 0);
  if (r.cpu_seconds >= 0) {
    s.cpu_percent = 100.0 * r.cpu_seconds / r.seconds;
    s.cpu_ms_per_participant_s = 1000.0 * r.cpu_seconds / r.seconds / r.participants;
  }
  return s;
}

}  // namespace

void print_json(const RunReport& r) {
  const Summary s = summarise(r);
  json_t* root = json_object();
  json_object_set_new(root, "plugin", json_string(r.plugin.c_str()));
  json_object_set_new(root, "room", json_integer(static_cast<json_int_t>(r.room)));
  json_object_set_new(root, "rooms", json_integer(r.rooms));
  json_object_set_new(root, "participants", json_integer(r.participants));
  json_object_set_new(root, "talkers", json_integer(r.talkers));
  json_object_set_new(root, "seconds", json_real(r.seconds));
  json_object_set_new(root, "warmup", json_real(r.warmup));
  json_object_set_new(root, "join_seconds", json_real(r.join_seconds));
  json_object_set_new(root, "janus_at_window_end",
                      r.janus_rss_kb < 0 ? json_null()
                                         : json_pack("{sIsI}", "rss_kb", (json_int_t)r.janus_rss_kb,
                                                     "threads", (json_int_t)r.janus_threads));
  json_object_set_new(
      root, "cpu",
      r.cpu_seconds < 0
          ? json_null()
          : json_pack("{sfsfsf}", "seconds", r.cpu_seconds, "percent_of_core", s.cpu_percent,
                      "ms_per_participant_per_s", s.cpu_ms_per_participant_s));
  json_object_set_new(root, "delivery",
                      json_pack("{sIsfsfsisisI}", "expected_per_participant",
                                static_cast<json_int_t>(r.expected_per_participant), "ratio",
                                s.total_ratio, "min_ratio", s.min_ratio, "participants_below_99",
                                s.below_99, "participants_with_nothing", s.silent_participants,
                                "malformed", static_cast<json_int_t>(r.malformed)));
  json_object_set_new(
      root, "mixer",
      r.mixer.present ? json_pack("{sIsIsIsIsI}", "ticks", static_cast<json_int_t>(r.mixer.ticks),
                                  "late_ticks", static_cast<json_int_t>(r.mixer.late_ticks),
                                  "missed_ticks", static_cast<json_int_t>(r.mixer.missed_ticks),
                                  "encodes", static_cast<json_int_t>(r.mixer.encodes),
                                  "max_tick_us", static_cast<json_int_t>(r.mixer.max_tick_us))
                      : json_null());
  if (!r.mixer.error.empty())
    json_object_set_new(root, "mixer_error", json_string(r.mixer.error.c_str()));
  json_object_set_new(
      root, "bursts",
      json_pack("{sisisfsfsfsfsfsfsfsfsf}", "expected", s.bursts_expected, "detected",
                s.bursts_detected, "latency_ms_median", s.lat_median, "latency_ms_p95", s.lat_p95,
                "sent_duration_ms", r.reference.duration_ms, "duration_ms_median", s.dur_median,
                "duration_ms_min", s.dur_min, "duration_ms_max", s.dur_max, "energy_db_median",
                s.energy_median, "energy_db_min", s.energy_min, "sender_codec_onset_ms",
                r.reference.onset_ms));
  json_object_set_new(
      root, "loadgen",
      json_pack("{sIsIsIsIsIsssI}", "packets_sent", static_cast<json_int_t>(r.sender.packets),
                "send_errors", static_cast<json_int_t>(r.sender.errors), "max_send_lag_us",
                static_cast<json_int_t>(r.sender.max_lag_us), "max_send_lag_at_ms",
                static_cast<json_int_t>(r.sender.max_lag_at_ms), "late_send_slots",
                static_cast<json_int_t>(r.sender.late_slots), "silent_frame",
                r.silent_frame.c_str(), "janus_events", static_cast<json_int_t>(r.janus_events)));
  char* text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
  std::printf("%s\n", text);
  free(text);
  json_decref(root);
}

void print_text(const RunReport& r) {
  const Summary s = summarise(r);
  std::printf(
      "%s, %d room(s) from room %llu: %d participants (%d talking per room), %.1f s window after "
      "%.1f s warm-up\n",
      r.plugin.c_str(), r.rooms, static_cast<unsigned long long>(r.room), r.participants, r.talkers,
      r.seconds, r.warmup);
  if (r.cpu_seconds >= 0)
    std::printf("  Janus CPU: %.1f %% of one core, %.3f ms per participant per second\n",
                s.cpu_percent, s.cpu_ms_per_participant_s);
  std::printf("  delivery: %.2f %% of %llu packets each (min %.2f %%, %d below 99 %%)\n",
              100 * s.total_ratio, static_cast<unsigned long long>(r.expected_per_participant),
              100 * s.min_ratio, s.below_99);
  if (r.mixer.present)
    std::printf("  mixer: %lld ticks, %lld late, %lld missed, %lld encodes, max tick %lld us\n",
                static_cast<long long>(r.mixer.ticks), static_cast<long long>(r.mixer.late_ticks),
                static_cast<long long>(r.mixer.missed_ticks),
                static_cast<long long>(r.mixer.encodes),
                static_cast<long long>(r.mixer.max_tick_us));
  if (!r.mixer.error.empty()) std::printf("  mixer counters unknown: %s\n", r.mixer.error.c_str());
  std::printf(
      "  bursts: %d/%d detected, added latency median %.1f ms p95 %.1f ms, duration %.1f ms "
      "(min %.1f, max %.1f; sent %.1f), energy %+.1f dB (min %+.1f)\n",
      s.bursts_detected, s.bursts_expected, s.lat_median, s.lat_p95, s.dur_median, s.dur_min,
      s.dur_max, r.reference.duration_ms, s.energy_median, s.energy_min);
  std::printf("  silent participants send: %s\n", r.silent_frame.c_str());
  std::printf(
      "  load generator: %llu packets sent, %llu errors, max send lag %.1f ms at %.1f s, "
      "%llu slots over %lld ms late\n",
      static_cast<unsigned long long>(r.sender.packets),
      static_cast<unsigned long long>(r.sender.errors), r.sender.max_lag_us / 1000.0,
      r.sender.max_lag_at_ms / 1000.0, static_cast<unsigned long long>(r.sender.late_slots),
      static_cast<long long>(kLateSlotUs / 1000));
}

}  // namespace loadgen
