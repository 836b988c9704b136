// The AS port over real sockets: strangers are refused before their body is read (no memory
// spent on it), bodies are capped, and connections beyond the cap are not served.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "as_router.h"
#include "http_server.h"
#include "ops_router.h"

// Last: CMocka's macros break standard headers included after it.
#include "../unit/cmocka_cpp.h"

namespace {

const std::string kToken = "hs_token_0123456789abcdef";
constexpr std::size_t kBodyCap = 1024 * 1024;
constexpr unsigned kConnectionCap = 4;

struct Fixture {
  std::vector<std::string> txns;
  glue::AsRouter router;
  glue::HttpServer server;

  Fixture()
      : router(kToken, handlers(this)),
        server(router, glue::HttpServerLimits{kConnectionCap, kBodyCap, 30}) {
    std::string error;
    if (!server.start("127.0.0.1", 0, &error)) fail_msg("start: %s", error.c_str());
  }

  static glue::AsHandlers handlers(Fixture* f) {
    glue::AsHandlers h;
    h.transaction = [f](const std::string& txn, json_t*) {
      f->txns.push_back(txn);
      return true;
    };
    return h;
  }
};

// Connections to `port` the server holds open: sockets of this process on that local port,
// not the listener (state 0A); one still in the listen queue, or closed by the server, has no
// inode (no file of the process).
int held_connections(int port) {
  std::ifstream tcp("/proc/self/net/tcp");
  std::string line;
  std::getline(tcp, line);
  int held = 0;
  while (std::getline(tcp, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
    fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
        timeout >> inode;
    const int local_port = std::stoi(local.substr(local.find(':') + 1), nullptr, 16);
    if (local_port == port && state != "0A" && inode != "0") ++held;
  }
  return held;
}

// Waits (with a deadline far beyond a loaded machine's delays) until the server holds `n`
// connections: its accepting or closing them is not observable from the client's side.
void wait_held(int port, int n) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (held_connections(port) != n) {
    if (std::chrono::steady_clock::now() > deadline)
      fail_msg("the server holds %d connections, not %d", held_connections(port), n);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

int connect_to(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) fail_msg("connect");
  return fd;
}

void send_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n <= 0) fail_msg("send failed after %zu bytes", done);
    done += static_cast<size_t>(n);
  }
}

// What the server sent within `timeout_ms`, until it closed the connection or went quiet after
// a response; `closed` tells whether it closed (EOF or reset).
std::string receive(int fd, int timeout_ms, bool* closed = nullptr) {
  std::string out;
  if (closed != nullptr) *closed = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return out;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return out;
    char buf[4096];
    const ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      if (closed != nullptr) *closed = true;
      return out;
    }
    out.append(buf, static_cast<size_t>(n));
    if (closed == nullptr && out.find("\r\n\r\n") != std::string::npos) return out;
  }
}

std::string status_line(const std::string& response) {
  return response.substr(0, response.find("\r\n"));
}

long rss_kib() {
  FILE* f = fopen("/proc/self/statm", "r");
  long pages = 0;
  long resident = 0;
  if (f == nullptr || fscanf(f, "%ld %ld", &pages, &resident) != 2) fail_msg("statm");
  fclose(f);
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

std::string put_head(const std::string& auth, std::size_t length) {
  return "PUT /_matrix/app/v1/transactions/1 HTTP/1.1\r\nHost: glue\r\n" + auth +
         "Content-Type: application/json\r\nContent-Length: " + std::to_string(length) + "\r\n\r\n";
}

// 20 strangers each announce 15 MB and start sending it: each gets its 401 at once, without
// the server waiting for (or keeping) the body, and the process does not grow by their bodies.
void test_stranger_refused_before_body(void**) {
  Fixture f;
  const long before = rss_kib();
  const std::string chunk(256 * 1024, 'x');
  for (int i = 0; i < 20; ++i) {
    const int fd = connect_to(f.server.port());
    const std::string auth = i % 2 == 0 ? "" : "Authorization: Bearer wrong-token\r\n";
    send_all(fd, put_head(auth, 15 * 1024 * 1024));
    // A quarter of a MB of body, without blocking: the server may close on it.
    const ssize_t sent = send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)sent;
    const std::string response = receive(fd, 2000);
    const std::string expected = i % 2 == 0 ? "HTTP/1.1 401" : "HTTP/1.1 403";
    if (status_line(response).rfind(expected, 0) != 0) {
      fail_msg("upload %d: expected %s before the body, got '%s'", i, expected.c_str(),
               status_line(response).c_str());
    }
    close(fd);
  }
  const long grown = rss_kib() - before;
  std::fprintf(stderr, "RSS grew by %ld KiB over 20 refused 15 MB uploads\n", grown);
  assert_true(grown < 4 * 1024);
  assert_true(f.txns.empty());
}

// The homeserver's own transactions go through; a declared body over the cap is refused with
// 413 before it is read, a chunked one when it passes the cap.
void test_body_cap(void**) {
  Fixture f;
  const std::string auth = "Authorization: Bearer " + kToken + "\r\n";
  const std::string body = R"({"events":[]})";
  int fd = connect_to(f.server.port());
  send_all(fd, put_head(auth, body.size()) + body);
  assert_string_equal(status_line(receive(fd, 2000)).c_str(), "HTTP/1.1 200 OK");
  close(fd);
  assert_int_equal(f.txns.size(), 1);

  fd = connect_to(f.server.port());
  send_all(fd, put_head(auth, kBodyCap + 1));
  const std::string early = status_line(receive(fd, 2000));
  if (early.rfind("HTTP/1.1 413", 0) != 0) fail_msg("declared: got '%s'", early.c_str());
  close(fd);

  fd = connect_to(f.server.port());
  send_all(fd, "PUT /_matrix/app/v1/transactions/3 HTTP/1.1\r\nHost: glue\r\n" + auth +
                   "Transfer-Encoding: chunked\r\n\r\n");
  const std::string piece(64 * 1024, ' ');
  char size_line[32];
  std::snprintf(size_line, sizeof(size_line), "%zx\r\n", piece.size());
  for (std::size_t sent = 0; sent <= kBodyCap; sent += piece.size()) {
    send_all(fd, size_line + piece + "\r\n");
  }
  send_all(fd, "0\r\n\r\n");
  const std::string chunked = status_line(receive(fd, 2000));
  if (chunked.rfind("HTTP/1.1 413", 0) != 0) fail_msg("chunked: got '%s'", chunked.c_str());
  close(fd);
  assert_int_equal(f.txns.size(), 1);
}

std::string ping() {
  return "POST /_matrix/app/v1/ping HTTP/1.1\r\nHost: glue\r\nAuthorization: Bearer " + kToken +
         "\r\nContent-Length: 2\r\n\r\n{}";
}

// With the cap's worth of idle connections open, one more is not served; once one of them
// goes, a new connection is.
void test_connection_cap(void**) {
  Fixture f;
  std::vector<int> idle;
  for (unsigned i = 0; i < kConnectionCap; ++i) idle.push_back(connect_to(f.server.port()));
  wait_held(f.server.port(), kConnectionCap);
  const int extra = connect_to(f.server.port());
  const ssize_t sent = send(extra, ping().data(), ping().size(), MSG_NOSIGNAL);
  (void)sent;
  bool closed = false;
  const std::string response = receive(extra, 1500, &closed);
  if (!response.empty()) fail_msg("beyond the cap, served: '%s'", status_line(response).c_str());
  close(extra);
  close(idle.back());
  idle.pop_back();
  wait_held(f.server.port(), kConnectionCap - 1);
  const int next = connect_to(f.server.port());
  send_all(next, ping());
  assert_string_equal(status_line(receive(next, 2000)).c_str(), "HTTP/1.1 200 OK");
  close(next);
  for (int fd : idle) close(fd);
}

// The operator's listener: /metrics and /health, nothing of the AS API.
void test_ops_listener(void**) {
  glue::OpsRouter ops([] { return std::string("glue_calls_invited_total 3\n"); });
  glue::HttpServer server(ops, glue::HttpServerLimits{4, 0, 30});
  std::string error;
  if (!server.start("127.0.0.1", 0, &error)) fail_msg("start: %s", error.c_str());
  const struct {
    const char* request;
    const char* status;
    const char* body;
  } cases[] = {
      {"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "HTTP/1.1 200 OK",
       "glue_calls_invited_total 3"},
      {"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "HTTP/1.1 200 OK",
       R"({"status":"ok"})"},
      {"POST /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
       "HTTP/1.1 405", ""},
      {"PUT /_matrix/app/v1/transactions/1 HTTP/1.1\r\nHost: x\r\nConnection: "
       "close\r\nContent-Length: 2\r\n\r\n{}",
       "HTTP/1.1 404", ""},
  };
  for (const auto& c : cases) {
    const int fd = connect_to(server.port());
    send_all(fd, c.request);
    bool closed = false;
    std::string response = receive(fd, 1000, &closed);
    close(fd);
    if (status_line(response).rfind(c.status, 0) != 0 ||
        response.find(c.body) == std::string::npos) {
      fail_msg("'%s': got '%s'", status_line(c.request).c_str(), response.c_str());
    }
  }
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_stranger_refused_before_body),
      cmocka_unit_test(test_body_cap),
      cmocka_unit_test(test_connection_cap),
      cmocka_unit_test(test_ops_listener),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
