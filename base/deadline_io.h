#ifndef NET_BENCH_BASE_DEADLINE_IO_H_
#define NET_BENCH_BASE_DEADLINE_IO_H_

// Sends and receives bounded by one deadline for the whole transfer, not by
// a timeout per call: SO_RCVTIMEO restarts with every byte that arrives, so
// a peer sending one byte per second would hold a per-call bound off for as
// long as it likes (slowloris). Each wait is a poll(2) for what is left of
// the deadline, then one non-blocking call.

#include <chrono>
#include <cstddef>
#include <string>

#include "base/sys_error.h"

namespace netbench {

// The deadline passed before the transfer was complete.
class DeadlineExceeded : public SysError {
 public:
  using SysError::SysError;
};

using Deadline = std::chrono::steady_clock::time_point;

// Receives exactly `n` bytes before `deadline`. Throws PeerClosed (with the
// bytes received) on end of stream, DeadlineExceeded "<what>: not complete
// within <budget> ms" when the deadline passes, SysError on other failures.
void RecvAllBefore(int fd, void* data, size_t n, Deadline deadline,
                   std::chrono::milliseconds budget, const std::string& what);

// Sends all `n` bytes before `deadline` (MSG_NOSIGNAL). Throws
// DeadlineExceeded or SysError.
void SendAllBefore(int fd, const void* data, size_t n, Deadline deadline,
                   std::chrono::milliseconds budget, const std::string& what);

}  // namespace netbench

#endif  // NET_BENCH_BASE_DEADLINE_IO_H_
