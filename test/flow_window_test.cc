// lib/flow_window.h on a synthetic flow: steps of a known pace, counted
// only inside the window; never shorter than asked; the driving side stops
// a tail after its window; an abort stops it at once.

#include "lib/flow_window.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace netbench {
namespace {

constexpr int64_t kMs = 1'000'000;

// A side that takes about `step_ns` per step, counting a message and
// `size` bytes per step, until the window says stop.
struct Steps {
  SideRecord counts;
  uint64_t steps = 0;
  size_t size = 100;
  void One(int64_t step_ns) {
    const int64_t until = SteadyNowNs() + step_ns;
    while (SteadyNowNs() < until) {
    }
    ++steps;
    ++counts.messages;
    counts.bytes += size;
    counts.syscalls += 2;
  }
};

FlowSchedule Schedule(int64_t warmup_ns, int64_t window_ns, int64_t tail_ns) {
  FlowSchedule s;
  s.window_start_ns = SteadyNowNs() + warmup_ns;
  s.window_ns = window_ns;
  s.tail_ns = tail_ns;
  return s;
}

TEST(FlowWindowTest, CountsOnlyInsideAWindowNeverShorterThanAsked) {
  const FlowSchedule s = Schedule(20 * kMs, 50 * kMs, 5 * kMs);
  FlowWindow w(s);
  Steps side;
  const auto counts = [&] { return side.counts; };
  while (w.AfterStep(counts)) side.One(2'000);
  ASSERT_EQ(w.phase(), FlowWindow::Phase::kClosed);
  const std::optional<SideRecord> r = w.Close(side.counts);
  ASSERT_TRUE(r);
  const int64_t length = r->end_ns - r->start_ns;
  EXPECT_GE(length, 50 * kMs);
  EXPECT_LT(length, 60 * kMs);  // late by a look (~20 us), a busy machine
  EXPECT_GE(r->start_ns, s.window_start_ns);
  // The warm-up and the tail are not counted: about 50 of the ~77 ms.
  EXPECT_LT(r->messages, side.steps * 3 / 4);
  EXPECT_GT(r->messages, 0u);
  EXPECT_EQ(r->bytes, r->messages * side.size);
  EXPECT_EQ(r->syscalls, 2 * r->messages);
  // The driving side stopped a tail after its window closed.
  EXPECT_GE(SteadyNowNs() - r->end_ns, 5 * kMs);
  EXPECT_GT(r->cpu_ns, 0u);
}

TEST(FlowWindowTest, AFlowEndingInsideItsWindowClosesItThere) {
  FlowWindow w(Schedule(0, 10'000 * kMs, FlowSchedule::kFollow));
  Steps side;
  const auto counts = [&] { return side.counts; };
  for (int i = 0; i < 2000; ++i) {
    side.One(1'000);
    w.AfterStep(counts);
  }
  const std::optional<SideRecord> r = w.Close(side.counts);
  ASSERT_TRUE(r);
  EXPECT_LT(r->end_ns - r->start_ns, 100 * kMs);
  EXPECT_GT(r->messages, 1000u);
}

TEST(FlowWindowTest, NoWindowWhenTheFlowEndsInItsWarmUp) {
  FlowWindow w(Schedule(10'000 * kMs, 10 * kMs, 0));
  Steps side;
  side.One(1'000);
  w.AfterStep([&] { return side.counts; });
  EXPECT_FALSE(w.Close(side.counts));
}

TEST(FlowWindowTest, AnAbortStopsTheDrivingSideAtOnce) {
  std::atomic<bool> abort{false};
  FlowWindow w(Schedule(0, 10'000 * kMs, 0), &abort);
  Steps side;
  const auto counts = [&] { return side.counts; };
  const int64_t start = SteadyNowNs();
  std::thread raise([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    abort = true;
  });
  while (w.AfterStep(counts)) side.One(1'000);
  raise.join();
  EXPECT_TRUE(w.aborted());
  EXPECT_LT(SteadyNowNs() - start, 1'000 * kMs);
}

// A pace that slows down a hundredfold (a blocking wait) is caught up with
// at the next look: the boundary is taken late by at most one stride of
// slow steps (here about 200 x 10 us).
TEST(FlowWindowTest, LooksKeepUpWithAPaceThatSlowsDown) {
  const FlowSchedule s = Schedule(30 * kMs, 20 * kMs, 0);
  FlowWindow w(s);
  Steps side;
  const auto counts = [&] { return side.counts; };
  // Fast steps: the stride grows.
  for (int i = 0; i < 20000; ++i) {
    side.One(100);
    w.AfterStep(counts);
  }
  // Slow steps across the window's start.
  while (w.phase() == FlowWindow::Phase::kWarmup) {
    side.One(10'000);
    w.AfterStep(counts);
  }
  EXPECT_LT(SteadyNowNs() - s.window_start_ns, 5 * kMs);
}

// Steps until the window tells the driving side to stop; returns the record.
SideRecord DriveToTheEnd(FlowWindow& w, const SideRecord& counts) {
  while (w.AfterStepAt([&] { return counts; }, SteadyNowNs())) {
  }
  return *w.Close(counts);
}

TEST(FlowWindowTest, OnTimeWindowEndsOnTheSchedule) {
  const FlowSchedule s = Schedule(2 * kMs, 5 * kMs, 1 * kMs);
  FlowWindow w(s);
  const SideRecord record = DriveToTheEnd(w, SideRecord{});
  EXPECT_GE(SteadyNowNs(), s.window_start_ns + s.window_ns + s.tail_ns);
  EXPECT_GE(record.end_ns - record.start_ns, s.window_ns);
}

// The side's first look at the clock comes after the whole schedule (a
// stall through the warm-up, the window and the tail): the window opens
// then, keeps its length, and the flow goes on through it and its tail.
TEST(FlowWindowTest, ALateWindowKeepsItsLengthAndTail) {
  const FlowSchedule s = Schedule(1 * kMs, 5 * kMs, 1 * kMs);
  FlowWindow w(s);
  std::this_thread::sleep_until(std::chrono::steady_clock::time_point(
      std::chrono::nanoseconds(s.window_start_ns + s.window_ns + 3 * kMs)));
  ASSERT_TRUE(w.AfterStepAt([] { return SideRecord{}; }, SteadyNowNs()));
  EXPECT_EQ(w.phase(), FlowWindow::Phase::kWindow);
  const SideRecord record = DriveToTheEnd(w, SideRecord{});
  EXPECT_GE(record.end_ns - record.start_ns, s.window_ns);
  EXPECT_GE(SteadyNowNs(), record.end_ns + s.tail_ns);
}

}  // namespace
}  // namespace netbench
