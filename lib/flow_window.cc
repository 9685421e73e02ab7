#include "lib/flow_window.h"

#include <algorithm>

namespace netbench {

FlowWindow::FlowWindow(const FlowSchedule& schedule,
                       const std::atomic<bool>* abort)
    : schedule_(schedule), abort_(abort), last_check_ns_(SteadyNowNs()) {}

void FlowWindow::Cross(const SideRecord& counts) {
  if (phase_ == Phase::kWarmup) {
    Open(counts);
  } else {
    Shut(counts);
  }
}

bool FlowWindow::Check(int64_t now_ns) {
  // The next look about kCheckInterval from now at the pace of the steps
  // since the last one; the stride at most doubles per look, so a pace that
  // slows down (a blocking wait) is caught up with quickly.
  const uint64_t steps = steps_ - last_check_steps_;
  const int64_t elapsed = std::max<int64_t>(now_ns - last_check_ns_, 1);
  const uint64_t ideal = std::max<uint64_t>(
      1, steps * kCheckInterval / static_cast<uint64_t>(elapsed));
  stride_ = std::min({ideal, 2 * stride_, kMaxStride});
  last_check_steps_ = steps_;
  last_check_ns_ = now_ns;
  next_check_ = steps_ + stride_;
  if (abort_ && abort_->load(std::memory_order_relaxed)) {
    aborted_ = true;
    return false;
  }
  return now_ns < stop_ns_;
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
  if (schedule_.tail_ns != FlowSchedule::kFollow)
    stop_ns_ = window_.end_ns + schedule_.tail_ns;
}

std::optional<SideRecord> FlowWindow::Close(const SideRecord& counts) {
  if (phase_ == Phase::kWarmup) return std::nullopt;
  if (phase_ == Phase::kWindow) Shut(counts);
  return window_;
}

}  // namespace netbench
