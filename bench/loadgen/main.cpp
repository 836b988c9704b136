// conference_loadgen: load and quality benchmark of one audio conference room
// in janus.plugin.conference or janus.plugin.audiobridge, over plain RTP on
// 127.0.0.1. See bench/README.md.
#include <curl/curl.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <thread>

#include "burst_detect.h"
#include "clock.h"
#include "janus_http.h"
#include "options.h"
#include "proc_cpu.h"
#include "report.h"
#include "room.h"
#include "rtp_io.h"
#include "signal_gen.h"

using namespace loadgen;

namespace {

constexpr int kLoopCycles = 5;                // 10 s of distinct talk before it repeats
constexpr int64_t kStartDelayNs = 100000000;  // threads are up before the first send
constexpr int64_t kTailNs = 1500000000;       // keep sending so late bursts are heard
constexpr int64_t kReceiverGraceNs = 300000000;

// One socket per participant, plus Janus' HTTP connections: the default
// limit of 1024 descriptors is too low for large rooms.
void raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

// Silent listeners first (they hear the common mix), then talker 1 (a
// personal mix), so both kinds of mix are checked.
std::vector<size_t> pick_monitors(int n, int k, int count) {
  std::vector<size_t> candidates;
  if (k < n) {
    candidates.push_back(static_cast<size_t>(k));
    candidates.push_back(static_cast<size_t>(n - 1));
  }
  if (k > 1) candidates.push_back(1);
  candidates.push_back(static_cast<size_t>((k + n - 1) / 2));
  std::vector<size_t> out;
  for (size_t c : candidates) {
    if (static_cast<int>(out.size()) >= count) break;
    // Talker 0 sends the bursts; its own mix never carries them.
    if (c == 0 && k > 0) continue;
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  }
  return out;
}

MixerCounters difference(const MixerCounters& a, const MixerCounters& b) {
  MixerCounters d;
  d.present = a.present && b.present;
  d.ticks = b.ticks - a.ticks;
  d.late_ticks = b.late_ticks - a.late_ticks;
  d.missed_ticks = b.missed_ticks - a.missed_ticks;
  d.encodes = b.encodes - a.encodes;
  d.max_tick_us = b.max_tick_us;  // the plugin keeps only a running maximum
  return d;
}

int fail(const std::string& what, Room* room, std::vector<Participant>& ps) {
  std::fprintf(stderr, "conference_loadgen: %s\n", what.c_str());
  std::string ignored;
  if (room != nullptr) room->destroy(&ignored);
  for (auto& p : ps) close_participant_socket(&p);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  std::string message;
  if (!parse_options(argc, argv, &opt, &message)) {
    std::fputs(message.c_str(), stderr);
    return 2;
  }
  raise_fd_limit();
  curl_global_init(CURL_GLOBAL_DEFAULT);

  std::vector<Participant> ps(static_cast<size_t>(opt.participants));
  Signals signals;
  BurstReference ref;
  std::string error;
  if (!make_signals(opt.talkers, kLoopCycles, opt.bitrate, &signals, &error) ||
      (opt.talkers > 0 && !analyse_reference(signals.talkers[0], &ref, &error)))
    return fail(error, nullptr, ps);

  const std::vector<size_t> monitors = pick_monitors(opt.participants, opt.talkers, opt.monitors);
  for (size_t i = 0; i < ps.size(); ++i) {
    ps[i].talker = static_cast<int>(i) < opt.talkers ? static_cast<int>(i) : -1;
    const bool monitored = std::find(monitors.begin(), monitors.end(), i) != monitors.end();
    if (!open_participant_socket(&ps[i], monitored, &error)) return fail(error, nullptr, ps);
  }

  JanusHttp janus(opt.janus, opt.timeout);
  if (!janus.create_session(&error)) return fail(error, nullptr, ps);
  Room room(janus, opt.plugin);
  if (!room.create(&error)) return fail(error, nullptr, ps);
  const int64_t join_start = monotonic_ns();
  if (!room.join_all(ps, opt.timeout, &error)) return fail(error, &room, ps);

  RunReport r;
  r.plugin = opt.plugin;
  r.room = room.id();
  r.participants = opt.participants;
  r.talkers = opt.talkers;
  r.seconds = opt.seconds;
  r.warmup = opt.warmup;
  r.join_seconds = static_cast<double>(monotonic_ns() - join_start) / 1e9;
  r.silent_frame = signals.silent_description;
  r.expected_per_participant = static_cast<uint64_t>(opt.seconds * 50 + 0.5);
  std::fprintf(stderr, "conference_loadgen: %s room %llu, %d joined in %.2f s\n",
               opt.plugin.c_str(), static_cast<unsigned long long>(room.id()), opt.participants,
               r.join_seconds);

  const int64_t start = monotonic_ns() + kStartDelayNs;
  const int64_t window_start = start + static_cast<int64_t>(opt.warmup * 1e9);
  const int64_t window_end = window_start + static_cast<int64_t>(opt.seconds * 1e9);
  const int64_t stop_sending = window_end + kTailNs;
  const int64_t realtime_offset = realtime_ns() - monotonic_ns();

  std::atomic<bool> stop_receiving{false};
  const size_t max_mix_packets =
      static_cast<size_t>((stop_sending - start + kReceiverGraceNs) / 20000000) + 100;
  std::thread receiver(
      [&] { run_receiver(ps, window_start, window_end, max_mix_packets, stop_receiving); });
  std::thread sender([&] { r.sender = run_sender(ps, signals, start, stop_sending); });

  // Only our plugin has mixer counters. They are read outside the CPU window,
  // so listparticipants' own cost (large for big rooms) is not charged to the
  // mixer. An overloaded Janus may not answer in time: that is a result
  // (counters unknown), not a failure of the run.
  const bool ours = opt.plugin == "janus.plugin.conference";
  MixerCounters before, after;
  std::string counters_error;
  sleep_until_monotonic_ns(window_start);
  if (ours) room.counters(&before, &counters_error);
  const double cpu_before = opt.janus_pid > 0 ? process_cpu_seconds(opt.janus_pid) : -1;
  sleep_until_monotonic_ns(window_end);
  const double cpu_after = opt.janus_pid > 0 ? process_cpu_seconds(opt.janus_pid) : -1;
  if (ours && counters_error.empty()) room.counters(&after, &counters_error);

  sender.join();
  sleep_until_monotonic_ns(stop_sending + kReceiverGraceNs);
  stop_receiving = true;
  receiver.join();

  if (cpu_before >= 0 && cpu_after >= 0) r.cpu_seconds = cpu_after - cpu_before;
  r.mixer = difference(before, after);
  r.mixer.error = counters_error;
  for (const auto& p : ps) {
    r.received.push_back(p.received_in_window);
    r.malformed += p.malformed;
  }
  r.reference = ref;
  r.bursts = detect_bursts(ps, r.sender.bursts, ref, window_start + realtime_offset,
                           window_end + realtime_offset);
  r.janus_events = janus.events_seen();

  const bool destroyed = room.destroy(&error);
  janus.destroy_session();
  for (auto& p : ps) close_participant_socket(&p);
  curl_global_cleanup();

  if (opt.json) {
    print_json(r);
  } else {
    print_text(r);
  }
  if (!destroyed) {
    std::fprintf(stderr, "conference_loadgen: room %llu not destroyed: %s\n",
                 static_cast<unsigned long long>(r.room), error.c_str());
    return 1;
  }
  return 0;
}
