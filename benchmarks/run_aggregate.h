#ifndef NET_BENCH_BENCHMARKS_RUN_AGGREGATE_H_
#define NET_BENCH_BENCHMARKS_RUN_AGGREGATE_H_

#include <benchmark/benchmark.h>

#include <mutex>

#include "lib/cpu_usage.h"
#include "lib/histogram.h"

namespace netbench {

// The counters that belong to a whole run rather than to one of its threads:
// the RR round-trip percentiles over every thread's round trips, and the
// whole machine's CPU time per byte (from /proc/stat, so that work deferred
// to ksoftirqd, outside the benchmark's threads, is counted too).
//
// Google Benchmark runs one benchmark at a time, its threads together: every
// thread calls Begin() once before its timed loop and End() once after it,
// whatever happened. The last thread to end sets the run's counters on its
// own State; the runner then adds them to the other threads' (which do not
// set them), so each appears once.
class RunAggregate {
 public:
  static RunAggregate& Instance();

  void Begin();
  // `round_trips` may be null (Stream). `bytes` is what this thread moved.
  void End(benchmark::State& state, const LatencyHistogram* round_trips,
           double bytes);

 private:
  std::mutex mu_;
  int begun_ = 0;
  int ended_ = 0;
  bool cpu_ok_ = false;
  SystemCpuTimes cpu_start_;
  double bytes_ = 0;
  LatencyHistogram round_trips_;
};

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_RUN_AGGREGATE_H_
