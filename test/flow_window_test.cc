// A flow's window on the real clock: it keeps its length when it opens
// late, and the driving side goes on for the tail after it.

#include "lib/flow_window.h"

#include <gtest/gtest.h>

#include <thread>

namespace netbench {
namespace {

constexpr int64_t kMs = 1'000'000;

// A schedule from now: `warmup`, `window` and `tail` in milliseconds.
FlowSchedule FromNow(int64_t warmup, int64_t window, int64_t tail) {
  const int64_t start = SteadyNowNs() + warmup * kMs;
  return {.window_start_ns = start,
          .window_ns = window * kMs,
          .stop_ns = start + (window + tail) * kMs};
}

// Steps until the window tells the driving side to stop; returns the record.
SideRecord DriveToTheEnd(FlowWindow& w, const SideRecord& counts) {
  while (w.AfterStepAt([&] { return counts; }, SteadyNowNs())) {
  }
  return *w.Close(counts);
}

TEST(FlowWindowTest, OnTimeWindowEndsOnTheSchedule) {
  const FlowSchedule s = FromNow(2, 5, 1);
  FlowWindow w(s);
  const SideRecord record = DriveToTheEnd(w, SideRecord{});
  EXPECT_GE(SteadyNowNs(), s.stop_ns);
  EXPECT_GE(record.end_ns - record.start_ns, s.window_ns);
}

// The side's first look at the clock comes after the schedule's stop (a
// stall through the warm-up and the window): the window opens then, keeps
// its length, and the flow goes on through it and its tail.
TEST(FlowWindowTest, ALateWindowKeepsItsLengthAndTail) {
  const FlowSchedule s = FromNow(1, 5, 1);
  FlowWindow w(s);
  std::this_thread::sleep_until(std::chrono::steady_clock::time_point(
      std::chrono::nanoseconds(s.stop_ns + 2 * kMs)));
  ASSERT_TRUE(w.AfterStepAt([] { return SideRecord{}; }, SteadyNowNs()));
  EXPECT_EQ(w.phase(), FlowWindow::Phase::kWindow);
  const SideRecord record = DriveToTheEnd(w, SideRecord{});
  EXPECT_GE(record.end_ns - record.start_ns, s.window_ns);
  // ... and the tail (1 ms) after it.
  EXPECT_GE(SteadyNowNs(), record.start_ns + s.window_ns + 1 * kMs);
}

}  // namespace
}  // namespace netbench
