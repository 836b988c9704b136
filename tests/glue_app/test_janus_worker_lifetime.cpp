// JanusWorker owns its calls' long-poll threads: a stopped call's poller and a live call's are
// both finished (their polls aborted, not left to time out) by the time stop() returns, so no
// poller outlives the worker it calls back into. Janus is a TEST DOUBLE here: holding a long
// poll open on cue, and seeing when the client gives it up, is what no real Janus shows.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

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
// open, never answered, until the client closes it, and the time it did is recorded.
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
  std::vector<Clock::time_point> polls_closed() {
    std::lock_guard lock(mutex_);
    return polls_closed_;
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
      }
      while (recv(fd, buf, sizeof(buf), 0) > 0) {
      }
      std::lock_guard lock(mutex_);
      polls_closed_.push_back(Clock::now());
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
  std::vector<Clock::time_point> polls_closed_;
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
    usleep(200 * 1000);
    const Clock::time_point t0 = Clock::now();
    worker.stop();
    const Clock::time_point stopped = Clock::now();
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(stopped - t0);
    std::fprintf(stderr, "stop() took %lld ms\n", static_cast<long long>(took.count()));
    assert_true(took < std::chrono::seconds(5));
    // The double sees the closed sockets a moment after the client closed them.
    for (int i = 0; i < 30 && janus.polls_closed().size() < 2; ++i) usleep(10 * 1000);
    const auto closed = janus.polls_closed();
    if (closed.size() != 2) fail_msg("%zu of 2 long polls ended by stop()", closed.size());
    for (const Clock::time_point& t : closed) {
      assert_true(t <= stopped + std::chrono::milliseconds(300));
    }
  }
}

}  // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_pollers_end_before_stop_returns),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
