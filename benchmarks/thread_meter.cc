#include "benchmarks/thread_meter.h"

#include <sys/resource.h>

#include <ctime>

namespace netbench {

struct ThreadMeter::Impl {};

ThreadMeter::ThreadMeter() : impl_(nullptr) {}
ThreadMeter::~ThreadMeter() = default;

ThreadSample ThreadMeter::Sample() const {
  ThreadSample s;
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  s.cpu_ns = static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL +
             static_cast<uint64_t>(ts.tv_nsec);
  rusage ru{};
  getrusage(RUSAGE_THREAD, &ru);
  s.ctx_switches = static_cast<uint64_t>(ru.ru_nvcsw + ru.ru_nivcsw);
  return s;
}

ThreadSample ThreadSample::Since(const ThreadSample& earlier) const {
  ThreadSample d;
  d.cpu_ns = cpu_ns - earlier.cpu_ns;
  d.ctx_switches = ctx_switches - earlier.ctx_switches;
  const auto diff = [](const std::optional<uint64_t>& a,
                       const std::optional<uint64_t>& b) {
    return a && b ? std::optional<uint64_t>(*a - *b) : std::nullopt;
  };
  d.cycles = diff(cycles, earlier.cycles);
  d.instructions = diff(instructions, earlier.instructions);
  d.llc_misses = diff(llc_misses, earlier.llc_misses);
  return d;
}

}  // namespace netbench
