#include "benchmarks/interrupt.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <thread>

#include "base/stop_request.h"
#include "base/sys_error.h"

namespace netbench {
namespace {

std::atomic<int> g_signal{0};
// Written once by the handler and never read, so that its read end stays
// readable: any number of waits can poll it, level-triggered.
int g_pipe[2] = {-1, -1};

void OnSignal(int sig) {
  RequestStop();
  int expected = 0;
  if (g_signal.compare_exchange_strong(expected, sig)) {
    // The next one kills: SA_RESETHAND restored the default action.
    const char byte = 1;
    (void)!::write(g_pipe[1], &byte, 1);
  }
}

}  // namespace

void InstallInterruptHandlers() {
  if (::pipe2(g_pipe, O_CLOEXEC) != 0) ThrowErrno("pipe");
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  // No SA_RESTART: a call blocked in the thread that takes the signal (an
  // open(2), a read(2), a wait) returns EINTR instead of resuming its wait,
  // and RetryEintr does not retry it (base/stop_request.h), so the stop is
  // never swallowed by a wait that began before it.
  sa.sa_flags = SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

namespace {

// The action of the live ScopedInterruptAction, if any; the watcher runs it
// under the lock, so that its owner cannot go while it runs.
std::mutex g_action_mu;
std::function<void()> g_action;  // guarded by g_action_mu
bool g_action_ran = false;       // guarded by g_action_mu

void RunActionOnce() {
  std::lock_guard lock(g_action_mu);
  if (g_action && !g_action_ran) {
    g_action_ran = true;
    g_action();
  }
}

}  // namespace

ScopedInterruptAction::ScopedInterruptAction(
    std::function<void()> on_interrupt) {
  {
    std::lock_guard lock(g_action_mu);
    g_action = std::move(on_interrupt);
    g_action_ran = false;
  }
  static std::once_flag started;
  std::call_once(started, [] {
    // Detached: it lives as long as the process and holds nothing that
    // needs cleaning up.
    std::thread([] {
      pollfd p{g_pipe[0], POLLIN, 0};
      while (::poll(&p, 1, -1) != 1) {
      }
      RunActionOnce();
    }).detach();
  });
  // A signal that came before: the watcher may have found no action.
  if (InterruptSignal()) RunActionOnce();
}

ScopedInterruptAction::~ScopedInterruptAction() {
  std::lock_guard lock(g_action_mu);
  g_action = nullptr;
}

int InterruptSignal() { return g_signal.load(std::memory_order_relaxed); }

std::string InterruptMessage() {
  const int sig = InterruptSignal();
  if (sig == 0) return "";
  const char* abbrev = ::sigabbrev_np(sig);
  return std::string("interrupted by SIG") + (abbrev ? abbrev : "?");
}

int InterruptFd() { return g_pipe[0]; }

bool SleepUnlessInterrupted(std::chrono::milliseconds duration) {
  const auto deadline = std::chrono::steady_clock::now() + duration;
  while (!InterruptSignal()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{InterruptFd(), POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(left.count()));  // EINTR: loop again
  }
  return true;
}

}  // namespace netbench
