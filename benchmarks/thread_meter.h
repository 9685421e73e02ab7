#ifndef NET_BENCH_BENCHMARKS_THREAD_METER_H_
#define NET_BENCH_BENCHMARKS_THREAD_METER_H_

#include <cstdint>
#include <optional>

#include "lib/perf_counters.h"

namespace netbench {

// What one thread consumed over an interval. Hardware counters are absent
// when the machine has none (never zero for "not measured").
struct ThreadSample {
  uint64_t cpu_ns = 0;
  uint64_t ctx_switches = 0;
  std::optional<uint64_t> cycles;
  std::optional<uint64_t> instructions;
  std::optional<uint64_t> llc_misses;
};

// Measures the thread that creates it: CPU time (its CPU-time clock),
// context switches (perf's software event, or getrusage where perf is
// refused) and the hardware counters where the PMU offers them. Create,
// Start and Stop it on the same thread.
class ThreadMeter {
 public:
  ThreadMeter();
  void Start();
  // The consumption since Start().
  ThreadSample Stop() const;

 private:
  ThreadPerfCounters counters_;
  PerfReading start_reading_;
  uint64_t start_cpu_ns_ = 0;
  uint64_t start_ctx_switches_ = 0;
};

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_THREAD_METER_H_
