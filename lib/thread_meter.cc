#include "lib/thread_meter.h"

#include <unistd.h>

#include <chrono>
#include <exception>

#include "lib/cpu_usage.h"
#include "lib/placement.h"

namespace netbench {
namespace {

uint64_t CpuNs() {
  return static_cast<uint64_t>(CurrentThreadCpuTime().count());
}

uint64_t RusageSwitches() {
  try {
    return ReadThreadRusage().context_switches();
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

ThreadMeter::ThreadMeter() {
  // Without a PMU there is nothing to open: CPU time comes from the
  // thread's CPU clock and context switches from getrusage. (An active perf
  // event would make every context switch of the thread dearer, the
  // scheduler switching its events in and out: about 3% of an RR round trip
  // here, tools/harness_check.)
  if (!HardwareCountersAvailable()) return;
  try {
    counters_ = ThreadPerfCounters::Open(::gettid());
  } catch (const std::exception&) {
    // perf_event_open refused outright: CPU time and getrusage remain.
  }
}

void ThreadMeter::Start() {
  start_cpu_ = CurrentCpu();
  start_reading_ = counters_.Read();
  start_ctx_switches_ = RusageSwitches();
  start_cpu_ns_ = CpuNs();
  start_ns_ = SteadyNowNs();
}

void ThreadMeter::Stop(SideRecord* record) const {
  record->end_ns = SteadyNowNs();
  record->start_ns = start_ns_;
  record->cpu_ns = CpuNs() - start_cpu_ns_;
  const PerfReading used = counters_.Read() - start_reading_;
  record->ctx_switches = RusageSwitches() - start_ctx_switches_;
  record->cycles = used.cycles();
  record->instructions = used.instructions();
  record->llc_misses = used.llc_load_misses();
  record->cpu_at_start = start_cpu_;
  record->cpu_at_end = CurrentCpu();
}

}  // namespace netbench
