// The plain-RTP reader's thread: after a wake-up it gathers for a while, so that datagrams
// arriving close together are read in one wake-up, not one each.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "udp_reactor.h"

// Last: CMocka's macros break standard headers included after it.
#include "cmocka_cpp.h"

namespace {

using namespace std::chrono_literals;

// A bound loopback socket and a sender to it.
struct Pair {
  int rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  int tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in to{};

  Pair() {
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(rx, reinterpret_cast<sockaddr*>(&to), sizeof(to)), 0);
    socklen_t len = sizeof(to);
    getsockname(rx, reinterpret_cast<sockaddr*>(&to), &len);
  }
  ~Pair() {
    close(rx);
    close(tx);
  }
  void send() const {
    const char byte = 1;
    sendto(tx, &byte, 1, 0, reinterpret_cast<const sockaddr*>(&to), sizeof(to));
  }
};

struct Counts {
  std::atomic<int> wakeups{0};
  std::atomic<int> datagrams{0};
};

// Sends 6 datagrams 3 ms apart and returns how many handler calls read them.
int wakeups_for_spread_datagrams(std::chrono::microseconds gather) {
  Pair pair;
  Counts counts;
  conf::UdpReactor reactor(gather);
  assert_true(reactor.ok());
  assert_true(reactor.add(pair.rx, [&](int fd) {
    ++counts.wakeups;
    char buf[16];
    while (recv(fd, buf, sizeof(buf), 0) > 0) ++counts.datagrams;
  }));
  for (int i = 0; i < 6; ++i) {
    pair.send();
    std::this_thread::sleep_for(3ms);
  }
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (counts.datagrams < 6 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  assert_int_equal(counts.datagrams, 6);
  reactor.remove(pair.rx);
  return counts.wakeups;
}

void test_gathers_after_a_wakeup(void**) {
  // The first datagram wakes the thread; the other five arrive while it gathers.
  assert_true(wakeups_for_spread_datagrams(100ms) <= 2);
}

void test_without_gathering_a_wakeup_each(void**) {
  // What the gathering saves: the same datagrams, each its own wake-up (allowing a loaded
  // machine to merge a few).
  assert_true(wakeups_for_spread_datagrams(0us) >= 3);
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_gathers_after_a_wakeup),
      cmocka_unit_test(test_without_gathering_a_wakeup_each),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
