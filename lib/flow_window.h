#ifndef NET_BENCH_LIB_FLOW_WINDOW_H_
#define NET_BENCH_LIB_FLOW_WINDOW_H_

// The window of one side of one connection's steady flow (DESIGN.md
// section 3, "Steady flows" and "Exact windows"). Every connection of a run
// moves data for the same time: a warm-up that no counter sees (the
// connection's slow start, the socket buffers' autotuning, the working
// set's first pass), then the window, then a short tail. Each side counts
// only what happened inside its window, on its own clock:
//
//   connection up ... warm-up ... |<---------- window ---------->| tail  end
//                                 start                       start+length
//
// The side that drives the flow (the client) stops a tail after its own
// window closed, so that the other side, whose clock may run a little
// behind (another host) or whose window opened a look later, still sees its
// own window close during steady flow. A window is never shorter than its
// length: each side's ends from the start it actually took.
//
// A side calls AfterStep() after every step of its pattern (one message
// sent, received, or one request answered). Reading the clock costs tens of
// nanoseconds on a VM, a few percent of a small message's send, so the clock
// is read only every few steps: often enough to look about every
// kCheckInterval, the stride adapted to the pace of the steps. A boundary is
// therefore taken late by at most about that, and every figure of the
// window uses the times actually taken, so lateness shifts the window
// without biasing any rate.

#include <atomic>
#include <cstdint>
#include <optional>

#include "lib/side_record.h"
#include "lib/thread_meter.h"

namespace netbench {

// One side's schedule, on its own steady clock (SteadyNowNs).
struct FlowSchedule {
  int64_t window_start_ns = 0;  // the warm-up ends
  int64_t window_ns = 0;        // the window's length
  // The driving side stops this long after its window closed; the other
  // side follows the flow until it ends (kFollow).
  int64_t tail_ns = 0;
  static constexpr int64_t kFollow = INT64_MAX;
};

class FlowWindow {
 public:
  enum class Phase { kWarmup, kWindow, kClosed };

  // `abort`, when given, is looked at with the clock: once set, AfterStep
  // returns false (another connection of the run failed).
  explicit FlowWindow(const FlowSchedule& schedule,
                      const std::atomic<bool>* abort = nullptr);

  // After every step; `counts()` gives the side's counts so far (totals
  // since the connection started) and is called only when the window opens
  // or closes. Returns false when a driving side should stop: its window
  // closed tail_ns ago, or aborted.
  template <typename Counts>
  bool AfterStep(Counts&& counts) {
    if (++steps_ < next_check_) return true;
    return Look(counts, SteadyNowNs());
  }
  // The same, when the caller has just read the clock itself (every step).
  template <typename Counts>
  bool AfterStepAt(Counts&& counts, int64_t now_ns) {
    ++steps_;
    return Look(counts, now_ns);
  }

  Phase phase() const { return phase_; }
  bool aborted() const { return aborted_; }

  // The record of the window: the counts inside it, its start and end, and
  // the thread's CPU time, context switches and hardware counters over it.
  // When the flow ended inside the window (the peer ended the data), the
  // window closes here with what it saw. Returns nullopt when the window
  // never opened.
  std::optional<SideRecord> Close(const SideRecord& counts);

 private:
  template <typename Counts>
  bool Look(Counts& counts, int64_t now_ns) {
    if (AtBoundary(now_ns)) Cross(counts());
    return Check(now_ns);
  }
  // Whether the window opens or closes at `now_ns`.
  bool AtBoundary(int64_t now_ns) const {
    return (phase_ == Phase::kWarmup && now_ns >= schedule_.window_start_ns) ||
           (phase_ == Phase::kWindow && now_ns >= window_end_ns_);
  }
  // Opens the window, or closes it.
  void Cross(const SideRecord& counts);
  // Plans the next look; says whether a driving side goes on.
  bool Check(int64_t now_ns);
  void Open(const SideRecord& counts);
  void Shut(const SideRecord& counts);

  static constexpr int64_t kCheckInterval = 20'000;  // ns
  // At most this many steps between looks: a pace that suddenly slows
  // down costs at most that many slow steps of lateness.
  static constexpr uint64_t kMaxStride = 256;

  FlowSchedule schedule_;
  const std::atomic<bool>* abort_;
  ThreadMeter meter_;  // opens its perf events here, before the flow
  Phase phase_ = Phase::kWarmup;
  bool aborted_ = false;
  uint64_t steps_ = 0;
  uint64_t next_check_ = 1;
  uint64_t stride_ = 1;
  uint64_t last_check_steps_ = 0;
  int64_t last_check_ns_ = 0;
  int64_t window_end_ns_ = 0;    // the start actually taken + the length
  int64_t stop_ns_ = INT64_MAX;  // the window's close + the tail
  SideRecord at_start_;
  SideRecord window_;
};

}  // namespace netbench

#endif  // NET_BENCH_LIB_FLOW_WINDOW_H_
