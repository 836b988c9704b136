// "One tick thread per core" counts the cores Janus may run on, not the machine's: its CPU
// affinity (taskset, a container's cpuset) and its cgroup's CPU quota.
#include <sched.h>

#include <thread>

#include "cmocka_cpp.h"
#include "tick_pool.h"
#include "usable_cpus.h"

namespace {

void test_cpu_max(void**) {
  assert_false(mcu::cpus_in_cpu_max("max 100000\n").has_value());
  assert_int_equal(*mcu::cpus_in_cpu_max("100000 100000\n"), 1);
  assert_int_equal(*mcu::cpus_in_cpu_max("150000 100000\n"), 2);  // 1.5 CPUs: 2 threads
  assert_int_equal(*mcu::cpus_in_cpu_max("50000 100000"), 1);     // never 0
  assert_int_equal(*mcu::cpus_in_cpu_max("400000 100000"), 4);
  assert_false(mcu::cpus_in_cpu_max("").has_value());
  assert_false(mcu::cpus_in_cpu_max("0 100000").has_value());
  assert_false(mcu::cpus_in_cpu_max("12x 100000").has_value());
  assert_false(mcu::cpus_in_cpu_max("100000").has_value());
}

void test_cgroup_path(void**) {
  assert_true(mcu::cgroup_v2_path("0::/system.slice/janus.service\n") ==
              "/system.slice/janus.service");
  assert_true(mcu::cgroup_v2_path("0::/\n") == "/");
  // cgroup v1 lines name their controllers: no quota is read from them.
  assert_false(mcu::cgroup_v2_path("12:cpu,cpuacct:/docker/abc\n1:name=systemd:/x\n").has_value());
  assert_true(mcu::cgroup_v2_path("1:name=systemd:/x\n0::/user.slice\n") == "/user.slice");
  assert_false(mcu::cgroup_v2_path("").has_value());
}

// Pinned to one CPU, the process has one usable CPU, and the shared pool one thread, however
// many the machine has.
void test_pinned_to_one_cpu(void**) {
  cpu_set_t all;
  assert_int_equal(sched_getaffinity(0, sizeof(all), &all), 0);
  int first = 0;
  while (!CPU_ISSET(first, &all)) ++first;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(first, &one);
  assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);
  assert_int_equal(mcu::usable_cpus(), 1);
  assert_int_equal(mcu::TickPool::shared().size(), 1);
  assert_int_equal(sched_setaffinity(0, sizeof(all), &all), 0);
  const unsigned cpus = mcu::usable_cpus();
  assert_true(cpus >= 1 && cpus <= static_cast<unsigned>(CPU_COUNT(&all)));
}

}  // namespace

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cpu_max),
      cmocka_unit_test(test_cgroup_path),
      cmocka_unit_test(test_pinned_to_one_cpu),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
