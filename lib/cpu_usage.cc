#include "lib/cpu_usage.h"

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/sys_error.h"

namespace netbench {
namespace {

// Column order of a "cpu" line of /proc/stat.
enum Column {
  kUser,
  kNice,
  kSystem,
  kIdle,
  kIowait,
  kIrq,
  kSoftirq,
  kSteal,
  kNumColumnsUsed,
};
constexpr int kColumnsEveryKernelHas = kIowait;

std::chrono::nanoseconds TicksToNs(uint64_t ticks, long ticks_per_second) {
  const auto hz = static_cast<uint64_t>(ticks_per_second);
  // Split so that neither overflow nor rounding hurts for any USER_HZ.
  return std::chrono::nanoseconds(static_cast<int64_t>(
      ticks / hz * 1'000'000'000 + ticks % hz * 1'000'000'000 / hz));
}

std::chrono::nanoseconds TimespecToNs(const timespec& ts) {
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

}  // namespace

namespace {

// The columns of one "cpu..." line (after its name), at least the four
// every kernel has.
void ParseCpuLine(std::string_view line, size_t name_length,
                  uint64_t (&columns)[kNumColumnsUsed]) {
  int parsed = 0;
  const char* p = line.data() + name_length;
  const char* const end = line.data() + line.size();
  while (parsed < kNumColumnsUsed) {
    while (p < end && *p == ' ') ++p;
    if (p == end) break;
    const auto [next, ec] = std::from_chars(p, end, columns[parsed]);
    if (ec != std::errc() || (next != end && *next != ' ')) {
      throw std::runtime_error("/proc/stat: bad number in \"" +
                               std::string(line) + "\"");
    }
    p = next;
    ++parsed;
  }
  if (parsed < kColumnsEveryKernelHas) {
    throw std::runtime_error("/proc/stat: too few columns in \"" +
                             std::string(line) + "\"");
  }
}

}  // namespace

SystemCpuTimes ParseProcStat(std::string_view text, long ticks_per_second,
                             const std::vector<int>& cpus) {
  if (ticks_per_second <= 0) {
    throw std::invalid_argument("ParseProcStat: ticks_per_second <= 0");
  }
  // The aggregate line is "cpu" followed by spaces; per-CPU lines are
  // "cpu0", "cpu1", ...
  std::vector<std::string> names;
  if (cpus.empty()) names.emplace_back("cpu ");
  for (int cpu : cpus) names.push_back("cpu" + std::to_string(cpu) + " ");
  uint64_t sum[kNumColumnsUsed] = {};
  size_t found = 0;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    for (const std::string& name : names) {
      if (!line.starts_with(name)) continue;
      uint64_t columns[kNumColumnsUsed] = {};
      ParseCpuLine(line, name.size() - 1, columns);
      for (int c = 0; c < kNumColumnsUsed; ++c) sum[c] += columns[c];
      ++found;
      break;
    }
  }
  if (found < names.size())
    throw std::runtime_error(cpus.empty()
                                 ? "/proc/stat: no \"cpu \" line"
                                 : "/proc/stat: a CPU's line is missing");
  const uint64_t busy = sum[kUser] + sum[kNice] + sum[kSystem] + sum[kIrq] +
                        sum[kSoftirq] + sum[kSteal];
  const uint64_t total = busy + sum[kIdle] + sum[kIowait];
  return SystemCpuTimes{
      .busy = TicksToNs(busy, ticks_per_second),
      .softirq = TicksToNs(sum[kSoftirq], ticks_per_second),
      .steal = TicksToNs(sum[kSteal], ticks_per_second),
      .total = TicksToNs(total, ticks_per_second),
  };
}

SystemCpuTimes ReadSystemCpuTimes(const std::vector<int>& cpus) {
  std::ifstream in("/proc/stat");
  if (!in) ThrowErrno("open /proc/stat");
  std::ostringstream text;
  text << in.rdbuf();
  return ParseProcStat(text.str(), sysconf(_SC_CLK_TCK), cpus);
}

std::chrono::nanoseconds ProcStatTick() {
  return std::chrono::nanoseconds(1'000'000'000 / sysconf(_SC_CLK_TCK));
}

std::chrono::nanoseconds CurrentThreadCpuTime() {
  timespec ts;
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) {
    ThrowErrno("clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
  }
  return TimespecToNs(ts);
}

ThreadRusage ReadThreadRusage() {
  rusage usage;
  if (getrusage(RUSAGE_THREAD, &usage) != 0)
    ThrowErrno("getrusage(RUSAGE_THREAD)");
  return ThreadRusage{
      .voluntary_context_switches = static_cast<uint64_t>(usage.ru_nvcsw),
      .involuntary_context_switches = static_cast<uint64_t>(usage.ru_nivcsw),
  };
}

}  // namespace netbench
