#include "benchmarks/run_group.h"

#include <algorithm>
#include <exception>

#include "lib/thread_meter.h"

namespace netbench {

RunGroup& RunGroup::Instance() {
  static RunGroup* instance = new RunGroup();  // lives as long as the process
  return *instance;
}

std::chrono::nanoseconds RunGroup::Tail(std::chrono::nanoseconds window) {
  return std::max<std::chrono::nanoseconds>(std::chrono::milliseconds(5),
                                            window / 50);
}

FlowSchedule RunGroup::Schedule(const Timing& timing) {
  std::lock_guard lock(mu_);
  if (schedule_) return *schedule_;
  FlowSchedule s;
  s.window_start_ns = SteadyNowNs() + timing.warmup.count();
  // A hair over the flag, so that Google Benchmark, comparing the window
  // with --benchmark_min_time in floating point, never asks for another.
  constexpr int64_t kHair = 1000;
  s.window_ns = timing.window.count() + kHair;
  s.tail_ns = Tail(timing.window).count();
  schedule_ = s;
  sampler_ = std::thread([this, s, cpus = timing.cpus] { Sample(s, cpus); });
  return s;
}

void RunGroup::Abort() {
  std::lock_guard lock(mu_);
  abort_.store(true, std::memory_order_relaxed);
  wake_.notify_all();
}

void RunGroup::Sample(FlowSchedule schedule, std::vector<int> cpus) {
  using Clock = std::chrono::steady_clock;
  const auto at = [](int64_t ns) {
    return Clock::time_point(std::chrono::nanoseconds(ns));
  };
  const auto sleep_until = [&](int64_t ns) {
    std::unique_lock lock(mu_);
    return !wake_.wait_until(lock, at(ns), [this] { return aborted(); });
  };
  try {
    if (!sleep_until(schedule.window_start_ns)) return;
    const SystemSample start = SampleSystem(cpus);
    if (!sleep_until(schedule.window_start_ns + schedule.window_ns)) return;
    const SystemSample end = SampleSystem(cpus);
    system_ = UsageBetween(start, end, static_cast<int>(cpus.size()));
  } catch (const std::exception&) {
    // /proc/stat unreadable: the system counters are left out.
  }
}

void RunGroup::Submit(benchmark::State& state, const RunRecord& shape,
                      const ConnectionRecord* record,
                      const LatencyHistogram* round_trips) {
  std::unique_lock lock(mu_);
  if (record) {
    records_.push_back(*record);
  } else {
    failed_ = true;
    abort_.store(true, std::memory_order_relaxed);
    wake_.notify_all();  // the sampler: no window to sample
  }
  if (round_trips) round_trips_.Merge(*round_trips);
  if (++submitted_ < state.threads()) return;

  // The last thread: every connection is torn down.
  if (sampler_.joinable()) {
    lock.unlock();
    sampler_.join();
    lock.lock();
  }
  if (!failed_ && !state.error_occurred()) {
    RunRecord run = shape;
    std::sort(records_.begin(), records_.end(),
              [](const ConnectionRecord& a, const ConnectionRecord& b) {
                return a.index < b.index;
              });
    run.connections = std::move(records_);
    run.system = system_;
    run.round_trips = round_trips_.Count() > 0 ? &round_trips_ : nullptr;
    SetCounters(state, ComputeCounters(run));
    state.SetLabel(DescribeRun(run));
  }
  Reset();
}

void RunGroup::Reset() {
  // The next run starts from scratch.
  submitted_ = 0;
  failed_ = false;
  abort_.store(false, std::memory_order_relaxed);
  schedule_.reset();
  system_.reset();
  records_.clear();
  round_trips_.Reset();
}

RunMember::~RunMember() {
  if (!submitted_) Submit(RunRecord{}, nullptr);
}

void RunMember::Submit(const RunRecord& shape, const ConnectionRecord* record,
                       const LatencyHistogram* round_trips) {
  if (submitted_) return;
  submitted_ = true;
  group_.Submit(state_, shape, record, round_trips);
}

}  // namespace netbench
