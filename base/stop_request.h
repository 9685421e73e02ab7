#ifndef NET_BENCH_BASE_STOP_REQUEST_H_
#define NET_BENCH_BASE_STOP_REQUEST_H_

// Whether a stop signal (SIGINT, SIGTERM) has arrived. The handler
// (benchmarks/interrupt.cc) sets it; RetryEintr (base/sys_error.h) reads it,
// so that a blocking call the stop interrupted returns EINTR to its caller
// instead of waiting again. Kept here, apart from the handler, because
// base/ depends on nothing above it.

#include <atomic>

namespace netbench {

namespace internal {
inline std::atomic<bool> stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free,
              "set from a signal handler");
}  // namespace internal

// Async-signal-safe.
inline void RequestStop() noexcept {
  internal::stop_requested.store(true, std::memory_order_relaxed);
}

inline bool StopRequested() noexcept {
  return internal::stop_requested.load(std::memory_order_relaxed);
}

}  // namespace netbench

#endif  // NET_BENCH_BASE_STOP_REQUEST_H_
