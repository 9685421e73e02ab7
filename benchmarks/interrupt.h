#ifndef NET_BENCH_BENCHMARKS_INTERRUPT_H_
#define NET_BENCH_BENCHMARKS_INTERRUPT_H_

#include <chrono>
#include <functional>
#include <string>

namespace netbench {

// SIGINT / SIGTERM stop a run cleanly, at any moment after the first line of
// main. The handler only records the signal (also for RetryEintr,
// base/stop_request.h) and makes InterruptFd() readable
// (async-signal-safe); it is installed without SA_RESTART, so that a call
// blocked in the thread that takes the signal returns at once with EINTR.
// During setup, main checks InterruptSignal() between steps; once the
// benchmarks run, a watcher thread runs `on_interrupt` (which cuts every live
// connection, so blocked sends and receives return at once), and every
// benchmark that starts afterwards skips with "interrupted". Google Benchmark
// still writes its JSON, with the finished benchmarks' results. A second signal
// kills the process the default way; the kernel still frees the namespaces,
// which are held only as file descriptors.
//
// Installing the handlers starts no thread: entering a user namespace
// (netns::EnsureNamespacePrivilege) needs a single-threaded process, and the
// handlers must already be in place while it runs.
void InstallInterruptHandlers();

// While it exists, `on_interrupt` runs (once, on a watcher thread) when the
// first signal arrives, or at once if it already has; the destructor waits
// for a run in progress, so what the action touches may go right after it.
// The watcher thread is started by the first of these objects.
// REQUIRES: InstallInterruptHandlers() was called; one at a time.
class ScopedInterruptAction {
 public:
  explicit ScopedInterruptAction(std::function<void()> on_interrupt);
  ~ScopedInterruptAction();
  ScopedInterruptAction(const ScopedInterruptAction&) = delete;
  ScopedInterruptAction& operator=(const ScopedInterruptAction&) = delete;
};

// The signal that interrupted the run, or 0.
int InterruptSignal();

// "interrupted by SIGINT" (or SIGTERM); "" when the run was not interrupted.
std::string InterruptMessage();

// A file descriptor that becomes readable (POLLIN) when the run is
// interrupted and stays so: poll it beside whatever a wait is for. -1 before
// InstallInterruptHandlers().
int InterruptFd();

// Sleeps for `duration` or until an interrupt, whichever comes first.
// Returns true when interrupted.
bool SleepUnlessInterrupted(std::chrono::milliseconds duration);

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_INTERRUPT_H_
