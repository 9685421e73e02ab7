#ifndef NET_BENCH_BENCHMARKS_COUNTERS_H_
#define NET_BENCH_BENCHMARKS_COUNTERS_H_

#include <benchmark/benchmark.h>

#include <cstdint>
#include <optional>

#include "benchmarks/protocol.h"
#include "benchmarks/thread_meter.h"
#include "lib/receiver.h"
#include "lib/sender.h"

namespace netbench {

// One side of a connection over the timed run: the thread that sends the
// messages of the mode under test (tx) or the one that receives them (rx).
struct SideUsage {
  ThreadSample usage;
  uint64_t syscalls = 0;
};

// What one benchmark thread measured over its connection.
struct ThreadMeasurements {
  uint64_t messages = 0;
  size_t message_size = 0;
  double elapsed_ns = 0;  // wall time of the timed loop
  SideUsage tx;
  std::optional<SideUsage> rx;  // absent when the receiver is remote
  bool zero_copy_notified = false;  // ZeroCopy / UringZeroCopy
  SenderStats zc;  // the tx side's sender statistics
  bool rx_zerocopy = false;  // --rx=zerocopy
  uint64_t mapped_bytes = 0;
  uint64_t copied_bytes = 0;
};

// Turns a Report's fields into a SideUsage (kAbsent -> absent).
SideUsage FromReport(const Report& r);
void CopyZeroCopyStats(const Report& r, SenderStats* zc);

// Sets this thread's user counters (DESIGN.md section 3): throughput and
// message rate as rates summed over threads, per-byte and per-message costs
// averaged over threads (every thread runs the same number of iterations,
// so the average of ratios is the ratio of sums). Counters that were not
// measured are left out, never set to zero.
void SetThreadCounters(benchmark::State& state, const ThreadMeasurements& m);

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_COUNTERS_H_
