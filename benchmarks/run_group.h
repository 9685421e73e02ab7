#ifndef NET_BENCH_BENCHMARKS_RUN_GROUP_H_
#define NET_BENCH_BENCHMARKS_RUN_GROUP_H_

#include <benchmark/benchmark.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "benchmarks/counters.h"
#include "lib/cpu_profile.h"
#include "lib/cpu_sampler.h"
#include "lib/flow_window.h"
#include "lib/histogram.h"
#include "lib/system_usage.h"

namespace netbench {

// What the threads of one benchmark run share. Google Benchmark runs one
// benchmark at a time, its threads together (one per connection), and
// releases them into the timed loop together; each then runs its
// connection's flow on one schedule (lib/flow_window.h):
//  - the schedule is fixed by the first thread out of Google Benchmark's
//    start barrier: the warm-up starts then, the window after it;
//  - a thread whose setup or flow fails raises the abort flag, and every
//    other connection stops at its next look at the clock: the run fails at
//    once, with the failed thread's cause;
//  - a sampler thread reads the run's CPUs at the window's ends, and with
//    --profile enables the CPUs' sampling events at the window's start and
//    disables them at its end (lib/cpu_sampler.h);
//  - each thread submits its connection's record once it is torn down; the
//    last one turns them into the run's counters and label, reading the
//    profile's samples first (outside every window) and writing its folded
//    stacks.
// RunMember makes the last step impossible to forget.
class RunGroup {
 public:
  static RunGroup& Instance();

  // --profile, for one run.
  struct ProfileRequest {
    bool on = false;         // sample this benchmark's runs
    bool alternate = false;  // only every other run of each benchmark
    int hz = 500;
    std::string out_dir;  // folded stacks; "" for none
  };
  struct Timing {
    std::chrono::nanoseconds warmup{0};
    std::chrono::nanoseconds window{0};
    std::vector<int> cpus;  // what the sampler reads
    // The benchmark, as Google Benchmark names it: its profile's file.
    std::string name;
    ProfileRequest profile;
  };
  // The run's schedule, on this process's steady clock: fixed by the first
  // caller (who also starts the sampler), the same for every caller after.
  FlowSchedule Schedule(const Timing& timing);

  // Raises the abort flag and wakes the sampler.
  void Abort();
  bool aborted() const { return abort_.load(std::memory_order_relaxed); }
  const std::atomic<bool>& abort_flag() const { return abort_; }

  // Once per thread, after its teardown: `record` is null when the thread
  // failed or stopped for another's failure. `shape` gives the run's
  // pattern, size and flags.
  void Submit(benchmark::State& state, const RunRecord& shape,
              const ConnectionRecord* record,
              const LatencyHistogram* round_trips);

  // The tail after the window during which the client goes on, so that
  // the server's window, late by up to a one-way trip (another host) or a
  // look at the clock, closes during steady flow.
  static std::chrono::nanoseconds Tail(std::chrono::nanoseconds window);

 private:
  void Sample(FlowSchedule schedule, std::vector<int> cpus);
  std::chrono::nanoseconds ProfileLead() const;
  // The last thread, after the window: the profile's samples into `run`,
  // and its folded stacks into their file. Returns "" or what failed.
  std::string TakeProfile(RunRecord& run, std::optional<CpuProfile>& out);
  void Reset();

  std::mutex mu_;
  std::condition_variable wake_;  // the sampler's sleep, cut by Abort()
  std::atomic<bool> abort_{false};
  std::optional<FlowSchedule> schedule_;  // guarded by mu_
  std::thread sampler_;
  std::optional<SystemUsage> system_;  // written by the sampler
  // --profile: opened by the sampler before the window (so that opening is
  // no part of it), read by the last thread once the sampler is joined.
  Timing timing_;  // the first caller's
  bool profiling_ = false;
  std::optional<CpuSampler> profiler_;
  pid_t sampler_tid_ = 0;
  // When the sampler enabled and disabled the events (0: it did not): the
  // profile counts only if they cover the window.
  int64_t profile_on_ns_ = 0;
  int64_t profile_off_ns_ = 0;
  // Runs seen per benchmark (--profile_alternate), and each benchmark's
  // folded stacks over its runs so far.
  std::map<std::string, int> runs_;
  std::map<std::string, FoldedStacks> folded_;
  int submitted_ = 0;
  bool failed_ = false;
  std::vector<ConnectionRecord> records_;
  LatencyHistogram round_trips_;
};

// One thread's membership of a RunGroup: Submit() at most once, and a
// failed submission when it goes without one (an exception, an early
// return), so that the last thread still finds every record.
class RunMember {
 public:
  RunMember(benchmark::State& state, RunGroup& group)
      : state_(state), group_(group) {}
  ~RunMember();
  RunMember(const RunMember&) = delete;
  RunMember& operator=(const RunMember&) = delete;

  void Submit(const RunRecord& shape, const ConnectionRecord* record,
              const LatencyHistogram* round_trips = nullptr);

 private:
  benchmark::State& state_;
  RunGroup& group_;
  bool submitted_ = false;
};

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_RUN_GROUP_H_
