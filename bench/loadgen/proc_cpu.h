// CPU time, memory and threads of another process, from /proc/<pid>/stat and status.
#pragma once

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace loadgen {

// utime + stime (all threads) in seconds, or -1 when unreadable.
inline double process_cpu_seconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return -1;
  // The command name may hold spaces; fields resume after its closing ')'.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(stat.substr(close + 2));
  std::string skip;
  for (int i = 3; i < 14; ++i) fields >> skip;  // state .. cmajflt
  long utime = 0, stime = 0;
  if (!(fields >> utime >> stime)) return -1;
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

struct ProcessStatus {
  long rss_kb = -1;  // -1: unreadable
  long threads = -1;
};

inline ProcessStatus process_status(int pid) {
  ProcessStatus s;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (in >> key) {
    if (key == "VmRSS:") in >> s.rss_kb;
    if (key == "Threads:") in >> s.threads;
    in.ignore(1 << 16, '\n');
  }
  return s;
}

}  // namespace loadgen
