#ifndef NET_BENCH_BASE_SYS_ERROR_H_
#define NET_BENCH_BASE_SYS_ERROR_H_

#include <cerrno>
#include <cstddef>
#include <stdexcept>
#include <string>

#include "base/stop_request.h"

namespace netbench {

// A failure of the operating system or of a peer, with a message that names
// the failing step and the cause, e.g. "send: Connection reset by peer".
class SysError : public std::runtime_error {
 public:
  SysError(const std::string& step, int err);
  explicit SysError(const std::string& message)
      : std::runtime_error(message), err_(0) {}
  int err() const { return err_; }

 private:
  int err_;
};

// The peer closed the connection (end of stream). `received` is how many
// bytes of the requested amount had arrived before the end: 0 means the
// stream ended cleanly between two messages.
class PeerClosed : public SysError {
 public:
  explicit PeerClosed(size_t received)
      : SysError("recv: peer closed the connection"), received_(received) {}
  size_t received() const { return received_; }

 private:
  size_t received_;
};

// A mechanism that the running kernel (or its configuration) does not offer.
// Its message starts with "not supported: ".
class NotSupported : public std::runtime_error {
 public:
  explicit NotSupported(const std::string& why)
      : std::runtime_error("not supported: " + why) {}
};

// Throws SysError(step, errno).
[[noreturn]] void ThrowErrno(const std::string& step);

// The bound on EINTR retries: a syscall interrupted this many times in a row
// is reported as failed instead of spinning forever.
inline constexpr int kMaxEintrRetries = 100;

// Calls `f` until it returns something other than -1 with errno EINTR, at
// most kMaxEintrRetries times, and not once a stop signal has arrived
// (base/stop_request.h): the EINTR of a call the stop interrupted is the
// caller's answer (its wait must not outlive the stop), where any other
// signal's is noise. A call that must complete whatever happens (reaping a
// killed child) loops on EINTR itself.
template <typename F>
auto RetryEintr(F&& f) -> decltype(f()) {
  decltype(f()) r;
  int tries = 0;
  do {
    r = f();
  } while (r == -1 && errno == EINTR && !StopRequested() &&
           ++tries < kMaxEintrRetries);
  return r;
}

}  // namespace netbench

#endif  // NET_BENCH_BASE_SYS_ERROR_H_
