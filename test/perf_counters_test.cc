#include "lib/perf_counters.h"

#include <gtest/gtest.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "base/sys_error.h"

namespace netbench {
namespace {

constexpr PerfEvent kAllEvents[] = {
    PerfEvent::kCycles, PerfEvent::kInstructions, PerfEvent::kLlcLoadMisses};
constexpr uint64_t kMs = 1'000'000;

uint64_t ThreadCpuNs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000 +
         static_cast<uint64_t>(ts.tv_nsec);
}

// Keeps the calling thread on the CPU until it has consumed `ns` of CPU time;
// returns the CPU time actually consumed.
uint64_t SpinFor(uint64_t ns) {
  const uint64_t start = ThreadCpuNs();
  volatile uint64_t sink = 0;
  uint64_t spent = 0;
  while ((spent = ThreadCpuNs() - start) < ns) {
    for (int i = 0; i < 1000; ++i) sink = sink + 1;
  }
  return spent;
}

int OpenFdCount() {
  int n = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator("/proc/self/fd")) {
    ++n;
  }
  return n;
}

TEST(ThreadPerfCountersTest, OpenAgreesWithTheProbe) {
  const ThreadPerfCounters c = ThreadPerfCounters::Open(gettid());
  EXPECT_EQ(c.has_hardware(), HardwareCountersAvailable());
  EXPECT_EQ(HardwareCountersUnavailableReason().empty(),
            HardwareCountersAvailable());
}

TEST(ThreadPerfCountersTest, HardwareCountersAbsentNotZeroWhereUnsupported) {
  if (HardwareCountersAvailable()) {
    GTEST_SKIP() << "this machine has hardware counters";
  }
  EXPECT_NE(HardwareCountersUnavailableReason(), "");
  const ThreadPerfCounters c = ThreadPerfCounters::Open(gettid());
  EXPECT_FALSE(c.has_hardware());
  const PerfReading before = c.Read();
  SpinFor(kMs);
  const PerfReading delta = c.Read() - before;
  for (PerfEvent event : kAllEvents) {
    EXPECT_FALSE(c.has(event)) << PerfEventName(event);
    EXPECT_FALSE(before.Get(event).has_value()) << PerfEventName(event);
    EXPECT_FALSE(delta.Get(event).has_value()) << PerfEventName(event);
  }
}

TEST(ThreadPerfCountersTest, HardwareCountersCountInstructions) {
  if (!HardwareCountersAvailable()) {
    GTEST_SKIP() << HardwareCountersUnavailableReason();
  }
  const ThreadPerfCounters c = ThreadPerfCounters::Open(gettid());
  ASSERT_TRUE(c.has(PerfEvent::kCycles));
  const PerfReading before = c.Read();
  SpinFor(20 * kMs);
  const PerfReading delta = c.Read() - before;
  ASSERT_TRUE(delta.cycles().has_value());
  EXPECT_GT(*delta.cycles(), 1'000'000u);
  if (c.has(PerfEvent::kInstructions)) {
    ASSERT_TRUE(delta.instructions().has_value());
    EXPECT_GT(*delta.instructions(), 1'000'000u);
  }
}

TEST(ThreadPerfCountersTest, DefaultHasNoCounters) {
  const ThreadPerfCounters c;
  EXPECT_FALSE(c.has_hardware());
  const PerfReading r = c.Read();
  for (PerfEvent event : kAllEvents) {
    EXPECT_FALSE(c.has(event));
    EXPECT_FALSE(r.Get(event).has_value());
  }
}

TEST(ThreadPerfCountersTest, ClosesItsDescriptorsAndMoves) {
  const int before = OpenFdCount();
  {
    ThreadPerfCounters a = ThreadPerfCounters::Open(gettid());
    int opened = 0;
    for (PerfEvent event : kAllEvents) opened += a.has(event) ? 1 : 0;
    EXPECT_EQ(OpenFdCount(), before + opened);
    ThreadPerfCounters b = std::move(a);
    EXPECT_EQ(OpenFdCount(), before + opened);
    ThreadPerfCounters c;
    c = std::move(b);
    EXPECT_EQ(OpenFdCount(), before + opened);
    if (c.has(PerfEvent::kCycles)) {
      EXPECT_TRUE(c.Read().cycles().has_value());
    }
  }
  EXPECT_EQ(OpenFdCount(), before);
}

TEST(ThreadPerfCountersTest, NoSuchThreadThrows) {
  // Above the largest pid_max (2^22): no thread has this id.
  try {
    ThreadPerfCounters::Open(INT_MAX);
    FAIL() << "opened counters on a thread that does not exist";
  } catch (const SysError& e) {
    EXPECT_EQ(e.err(), ESRCH) << e.what();
  }
}

int CountOccurrences(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

// Runs in a fresh process: "threadsafe" death tests re-execute the test
// binary for this test alone, so no earlier test has printed the notice.
TEST(ThreadPerfCountersDeathTest, HardwareNoticeIsPrintedOncePerProcess) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const bool unsupported = !HardwareCountersAvailable();
  EXPECT_EXIT(
      {
        testing::internal::CaptureStderr();
        ThreadPerfCounters first = ThreadPerfCounters::Open(gettid());
        ThreadPerfCounters second = ThreadPerfCounters::Open(gettid());
        const std::string said = testing::internal::GetCapturedStderr();
        std::fputs(said.c_str(), stderr);  // For the parent to match.
        std::exit(CountOccurrences(
            said, "hardware performance counters not supported here"));
      },
      testing::ExitedWithCode(unsupported ? 1 : 0),
      unsupported ? "net_bench: hardware performance counters not supported "
                    "here \\(perf_event_open\\(cycles\\): .+\\); cycles, "
                    "instructions and LLC misses are left out"
                  : "");
}

}  // namespace
}  // namespace netbench
