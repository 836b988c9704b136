// The shared tick threads: many rooms' clocks on a fixed set of threads, each on time, stopped
// cleanly, skipping rather than bursting when late.
#include <dirent.h>

#include <atomic>
#include <chrono>
#include <memory>
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

struct Ticks {
  std::atomic<int> count{0};
  std::atomic<int64_t> first_us{0};
  std::atomic<int64_t> last_us{0};
};

// 300 rooms on 2 threads: no thread per room, spread evenly, each ticking at its period: never
// more often (no bursts), and on a loaded machine still at least half as often.
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
        [&t = ticks[i]](uint64_t, bool) {
          const int64_t now = mcu::monotonic_us();
          if (t.count++ == 0) t.first_us = now;
          t.last_us = now;
        },
        pool);
  }
  assert_int_equal(thread_count(), before);
  const std::vector<size_t> load = pool.load();
  assert_int_equal(load.size(), 2);
  assert_int_equal(load[0], kTasks / 2);
  assert_int_equal(load[1], kTasks / 2);
  std::this_thread::sleep_for(500ms);
  for (auto& t : tasks) t->stop();
  for (const Ticks& t : ticks) {
    const int64_t periods = (t.last_us - t.first_us) / 20000;
    assert_true(periods >= 10);
    assert_in_range(t.count.load(), periods / 2, periods + 2);
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
  std::this_thread::sleep_for(100ms);
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
  std::this_thread::sleep_for(200ms);
  slow.stop();
  other.stop();
  assert_true(skipped.load() >= 2);
  assert_true(other_late.load() >= 1);
  // 200 ms at 20 ms: 11 ticks at most, fewer for the slow one's skipped periods.
  assert_in_range(slow_ticks.load(), 2, 11 - 2);
  assert_in_range(other_ticks.load(), 2, 11);
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
  std::this_thread::sleep_for(50ms);
  task.stop();
  task.stop();
  assert_true(a.load() > 0);
  assert_int_equal(b.load(), 0);
  task.start(
      10ms, 5ms, [&](uint64_t, bool) { ++b; }, pool);
  std::this_thread::sleep_for(50ms);
  task.stop();
  assert_true(b.load() > 0);
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

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_many_tasks_on_few_threads),
      cmocka_unit_test(test_stop_waits_for_the_running_tick),
      cmocka_unit_test(test_stop_from_its_own_tick),
      cmocka_unit_test(test_overrun_skips_and_reports_late),
      cmocka_unit_test(test_start_stop_idempotent),
      cmocka_unit_test(test_busy_fraction),
      cmocka_unit_test(test_shared_pool_configured_once),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
