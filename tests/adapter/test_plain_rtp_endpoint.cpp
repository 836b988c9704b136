// The plain-RTP socket's reading: a burst is read in batches of one system call each, in order,
// with what anyone but the declared remote sent dropped and counted.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "plain_rtp_endpoint.h"

// Last: CMocka's macros break standard headers included after it.
#include "cmocka_cpp.h"

namespace {

// A UDP socket on 127.0.0.1, standing in for a participant's RTP stack.
struct Peer {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  uint16_t port = 0;

  Peer() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    socklen_t len = sizeof(a);
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~Peer() { close(fd); }

  void send_to(uint16_t to, uint8_t tag) const {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(to);
    const uint8_t datagram[3] = {tag, tag, tag};
    assert_int_equal(
        sendto(fd, datagram, sizeof(datagram), 0, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 3);
  }
};

conf::PlainRtpSettings loopback() {
  conf::PlainRtpSettings s;
  s.local_ip = "127.0.0.1";
  s.port_min = 21000;
  s.port_max = 21999;
  return s;
}

std::vector<uint8_t> tags(const conf::ReceiveBatch& batch) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i < batch.size(); ++i) {
    assert_int_equal(batch[i].size(), 3);
    out.push_back(batch[i][0]);
  }
  return out;
}

void test_burst_in_one_call_foreign_dropped(void**) {
  Peer remote, stranger;
  std::string error;
  conf::PlainRtpEndpoint endpoint(loopback(), "127.0.0.1", remote.port, &error);
  assert_true(endpoint.ok());
  remote.send_to(endpoint.local_port(), 1);
  stranger.send_to(endpoint.local_port(), 99);
  remote.send_to(endpoint.local_port(), 2);
  remote.send_to(endpoint.local_port(), 3);
  stranger.send_to(endpoint.local_port(), 98);

  conf::ReceiveBatch batch;
  assert_true(endpoint.receive(&batch));
  assert_int_equal(batch.read(), 5);
  assert_true(tags(batch) == std::vector<uint8_t>({1, 2, 3}));
  assert_int_equal(endpoint.foreign_dropped(), 2);
  assert_false(endpoint.receive(&batch));
}

void test_longer_burst_in_batches(void**) {
  Peer remote;
  std::string error;
  conf::PlainRtpEndpoint endpoint(loopback(), "127.0.0.1", remote.port, &error);
  assert_true(endpoint.ok());
  constexpr size_t kSent = conf::ReceiveBatch::kSize + 3;
  for (size_t i = 0; i < kSent; ++i) remote.send_to(endpoint.local_port(), static_cast<uint8_t>(i));

  conf::ReceiveBatch batch;
  assert_true(endpoint.receive(&batch));
  assert_int_equal(batch.read(), conf::ReceiveBatch::kSize);
  assert_int_equal(tags(batch).front(), 0);
  assert_true(endpoint.receive(&batch));
  assert_int_equal(batch.read(), 3);
  assert_true(tags(batch) ==
              std::vector<uint8_t>({conf::ReceiveBatch::kSize, conf::ReceiveBatch::kSize + 1,
                                    conf::ReceiveBatch::kSize + 2}));
  assert_false(endpoint.receive(&batch));
}

// A link before its far port is known: everything is foreign.
void test_no_remote_yet_everything_foreign(void**) {
  Peer remote;
  std::string error;
  conf::PlainRtpEndpoint endpoint(loopback(), "127.0.0.1", 0, &error);
  assert_true(endpoint.ok());
  remote.send_to(endpoint.local_port(), 7);
  conf::ReceiveBatch batch;
  assert_true(endpoint.receive(&batch));
  assert_int_equal(batch.read(), 1);
  assert_int_equal(batch.size(), 0);
  assert_int_equal(endpoint.foreign_dropped(), 1);
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_burst_in_one_call_foreign_dropped),
      cmocka_unit_test(test_longer_burst_in_batches),
      cmocka_unit_test(test_no_remote_yet_everything_foreign),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
