#ifndef NET_BENCH_LIB_SYSTEM_USAGE_H_
#define NET_BENCH_LIB_SYSTEM_USAGE_H_

// The CPUs' time over a window, beyond the benchmark's own threads: the
// softirq work the kernel does in ksoftirqd or on another thread's time, the
// hypervisor's steal. Taken from the CPUs a run uses (--cpus) only.
//
// /proc/stat counts in USER_HZ ticks (10 ms): over a 0.2 s window on two
// CPUs that is a 2.5% step, coarser than the rule of DESIGN.md section 3 ("a
// counter coarser than 1% of the window is not printed as if it were
// precise"). Where the cpuidle driver exposes it
// (Documentation/admin-guide/pm/cpuidle.rst, "state<N>/time": microseconds
// spent in each idle state), a CPU's idle time is known to the microsecond,
// and so its busy time. The kernel adds an idle period to those counts when
// the period ends, so each CPU's are read by a thread running on that CPU:
// its idle period has just ended.

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "lib/cpu_usage.h"

namespace netbench {

struct SystemSample {
  int64_t at_ns = 0;     // steady clock, after the reads
  SystemCpuTimes ticks;  // the CPUs' /proc/stat lines
  // Σ cpuidle time of the CPUs; absent without a cpuidle driver.
  std::optional<std::chrono::nanoseconds> idle;
};

// Reads the CPUs of `cpus`: moves the calling thread to each in turn to
// read its idle time, and restores its affinity. Throws SysError when
// /proc/stat cannot be read.
SystemSample SampleSystem(const std::vector<int>& cpus);

// What the CPUs did between two samples.
struct SystemUsage {
  std::chrono::nanoseconds wall{0};  // between the samples
  int cpus = 0;
  SystemCpuTimes ticks;  // /proc/stat differences
  // Busy time of the CPUs to the microsecond (wall x CPUs less idle, less
  // steal), when every sample had idle times.
  std::optional<std::chrono::nanoseconds> busy;
  // Whether the tick counts are precise to 1% of the window (a window of
  // 100 ticks or more).
  bool ticks_precise = false;
};

SystemUsage UsageBetween(const SystemSample& start, const SystemSample& end,
                         int cpus);

// Idle time of `cpu` from its cpuidle states, absent without a cpuidle
// driver. Exact only when read on `cpu` itself.
std::optional<std::chrono::nanoseconds> CpuIdleTime(int cpu);

}  // namespace netbench

#endif  // NET_BENCH_LIB_SYSTEM_USAGE_H_
