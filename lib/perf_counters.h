#ifndef NET_BENCH_LIB_PERF_COUNTERS_H_
#define NET_BENCH_LIB_PERF_COUNTERS_H_

// Per-thread hardware performance counters from perf_event_open(2): cycles,
// instructions and last-level-cache load misses. Read before and after a
// benchmark, never per message. CPU time and context switches come from the
// thread's CPU clock and getrusage (lib/cpu_usage.h), not from perf's
// software events.

#include <sys/types.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/unique_fd.h"

namespace netbench {

enum class PerfEvent {
  kCycles,         // PERF_COUNT_HW_CPU_CYCLES
  kInstructions,   // PERF_COUNT_HW_INSTRUCTIONS
  kLlcLoadMisses,  // PERF_TYPE_HW_CACHE: LL | OP_READ | RESULT_MISS
};
inline constexpr size_t kNumPerfEvents = 3;

// A short name fit for a benchmark counter, e.g. "llc_load_misses".
const char* PerfEventName(PerfEvent event);

// The counts of one ThreadPerfCounters at one moment, or (after - before)
// between two moments.
class PerfReading {
 public:
  // The count, scaled for multiplexing (raw * time_enabled / time_running)
  // when the PMU had to share its counters. Absent, never 0, when the event
  // was not measured: not opened, or never scheduled on the PMU while the
  // thread ran.
  std::optional<uint64_t> Get(PerfEvent event) const;
  std::optional<uint64_t> cycles() const { return Get(PerfEvent::kCycles); }
  std::optional<uint64_t> instructions() const {
    return Get(PerfEvent::kInstructions);
  }
  std::optional<uint64_t> llc_load_misses() const {
    return Get(PerfEvent::kLlcLoadMisses);
  }

  // The counts between two readings of the same counters. Raw counts and
  // times are subtracted before scaling, so multiplexing before `before` does
  // not distort the interval. REQUIRES: both read from the same
  // ThreadPerfCounters, `before` first.
  friend PerfReading operator-(const PerfReading& after,
                               const PerfReading& before);

 private:
  friend class ThreadPerfCounters;
  struct Sample {
    bool measured = false;
    uint64_t value = 0;
    uint64_t time_enabled = 0;
    uint64_t time_running = 0;
  };
  std::array<Sample, kNumPerfEvents> samples_{};
};

// The counters of one thread, open until destroyed. Move-only.
class ThreadPerfCounters {
 public:
  // Opens the counters on thread `tid` (gettid(); 0 is the calling thread),
  // any thread of this process. Counting starts now and follows the thread
  // on every CPU. Kernel mode is counted where permitted, else user mode
  // only (see kernel_included()). Events the machine lacks or forbids are
  // left out, and the first time in the process that a kind is left out it
  // is said once on stderr. Throws SysError for other failures (ESRCH: no
  // such thread; EMFILE).
  static ThreadPerfCounters Open(pid_t tid);

  // No counters: every reading is absent.
  ThreadPerfCounters() = default;
  ThreadPerfCounters(ThreadPerfCounters&&) = default;
  ThreadPerfCounters& operator=(ThreadPerfCounters&&) = default;

  // The counts since Open: one read(2) of the group. Throws SysError.
  PerfReading Read() const;

  bool has(PerfEvent event) const {
    return fds_[static_cast<size_t>(event)].valid();
  }
  // Whether any of cycles, instructions and LLC load misses is counted.
  bool has_hardware() const { return !hardware_.empty(); }
  // Whether the counts include what the thread did in kernel mode
  // (exclude_kernel = 0). If false, they count user mode only.
  bool kernel_included() const { return kernel_included_; }

 private:
  // Opens `event` into fds_ as a member of hardware_ (leader first).
  // Returns the errno that made the kernel refuse it, or 0.
  int OpenEvent(PerfEvent event, pid_t tid);

  std::array<UniqueFd, kNumPerfEvents> fds_;
  // One group, read with a single read(2) (PERF_FORMAT_GROUP); its events
  // are scheduled on and off the PMU together, so ratios such as
  // instructions per cycle cover the same instants.
  std::vector<PerfEvent> hardware_;
  bool kernel_included_ = true;
  // Whether the kernel has accepted or refused an event on permission
  // grounds, fixing kernel_included_ for the events after it.
  bool kernel_decided_ = false;
};

// Whether this machine counts hardware events for this process (a virtual
// machine often exposes no PMU). Probed once, on the first call.
bool HardwareCountersAvailable();
// Why not, e.g. "perf_event_open(cycles): No such file or directory (no PMU
// exposes the event; a virtual machine?)"; empty if available.
std::string HardwareCountersUnavailableReason();
// Whether they count kernel mode too (user+kernel), or user mode only
// (kernel.perf_event_paranoid >= 2 without CAP_PERFMON): a cycles-per-byte
// figure means something else in each case. False when not available.
bool HardwareCountersIncludeKernel();

}  // namespace netbench

#endif  // NET_BENCH_LIB_PERF_COUNTERS_H_
