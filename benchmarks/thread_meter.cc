#include "benchmarks/thread_meter.h"

#include <unistd.h>

#include <exception>

#include "lib/cpu_usage.h"

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

ThreadMeter::ThreadMeter() {
  // Without a PMU, perf would only add software events that the thread's
  // CPU clock and getrusage already give, and an active perf event makes
  // every context switch of the thread dearer (the scheduler switches its
  // events in and out): about 3% of an RR round trip here (tools/harness_check).
  if (!HardwareCountersAvailable()) return;
  try {
    counters_ = ThreadPerfCounters::Open(::gettid());
  } catch (const std::exception&) {
    // perf_event_open refused outright: CPU time and getrusage remain.
  }
}

void ThreadMeter::Start() {
  start_reading_ = counters_.Read();
  start_ctx_switches_ = RusageSwitches();
  start_cpu_ns_ = CpuNs();
}

ThreadSample ThreadMeter::Stop() const {
  ThreadSample s;
  s.cpu_ns = CpuNs() - start_cpu_ns_;
  const PerfReading used = counters_.Read() - start_reading_;
  s.ctx_switches =
      used.context_switches().value_or(RusageSwitches() - start_ctx_switches_);
  s.cycles = used.cycles();
  s.instructions = used.instructions();
  s.llc_misses = used.llc_load_misses();
  return s;
}

}  // namespace netbench
