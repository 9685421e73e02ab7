#include "lib/cpu_usage.h"

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

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

std::chrono::microseconds TimevalToUs(const timeval& tv) {
  return std::chrono::seconds(tv.tv_sec) +
         std::chrono::microseconds(tv.tv_usec);
}

}  // namespace

SystemCpuTimes ParseProcStat(std::string_view text, long ticks_per_second) {
  if (ticks_per_second <= 0) {
    throw std::invalid_argument("ParseProcStat: ticks_per_second <= 0");
  }
  // The aggregate line is "cpu" followed by spaces; per-CPU lines are
  // "cpu0", "cpu1", ...
  std::string_view line;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view candidate = text.substr(start, end - start);
    if (candidate.starts_with("cpu ")) {
      line = candidate;
      break;
    }
    start = end + 1;
  }
  if (line.empty()) throw std::runtime_error("/proc/stat: no \"cpu \" line");

  uint64_t columns[kNumColumnsUsed] = {};
  int parsed = 0;
  const char* p = line.data() + 3;
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
  const uint64_t busy = columns[kUser] + columns[kNice] + columns[kSystem] +
                        columns[kIrq] + columns[kSoftirq] + columns[kSteal];
  const uint64_t total = busy + columns[kIdle] + columns[kIowait];
  return SystemCpuTimes{
      .busy = TicksToNs(busy, ticks_per_second),
      .softirq = TicksToNs(columns[kSoftirq], ticks_per_second),
      .steal = TicksToNs(columns[kSteal], ticks_per_second),
      .total = TicksToNs(total, ticks_per_second),
  };
}

SystemCpuTimes ReadSystemCpuTimes() {
  std::ifstream in("/proc/stat");
  if (!in) ThrowErrno("open /proc/stat");
  std::ostringstream text;
  text << in.rdbuf();
  return ParseProcStat(text.str(), sysconf(_SC_CLK_TCK));
}

std::chrono::nanoseconds ThreadCpuTime(pthread_t thread) {
  clockid_t clock;
  // Returns the error number instead of setting errno.
  if (const int err = pthread_getcpuclockid(thread, &clock); err != 0) {
    throw SysError("pthread_getcpuclockid", err);
  }
  timespec ts;
  if (clock_gettime(clock, &ts) != 0) ThrowErrno("clock_gettime(thread)");
  return TimespecToNs(ts);
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
      .user_time = TimevalToUs(usage.ru_utime),
      .system_time = TimevalToUs(usage.ru_stime),
  };
}

}  // namespace netbench
