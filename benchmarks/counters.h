#ifndef NET_BENCH_BENCHMARKS_COUNTERS_H_
#define NET_BENCH_BENCHMARKS_COUNTERS_H_

// The counters of DESIGN.md section 3, computed for one run of a benchmark
// (one window, every connection of it) from the records of its
// connections. Pure functions: counters_test.cc drives them with synthetic
// records.
//
// Windows (lib/flow_window.h). Each side of each connection counts only
// what it did inside its own window, on its own clock: the same length, the
// same schedule, after the same warm-up. So:
//  - rates (throughput, messages per second) are the receiving side's: each
//    connection's bytes (or messages) inside its window over that window's
//    length, summed over the connections;
//  - per-byte and per-message costs divide one side's work by that side's
//    own bytes or messages: the sender's CPU by the bytes it sent inside its
//    window, the receiver's by the bytes it received inside its own;
//  - the system's CPU comes from a sampler reading the run's CPUs at the
//    window's nominal ends, over the bytes the rate says moved meanwhile.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/wait_policy.h"
#include "harness/protocol.h"
#include "lib/cpu_profile.h"
#include "lib/cpu_usage.h"
#include "lib/histogram.h"
#include "lib/side_record.h"
#include "lib/system_usage.h"

namespace netbench {

// One connection of a run.
struct ConnectionRecord {
  int index = 0;      // the connection's, 0..threads-1
  SideRecord client;  // the benchmark thread's window: tx in Stream, rx in RR
  SideRecord server;  // the server thread's window, from its Report

  const SideRecord& tx(Pattern p) const {
    return ClientSends(p) ? client : server;
  }
  const SideRecord& rx(Pattern p) const {
    return ClientSends(p) ? server : client;
  }
};

// Everything one run measured.
struct RunRecord {
  Pattern pattern = Pattern::kStream;
  size_t message_size = 0;
  bool zero_copy_notified = false;  // ZeroCopy, UringZeroCopy
  bool rx_zerocopy = false;         // --rx=zerocopy
  WaitPolicy wait = WaitPolicy::kBlock;
  std::vector<ConnectionRecord> connections;
  // The run's CPUs over the window, when they could be read.
  std::optional<SystemUsage> system;
  // RR: every round trip of every connection inside its window.
  const LatencyHistogram* round_trips = nullptr;
  // --profile: the run's CPUs sampled over the window, when they were.
  const CpuProfile* profile = nullptr;
};

// Sums over one side of every connection, computed once per run.
struct SideTotals {
  double msgs = 0;
  double bytes = 0;
  double msgs_per_ns = 0;   // Σ messages / window, over the connections
  double bytes_per_ns = 0;  // Σ bytes / window
};

// What every counter's computation reads: the run, and its sums.
struct RunTotals {
  const RunRecord& run;
  SideTotals tx;
  SideTotals rx;
  double connections;
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
// counter whose inputs were not measured (hardware counters on a VM, the
// copied verdict on an old kernel) or are too coarse for the window
// (/proc/stat's ticks under a 1 s window) is left out, never set to zero,
// and never averaged over the connections that have it: it is absent
// unless every connection measured it.
CounterList ComputeCounters(const RunRecord& run);

// The run's label: how its threads waited and the CPUs each ran on:
// "wait=block cpus tx=0 rx=1", one CPU entry per connection ("tx=0,0
// rx=1,1"), "0|1" for a thread seen on two CPUs, "?" where unknown.
std::string DescribeRun(const RunRecord& run);

// Sets `counters` on `state` as plain values: the caller is the one thread
// of the run that sets them, so Google Benchmark's sum over threads leaves
// them unchanged.
void SetCounters(benchmark::State& state, const CounterList& counters);

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_COUNTERS_H_
