// Periodic work for every room on a fixed set of threads: the mixer's 20 ms clock and the
// compositor's frame clock. A thread per room would make 1,000 small conferences 1,000-2,000
// threads; here each pool thread keeps its tasks in deadline order and runs whichever is due.
// A tick that falls behind by whole periods skips them (and says how many) rather than running
// a burst to catch up: late media is worthless, and a burst would only delay the next tick too.
// Deadlines sit on a common grid (kTickGrid), so tasks whose ticks fall in the same slot share
// one wake-up of their thread: with hundreds of rooms, a wake-up per room and tick was a large
// part of the cost.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

#include "monotonic.h"

namespace mcu {

constexpr std::chrono::microseconds kTickGrid{2000};

// The first deadline of a task started at `now`: the next point of the grid, unless `period`
// is no multiple of the grid (then `now`, since the task would drift off it anyway).
std::chrono::steady_clock::time_point first_deadline(std::chrono::steady_clock::time_point now,
                                                     std::chrono::microseconds period);

class TickPool {
 public:
  // skipped: whole periods dropped before this tick; late: this tick started
  // more than late_after after its deadline.
  using Tick = std::function<void(uint64_t skipped, bool late)>;

  explicit TickPool(unsigned threads);
  ~TickPool();
  TickPool(const TickPool&) = delete;
  TickPool& operator=(const TickPool&) = delete;

  // The pool every room uses; its size is the first configure_shared() value, else one
  // thread per CPU the process may use (usable_cpus()).
  static TickPool& shared();
  // Takes effect only before the first shared(): returns false after.
  static bool configure_shared(unsigned threads);

  unsigned size() const { return static_cast<unsigned>(workers_.size()); }
  // Tasks per thread, for the stats and the tests.
  std::vector<size_t> load() const;
  // The share of the threads' time spent ticking (0..1, the mean over the threads) in the last
  // full window of kBusyWindow: what is left for more rooms.
  double busy_fraction() const;

  static constexpr std::chrono::milliseconds kBusyWindow{1000};

  class Worker;
  struct Task;

 private:
  std::vector<std::unique_ptr<Worker>> workers_;

  friend class TickTask;
};

// One room's clock on a pool: first tick at the next grid point, then every period. Not copyable;
// the destructor stops it. start() and stop() may be called from any thread, stop() also from the
// task's own tick.
class TickTask {
 public:
  TickTask() = default;
  ~TickTask() { stop(); }
  TickTask(const TickTask&) = delete;
  TickTask& operator=(const TickTask&) = delete;

  // Does nothing when already running. Goes to the pool thread with the fewest tasks.
  void start(std::chrono::microseconds period, std::chrono::microseconds late_after,
             TickPool::Tick tick, TickPool& pool = TickPool::shared());
  // Returns once the current tick, if any, has finished; none follows. From within the
  // task's own tick it returns at once and no further tick runs.
  void stop();

 private:
  std::mutex mutex_;  // not held while waiting for a tick, which may call stop() itself
  TickPool::Worker* worker_ = nullptr;
  std::shared_ptr<TickPool::Task> task_;
};

}  // namespace mcu
