#ifndef NET_BENCH_BENCHMARKS_THREAD_METER_H_
#define NET_BENCH_BENCHMARKS_THREAD_METER_H_

#include <cstdint>
#include <optional>

namespace netbench {

// What one thread has consumed so far. Hardware counters are absent when the
// machine has none (never zero for "not measured").
struct ThreadSample {
  uint64_t cpu_ns = 0;
  uint64_t ctx_switches = 0;
  std::optional<uint64_t> cycles;
  std::optional<uint64_t> instructions;
  std::optional<uint64_t> llc_misses;

  // The consumption between `earlier` and this sample.
  ThreadSample Since(const ThreadSample& earlier) const;
};

// Measures the thread that creates it (CPU time, context switches, and the
// hardware counters where the PMU offers them). Create and sample it on the
// same thread.
class ThreadMeter {
 public:
  ThreadMeter();
  ~ThreadMeter();
  ThreadMeter(const ThreadMeter&) = delete;
  ThreadMeter& operator=(const ThreadMeter&) = delete;
  ThreadSample Sample() const;

 private:
  struct Impl;
  Impl* impl_;
};

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_THREAD_METER_H_
