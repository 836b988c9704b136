// A TCP listener on 127.0.0.1 (a free port) for the TEST DOUBLES of Janus: an acceptor thread
// hands each connection to a handler on a thread of its own; all of them are joined when the
// listener is destroyed. A double holds one as its LAST data member, so the threads are joined
// before the members its handler uses are destroyed. respond_json() writes a double's answer.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

class LoopbackListener {
 public:
  explicit LoopbackListener(std::function<void(int fd)> handler) : handler_(std::move(handler)) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(fd_, 16)) return;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  LoopbackListener(const LoopbackListener&) = delete;
  LoopbackListener& operator=(const LoopbackListener&) = delete;

  ~LoopbackListener() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    if (acceptor_.joinable()) acceptor_.join();
    for (std::thread& t : connections_) t.join();
  }

  // False if it could not bind or listen (the double then fails the test).
  bool listening() const { return port_ != 0; }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/janus"; }

 private:
  void accept_loop() {
    for (;;) {
      const int fd = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      connections_.emplace_back([this, fd] { handler_(fd); });
    }
  }

  std::function<void(int fd)> handler_;
  int fd_ = -1;
  int port_ = 0;
  std::thread acceptor_;
  std::vector<std::thread> connections_;  // acceptor thread only, then the destructor
};

// Answers a request on `fd` with 200 and the JSON `body`, and closes the connection.
inline void respond_json(int fd, const std::string& body) {
  const std::string response =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  send(fd, response.data(), response.size(), MSG_NOSIGNAL);
  close(fd);
}
