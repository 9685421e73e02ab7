#include "benchmarks/interrupt.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "lib/sys_error.h"

namespace netbench {
namespace {

std::atomic<int> g_signal{0};
int g_pipe[2] = {-1, -1};

void OnSignal(int sig) {
  int expected = 0;
  if (g_signal.compare_exchange_strong(expected, sig)) {
    // The next one kills: SA_RESETHAND restored the default action.
    const char byte = 1;
    (void)!::write(g_pipe[1], &byte, 1);
  }
}

}  // namespace

void InstallInterruptHandlers(std::function<void()> on_interrupt) {
  if (::pipe2(g_pipe, O_CLOEXEC) != 0) ThrowErrno("pipe");
  // Detached: it lives as long as the process and holds nothing that needs
  // cleaning up.
  std::thread([on_interrupt = std::move(on_interrupt)] {
    char byte;
    while (RetryEintr([&] { return ::read(g_pipe[0], &byte, 1); }) != 1) {
    }
    on_interrupt();
  }).detach();
  struct sigaction sa{};
  sa.sa_handler = OnSignal;
  sa.sa_flags = SA_RESETHAND | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

int InterruptSignal() { return g_signal.load(std::memory_order_relaxed); }

std::string InterruptMessage() {
  const int sig = InterruptSignal();
  if (sig == 0) return "";
  const char* abbrev = ::sigabbrev_np(sig);
  return std::string("interrupted by SIG") + (abbrev ? abbrev : "?");
}

}  // namespace netbench
