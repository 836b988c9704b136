#include "tick_pool.h"

#include <pthread.h>

#include <algorithm>
#include <string>
#include <utility>

#include "usable_cpus.h"

namespace mcu {

namespace {

using Clock = std::chrono::steady_clock;

std::mutex g_shared_mutex;
unsigned g_shared_threads = 0;  // 0: one per core
bool g_shared_made = false;

}  // namespace

std::chrono::steady_clock::time_point first_deadline(std::chrono::steady_clock::time_point now,
                                                     std::chrono::microseconds period) {
  if (period.count() <= 0 || period % kTickGrid != std::chrono::microseconds::zero()) return now;
  const auto past = now.time_since_epoch() % kTickGrid;
  return past == Clock::duration::zero() ? now : now + (kTickGrid - past);
}

struct TickPool::Task {
  std::chrono::microseconds period;
  std::chrono::microseconds late_after;
  Tick tick;
  Clock::time_point deadline;
  bool running = false;  // guarded by the worker's mutex, as is stopped
  bool stopped = false;
};

class TickPool::Worker {
 public:
  explicit Worker(unsigned index)
      : thread_([this, index] {
          // Named, so that top -H and perf tell the ticks apart from Janus' own threads.
          pthread_setname_np(pthread_self(), ("conf-tick-" + std::to_string(index)).c_str());
          run();
        }) {}

  ~Worker() {
    {
      std::lock_guard lock(mutex_);
      ending_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  void add(const std::shared_ptr<Task>& task) {
    std::lock_guard lock(mutex_);
    task->deadline = first_deadline(Clock::now(), task->period);
    queue_.push(task);
    ++tasks_;
    cv_.notify_all();
  }

  void remove(const std::shared_ptr<Task>& task) {
    std::unique_lock lock(mutex_);
    if (task->stopped) return;
    task->stopped = true;
    --tasks_;
    // The queue drops it when it comes up. Waiting for our own tick would never end.
    if (std::this_thread::get_id() == thread_.get_id()) return;
    done_.wait(lock, [&] { return !task->running; });
  }

  size_t tasks() const {
    std::lock_guard lock(mutex_);
    return tasks_;
  }

  double busy_fraction() {
    std::lock_guard lock(mutex_);
    roll_window(Clock::now());
    return busy_fraction_;
  }

 private:
  struct Later {
    bool operator()(const std::shared_ptr<Task>& a, const std::shared_ptr<Task>& b) const {
      return a->deadline > b->deadline;
    }
  };

  void run() {
    std::unique_lock lock(mutex_);
    while (!ending_) {
      if (queue_.empty()) {
        cv_.wait(lock);
        continue;
      }
      std::shared_ptr<Task> task = queue_.top();
      if (task->stopped) {
        queue_.pop();
        continue;
      }
      if (Clock::now() < task->deadline) {
        // Woken early by a new task (maybe due sooner) or the end: look again.
        cv_.wait_until(lock, task->deadline);
        continue;
      }
      queue_.pop();
      task->running = true;
      lock.unlock();
      const auto lateness = Clock::now() - task->deadline;
      uint64_t skipped = 0;
      if (lateness >= task->period) {
        skipped = static_cast<uint64_t>(lateness / task->period);
        task->deadline += skipped * task->period;
      }
      const auto started = Clock::now();
      task->tick(skipped, lateness > task->late_after);
      task->deadline += task->period;
      const auto ended = Clock::now();
      lock.lock();
      busy_ += ended - started;
      roll_window(ended);
      task->running = false;
      if (task->stopped) {
        done_.notify_all();
      } else {
        queue_.push(std::move(task));
      }
    }
  }

  // An idle thread rolls its window only when asked: the share is then over the whole pause.
  void roll_window(Clock::time_point now) {
    const auto elapsed = now - window_start_;
    if (elapsed < kBusyWindow) return;
    busy_fraction_ = std::min(1.0, std::chrono::duration<double>(busy_) / elapsed);
    busy_ = {};
    window_start_ = now;
  }

  mutable std::mutex mutex_;
  std::condition_variable cv_;    // new task or ending
  std::condition_variable done_;  // a stopped task's tick finished
  std::priority_queue<std::shared_ptr<Task>, std::vector<std::shared_ptr<Task>>, Later> queue_;
  size_t tasks_ = 0;
  bool ending_ = false;
  Clock::time_point window_start_ = Clock::now();
  Clock::duration busy_{};    // ticking, in the current window
  double busy_fraction_ = 0;  // of the last full window
  std::thread thread_;        // last: starts once the rest exists
};

TickPool::TickPool(unsigned threads) {
  for (unsigned i = 0; i < std::max(1u, threads); ++i) {
    workers_.push_back(std::make_unique<Worker>(i));
  }
}

TickPool::~TickPool() = default;

TickPool& TickPool::shared() {
  static TickPool* pool = [] {
    std::lock_guard lock(g_shared_mutex);
    g_shared_made = true;
    const unsigned threads = g_shared_threads > 0 ? g_shared_threads : usable_cpus();
    // Never destroyed: rooms may outlive static destruction order at exit.
    return new TickPool(threads);
  }();
  return *pool;
}

bool TickPool::configure_shared(unsigned threads) {
  std::lock_guard lock(g_shared_mutex);
  if (g_shared_made) return false;
  g_shared_threads = threads;
  return true;
}

double TickPool::busy_fraction() const {
  double sum = 0;
  for (const auto& w : workers_) sum += w->busy_fraction();
  return sum / static_cast<double>(workers_.size());
}

std::vector<size_t> TickPool::load() const {
  std::vector<size_t> out;
  for (const auto& w : workers_) out.push_back(w->tasks());
  return out;
}

void TickTask::start(std::chrono::microseconds period, std::chrono::microseconds late_after,
                     TickPool::Tick tick, TickPool& pool) {
  std::lock_guard lock(mutex_);
  if (task_) return;
  TickPool::Worker* least = pool.workers_.front().get();
  size_t fewest = least->tasks();
  for (const auto& w : pool.workers_) {
    const size_t n = w->tasks();
    if (n < fewest) {
      fewest = n;
      least = w.get();
    }
  }
  task_ = std::make_shared<TickPool::Task>();
  task_->period = period;
  task_->late_after = late_after;
  task_->tick = std::move(tick);
  worker_ = least;
  worker_->add(task_);
}

void TickTask::stop() {
  std::shared_ptr<TickPool::Task> task;
  TickPool::Worker* worker;
  {
    std::lock_guard lock(mutex_);
    task = std::move(task_);
    worker = std::exchange(worker_, nullptr);
  }
  if (task) worker->remove(task);
}

}  // namespace mcu
