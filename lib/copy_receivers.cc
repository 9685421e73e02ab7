// recv() into a reusable buffer (--rx=copy) and recv(MSG_TRUNC) that
// discards without copying (--rx=trunc).

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <vector>

#include "base/socket_io.h"
#include "base/sys_error.h"
#include "lib/receivers.h"

namespace netbench {
namespace {

class CopyReceiver final : public Receiver {
 public:
  CopyReceiver(int fd, const ReceiverOptions& o)
      : fd_(fd),
        timeout_(o.timeout),
        wait_(o.wait),
        buffer_(std::max<size_t>(o.max_chunk, 1)) {}

  void Receive(size_t n, ByteSink* sink) override {
    size_t done = 0;
    while (n > 0) {
      const size_t chunk = std::min(n, buffer_.size());
      try {
        RecvAll(fd_, buffer_.data(), chunk, timeout_, &stats_.syscalls, wait_);
      } catch (const PeerClosed& e) {
        throw PeerClosed(done + e.received());
      }
      done += chunk;
      if (sink) sink->Consume({buffer_.data(), chunk});
      stats_.bytes += chunk;
      n -= chunk;
    }
  }

 private:
  int fd_;
  std::chrono::milliseconds timeout_;
  WaitPolicy wait_;
  std::vector<std::byte> buffer_;
};

// TCP honours MSG_TRUNC by dropping the bytes instead of copying them
// (tcp(7), "MSG_TRUNC"), which isolates the sender's cost.
class TruncReceiver final : public Receiver {
 public:
  TruncReceiver(int fd, const ReceiverOptions& o)
      : fd_(fd),
        timeout_(o.timeout),
        wait_(o.wait),
        flags_(MSG_TRUNC |
               (o.wait == WaitPolicy::kSpin ? MSG_DONTWAIT : MSG_WAITALL)) {}

  void Receive(size_t n, ByteSink* sink) override {
    if (sink)
      throw std::invalid_argument(
          "--rx=trunc discards the bytes: cannot verify");
    size_t done = 0;
    SpinDeadline spin(timeout_);
    int eintr = 0;
    while (n > 0) {
      ++stats_.syscalls;
      const ssize_t r = ::recv(fd_, nullptr, n, flags_);
      if (r == 0) throw PeerClosed(done);
      if (r < 0) {
        if (errno == EINTR && ++eintr < kMaxEintrRetries) continue;
        if (wait_ == WaitPolicy::kSpin &&
            (errno == EAGAIN || errno == EWOULDBLOCK) && spin.KeepSpinning())
          continue;
        ThrowIoError("recv(MSG_TRUNC)", errno, timeout_);
      }
      stats_.bytes += static_cast<size_t>(r);
      done += static_cast<size_t>(r);
      n -= static_cast<size_t>(r);
    }
  }

 private:
  int fd_;
  std::chrono::milliseconds timeout_;
  WaitPolicy wait_;
  int flags_;
};

}  // namespace

size_t CopyReceiverBytes(const ReceiverOptions& o) {
  return std::max<size_t>(o.max_chunk, 1);
}

std::unique_ptr<Receiver> MakeCopyReceiver(int fd, const ReceiverOptions& o) {
  return std::make_unique<CopyReceiver>(fd, o);
}
std::unique_ptr<Receiver> MakeTruncReceiver(int fd, const ReceiverOptions& o) {
  return std::make_unique<TruncReceiver>(fd, o);
}

}  // namespace netbench
