#ifndef NET_BENCH_BENCHMARKS_RUN_WINDOW_H_
#define NET_BENCH_BENCHMARKS_RUN_WINDOW_H_

#include <benchmark/benchmark.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <vector>

#include "benchmarks/counters.h"
#include "lib/cpu_usage.h"
#include "lib/histogram.h"

namespace netbench {

// Where the threads of one benchmark run meet, so that every counter of the
// run covers one window (benchmarks/counters.h) and Google Benchmark's
// real_time describes that same window.
//
// Google Benchmark runs one benchmark at a time, its threads together, each
// the same number of iterations, and releases them into the timed loop
// together. Each thread calls, once per run and in this order:
//  1. Ready() after its setup, before the loop. The last one reads
//     /proc/stat: the window's system CPU time starts when every connection
//     is up.
//  2. Arrive() at the end of its share of the window, inside its last
//     iteration, or instead of it when it fails (before leaving the loop,
//     since Google Benchmark's own stop barrier waits for every thread). It
//     waits until every thread has arrived, bounded by a timeout, so each
//     thread's timer runs to the last end and their mean (real_time) is the
//     window's wall time. The last one reads /proc/stat again.
//  3. Submit() after its teardown, with its connection's record (none if it
//     failed). The last one computes the run's counters from every record
//     and sets them, with the CPUs the threads ran on as the label.
// Participant below makes the order hard to get wrong.
class RunWindow {
 public:
  static RunWindow& Instance();

  void Ready(int threads);
  // Returns false when the other threads did not arrive within `timeout`.
  bool Arrive(int threads, std::chrono::milliseconds timeout);
  // `shape` gives the run's pattern, message size and flags; its
  // connections, system times and round trips are filled here.
  // `round_trips` may be null (Stream).
  void Submit(benchmark::State& state, const RunRecord& shape,
              const ConnectionRecord* record,
              const LatencyHistogram* round_trips);

 private:
  std::mutex mu_;
  std::condition_variable arrived_cv_;
  int ready_ = 0;
  int arrived_ = 0;
  int submitted_ = 0;
  bool failed_ = false;
  std::optional<SystemCpuTimes> cpu_start_;
  std::optional<SystemCpuTimes> cpu_end_;
  std::vector<ConnectionRecord> records_;
  LatencyHistogram round_trips_;
};

// One thread's part in a RunWindow: each step at most once, and whatever
// was skipped done when it goes.
class Participant {
 public:
  Participant(benchmark::State& state, std::chrono::milliseconds timeout,
              RunWindow& window = RunWindow::Instance())
      : state_(state), timeout_(timeout), window_(window) {}
  ~Participant();
  Participant(const Participant&) = delete;
  Participant& operator=(const Participant&) = delete;

  void Ready();
  // Arrives (once); on a timeout, skips the benchmark with the cause.
  void Arrive();
  void Submit(const RunRecord& shape, const ConnectionRecord* record,
              const LatencyHistogram* round_trips = nullptr);

 private:
  benchmark::State& state_;
  std::chrono::milliseconds timeout_;
  RunWindow& window_;
  bool ready_ = false;
  bool arrived_ = false;
  bool submitted_ = false;
};

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_RUN_WINDOW_H_
