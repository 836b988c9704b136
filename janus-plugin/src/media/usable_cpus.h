// How many CPUs this process can keep busy at once: what "one tick thread per core" means.
// std::thread::hardware_concurrency() counts the machine's CPUs, but a Janus pinned with
// taskset or a container's cpuset may run on fewer, and a cgroup's CPU quota (docker --cpus,
// systemd CPUQuota=) caps it further. More tick threads than that only take turns on the same
// cores: with Janus pinned to one core of two, two tick threads missed ticks at 120 rooms that
// one thread ran at 180.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mcu {

// The CPUs the calling thread may run on (its affinity mask), capped by the CPU quota of its
// cgroup v2 and the cgroup's ancestors; at least 1.
unsigned usable_cpus();

// The whole CPUs a cgroup v2 `cpu.max` file allows ("<quota> <period>", rounded up), or none
// for "max" (no quota) and for text it cannot read.
std::optional<unsigned> cpus_in_cpu_max(std::string_view cpu_max);

// The cgroup v2 path (as "/a/b") in the text of /proc/self/cgroup, or none on a cgroup v1 host.
std::optional<std::string> cgroup_v2_path(std::string_view proc_self_cgroup);

}  // namespace mcu
