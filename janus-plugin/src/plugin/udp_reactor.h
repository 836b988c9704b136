// One thread that reads every plain-RTP participant's UDP socket (epoll), so
// a room of hundreds of RTP participants costs one thread, not hundreds.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace conf {

class UdpReactor {
 public:
  using Handler = std::function<void(int fd)>;

  UdpReactor();
  ~UdpReactor();
  bool ok() const { return epoll_fd_ >= 0; }

  bool add(int fd, Handler handler);
  // After remove() returns, the handler is not running and will not run again.
  void remove(int fd);
  void stop();

 private:
  void run();

  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::mutex mutex_;  // held while a handler runs, so remove() waits for it
  std::map<int, Handler> handlers_;
  std::thread thread_;
  bool stopping_ = false;
};

}  // namespace conf
