#include "benchmarks/run_group.h"

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <exception>

#include "benchmarks/profile_output.h"
#include "lib/thread_meter.h"

namespace netbench {

RunGroup& RunGroup::Instance() {
  static RunGroup* instance = new RunGroup();  // lives as long as the process
  return *instance;
}

// How long before the window the profile's events are enabled (at most
// the warm-up): the sampler thread is not pinned and, with 16 busy threads
// on 2 CPUs, wakes up to 20 ms late here.
constexpr std::chrono::milliseconds kProfileLead{50};

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
  timing_ = timing;
  const int run = runs_[timing.name]++;
  profiling_ = timing.profile.on && (!timing.profile.alternate || run % 2 == 0);
  sampler_ = std::thread([this, s, cpus = timing.cpus] { Sample(s, cpus); });
  return s;
}

void RunGroup::Abort() {
  std::lock_guard lock(mu_);
  abort_.store(true, std::memory_order_relaxed);
  wake_.notify_all();
}

std::chrono::nanoseconds RunGroup::ProfileLead() const {
  return std::min<std::chrono::nanoseconds>(kProfileLead, timing_.warmup);
}

namespace {

// The sampler reads the run's CPUs at the window's ends: a thread of the
// normal class waking among busy ones runs up to a scheduling period late
// (tens of milliseconds on a loaded machine), a real-time one at once
// (sched(7)). It runs for microseconds at each end. Without the privilege
// (CAP_SYS_NICE) it stays where it is.
void TryRealtimePriority() {
  sched_param p{};
  p.sched_priority = 1;
  (void)pthread_setschedparam(pthread_self(), SCHED_FIFO, &p);
}

}  // namespace

void RunGroup::Sample(FlowSchedule schedule, std::vector<int> cpus) {
  TryRealtimePriority();
  using Clock = std::chrono::steady_clock;
  const auto at = [](int64_t ns) {
    return Clock::time_point(std::chrono::nanoseconds(ns));
  };
  const auto sleep_until = [&](int64_t ns) {
    std::unique_lock lock(mu_);
    return !wake_.wait_until(lock, at(ns), [this] { return aborted(); });
  };
  // The profile's events, opened during the warm-up and enabled around the
  // window. Opening fails only where the probe said it would not
  // (main said so once); the run goes on without the profile.
  sampler_tid_ = ::gettid();
  const auto profile = [this](void (CpuSampler::*step)()) {
    if (!profiler_) return;
    try {
      ((*profiler_).*step)();
    } catch (const std::exception&) {
      profiler_.reset();
    }
  };
  if (profiling_) {
    try {
      profiler_ = CpuSampler::Open({.cpus = cpus,
                                    .hz = timing_.profile.hz,
                                    .window = timing_.window + ProfileLead(),
                                    .hardware = true});
    } catch (const std::exception&) {
      profiler_.reset();
    }
  }
  try {
    // The profile's events go on a little before the window and off after
    // it, so that a late wake-up still covers it; the samples' times cut it
    // exactly.
    const int64_t end_ns = schedule.window_start_ns + schedule.window_ns;
    if (profiler_) {
      if (!sleep_until(schedule.window_start_ns - ProfileLead().count()))
        return;
      profile(&CpuSampler::Enable);
      profile_on_ns_ = SteadyNowNs();
    }
    if (!sleep_until(schedule.window_start_ns)) return;
    const SystemSample start = SampleSystem(cpus);
    if (!sleep_until(end_ns)) return;
    const SystemSample end = SampleSystem(cpus);
    if (profiler_) {
      profile_off_ns_ = SteadyNowNs();
      profile(&CpuSampler::Disable);
    }
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
    std::optional<CpuProfile> profile;
    const std::string profile_error =
        profiler_ ? TakeProfile(run, profile) : "";
    SetCounters(state, ComputeCounters(run));
    state.SetLabel(DescribeRun(run));
    if (!profile_error.empty()) state.SkipWithError(profile_error.c_str());
  }
  Reset();
}

std::string RunGroup::TakeProfile(RunRecord& run,
                                  std::optional<CpuProfile>& out) {
  const int64_t start = schedule_->window_start_ns;
  const int64_t end = start + schedule_->window_ns;
  if (profile_on_ns_ > start || profile_off_ns_ < end) {
    // The sampler woke too late to cover the window: no profile, said.
    std::fprintf(stderr,
                 "net_bench: --profile: %s: the sampler thread enabled the "
                 "events %.1f ms late; this run's profile is left out\n",
                 timing_.name.c_str(),
                 static_cast<double>(profile_on_ns_ - start) / 1e6);
    profiler_.reset();
    return "";
  }
  out = CollectProfile(*profiler_,
                       {.self_pid = static_cast<uint32_t>(::getpid()),
                        .skip_tid = static_cast<uint32_t>(sampler_tid_),
                        .start_ns = start,
                        .end_ns = start + schedule_->window_ns});
  profiler_.reset();
  run.profile = &*out;
  if (out->losses.lost > 0)
    std::fprintf(stderr,
                 "net_bench: --profile: %s lost %llu samples (its rings were "
                 "full): lower --profile_hz or shorten the window\n",
                 timing_.name.c_str(),
                 static_cast<unsigned long long>(out->losses.lost));
  if (timing_.profile.out_dir.empty()) return "";
  // The benchmark's stacks over all its runs so far, written whole.
  FoldedStacks& all = folded_[timing_.name];
  for (const auto& [stack, count] : out->stacks) all[stack] += count;
  try {
    WriteFoldedStacks(timing_.profile.out_dir, timing_.name, all);
  } catch (const std::exception& e) {
    return std::string("--profile_out: ") + e.what();
  }
  return "";
}

void RunGroup::Reset() {
  // The next run starts from scratch.
  submitted_ = 0;
  failed_ = false;
  abort_.store(false, std::memory_order_relaxed);
  schedule_.reset();
  system_.reset();
  profiling_ = false;
  profiler_.reset();
  profile_on_ns_ = 0;
  profile_off_ns_ = 0;
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
