// Counters for GET /metrics (Prometheus text format).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "state_gauges.h"

namespace glue {

// One Janus instance of the pool, as its worker last saw it.
struct JanusInstanceGauges {
  std::string name;
  int weight = 1;
  std::atomic<int> up{0};                // answered its last health check
  std::atomic<int64_t> participants{0};  // calls with a session on it
  std::atomic<int64_t> conferences{0};   // rooms the glue has on it
  // The plugin's `load` at the last health check: everyone in its rooms, and its tick load.
  std::atomic<int64_t> reported_participants{0};
  std::atomic<double> tick_load{0};
  std::atomic<uint64_t> rooms_reconciled{0};  // leftover rooms of ours destroyed there
};

class Metrics {
 public:
  std::atomic<uint64_t> transactions{0};
  std::atomic<uint64_t> events_received{0};
  std::atomic<uint64_t> events_processed{0};
  std::atomic<uint64_t> calls_invited{0};
  std::atomic<uint64_t> calls_answered{0};
  std::atomic<uint64_t> calls_refused{0};
  std::atomic<uint64_t> calls_hung_up{0};
  std::atomic<uint64_t> janus_failures{0};
  std::atomic<uint64_t> matrix_send_failures{0};
  std::atomic<int64_t> conferences{0};
  std::atomic<int64_t> outbox_pending{0};
  // Filled before the Janus workers start; each worker then updates its own entry.
  std::deque<JanusInstanceGauges> janus_instances;

  // Call setup latency: m.call.invite received -> m.call.answer sent.
  void observe_setup_seconds(double seconds);
  // The state machine's figures after its latest input (engine thread).
  void set_state(const StateGauges& gauges);
  std::string render() const;

 private:
  void render_instances(std::string* out) const;
  void render_state(std::string* out) const;
  mutable std::mutex mutex_;
  StateGauges state_;
  std::vector<uint64_t> buckets_ = std::vector<uint64_t>(kBounds.size(), 0);
  uint64_t setup_count_ = 0;
  double setup_sum_seconds_ = 0;
  static inline const std::vector<double> kBounds = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
};

}  // namespace glue
