#include "lib/cpu_usage.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

namespace netbench {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;

// Keeps the calling thread on the CPU until it has consumed `cpu` of CPU
// time (not wall time: a preempted thread just spins longer).
void SpinFor(nanoseconds cpu) {
  const nanoseconds start = CurrentThreadCpuTime();
  volatile uint64_t sink = 0;
  while (CurrentThreadCpuTime() - start < cpu) {
    for (int i = 0; i < 1000; ++i) sink = sink + 1;
  }
}

// A stock 6.x kernel's line: ten columns.
constexpr char kProcStat[] =
    "cpu  10680 7 7529 416820 437 3 220 5 40 2\n"
    "cpu0 3770 0 2963 211031 30 0 78 0 0 0\n"
    "cpu1 6910 7 4566 205789 407 3 142 5 40 2\n"
    "intr 1234 0 0\n"
    "ctxt 987654\n";

TEST(ParseProcStatTest, SumsBusyColumnsOfTheAggregateLine) {
  const SystemCpuTimes t = ParseProcStat(kProcStat, 100);
  // user + nice + system + irq + softirq + steal; not idle, iowait, guest.
  EXPECT_EQ(t.busy, milliseconds((10680 + 7 + 7529 + 3 + 220 + 5) * 10));
  EXPECT_EQ(t.softirq, milliseconds(220 * 10));
  EXPECT_EQ(t.steal, milliseconds(5 * 10));
  // busy + idle + iowait.
  EXPECT_EQ(t.total,
            milliseconds((10680 + 7 + 7529 + 3 + 220 + 5 + 416820 + 437) * 10));
}

TEST(ParseProcStatTest, ConvertsAnyTickRate) {
  // 1e9 / 300 is not an integer: 301 ticks are 1 s + 1/300 s.
  const SystemCpuTimes t = ParseProcStat("cpu 301 0 0 0 0 0 0 0\n", 300);
  EXPECT_EQ(t.busy, nanoseconds(1'003'333'333));
}

TEST(ParseProcStatTest, IgnoresColumnsAddedLater) {
  const SystemCpuTimes t =
      ParseProcStat("cpu  1 2 3 4 5 6 7 8 9 10 11 12 13\n", 100);
  EXPECT_EQ(t.busy, milliseconds((1 + 2 + 3 + 6 + 7 + 8) * 10));
  EXPECT_EQ(t.softirq, milliseconds(70));
}

TEST(ParseProcStatTest, OldKernelsFourColumns) {
  const SystemCpuTimes t = ParseProcStat("cpu  1 2 3 4\n", 100);
  EXPECT_EQ(t.busy, milliseconds(60));
  EXPECT_EQ(t.softirq, milliseconds(0));
}

TEST(ParseProcStatTest, FindsTheLineAnywhereAndWithoutNewline) {
  const SystemCpuTimes t =
      ParseProcStat("cpu0 9 9 9 9\nintr 5\ncpu  1 0 0 4 0 0 2", 100);
  EXPECT_EQ(t.busy, milliseconds(30));
  EXPECT_EQ(t.softirq, milliseconds(20));
}

TEST(ParseProcStatTest, RejectsMalformedText) {
  EXPECT_THROW(ParseProcStat("", 100), std::runtime_error);
  EXPECT_THROW(ParseProcStat("cpu0 1 2 3 4\n", 100), std::runtime_error);
  EXPECT_THROW(ParseProcStat("cpu  1 2 3\n", 100), std::runtime_error);
  EXPECT_THROW(ParseProcStat("cpu  1 2 x3 4\n", 100), std::runtime_error);
  EXPECT_THROW(ParseProcStat("cpu  1 2 -3 4\n", 100), std::runtime_error);
  EXPECT_THROW(ParseProcStat("cpu  1 2 3 4\n", 0), std::invalid_argument);
}

TEST(SystemCpuTimesTest, BusyGrowsWhileAThreadSpins) {
  const SystemCpuTimes before = ReadSystemCpuTimes();
  SpinFor(milliseconds(200));
  const SystemCpuTimes after = ReadSystemCpuTimes();
  // At least the spin, give or take tick sampling (10 ms per CPU per tick).
  EXPECT_GE(after.busy - before.busy, milliseconds(100));
  EXPECT_GE(after.softirq, before.softirq);
  EXPECT_LE(after.softirq, after.busy);
}

TEST(ThreadCpuTimeTest, CallingThreadGrowsWhileSpinning) {
  const auto wall_before = std::chrono::steady_clock::now();
  const nanoseconds before = CurrentThreadCpuTime();
  SpinFor(milliseconds(20));
  const nanoseconds after = CurrentThreadCpuTime();
  const auto wall = std::chrono::steady_clock::now() - wall_before;
  EXPECT_GE(after - before, milliseconds(20));
  // One thread cannot use more CPU than time passes (the slack absorbs the
  // two clocks' different sources).
  EXPECT_LE(after - before, wall + milliseconds(1));
}

TEST(ThreadRusageTest, SleepsAreVoluntaryContextSwitches) {
  const ThreadRusage before = ReadThreadRusage();
  constexpr int kSleeps = 10;
  // Each sleep blocks the thread, unless its timer has already expired when
  // the thread would block (a vCPU preempted at that moment): half is safe.
  for (int i = 0; i < kSleeps; ++i) usleep(1000);
  const ThreadRusage after = ReadThreadRusage();
  EXPECT_GE(
      after.voluntary_context_switches - before.voluntary_context_switches,
      uint64_t{kSleeps / 2});
  EXPECT_GE(after.context_switches() - before.context_switches(),
            uint64_t{kSleeps / 2});
}

}  // namespace
}  // namespace netbench
