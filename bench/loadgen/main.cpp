// conference_loadgen: load and quality benchmark of audio conference rooms (one large, or
// many small) in janus.plugin.conference or janus.plugin.audiobridge, over plain RTP on
// 127.0.0.1. See bench/README.md.
#include <curl/curl.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <memory>
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

// Adds one room's change over the window to `sum`.
void add_difference(const MixerCounters& a, const MixerCounters& b, MixerCounters* sum) {
  sum->present = a.present && b.present;
  sum->ticks += b.ticks - a.ticks;
  sum->late_ticks += b.late_ticks - a.late_ticks;
  sum->missed_ticks += b.missed_ticks - a.missed_ticks;
  sum->encodes += b.encodes - a.encodes;
  // The plugin keeps only a running maximum.
  sum->max_tick_us = std::max(sum->max_tick_us, b.max_tick_us);
}

using Rooms = std::vector<std::unique_ptr<Room>>;

int fail(const std::string& what, Rooms& rooms, std::vector<Participant>& ps) {
  std::fprintf(stderr, "conference_loadgen: %s\n", what.c_str());
  std::string ignored;
  for (auto& room : rooms) room->destroy(&ignored);
  for (auto& p : ps) close_participant_socket(&p);
  return 1;
}

// The rooms whose mix is decoded for the burst check: the first, and with more rooms the last
// whose talker shares the first's send slot (participant index a multiple of the 20 slots),
// so the first talker's burst send times hold for both.
std::vector<int> monitored_rooms(int rooms, int n) {
  std::vector<int> out{0};
  for (int k = rooms - 1; k > 0; --k) {
    if ((k * n) % 20 == 0) {
      out.push_back(k);
      break;
    }
  }
  return out;
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

  const size_t n = static_cast<size_t>(opt.participants);
  std::vector<Participant> ps(n * static_cast<size_t>(opt.rooms));
  Rooms rooms;
  Signals signals;
  BurstReference ref;
  std::string error;
  if (!make_signals(opt.talkers, kLoopCycles, opt.bitrate, opt.short_pauses, &signals, &error) ||
      (opt.talkers > 0 && !analyse_reference(signals.talkers[0], &ref, &error)))
    return fail(error, rooms, ps);

  const std::vector<size_t> monitors = pick_monitors(opt.participants, opt.talkers, opt.monitors);
  const std::vector<int> watched = monitored_rooms(opt.rooms, opt.participants);
  for (size_t i = 0; i < ps.size(); ++i) {
    const size_t local = i % n;
    const int room = static_cast<int>(i / n);
    ps[i].talker = static_cast<int>(local) < opt.talkers ? static_cast<int>(local) : -1;
    ps[i].burst_clock = i == 0 && opt.talkers > 0;
    const bool monitored = std::find(watched.begin(), watched.end(), room) != watched.end() &&
                           std::find(monitors.begin(), monitors.end(), local) != monitors.end();
    if (!open_participant_socket(&ps[i], monitored, &error)) return fail(error, rooms, ps);
  }

  JanusHttp janus(opt.janus, opt.timeout);
  if (!janus.create_session(&error)) return fail(error, rooms, ps);
  const int64_t join_start = monotonic_ns();
  for (int k = 0; k < opt.rooms; ++k) {
    rooms.push_back(std::make_unique<Room>(janus, opt.plugin));
    if (!rooms.back()->create(&error)) return fail(error, rooms, ps);
    const std::span<Participant> members(ps.data() + static_cast<size_t>(k) * n, n);
    if (!rooms.back()->join_all(members, opt.timeout, &error)) return fail(error, rooms, ps);
  }

  RunReport r;
  r.plugin = opt.plugin;
  r.room = rooms.front()->id();
  r.rooms = opt.rooms;
  r.participants = static_cast<int>(ps.size());
  r.talkers = opt.talkers;
  r.seconds = opt.seconds;
  r.warmup = opt.warmup;
  r.join_seconds = static_cast<double>(monotonic_ns() - join_start) / 1e9;
  r.silent_frame = signals.silent_description;
  r.expected_per_participant = static_cast<uint64_t>(opt.seconds * 50 + 0.5);
  std::fprintf(stderr, "conference_loadgen: %s, %d room(s) from room %llu, %d joined in %.2f s\n",
               opt.plugin.c_str(), opt.rooms, static_cast<unsigned long long>(r.room),
               r.participants, r.join_seconds);

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
  std::vector<MixerCounters> before(rooms.size()), after(rooms.size());
  std::string counters_error;
  sleep_until_monotonic_ns(window_start);
  for (size_t k = 0; ours && counters_error.empty() && k < rooms.size(); ++k)
    rooms[k]->counters(&before[k], &counters_error);
  const double cpu_before = opt.janus_pid > 0 ? process_cpu_seconds(opt.janus_pid) : -1;
  sleep_until_monotonic_ns(window_end);
  const double cpu_after = opt.janus_pid > 0 ? process_cpu_seconds(opt.janus_pid) : -1;
  if (opt.janus_pid > 0) {
    const ProcessStatus status = process_status(opt.janus_pid);
    r.janus_rss_kb = status.rss_kb;
    r.janus_threads = status.threads;
  }
  for (size_t k = 0; ours && counters_error.empty() && k < rooms.size(); ++k)
    rooms[k]->counters(&after[k], &counters_error);

  sender.join();
  sleep_until_monotonic_ns(stop_sending + kReceiverGraceNs);
  stop_receiving = true;
  receiver.join();

  if (cpu_before >= 0 && cpu_after >= 0) r.cpu_seconds = cpu_after - cpu_before;
  for (size_t k = 0; ours && k < rooms.size(); ++k) add_difference(before[k], after[k], &r.mixer);
  r.mixer.error = counters_error;
  for (const auto& p : ps) {
    // A lone talker's mix is silence, which a mixer need not send (ours stops after its
    // silence tail): only what carries somebody counts towards delivery.
    if (opt.talkers != 1 || p.talker < 0) r.received.push_back(p.received_in_window);
    r.malformed += p.malformed;
  }
  r.reference = ref;
  r.bursts = detect_bursts(ps, r.sender.bursts, ref, window_start + realtime_offset,
                           window_end + realtime_offset);
  r.janus_events = janus.events_seen();

  bool destroyed = true;
  for (auto& room : rooms) destroyed = room->destroy(&error) && destroyed;
  janus.destroy_session();
  for (auto& p : ps) close_participant_socket(&p);
  curl_global_cleanup();

  if (opt.json) {
    print_json(r);
  } else {
    print_text(r);
  }
  if (!destroyed) {
    std::fprintf(stderr, "conference_loadgen: a room was not destroyed: %s\n", error.c_str());
    return 1;
  }
  return 0;
}
