// The stop signals (benchmarks/interrupt.h): the first SIGINT or SIGTERM
// ends a blocking call in the thread that takes it instead of being
// swallowed by a restart of that call, and RetryEintr does not retry the
// call that the stop interrupted. Each test runs in a child process of its
// own (a death test): the handlers are process-wide.

#include "benchmarks/interrupt.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "base/sys_error.h"

namespace netbench {
namespace {

using namespace std::chrono_literals;

// In the child: blocks in read(2) on a pipe nobody writes, with `sig` sent
// to this very thread after 100 ms, and exits 0 when the read returned
// EINTR and the signal was recorded. A read restarted after the signal
// blocks for good: SIGALRM ends the child after 5 s instead.
[[noreturn]] void BlockedReadGetsStopSignal(int sig) {
  InstallInterruptHandlers();
  int fds[2];
  if (::pipe(fds) != 0) std::_Exit(3);
  ::alarm(5);
  const pthread_t self = ::pthread_self();
  std::thread([self, sig] {
    std::this_thread::sleep_for(100ms);
    ::pthread_kill(self, sig);
  }).detach();
  char c = 0;
  const ssize_t r = RetryEintr([&] { return ::read(fds[0], &c, 1); });
  const bool interrupted = r == -1 && errno == EINTR;
  std::_Exit(interrupted && InterruptSignal() == sig ? 0 : 1);
}

TEST(InterruptDeathTest, SigintEndsABlockedCallAtOnce) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(BlockedReadGetsStopSignal(SIGINT), ::testing::ExitedWithCode(0),
              "");
}

TEST(InterruptDeathTest, SigtermEndsABlockedCallAtOnce) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(BlockedReadGetsStopSignal(SIGTERM), ::testing::ExitedWithCode(0),
              "");
}

// Any other signal's EINTR is noise: RetryEintr retries the call.
TEST(InterruptDeathTest, OtherSignalsAreRetried) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        InstallInterruptHandlers();
        struct sigaction sa {};
        sa.sa_handler = [](int) {};
        ::sigaction(SIGUSR1, &sa, nullptr);  // no SA_RESTART: EINTR
        int fds[2];
        if (::pipe(fds) != 0) std::_Exit(3);
        ::alarm(5);
        const pthread_t self = ::pthread_self();
        const int writer = fds[1];
        std::thread([self, writer] {
          std::this_thread::sleep_for(50ms);
          ::pthread_kill(self, SIGUSR1);
          std::this_thread::sleep_for(50ms);
          (void)!::write(writer, "x", 1);
        }).detach();
        char c = 0;
        const ssize_t r = RetryEintr([&] { return ::read(fds[0], &c, 1); });
        std::_Exit(r == 1 && c == 'x' ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace netbench
