#ifndef NET_BENCH_LIB_CPU_SAMPLER_H_
#define NET_BENCH_LIB_CPU_SAMPLER_H_

// Sampling every CPU of a run (DESIGN.md section 7): one perf event per CPU
// and per event kind, for every task on that CPU (pid = -1, cpu = N), each
// sample with its kernel and user call chain, written by the kernel into a
// ring buffer per event (lib/perf_ring.h) and read after the window.
//
// The software cpu-clock event works everywhere, virtual machines without
// a PMU included: an hrtimer that fires every 1/hz s of each CPU's time.
// Where a PMU exists, cycles and LLC load misses are sampled too (the cache
// question of the study). The events are opened disabled and enabled only
// for the window, by whoever knows its ends (benchmarks/run_group.cc); each
// sample carries its CLOCK_MONOTONIC time, so that a sample outside the
// window can still be told and discarded.
//
// Per-CPU events need CAP_PERFMON (or root), or kernel.perf_event_paranoid
// <= 0 (Documentation/admin-guide/perf-security.rst); the kernel's call
// chains need kernel profiling (paranoid <= 1) and their symbols need
// /proc/kallsyms's addresses (kernel.kptr_restrict, CAP_SYSLOG).
// CpuSamplingSupport() says whether this process has all of it, and if not
// why, in one line.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "lib/perf_ring.h"

namespace netbench {

enum class SampledEvent : uint8_t {
  kCpuClock,   // PERF_COUNT_SW_CPU_CLOCK; a sample's period in ns
  kCycles,     // PERF_COUNT_HW_CPU_CYCLES
  kLlcMisses,  // PERF_TYPE_HW_CACHE: LL | OP_READ | RESULT_MISS
};
inline constexpr size_t kNumSampledEvents = 3;
const char* SampledEventName(SampledEvent event);

struct SamplerOptions {
  std::vector<int> cpus;
  int hz = 500;  // samples per second of each CPU's time, per event
  // The window: the rings are sized to hold its samples, read after it.
  std::chrono::nanoseconds window{std::chrono::milliseconds(500)};
  bool hardware = true;  // also cycles and LLC misses where a PMU exists
};

// One sample as the kernel wrote it (PERF_RECORD_SAMPLE with
// IP | TID | TIME | CPU | PERIOD | CALLCHAIN).
struct RawSample {
  SampledEvent event = SampledEvent::kCpuClock;
  bool kernel = false;  // taken in kernel mode
  uint32_t pid = 0;     // 0: the idle task
  uint32_t tid = 0;
  uint64_t time_ns = 0;  // CLOCK_MONOTONIC, as steady_clock
  uint32_t cpu = 0;
  uint64_t period = 0;  // the events it stands for (ns for cpu-clock)
  // Innermost first: PERF_CONTEXT_KERNEL, kernel IPs, PERF_CONTEXT_USER,
  // user IPs (include/uapi/linux/perf_event.h, enum perf_callchain_context).
  std::span<const uint64_t> chain;
};

// Records the kernel could not write (ring full) or throttled.
struct SamplerLosses {
  uint64_t lost = 0;       // PERF_RECORD_LOST: samples dropped
  uint64_t throttled = 0;  // PERF_RECORD_THROTTLE: sampling paused
};

class CpuSampler {
 public:
  // Opens the events on every CPU of options.cpus, disabled. Throws
  // SysError when the kernel refuses cpu-clock; cycles and LLC misses are
  // left out where the machine lacks them.
  static CpuSampler Open(const SamplerOptions& options);

  CpuSampler() = default;
  CpuSampler(CpuSampler&&) = default;
  CpuSampler& operator=(CpuSampler&&) = default;

  // Start and stop every ring's event: one ioctl each.
  void Enable();
  void Disable();

  // Calls `visit` for every sample in every ring, ring by ring, and empties
  // the rings. Outside the window: it allocates nothing per sample.
  SamplerLosses Drain(const std::function<void(const RawSample&)>& visit);

  // The event kinds opened (cpu-clock first).
  const std::vector<SampledEvent>& events() const { return events_; }

 private:
  struct Ring {
    SampledEvent event;
    PerfRing ring;
  };
  std::vector<Ring> rings_;
  std::vector<SampledEvent> events_;
};

struct SamplingSupport {
  bool permitted = false;
  std::string reason;  // when not: why, and what to change
  bool hardware = false;
  std::string hardware_reason;  // when not: why cycles are not sampled
};
// Whether this process may sample every CPU with kernel call chains, and
// whether cycles and LLC misses can be sampled, probed on `cpu` now.
SamplingSupport ProbeCpuSampling(int cpu);
// The same, probed once per process, on the `cpu` of the first call.
const SamplingSupport& CpuSamplingSupport(int cpu);

// The attributes of `event` sampled at `hz` (exposed for tests).
perf_event_attr SamplingAttr(SampledEvent event, int hz);

}  // namespace netbench

#endif  // NET_BENCH_LIB_CPU_SAMPLER_H_
