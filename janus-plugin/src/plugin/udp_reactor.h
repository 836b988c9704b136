// One thread that reads every plain-RTP participant's UDP socket (epoll), so
// a room of hundreds of RTP participants costs one thread, not hundreds.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace conf {

class UdpReactor {
 public:
  using Handler = std::function<void(int fd)>;

  // After a wake-up that found sockets ready, the thread waits `gather` before looking again,
  // so that one wake-up reads what many sockets received meanwhile. With hundreds of
  // participants a packet each every 20 ms, waking per packet cost the reader about 30 % of its
  // time and preempted the tick threads thousands of times a second; a packet waits at most
  // `gather` longer, which the jitter buffer's depth covers many times over.
  static constexpr std::chrono::microseconds kGather{1000};

  explicit UdpReactor(std::chrono::microseconds gather = kGather);
  ~UdpReactor();
  bool ok() const { return epoll_fd_ >= 0; }

  bool add(int fd, Handler handler);
  // After remove() returns, the handler is not running and will not run again.
  void remove(int fd);
  void stop();

 private:
  void run();

  const std::chrono::microseconds gather_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::mutex mutex_;  // held while a handler runs, so remove() waits for it
  std::map<int, Handler> handlers_;
  std::thread thread_;
  bool stopping_ = false;
};

}  // namespace conf
