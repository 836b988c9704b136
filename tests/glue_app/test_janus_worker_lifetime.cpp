// JanusWorker owns its calls' long-poll threads: a stopped call's poller and a live call's are
// both finished (their polls aborted, not left to time out) by the time stop() returns, so no
// poller outlives the worker it calls back into. Janus is a TEST DOUBLE here: holding a long
// poll open on cue, and seeing when the client gives it up, is what no real Janus shows.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "janus_worker.h"
#include "loopback_listener.h"
#include "metrics.h"

// Last: CMocka's macros break standard headers included after it.
#include "../unit/cmocka_cpp.h"

namespace {

using Clock = std::chrono::steady_clock;

// TEST DOUBLE of Janus' HTTP API: every POST succeeds with a new ID; a GET (a long poll) is held
// open, never answered, until the client closes it, which it records.
class HoldingJanus {
 public:
  HoldingJanus() {
    if (!listener_.listening()) fail_msg("listen");
  }

  std::string url() const { return listener_.url(); }

  int polls_open() {
    std::lock_guard lock(mutex_);
    return polls_open_;
  }
  int polls_closed() {
    std::lock_guard lock(mutex_);
    return polls_closed_;
  }
  // Long polls whose client has not closed its end: the kernel has no FIN (or reset) from it
  // on the double's socket. Exact at the moment of asking, however late the double's own
  // threads run on a loaded machine.
  int polls_not_closed_by_client() {
    std::lock_guard lock(mutex_);
    return static_cast<int>(std::count_if(poll_fds_.begin(), poll_fds_.end(), [](int fd) {
      tcp_info info{};
      socklen_t len = sizeof(info);
      if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return true;
      return info.tcpi_state != TCP_CLOSE_WAIT && info.tcpi_state != TCP_CLOSE;
    }));
  }

 private:
  void serve(int fd) {
    std::string request;
    char buf[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) {
        close(fd);
        return;
      }
      request.append(buf, static_cast<size_t>(n));
    }
    if (request.rfind("GET ", 0) == 0) {
      {
        std::lock_guard lock(mutex_);
        ++polls_open_;
        poll_fds_.push_back(fd);
      }
      while (recv(fd, buf, sizeof(buf), 0) > 0) {
      }
      std::lock_guard lock(mutex_);
      ++polls_closed_;
      poll_fds_.erase(std::find(poll_fds_.begin(), poll_fds_.end(), fd));
      close(fd);
      return;
    }
    const std::string body =
        R"({"janus":"success","transaction":"t","data":{"id":)" + std::to_string(next_id_++) + "}}";
    respond_json(fd, body);
  }

  std::atomic<std::uint64_t> next_id_{1000};
  std::mutex mutex_;
  int polls_open_ = 0;
  int polls_closed_ = 0;
  std::vector<int> poll_fds_;  // held long polls, closed (and removed) under mutex_
  // Last: destroyed (its threads joined) before the members serve() uses.
  LoopbackListener listener_{[this](int fd) { serve(fd); }};
};

struct Posted {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<glue::JanusAttached> attached;
};

void test_pollers_end_before_stop_returns(void**) {
  HoldingJanus janus;
  glue::Metrics metrics;
  glue::JanusInstanceGauges gauges{"j1"};
  Posted posted;
  {
    glue::JanusWorker worker({janus.url(), "", ""}, std::chrono::seconds(5), metrics, gauges,
                             [&](glue::Event e) {
                               std::lock_guard lock(posted.mutex);
                               if (auto* a = std::get_if<glue::JanusAttached>(&e))
                                 posted.attached.push_back(*a);
                               posted.cv.notify_all();
                             });
    worker.start();
    worker.submit(glue::JanusAttach{7, "@fs_x:example.org"});
    worker.submit(glue::JanusAttach{8, "@fs_x:example.org"});
    {
      std::unique_lock lock(posted.mutex);
      if (!posted.cv.wait_for(lock, std::chrono::seconds(5),
                              [&] { return posted.attached.size() == 2; })) {
        fail_msg("calls not attached");
      }
    }
    for (int i = 0; i < 100 && janus.polls_open() < 2; ++i) usleep(20 * 1000);
    assert_int_equal(janus.polls_open(), 2);

    // Call 7 ends; call 8 is still live when the worker stops.
    worker.submit(glue::JanusDestroySession{7, posted.attached[0].session_id});
    for (int i = 0; i < 1000 && janus.polls_not_closed_by_client() != 1; ++i) usleep(10 * 1000);
    if (janus.polls_not_closed_by_client() != 1) fail_msg("call 7's long poll not ended");
    const Clock::time_point t0 = Clock::now();
    worker.stop();
    const int still_open = janus.polls_not_closed_by_client();
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
    std::fprintf(stderr, "stop() took %lld ms\n", static_cast<long long>(took.count()));
    assert_true(took < std::chrono::seconds(5));
    if (still_open != 0) fail_msg("%d long polls still open when stop() returned", still_open);
    // The double's threads see the closed sockets a moment later.
    for (int i = 0; i < 1000 && janus.polls_closed() < 2; ++i) usleep(10 * 1000);
    if (janus.polls_closed() != 2) fail_msg("%d of 2 long polls ended", janus.polls_closed());
  }
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_pollers_end_before_stop_returns),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
