#include "usable_cpus.h"

#include <sched.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <thread>

namespace mcu {

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool parse_u64(std::string_view text, uint64_t* out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

unsigned affinity_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
    return static_cast<unsigned>(CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

std::optional<unsigned> cpus_in_cpu_max(std::string_view cpu_max) {
  while (!cpu_max.empty() && (cpu_max.back() == '\n' || cpu_max.back() == ' '))
    cpu_max.remove_suffix(1);
  const size_t space = cpu_max.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  uint64_t quota = 0;
  uint64_t period = 0;
  if (!parse_u64(cpu_max.substr(0, space), &quota) ||
      !parse_u64(cpu_max.substr(space + 1), &period) || quota == 0 || period == 0)
    return std::nullopt;  // "max" included: no quota
  return static_cast<unsigned>(std::max<uint64_t>(1, (quota + period - 1) / period));
}

std::optional<std::string> cgroup_v2_path(std::string_view proc_self_cgroup) {
  size_t start = 0;
  while (start < proc_self_cgroup.size()) {
    size_t end = proc_self_cgroup.find('\n', start);
    if (end == std::string_view::npos) end = proc_self_cgroup.size();
    const std::string_view line = proc_self_cgroup.substr(start, end - start);
    if (line.starts_with("0::/")) return std::string(line.substr(3));
    start = end + 1;
  }
  return std::nullopt;
}

unsigned usable_cpus() {
  unsigned cpus = affinity_cpus();
  const auto path = cgroup_v2_path(read_file("/proc/self/cgroup"));
  if (!path) return cpus;
  // A quota anywhere up the tree limits this process too.
  std::string dir = *path;
  for (;;) {
    if (const auto quota = cpus_in_cpu_max(read_file("/sys/fs/cgroup" + dir + "/cpu.max")))
      cpus = std::min(cpus, *quota);
    if (dir == "/" || dir.empty()) break;
    const size_t slash = dir.find_last_of('/');
    dir = slash == 0 ? "/" : dir.substr(0, slash);
  }
  return cpus;
}

}  // namespace mcu
