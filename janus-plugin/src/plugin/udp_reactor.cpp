#include "udp_reactor.h"

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

namespace conf {

UdpReactor::UdpReactor(std::chrono::microseconds gather) : gather_(gather) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (epoll_fd_ < 0 || wake_fd_ < 0) return;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wake_fd_;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "conf-rtp");
    run();
  });
}

UdpReactor::~UdpReactor() {
  stop();
  if (epoll_fd_ >= 0) close(epoll_fd_);
  if (wake_fd_ >= 0) close(wake_fd_);
}

bool UdpReactor::add(int fd, Handler handler) {
  std::lock_guard lock(mutex_);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) return false;
  handlers_[fd] = std::move(handler);
  return true;
}

void UdpReactor::remove(int fd) {
  std::lock_guard lock(mutex_);
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  handlers_.erase(fd);
}

void UdpReactor::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  if (wake_fd_ >= 0) {
    uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof(one));
  }
  if (thread_.joinable()) thread_.join();
}

void UdpReactor::run() {
  constexpr int kEvents = 256;
  epoll_event events[kEvents];
  for (;;) {
    const int n = epoll_wait(epoll_fd_, events, kEvents, 1000);
    if (n < 0 && errno != EINTR) return;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      for (int i = 0; i < n; ++i) {
        auto it = handlers_.find(events[i].data.fd);
        if (it != handlers_.end()) it->second(events[i].data.fd);
      }
    }
    // A full batch: more are ready already.
    if (n > 0 && n < kEvents) std::this_thread::sleep_for(gather_);
  }
}

}  // namespace conf
