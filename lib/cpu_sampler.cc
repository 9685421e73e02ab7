#include "lib/cpu_sampler.h"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "base/sizes.h"
#include "base/sys_error.h"
#include "lib/kernel_symbols.h"

namespace netbench {
namespace {

constexpr uint64_t kSampleType = PERF_SAMPLE_IP | PERF_SAMPLE_TID |
                                 PERF_SAMPLE_TIME | PERF_SAMPLE_CPU |
                                 PERF_SAMPLE_PERIOD | PERF_SAMPLE_CALLCHAIN;

// The deepest chain asked for: deep enough for the network stack under a
// syscall (about 40 frames from entry_SYSCALL_64 to a copy, 60 with a
// softirq on top), and at most kernel.perf_event_max_stack (127 by default),
// which the kernel enforces with EOVERFLOW.
constexpr uint16_t kMaxStack = 96;

// An upper bound on one sample's record: the header, the fixed fields, the
// chain's count, its context markers and IPs.
constexpr size_t kMaxSampleBytes = 8 + 8 * 6 + 8 * (kMaxStack + 3);

std::string ReadLine(const char* path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// Whether this process runs in a user namespace other than the initial one:
// its capabilities there are no CAP_PERFMON over the machine's CPUs.
bool InUserNamespace() {
  std::ifstream in("/proc/self/uid_map");
  uint64_t inside = 0, outside = 0, count = 0;
  if (!(in >> inside >> outside >> count)) return false;
  return !(inside == 0 && outside == 0 && count == 4294967295u);
}

std::string PermissionReason(int err) {
  std::string why = std::string(
                        "perf_event_open(cpu-clock, every task of a "
                        "CPU): ") +
                    std::strerror(err);
  if (err != EACCES && err != EPERM) return why;
  if (InUserNamespace())
    return why +
           ": this process runs in a user namespace (rootless), which grants "
           "no CAP_PERFMON over the machine's CPUs; run net_bench as root "
           "or with CAP_PERFMON, or set kernel.perf_event_paranoid to 0 or "
           "below (sysctl -w kernel.perf_event_paranoid=0)";
  return why +
         ": per-CPU sampling with kernel call chains needs root or "
         "CAP_PERFMON, or kernel.perf_event_paranoid <= 0 (it is " +
         ReadLine("/proc/sys/kernel/perf_event_paranoid") +
         "; sysctl -w kernel.perf_event_paranoid=0)";
}

size_t DataPages(const SamplerOptions& o) {
  const double seconds = std::chrono::duration<double>(o.window).count();
  // The window's samples, with a quarter to spare for the enable and
  // disable around it.
  const double bytes = 1.25 * seconds * o.hz * kMaxSampleBytes;
  size_t pages = 16;                  // 64 KiB
  constexpr size_t kMaxPages = 4096;  // 16 MiB per CPU and event
  while (pages < kMaxPages && static_cast<double>(pages * PageSize()) < bytes)
    pages *= 2;
  return pages;
}

// Reads the fields of kSampleType, in the order of PERF_RECORD_SAMPLE
// (include/uapi/linux/perf_event.h). Returns false for a short record.
bool ParseSample(const perf_event_header& h, SampledEvent event, RawSample& s) {
  const auto* words = reinterpret_cast<const uint64_t*>(&h + 1);
  const size_t n = (h.size - sizeof(h)) / sizeof(uint64_t);
  if (n < 6) return false;
  s.event = event;
  const uint16_t mode = h.misc & PERF_RECORD_MISC_CPUMODE_MASK;
  s.kernel = mode == PERF_RECORD_MISC_KERNEL;
  // words[0] is the IP, which the chain repeats first.
  s.pid = static_cast<uint32_t>(words[1]);
  s.tid = static_cast<uint32_t>(words[1] >> 32);
  s.time_ns = words[2];
  s.cpu = static_cast<uint32_t>(words[3]);
  s.period = words[4];
  const uint64_t nr = words[5];
  if (nr > n - 6) return false;
  s.chain = std::span<const uint64_t>(words + 6, nr);
  return true;
}

}  // namespace

const char* SampledEventName(SampledEvent event) {
  switch (event) {
    case SampledEvent::kCpuClock:
      return "cpu-clock";
    case SampledEvent::kCycles:
      return "cycles";
    case SampledEvent::kLlcMisses:
      return "LLC-load-misses";
  }
  return "?";
}

perf_event_attr SamplingAttr(SampledEvent event, int hz) {
  perf_event_attr attr{};
  attr.size = sizeof(attr);
  switch (event) {
    case SampledEvent::kCpuClock:
      attr.type = PERF_TYPE_SOFTWARE;
      attr.config = PERF_COUNT_SW_CPU_CLOCK;
      // A fixed period in ns: the kernel turns a frequency for cpu-clock
      // into this period anyway (perf_swevent_init_hrtimer), and a fixed
      // one makes every sample stand for the same CPU time.
      attr.sample_period = static_cast<uint64_t>(1'000'000'000 / hz);
      break;
    case SampledEvent::kCycles:
    case SampledEvent::kLlcMisses:
      attr.type = event == SampledEvent::kCycles ? PERF_TYPE_HARDWARE
                                                 : PERF_TYPE_HW_CACHE;
      attr.config =
          event == SampledEvent::kCycles
              ? PERF_COUNT_HW_CPU_CYCLES
              : (PERF_COUNT_HW_CACHE_LL | (PERF_COUNT_HW_CACHE_OP_READ << 8) |
                 (PERF_COUNT_HW_CACHE_RESULT_MISS << 16));
      // The kernel adjusts the period to reach `hz` samples per second;
      // each sample's PERF_SAMPLE_PERIOD says how many events it stands
      // for.
      attr.freq = 1;
      attr.sample_freq = static_cast<uint64_t>(hz);
      break;
  }
  attr.sample_type = kSampleType;
  attr.disabled = 1;
  // Kernel and user chains: the user chain gives the syscall's call site
  // (and, where the code keeps frame pointers, its callers).
  attr.exclude_callchain_user = 0;
  static const uint16_t max_stack = [] {
    const std::string limit = ReadLine("/proc/sys/kernel/perf_event_max_stack");
    const long v = limit.empty() ? kMaxStack : std::stol(limit);
    return static_cast<uint16_t>(std::clamp<long>(v, 1, kMaxStack));
  }();
  attr.sample_max_stack = max_stack;
  // Sample times on the clock of the window's schedule (steady_clock).
  attr.use_clockid = 1;
  attr.clockid = CLOCK_MONOTONIC;
  return attr;
}

CpuSampler CpuSampler::Open(const SamplerOptions& options) {
  CpuSampler s;
  const size_t pages = DataPages(options);
  std::vector<SampledEvent> wanted = {SampledEvent::kCpuClock};
  if (options.hardware && !options.cpus.empty() &&
      CpuSamplingSupport(options.cpus.front()).hardware) {
    wanted.push_back(SampledEvent::kCycles);
    wanted.push_back(SampledEvent::kLlcMisses);
  }
  for (SampledEvent event : wanted) {
    bool opened = true;
    std::vector<Ring> rings;
    for (int cpu : options.cpus) {
      int err = 0;
      PerfRing ring =
          PerfRing::Open(SamplingAttr(event, options.hz), cpu, pages, &err);
      if (!ring.valid()) {
        if (event == SampledEvent::kCpuClock)
          throw SysError(err == EACCES || err == EPERM
                             ? PermissionReason(err)
                             : "perf_event_open(cpu-clock) on CPU " +
                                   std::to_string(cpu) + ": " +
                                   std::strerror(err));
        opened = false;  // a hardware event this PMU lacks
        break;
      }
      rings.push_back({event, std::move(ring)});
    }
    if (!opened) continue;
    for (Ring& r : rings) s.rings_.push_back(std::move(r));
    s.events_.push_back(event);
  }
  return s;
}

void CpuSampler::Enable() {
  for (const Ring& r : rings_)
    if (int err = r.ring.Enable(); err != 0)
      throw SysError("PERF_EVENT_IOC_ENABLE", err);
}

void CpuSampler::Disable() {
  for (const Ring& r : rings_)
    if (int err = r.ring.Disable(); err != 0)
      throw SysError("PERF_EVENT_IOC_DISABLE", err);
}

SamplerLosses CpuSampler::Drain(
    const std::function<void(const RawSample&)>& visit) {
  SamplerLosses losses;
  RawSample sample;
  for (Ring& r : rings_) {
    r.ring.Drain([&](const perf_event_header& h) {
      switch (h.type) {
        case PERF_RECORD_SAMPLE:
          if (ParseSample(h, r.event, sample)) visit(sample);
          break;
        case PERF_RECORD_LOST: {
          // { u64 id; u64 lost; }
          const auto* words = reinterpret_cast<const uint64_t*>(&h + 1);
          if (h.size >= sizeof(h) + 16) losses.lost += words[1];
          break;
        }
        case PERF_RECORD_THROTTLE:
          ++losses.throttled;
          break;
        default:
          break;
      }
    });
  }
  return losses;
}

const SamplingSupport& CpuSamplingSupport(int cpu) {
  static const SamplingSupport support = ProbeCpuSampling(cpu);
  return support;
}

SamplingSupport ProbeCpuSampling(int cpu) {
  SamplingSupport s;
  int err = 0;
  PerfRing probe =
      PerfRing::Open(SamplingAttr(SampledEvent::kCpuClock, 1000), cpu, 1, &err);
  if (!probe.valid()) {
    s.reason = PermissionReason(err);
    return s;
  }
  if (KernelSymbols::Running().addresses_hidden() ||
      KernelSymbols::Running().size() == 0) {
    s.reason =
        "/proc/kallsyms shows no kernel addresses (kernel.kptr_restrict "
        "is " +
        ReadLine("/proc/sys/kernel/kptr_restrict") +
        " and this process lacks CAP_SYSLOG): run net_bench as root, or "
        "set kernel.kptr_restrict to 0";
    return s;
  }
  s.permitted = true;
  PerfRing cycles =
      PerfRing::Open(SamplingAttr(SampledEvent::kCycles, 1000), cpu, 1, &err);
  s.hardware = cycles.valid();
  if (!s.hardware)
    s.hardware_reason = std::string("perf_event_open(cycles): ") +
                        std::strerror(err) +
                        (err == ENOENT || err == EOPNOTSUPP || err == ENODEV
                             ? " (no PMU exposes it; a virtual machine?)"
                             : "");
  return s;
}

}  // namespace netbench
