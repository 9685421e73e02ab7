#ifndef NET_BENCH_LIB_PERF_COUNTERS_H_
#define NET_BENCH_LIB_PERF_COUNTERS_H_

// Per-thread performance counters from perf_event_open(2): cycles,
// instructions and last-level-cache load misses (hardware events), task-clock
// and context switches (software events). Read before and after a benchmark,
// never per message.

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
  kCycles,           // PERF_COUNT_HW_CPU_CYCLES
  kInstructions,     // PERF_COUNT_HW_INSTRUCTIONS
  kLlcLoadMisses,    // PERF_TYPE_HW_CACHE: LL | OP_READ | RESULT_MISS
  kTaskClock,        // PERF_COUNT_SW_TASK_CLOCK, in nanoseconds
  kContextSwitches,  // PERF_COUNT_SW_CONTEXT_SWITCHES
};
inline constexpr size_t kNumPerfEvents = 5;

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
  std::optional<uint64_t> task_clock_ns() const {
    return Get(PerfEvent::kTaskClock);
  }
  std::optional<uint64_t> context_switches() const {
    return Get(PerfEvent::kContextSwitches);
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
  // such thread; EMFILE). `software` also opens task-clock and context
  // switches; a caller with its own clock and getrusage leaves them out.
  static ThreadPerfCounters Open(pid_t tid, bool software = true);

  // No counters: every reading is absent.
  ThreadPerfCounters() = default;
  ThreadPerfCounters(ThreadPerfCounters&&) = default;
  ThreadPerfCounters& operator=(ThreadPerfCounters&&) = default;

  // The counts since Open: one read(2) per group (two at most). Throws
  // SysError.
  PerfReading Read() const;

  bool has(PerfEvent event) const {
    return fds_[static_cast<size_t>(event)].valid();
  }
  // Whether any of cycles, instructions and LLC load misses is counted.
  bool has_hardware() const { return !hardware_.empty(); }
  // Whether the counts include what the thread did in kernel mode
  // (exclude_kernel = 0). If false, hardware events count user mode only,
  // context switches, which perf only sees in kernel mode, are left out, and
  // task-clock still counts all the time the thread was on a CPU.
  bool kernel_included() const { return kernel_included_; }

 private:
  // Opens `event` into fds_ as a member of `group` (leader first).
  // Returns the errno that made the kernel refuse it, or 0.
  int OpenEvent(PerfEvent event, pid_t tid, std::vector<PerfEvent>& group);
  void ReadGroup(const std::vector<PerfEvent>& group,
                 PerfReading& reading) const;

  std::array<UniqueFd, kNumPerfEvents> fds_;
  // Two groups, each read with a single read(2) (PERF_FORMAT_GROUP); the
  // events of a group are scheduled on and off the PMU together, so ratios
  // such as instructions per cycle cover the same instants. Software events
  // get their own group because they are never multiplexed: a hardware
  // group waiting for PMU counters does not stop or scale them.
  std::vector<PerfEvent> hardware_;
  std::vector<PerfEvent> software_;
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
