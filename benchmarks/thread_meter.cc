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
