#include "lib/pacer.h"

#include <time.h>

#include "lib/thread_meter.h"

namespace netbench {

void Pacer::Before(size_t bytes) {
  if (rate_ == 0) return;
  const int64_t now = SteadyNowNs();
  if (next_ns_ == 0 || now - next_ns_ > kMaxBurst) next_ns_ = now;
  // Ahead of the rate by kMinSleep or more: sleep it off. A shorter lead
  // is let run: spinning it off would take the CPU a receiver sharing it
  // needs, and a timer cannot wait that little (its slack is 50 us).
  if (next_ns_ - now >= kMinSleep) {
    timespec at{};
    at.tv_sec = next_ns_ / 1'000'000'000;
    at.tv_nsec = next_ns_ % 1'000'000'000;
    // CLOCK_MONOTONIC is steady_clock's (SteadyNowNs); the wake-up comes
    // at that time or after it, never before (an EINTR cuts it short,
    // and the next message's look sleeps again).
    ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, nullptr);
  }
  next_ns_ += static_cast<int64_t>(static_cast<double>(bytes) * 8e9 /
                                   static_cast<double>(rate_));
}

}  // namespace netbench
