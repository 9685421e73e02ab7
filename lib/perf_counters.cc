#include "lib/perf_counters.h"

#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "base/printable.h"
#include "base/sys_error.h"

namespace netbench {
namespace {

perf_event_attr AttrFor(PerfEvent event) {
  perf_event_attr attr{};
  attr.size = sizeof(attr);
  switch (event) {
    case PerfEvent::kCycles:
      attr.type = PERF_TYPE_HARDWARE;
      attr.config = PERF_COUNT_HW_CPU_CYCLES;
      break;
    case PerfEvent::kInstructions:
      attr.type = PERF_TYPE_HARDWARE;
      attr.config = PERF_COUNT_HW_INSTRUCTIONS;
      break;
    case PerfEvent::kLlcLoadMisses:
      // The cache event encoding of perf_event_open(2): id | op << 8 |
      // result << 16.
      attr.type = PERF_TYPE_HW_CACHE;
      attr.config = PERF_COUNT_HW_CACHE_LL |
                    (PERF_COUNT_HW_CACHE_OP_READ << 8) |
                    (PERF_COUNT_HW_CACHE_RESULT_MISS << 16);
      break;
  }
  // The whole group in one read(2), with the times needed to scale counts
  // that were multiplexed.
  attr.read_format = PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED |
                     PERF_FORMAT_TOTAL_TIME_RUNNING;
  return attr;
}

// Returns the new fd, or -1 with errno set. `tid` is counted on any CPU.
int TryOpen(PerfEvent event, pid_t tid, int group_fd, bool kernel) {
  perf_event_attr attr = AttrFor(event);
  attr.exclude_kernel = !kernel;
  attr.exclude_hv = !kernel;
  return static_cast<int>(RetryEintr([&] {
    return syscall(SYS_perf_event_open, &attr, tid, -1, group_fd,
                   PERF_FLAG_FD_CLOEXEC);
  }));
}

bool IsPermissionError(int err) { return err == EACCES || err == EPERM; }

// The errors with which the kernel says that it has no such event here
// (ENOENT, EOPNOTSUPP: no PMU or no such cache event; ENODEV, EINVAL: the
// PMU rejects the configuration; ENOSYS: no perf_event_open at all).
bool IsUnsupportedError(int err) {
  return err == ENOENT || err == EOPNOTSUPP || err == ENODEV || err == EINVAL ||
         err == ENOSYS;
}

std::string Paranoid() {
  std::ifstream in("/proc/sys/kernel/perf_event_paranoid");
  std::string level;
  return in >> level ? level : "?";
}

std::string Describe(PerfEvent event, int err) {
  std::string text = std::string("perf_event_open(") + PerfEventName(event) +
                     "): " + std::strerror(err);
  if (IsPermissionError(err)) {
    text += " (kernel.perf_event_paranoid is " + Paranoid() +
            "; or a seccomp filter)";
  } else if (err == ENOENT || err == EOPNOTSUPP || err == ENODEV) {
    text += " (no PMU exposes the event; a virtual machine?)";
  }
  return text;
}

// Failures that are not the machine lacking or forbidding the event are the
// caller's (no such thread, out of descriptors): thrown.
void ThrowUnlessLeftOut(int err, PerfEvent event, pid_t tid) {
  if (IsPermissionError(err) || IsUnsupportedError(err)) return;
  throw SysError(std::string("perf_event_open(") + PerfEventName(event) +
                     ", tid " + std::to_string(tid) + ")",
                 err);
}

// Prints `text` on stderr the first time `said` is passed.
void SayOnce(std::atomic<bool>& said, const std::string& text) {
  if (!said.exchange(true))
    std::fprintf(stderr, "net_bench: %s\n", Printable(text).c_str());
}

std::atomic<bool> said_no_hardware{false};
// Per event, for one left out on its own.
std::atomic<bool> said_left_out[kNumPerfEvents];

struct HardwareProbe {
  bool available = false;
  std::string reason;
  bool kernel = false;  // kernel mode counted too (perf_event_paranoid <= 1)
};

const HardwareProbe& ProbeHardware() {
  static const HardwareProbe probe = [] {
    bool kernel = true;
    int fd = TryOpen(PerfEvent::kCycles, 0, -1, /*kernel=*/true);
    if (fd < 0 && IsPermissionError(errno)) {
      kernel = false;
      fd = TryOpen(PerfEvent::kCycles, 0, -1, /*kernel=*/false);
    }
    if (fd < 0)
      return HardwareProbe{false, Describe(PerfEvent::kCycles, errno), false};
    UniqueFd close_it(fd);
    return HardwareProbe{true, "", kernel};
  }();
  return probe;
}

}  // namespace

const char* PerfEventName(PerfEvent event) {
  switch (event) {
    case PerfEvent::kCycles:
      return "cycles";
    case PerfEvent::kInstructions:
      return "instructions";
    case PerfEvent::kLlcLoadMisses:
      return "llc_load_misses";
  }
  return "?";
}

std::optional<uint64_t> PerfReading::Get(PerfEvent event) const {
  const Sample& s = samples_[static_cast<size_t>(event)];
  if (!s.measured) return std::nullopt;
  // For a thread's counters time passes only while the thread runs, so
  // enabled == running == 0 is a thread that did not run: the count (0) is
  // exact.
  if (s.time_running >= s.time_enabled) return s.value;
  if (s.time_running == 0) return std::nullopt;  // Never got a PMU counter.
  return static_cast<uint64_t>(static_cast<unsigned __int128>(s.value) *
                               s.time_enabled / s.time_running);
}

PerfReading operator-(const PerfReading& after, const PerfReading& before) {
  PerfReading diff;
  for (size_t i = 0; i < kNumPerfEvents; ++i) {
    const PerfReading::Sample& a = after.samples_[i];
    const PerfReading::Sample& b = before.samples_[i];
    diff.samples_[i] = {
        .measured = a.measured && b.measured,
        .value = a.value - b.value,
        .time_enabled = a.time_enabled - b.time_enabled,
        .time_running = a.time_running - b.time_running,
    };
  }
  return diff;
}

int ThreadPerfCounters::OpenEvent(PerfEvent event, pid_t tid) {
  const int group_fd = hardware_.empty()
                           ? -1
                           : fds_[static_cast<size_t>(hardware_.front())].get();
  int fd = TryOpen(event, tid, group_fd, kernel_included_);
  if (fd < 0 && IsPermissionError(errno) && !kernel_decided_) {
    // Kernel-mode counting needs kernel.perf_event_paranoid <= 1 or
    // CAP_PERFMON (Documentation/admin-guide/perf-security.rst).
    kernel_included_ = false;
    kernel_decided_ = true;
    fd = TryOpen(event, tid, group_fd, /*kernel=*/false);
  }
  if (fd < 0) return errno;
  kernel_decided_ = true;
  fds_[static_cast<size_t>(event)].Reset(fd);
  hardware_.push_back(event);
  return 0;
}

ThreadPerfCounters ThreadPerfCounters::Open(pid_t tid) {
  ThreadPerfCounters c;
  // Cycles leads; without it there is no PMU worth asking.
  if (int err = c.OpenEvent(PerfEvent::kCycles, tid); err != 0) {
    ThrowUnlessLeftOut(err, PerfEvent::kCycles, tid);
    SayOnce(said_no_hardware,
            "hardware performance counters not supported here (" +
                Describe(PerfEvent::kCycles, err) +
                "); cycles, instructions and LLC misses are left out");
    return c;
  }
  for (PerfEvent event :
       {PerfEvent::kInstructions, PerfEvent::kLlcLoadMisses}) {
    if (int e = c.OpenEvent(event, tid); e != 0) {
      ThrowUnlessLeftOut(e, event, tid);
      SayOnce(said_left_out[static_cast<size_t>(event)],
              std::string("hardware event ") + PerfEventName(event) +
                  " not supported here (" + Describe(event, e) +
                  "); it is left out");
    }
  }
  return c;
}

PerfReading ThreadPerfCounters::Read() const {
  PerfReading reading;
  if (hardware_.empty()) return reading;
  // PERF_FORMAT_GROUP layout: nr, time_enabled, time_running, then one value
  // per member in the order they joined the group.
  uint64_t buf[3 + kNumPerfEvents];
  const int leader = fds_[static_cast<size_t>(hardware_.front())].get();
  const ssize_t n =
      RetryEintr([&] { return ::read(leader, buf, sizeof(buf)); });
  if (n < 0) ThrowErrno("read(perf group)");
  if (static_cast<size_t>(n) != (3 + hardware_.size()) * sizeof(uint64_t) ||
      buf[0] != hardware_.size()) {
    throw SysError("read(perf group): unexpected layout of " +
                   std::to_string(n) + " bytes");
  }
  for (size_t i = 0; i < hardware_.size(); ++i) {
    reading.samples_[static_cast<size_t>(hardware_[i])] = {
        .measured = true,
        .value = buf[3 + i],
        .time_enabled = buf[1],
        .time_running = buf[2],
    };
  }
  return reading;
}

bool HardwareCountersAvailable() { return ProbeHardware().available; }

std::string HardwareCountersUnavailableReason() {
  return ProbeHardware().reason;
}

bool HardwareCountersIncludeKernel() { return ProbeHardware().kernel; }

}  // namespace netbench
