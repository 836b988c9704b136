#include "tick_thread.h"

namespace mcu {

int64_t monotonic_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void TickThread::start(std::chrono::microseconds period, std::chrono::microseconds late_after,
                       Tick tick) {
  std::lock_guard lock(mutex_);
  if (running_) return;
  running_ = true;
  thread_ = std::thread(
      [this, period, late_after, tick = std::move(tick)] { run(period, late_after, tick); });
}

void TickThread::stop() {
  {
    std::lock_guard lock(mutex_);
    if (!running_) return;
    running_ = false;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void TickThread::run(std::chrono::microseconds period, std::chrono::microseconds late_after,
                     const Tick& tick) {
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now();
  std::unique_lock lock(mutex_);
  while (running_) {
    if (cv_.wait_until(lock, deadline, [this] { return !running_; })) break;
    lock.unlock();
    const auto lateness = clock::now() - deadline;
    uint64_t skipped = 0;
    if (lateness >= period) {
      skipped = static_cast<uint64_t>(lateness / period);
      deadline += skipped * period;
    }
    tick(skipped, lateness > late_after);
    deadline += period;
    lock.lock();
  }
}

}  // namespace mcu
