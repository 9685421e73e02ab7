// Sampling every CPU with the real perf_event (lib/cpu_sampler.h,
// lib/perf_ring.h) and turning the samples into a profile
// (lib/cpu_profile.h): a thread spinning on one CPU is found there, in this
// binary's function, at the rate asked for, and only inside the window.
// Without permission (a user namespace), the probe says why in one line.

#include "lib/cpu_sampler.h"

#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "lib/cpu_profile.h"
#include "lib/flow_window.h"
#include "lib/placement.h"
#include "test/net_test_util.h"

namespace netbench {
namespace spin {

// Burns CPU in a function of this binary that the profile must name.
__attribute__((noinline)) void SpinUntil(const std::atomic<bool>& stop,
                                         std::atomic<uint32_t>& tid) {
  tid = static_cast<uint32_t>(::gettid());
  volatile uint64_t sink = 0;
  while (!stop.load(std::memory_order_relaxed))
    for (int i = 0; i < 1000; ++i) sink = sink + 1;
}

}  // namespace spin

namespace {

using namespace std::chrono_literals;

int FirstCpu() { return AllowedCpus().front(); }

class CpuSamplerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const SamplingSupport& s = CpuSamplingSupport(FirstCpu());
    if (!s.permitted) GTEST_SKIP() << s.reason;
  }
};

// Spins a thread pinned to `cpu` for `duration` while `sampler` is
// enabled; returns the thread's tid and the window's ends.
struct Spun {
  uint32_t tid = 0;
  int64_t start_ns = 0;
  int64_t end_ns = 0;
};
Spun SpinSampled(CpuSampler& sampler, int cpu,
                 std::chrono::milliseconds duration) {
  std::atomic<bool> stop{false};
  std::atomic<uint32_t> tid{0};
  std::thread spinner([&] {
    ScopedAffinity on(cpu);
    spin::SpinUntil(stop, tid);
  });
  while (tid.load() == 0) std::this_thread::yield();
  Spun s;
  s.tid = tid.load();
  s.start_ns = SteadyNowNs();
  sampler.Enable();
  std::this_thread::sleep_for(duration);
  sampler.Disable();
  s.end_ns = SteadyNowNs();
  stop = true;
  spinner.join();
  return s;
}

TEST_F(CpuSamplerTest, FindsASpinningThreadOnItsCpuAtTheRateAskedFor) {
  const int cpu = FirstCpu();
  CpuSampler sampler = CpuSampler::Open(
      {.cpus = {cpu}, .hz = 1000, .window = 300ms, .hardware = false});
  ASSERT_EQ(sampler.events().front(), SampledEvent::kCpuClock);
  const Spun spun = SpinSampled(sampler, cpu, 300ms);
  uint64_t all = 0, spinner = 0, outside = 0, user = 0;
  sampler.Drain([&](const RawSample& s) {
    ++all;
    EXPECT_EQ(s.cpu, static_cast<uint32_t>(cpu));
    EXPECT_EQ(s.period, 1'000'000u);  // 1 ms of CPU time at 1000 Hz
    EXPECT_FALSE(s.chain.empty());
    const auto t = static_cast<int64_t>(s.time_ns);
    if (t < spun.start_ns || t > spun.end_ns) ++outside;
    if (s.tid == spun.tid) {
      ++spinner;
      user += !s.kernel;
    }
  });
  // 300 samples of the CPU's 300 ms, whoever ran (the machine may be
  // shared: the spinner had a good part of it, not all).
  EXPECT_GE(all, 240u);
  EXPECT_LE(all, 330u);
  EXPECT_GE(spinner, all / 4);
  EXPECT_GE(user, spinner * 8 / 10);  // it spins in user space
  // Enabled and disabled on the clock of the schedule: the kernel's sample
  // times fall between the two reads around them.
  EXPECT_EQ(outside, 0u);
  // The rings are empty once drained.
  uint64_t again = 0;
  sampler.Drain([&](const RawSample&) { ++again; });
  EXPECT_EQ(again, 0u);
}

TEST_F(CpuSamplerTest, TheProfileNamesTheSpinnerAndKeepsOnlyTheWindow) {
  const int cpu = FirstCpu();
  CpuSampler sampler = CpuSampler::Open(
      {.cpus = {cpu}, .hz = 1000, .window = 200ms, .hardware = false});
  const Spun spun = SpinSampled(sampler, cpu, 200ms);
  // The window is the second half of what was sampled.
  const int64_t middle = (spun.start_ns + spun.end_ns) / 2;
  const CpuProfile p =
      CollectProfile(sampler, {.self_pid = static_cast<uint32_t>(::getpid()),
                               .skip_tid = 0,
                               .start_ns = middle,
                               .end_ns = spun.end_ns});
  EXPECT_GE(p.outside_window, 60u);
  // 100 samples of the CPU's 100 ms: the spinner's and the idle task's
  // kept, another process's (a shared machine) left out.
  EXPECT_GE(p.samples + p.left_out_samples, 80u);
  EXPECT_LE(p.samples + p.left_out_samples, 130u);
  EXPECT_GE(p.samples, 20u);
  ASSERT_TRUE(p.totals[0].has_value());
  // Every sample kept is 1 ms: the totals are the samples' time.
  EXPECT_DOUBLE_EQ(p.totals[0]->total, 1e6 * static_cast<double>(p.samples));
  // The spinner's stacks end in its function, named, as this process's.
  uint64_t spinning = 0;
  for (const auto& [stack, count] : p.stacks)
    if (stack.rfind("cpu_sampler_tes;", 0) == 0 &&
        stack.find("netbench::spin::SpinUntil") != std::string::npos)
      spinning += count;
  EXPECT_GE(spinning, p.samples / 2);
  const size_t app = FindCpuCategory("app");
  EXPECT_GE(p.totals[0]->by_category[app], 0.5 * p.totals[0]->total);
}

TEST_F(CpuSamplerTest, TheProfilersOwnThreadIsLeftOut) {
  const int cpu = FirstCpu();
  CpuSampler sampler = CpuSampler::Open(
      {.cpus = {cpu}, .hz = 1000, .window = 200ms, .hardware = false});
  const Spun spun = SpinSampled(sampler, cpu, 200ms);
  const CpuProfile p =
      CollectProfile(sampler, {.self_pid = static_cast<uint32_t>(::getpid()),
                               .skip_tid = spun.tid,
                               .start_ns = spun.start_ns,
                               .end_ns = spun.end_ns + 1});
  EXPECT_GE(p.left_out_samples, 100u);
  for (const auto& [stack, count] : p.stacks)
    EXPECT_EQ(stack.find("SpinUntil"), std::string::npos) << stack;
}

TEST(CpuSamplingPermissionTest, AUserNamespaceIsRefusedWithOneLine) {
  const testing::ChildOutcome outcome = testing::RunRootless([] {
    const SamplingSupport s = ProbeCpuSampling(0);
    if (s.permitted) return std::string("sampling permitted in a user ns");
    if (s.reason.find('\n') != std::string::npos)
      return "more than one line: " + s.reason;
    if (s.reason.find("user namespace") == std::string::npos ||
        s.reason.find("kernel.perf_event_paranoid") == std::string::npos)
      return "the reason says neither why nor what to change: " + s.reason;
    return std::string();
  });
  if (outcome.no_user_namespaces) GTEST_SKIP() << outcome.message;
  EXPECT_TRUE(outcome.ok) << outcome.message;
}

}  // namespace
}  // namespace netbench
