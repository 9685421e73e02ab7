#ifndef NET_BENCH_LIB_CPU_USAGE_H_
#define NET_BENCH_LIB_CPU_USAGE_H_

// CPU time from the kernel's accounting: the whole machine's (/proc/stat),
// the calling thread's (its CPU-time clock) and its context switches
// (getrusage). Each is read before and after a benchmark and subtracted.

#include <chrono>
#include <cstdint>
#include <string_view>
#include <vector>

namespace netbench {

// Time CPUs spent, since boot, from the "cpu" lines of /proc/stat
// (Documentation/filesystems/proc.rst, "1.7 Miscellaneous kernel statistics
// in /proc/stat"). Resolution is one USER_HZ tick (10 ms) per CPU.
struct SystemCpuTimes {
  // user + nice + system + irq + softirq + steal: everything but idle and
  // iowait. guest and guest_nice are not added: the kernel already counts
  // them in user and nice.
  std::chrono::nanoseconds busy{0};
  // Time spent in softirq context (network receive processing among it).
  std::chrono::nanoseconds softirq{0};
  // Time the hypervisor ran something else while a virtual CPU wanted to
  // run: on a VM, the noise a benchmark cannot control.
  std::chrono::nanoseconds steal{0};
  // busy + idle + iowait: every CPU's time, the denominator of shares.
  std::chrono::nanoseconds total{0};
};

// Reads /proc/stat: the sum of the lines of `cpus`, or the aggregate "cpu "
// line when `cpus` is empty. Throws SysError if it cannot be read,
// std::runtime_error if it cannot be parsed.
SystemCpuTimes ReadSystemCpuTimes(const std::vector<int>& cpus = {});

// Parses the text of /proc/stat; its counters are in ticks of
// `ticks_per_second` (sysconf(_SC_CLK_TCK)). Sums the lines "cpuN" of
// `cpus`, or takes the aggregate "cpu " line when `cpus` is empty. Columns
// the kernel adds after the ones used are ignored; columns missing on old
// kernels count as 0. Throws std::runtime_error if a line is missing or has
// fewer than the four columns every kernel has (user nice system idle).
SystemCpuTimes ParseProcStat(std::string_view text, long ticks_per_second,
                             const std::vector<int>& cpus = {});

// /proc/stat's resolution: one USER_HZ tick.
std::chrono::nanoseconds ProcStatTick();

// The calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID).
std::chrono::nanoseconds CurrentThreadCpuTime();

// The calling thread's context switches (getrusage(RUSAGE_THREAD)).
struct ThreadRusage {
  // Switches because the thread blocked (waited for I/O, a lock, a sleep).
  uint64_t voluntary_context_switches = 0;
  // Switches because the scheduler preempted the thread.
  uint64_t involuntary_context_switches = 0;

  uint64_t context_switches() const {
    return voluntary_context_switches + involuntary_context_switches;
  }
};

// Throws SysError.
ThreadRusage ReadThreadRusage();

}  // namespace netbench

#endif  // NET_BENCH_LIB_CPU_USAGE_H_
