// The shared tick threads: many rooms' clocks on a fixed set of threads, each on time, stopped
// cleanly, skipping rather than bursting when late.
#include <dirent.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cmocka_cpp.h"
#include "tick_pool.h"

namespace {

using namespace std::chrono_literals;

size_t thread_count() {
  DIR* dir = opendir("/proc/self/task");
  size_t n = 0;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(dir);
  return n;
}

// Waits for `done` with a deadline far beyond any sane scheduling delay (a loaded sanitizer
// build), instead of a fixed sleep that a slow machine outlasts.
bool eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// Whole periods from t0 to now.
int64_t periods_since(std::chrono::steady_clock::time_point t0, std::chrono::milliseconds period) {
  return (std::chrono::steady_clock::now() - t0) / period;
}

struct Ticks {
  std::atomic<int> count{0};
  std::atomic<uint64_t> skipped{0};  // reported by the ticks after the first
  std::atomic<int64_t> first_us{0};
  std::atomic<int64_t> last_us{0};
};

// 300 rooms on 2 threads: no thread per room, spread evenly, each ticking at its period: every
// period between its first and last tick either ticked or reported skipped (a loaded machine
// skips, it never loses a period silently), and never more often (no bursts).
void test_many_tasks_on_few_threads(void**) {
  mcu::TickPool pool(2);
  const size_t before = thread_count();
  constexpr int kTasks = 300;
  std::vector<Ticks> ticks(kTasks);
  std::vector<std::unique_ptr<mcu::TickTask>> tasks;
  for (int i = 0; i < kTasks; ++i) {
    tasks.push_back(std::make_unique<mcu::TickTask>());
    tasks.back()->start(
        20ms, 10ms,
        [&t = ticks[i]](uint64_t skipped, bool) {
          const int64_t now = mcu::monotonic_us();
          if (t.count++ == 0)
            t.first_us = now;
          else
            t.skipped += skipped;
          t.last_us = now;
        },
        pool);
  }
  assert_int_equal(thread_count(), before);
  const std::vector<size_t> load = pool.load();
  assert_int_equal(load.size(), 2);
  assert_int_equal(load[0], kTasks / 2);
  assert_int_equal(load[1], kTasks / 2);
  assert_true(eventually([&] {
    for (const Ticks& t : ticks) {
      if (t.last_us - t.first_us < 10 * 20000) return false;
    }
    return true;
  }));
  for (auto& t : tasks) t->stop();
  for (const Ticks& t : ticks) {
    // A tick runs less than a period after its deadline, so the deadlines from the first tick
    // to the last (count + skipped of them) span `periods` or one more.
    const int64_t periods = (t.last_us - t.first_us) / 20000;
    assert_true(periods >= 10);
    assert_in_range(t.count.load() + t.skipped.load(), periods, periods + 2);
  }
  assert_int_equal(pool.load()[0] + pool.load()[1], 0);
}

// stop() returns only after a running tick has finished, and none follows.
void test_stop_waits_for_the_running_tick(void**) {
  mcu::TickPool pool(1);
  mcu::TickTask task;
  std::atomic<bool> inside{false};
  std::atomic<int> finished{0};
  task.start(
      10ms, 5ms,
      [&](uint64_t, bool) {
        inside = true;
        std::this_thread::sleep_for(50ms);
        ++finished;
      },
      pool);
  while (!inside) std::this_thread::sleep_for(1ms);
  task.stop();
  const int after_stop = finished.load();
  assert_int_equal(after_stop, 1);
  std::this_thread::sleep_for(60ms);
  assert_int_equal(finished.load(), after_stop);
}

// A tick may stop its own task (a room ending itself): no deadlock, no further tick.
void test_stop_from_its_own_tick(void**) {
  mcu::TickPool pool(1);
  mcu::TickTask task;
  std::atomic<int> ticks{0};
  task.start(
      5ms, 5ms,
      [&](uint64_t, bool) {
        if (++ticks == 3) task.stop();
      },
      pool);
  assert_true(eventually([&] { return ticks.load() >= 3; }));
  std::this_thread::sleep_for(50ms);  // ten more periods
  assert_int_equal(ticks.load(), 3);
}

// A tick that overruns by whole periods makes its task skip them, and the room sharing its
// thread starts late: both are reported, nothing runs in a burst.
void test_overrun_skips_and_reports_late(void**) {
  mcu::TickPool pool(1);
  mcu::TickTask slow;
  mcu::TickTask other;
  std::atomic<int> slow_ticks{0};
  std::atomic<uint64_t> skipped{0};
  std::atomic<int> other_ticks{0};
  std::atomic<int> other_late{0};
  const auto started = std::chrono::steady_clock::now();
  slow.start(
      20ms, 10ms,
      [&](uint64_t s, bool) {
        skipped += s;
        if (++slow_ticks == 2) std::this_thread::sleep_for(70ms);
      },
      pool);
  other.start(
      20ms, 10ms,
      [&](uint64_t, bool late) {
        ++other_ticks;
        if (late) ++other_late;
      },
      pool);
  // Past the overrun (the slow one's second tick) and the other's late tick behind it.
  assert_true(eventually([&] { return slow_ticks.load() >= 3 && other_ticks.load() >= 3; }));
  slow.stop();
  other.stop();
  const int64_t periods = periods_since(started, 20ms);
  assert_true(skipped.load() >= 2);
  assert_true(other_late.load() >= 1);
  // One deadline per period at most, each either ticked or skipped.
  assert_in_range(slow_ticks.load() + skipped.load(), 3, periods + 1);
  assert_in_range(other_ticks.load(), 3, periods + 1);
}

// start() on a running task does nothing; a stopped task starts again; stop() twice is safe.
void test_start_stop_idempotent(void**) {
  mcu::TickPool pool(2);
  mcu::TickTask task;
  std::atomic<int> a{0};
  std::atomic<int> b{0};
  task.start(
      10ms, 5ms, [&](uint64_t, bool) { ++a; }, pool);
  task.start(
      10ms, 5ms, [&](uint64_t, bool) { ++b; }, pool);
  assert_int_equal(pool.load()[0] + pool.load()[1], 1);
  // Five of its periods: time enough for the second start's callback to have ticked.
  assert_true(eventually([&] { return a.load() >= 5; }));
  task.stop();
  task.stop();
  assert_int_equal(b.load(), 0);
  task.start(
      10ms, 5ms, [&](uint64_t, bool) { ++b; }, pool);
  assert_true(eventually([&] { return b.load() > 0; }));
  task.stop();
}

// The busy share: a task that spends about half of each period ticking keeps its thread half
// busy; the other, idle thread halves the pool's mean. No task: nothing.
void test_busy_fraction(void**) {
  mcu::TickPool pool(2);
  std::this_thread::sleep_for(mcu::TickPool::kBusyWindow + 100ms);
  assert_true(pool.busy_fraction() < 0.01);
  mcu::TickTask task;
  task.start(
      20ms, 20ms,
      [](uint64_t, bool) {
        const auto until = std::chrono::steady_clock::now() + 10ms;
        while (std::chrono::steady_clock::now() < until) {
        }
      },
      pool);
  std::this_thread::sleep_for(2 * mcu::TickPool::kBusyWindow + 100ms);
  const double busy = pool.busy_fraction();
  task.stop();
  // Half of one thread of two: about 0.25. A loaded machine preempts the spin (more wall time
  // in the tick) or starts ticks late (fewer of them), but the idle thread keeps the mean of a
  // correct share at 0.5 at most.
  print_message("busy fraction %.3f\n", busy);
  assert_true(busy > 0.1 && busy <= 0.5);
}

// The shared pool's size is fixed by the first configuration, before its first use.
void test_shared_pool_configured_once(void**) {
  assert_true(mcu::TickPool::configure_shared(3));
  assert_int_equal(mcu::TickPool::shared().size(), 3);
  assert_false(mcu::TickPool::configure_shared(5));
  assert_int_equal(mcu::TickPool::shared().size(), 3);
}

// Deadlines sit on the common grid, so rooms started at different moments share wake-ups; a
// period off the grid starts at once.
void test_first_deadline_on_the_grid(void**) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point on_grid{std::chrono::milliseconds(1000)};
  assert_true(mcu::first_deadline(on_grid, 20ms) == on_grid);
  assert_true(mcu::first_deadline(on_grid + 1us, 20ms) == on_grid + mcu::kTickGrid);
  assert_true(mcu::first_deadline(on_grid + 1999us, 20ms) == on_grid + mcu::kTickGrid);
  assert_true(mcu::first_deadline(on_grid + 2001us, 40ms) == on_grid + 2 * mcu::kTickGrid);
  const auto video = std::chrono::microseconds(33333);
  assert_true(mcu::first_deadline(on_grid + 1us, video) == on_grid + 1us);
}

// The names of this process' tick threads, sorted.
std::vector<std::string> tick_thread_names() {
  std::vector<std::string> names;
  DIR* dir = opendir("/proc/self/task");
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream comm(std::string("/proc/self/task/") + e->d_name + "/comm");
    std::string name;
    std::getline(comm, name);
    if (name.starts_with("conf-tick-")) names.push_back(name);
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

// The threads carry a name (conf-tick-N), so that top -H and perf tell them from Janus' own.
// Runs first: the shared pool's threads, made by a later test, live on.
void test_threads_named(void**) {
  mcu::TickPool pool(2);
  const std::vector<std::string> expected{"conf-tick-0", "conf-tick-1"};
  assert_true(eventually([&] { return tick_thread_names() == expected; }));
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_threads_named),
      cmocka_unit_test(test_many_tasks_on_few_threads),
      cmocka_unit_test(test_stop_waits_for_the_running_tick),
      cmocka_unit_test(test_stop_from_its_own_tick),
      cmocka_unit_test(test_overrun_skips_and_reports_late),
      cmocka_unit_test(test_start_stop_idempotent),
      cmocka_unit_test(test_busy_fraction),
      cmocka_unit_test(test_shared_pool_configured_once),
      cmocka_unit_test(test_first_deadline_on_the_grid),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
