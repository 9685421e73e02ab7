#ifndef NET_BENCH_BENCHMARKS_COUNTERS_H_
#define NET_BENCH_BENCHMARKS_COUNTERS_H_

// The counters of DESIGN.md section 3, computed for one run of a benchmark
// (one call of the benchmark function by all its threads) from the records
// of its connections. Pure functions: counters_test.cc drives them with
// synthetic records.
//
// Windows. Every counter of a run is taken over one window: from the moment
// every connection is up and the timed loop starts (the earliest loop start
// of its threads) to the moment the receiver has consumed the last byte (the
// latest end of its connections). Per connection:
//  - Stream: the client's loop start to the server's end of stream, which
//    follows its last message at once (the client shuts the connection down
//    right after its last send).
//  - RR: the client's loop start to its receipt of the last answer.
// Throughput is total bytes over that wall time, not a mean over threads.
// CPU time, syscalls and context switches of each thread are read at its own
// ends of the window; setup (connecting, creating the sender or receiver,
// pools, probes) and teardown (zero-copy drains, the report) are outside it.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/protocol.h"
#include "lib/cpu_usage.h"
#include "lib/histogram.h"
#include "lib/side_record.h"

namespace netbench {

// One connection of a run.
struct ConnectionRecord {
  SideRecord client;  // the benchmark thread: tx in Stream, rx in RR
  SideRecord server;  // the server's thread, from its Report
  // The connection's share of the window, on the client's steady clock.
  int64_t window_start_ns = 0;
  int64_t window_end_ns = 0;

  const SideRecord& tx(Pattern p) const {
    return p == Pattern::kStream ? client : server;
  }
  const SideRecord& rx(Pattern p) const {
    return p == Pattern::kStream ? server : client;
  }
};

// Everything one run measured.
struct RunRecord {
  Pattern pattern = Pattern::kStream;
  size_t message_size = 0;
  bool zero_copy_notified = false;  // ZeroCopy, UringZeroCopy
  bool rx_zerocopy = false;         // --rx=zerocopy
  std::vector<ConnectionRecord> connections;
  // Every CPU's time over the window (/proc/stat), when it could be read.
  std::optional<SystemCpuTimes> system;
  // RR: every round trip of every connection.
  const LatencyHistogram* round_trips = nullptr;
};

// What every counter's computation reads: the run, and the figures of its
// window computed once.
struct RunTotals {
  const RunRecord& run;
  double window_ns;    // first loop start to last end, over the connections
  double msgs;         // messages of every connection
  double bytes;        // msgs x message size
  double connections;  // how many
};

// The counter vocabulary: every user counter net_bench can write, with the
// label (and unit) the report shows, which direction is better, and how it
// is computed. Written into the JSON context ("counters") so that the tools
// read it instead of keeping their own list.
struct CounterInfo {
  std::string_view name;
  std::string_view label;   // with its unit: "throughput (Gbit/s)"
  std::string_view better;  // "higher", "lower" or "" (neither)
  // The value, or absent when its inputs were not measured.
  std::optional<double> (*compute)(const RunTotals& totals);
};
std::span<const CounterInfo> CounterTable();

using CounterList = std::vector<std::pair<std::string, double>>;

// The run's counters, by name, every one of them in CounterTable(). A
// counter whose inputs were not measured
// (hardware counters on a VM, the copied verdict on an old kernel) is left
// out, never set to zero, and never averaged over the connections that have
// it: it is absent unless every connection measured it.
CounterList ComputeCounters(const RunRecord& run);

// The CPUs each thread ran on, for the run's label: "cpus tx=0 rx=1", one
// entry per connection ("tx=0,0 rx=1,1"), "0|1" for a thread seen on two
// CPUs, "?" where unknown.
std::string DescribeCpus(const RunRecord& run);

// Sets `counters` on `state` as plain values: the caller is the one thread
// of the run that sets them, so Google Benchmark's sum over threads leaves
// them unchanged.
void SetCounters(benchmark::State& state, const CounterList& counters);

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_COUNTERS_H_
