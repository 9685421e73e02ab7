#include "lib/flow_window.h"

#include <algorithm>

namespace netbench {

FlowWindow::FlowWindow(const FlowSchedule& schedule,
                       const std::atomic<bool>* abort)
    : schedule_(schedule), abort_(abort), last_check_ns_(SteadyNowNs()) {}

bool FlowWindow::Check(const SideRecord& counts, int64_t now_ns) {
  // The next look about kCheckInterval from now at the pace of the steps
  // since the last one; the stride at most doubles per look, so a pace that
  // slows down (a blocking wait) is caught up with quickly.
  const uint64_t steps = steps_ - last_check_steps_;
  const int64_t elapsed = std::max<int64_t>(now_ns - last_check_ns_, 1);
  const uint64_t ideal = std::max<uint64_t>(
      1, steps * kCheckInterval / static_cast<uint64_t>(elapsed));
  stride_ = std::min(ideal, 2 * stride_);
  last_check_steps_ = steps_;
  last_check_ns_ = now_ns;
  next_check_ = steps_ + stride_;

  if (phase_ == Phase::kWarmup && now_ns >= schedule_.window_start_ns)
    Open(counts);
  if (phase_ == Phase::kWindow && now_ns >= window_end_ns_) Shut(counts);
  if (abort_ && abort_->load(std::memory_order_relaxed)) {
    aborted_ = true;
    return false;
  }
  if (now_ns < schedule_.stop_ns) return true;
  // A window that opened late keeps its length (Open), so the driving side
  // goes on for the tail after its end: stopping on schedule would cut it
  // short, and a stall through the whole warm-up and window (tens of ms on
  // a loaded machine, at a 10 ms window) would leave it empty; Google
  // Benchmark then asks for a second iteration of the run. (A side that does
  // not drive has no stop: its stop_ns is far off, and is never passed.)
  if (phase_ == Phase::kWindow) return true;
  const int64_t tail =
      schedule_.stop_ns - schedule_.window_start_ns - schedule_.window_ns;
  return now_ns - window_end_ns_ < tail;
}

void FlowWindow::Open(const SideRecord& counts) {
  at_start_ = counts;
  meter_.Start();
  // The length is kept from the start actually taken: a window is never
  // shorter than asked for.
  window_end_ns_ = SteadyNowNs() + schedule_.window_ns;
  phase_ = Phase::kWindow;
}

void FlowWindow::Shut(const SideRecord& counts) {
  window_ = counts.CountedSince(at_start_);
  meter_.Stop(&window_);
  phase_ = Phase::kClosed;
}

std::optional<SideRecord> FlowWindow::Close(const SideRecord& counts) {
  if (phase_ == Phase::kWarmup) return std::nullopt;
  if (phase_ == Phase::kWindow) Shut(counts);
  return window_;
}

}  // namespace netbench
