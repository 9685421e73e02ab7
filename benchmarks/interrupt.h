#ifndef NET_BENCH_BENCHMARKS_INTERRUPT_H_
#define NET_BENCH_BENCHMARKS_INTERRUPT_H_

#include <functional>
#include <string>

namespace netbench {

// SIGINT / SIGTERM stop a run cleanly: the handler only records the signal
// (async-signal-safe); a watcher thread then runs `on_interrupt` (which cuts
// every live connection, so blocked sends and receives return at once), and
// every benchmark that starts afterwards skips with "interrupted". Google
// Benchmark still writes its JSON, with the finished benchmarks' results. A
// second signal kills the process the default way; the kernel still frees
// the namespaces, which are held only as file descriptors.
void InstallInterruptHandlers(std::function<void()> on_interrupt);

// The signal that interrupted the run, or 0.
int InterruptSignal();

// "interrupted by SIGINT" (or SIGTERM); "" when the run was not interrupted.
std::string InterruptMessage();

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_INTERRUPT_H_
