#ifndef NET_BENCH_LIB_THREAD_METER_H_
#define NET_BENCH_LIB_THREAD_METER_H_

#include <cstdint>

#include "lib/perf_counters.h"
#include "lib/side_record.h"

namespace netbench {

// Measures the thread that creates it over one window: wall time (the
// steady clock), CPU time (its CPU-time clock), context switches
// (getrusage), the hardware counters where the PMU offers them, and the CPU it
// ran on at each end. Create, Start and Stop it on the same thread; opening the
// perf events happens in the constructor, outside the window.
class ThreadMeter {
 public:
  ThreadMeter();
  // Opens the window.
  void Start();
  // Closes the window and writes its measurements (start_ns, end_ns,
  // cpu_ns, ctx_switches, the hardware counters, cpu_at_start/end) into
  // `*record`, leaving its other fields alone.
  void Stop(SideRecord* record) const;

 private:
  ThreadPerfCounters counters_;
  PerfReading start_reading_;
  int64_t start_ns_ = 0;
  uint64_t start_cpu_ns_ = 0;
  uint64_t start_ctx_switches_ = 0;
  int start_cpu_ = -1;
};

// steady_clock now, in nanoseconds: the clock of SideRecord's times.
int64_t SteadyNowNs();

}  // namespace netbench

#endif  // NET_BENCH_LIB_THREAD_METER_H_
