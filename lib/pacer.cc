#include "lib/pacer.h"

#include <time.h>

#include <algorithm>

#include "lib/thread_meter.h"

namespace netbench {

void Pacer::Before(size_t bytes) {
  if (rate_ == 0) return;
  int64_t now = SteadyNowNs();
  if (next_ns_ == 0 || now - next_ns_ > kMaxBurst) next_ns_ = now;
  if (next_ns_ - now >= kMinSleep) {
    timespec at{};
    at.tv_sec = next_ns_ / 1'000'000'000;
    at.tv_nsec = next_ns_ % 1'000'000'000;
    // CLOCK_MONOTONIC is steady_clock's (SteadyNowNs); an EINTR wakes early
    // and the spin below finishes the wait.
    ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, nullptr);
  }
  while (now < next_ns_) now = SteadyNowNs();
  next_ns_ += static_cast<int64_t>(static_cast<double>(bytes) * 8e9 /
                                   static_cast<double>(rate_));
}

}  // namespace netbench
