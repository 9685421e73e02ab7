#ifndef NET_BENCH_BASE_SOCKET_IO_H_
#define NET_BENCH_BASE_SOCKET_IO_H_

#include <sys/socket.h>
#include <sys/uio.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/wait_policy.h"

namespace netbench {

// Sets SO_SNDTIMEO and SO_RCVTIMEO so that no blocking send or receive on
// `fd` waits longer than `timeout`.
void SetSocketTimeouts(int fd, std::chrono::milliseconds timeout);
// SO_RCVTIMEO alone: a UDP socket's idle wait, its sends bounded apart.
void SetReceiveTimeout(int fd, std::chrono::milliseconds timeout);

// Sets TCP_NODELAY.
void SetNoDelay(int fd, bool on);

// The error to throw for a failed send/recv step: names the likely cause
// ("timed out after N ms", "peer closed the connection") beside errno's text.
[[noreturn]] void ThrowIoError(const char* step, int err,
                               std::chrono::milliseconds timeout);

// Sends all `n` bytes with send(2) (MSG_NOSIGNAL | flags), resuming partial
// sends. Adds the syscalls made to `*syscalls`. Throws SysError.
void SendAll(int fd, const void* data, size_t n, int flags,
             std::chrono::milliseconds timeout, uint64_t* syscalls);

// Sends all bytes of `iov[0..iovcnt)` with sendmsg(2) (MSG_NOSIGNAL |
// flags), resuming a partial send at the right entry and offset. `iov` is
// modified. Returns after everything is sent. Throws SysError.
void SendMsgAll(int fd, iovec* iov, int iovcnt, int flags,
                std::chrono::milliseconds timeout, uint64_t* syscalls);

// Drops `n` sent bytes from the front of an iovec array: advances *iov and
// *iovcnt past fully sent entries and trims the first partial one.
void AdvanceIov(iovec** iov, int* iovcnt, size_t n);

// Receives exactly `n` bytes into `data`. kBlock sleeps in recv(2) (bounded
// by the socket's SO_RCVTIMEO, set to `timeout`); kSpin polls with
// non-blocking recv(2) calls, each counted in `*syscalls`, and gives up
// `timeout` after the first empty one. Throws PeerClosed on end of stream,
// SysError on other failures.
void RecvAll(int fd, void* data, size_t n, std::chrono::milliseconds timeout,
             uint64_t* syscalls, WaitPolicy wait = WaitPolicy::kBlock);

// The bound of a spinning wait: the deadline starts at the first empty poll,
// so a wait that never finds the socket empty never reads the clock.
class SpinDeadline {
 public:
  explicit SpinDeadline(std::chrono::milliseconds timeout)
      : timeout_(timeout) {}
  // Call after each empty poll. Returns false once `timeout` has passed
  // since the first call; otherwise pauses the CPU briefly (the pause
  // instruction lets a sibling hyperthread run) and returns true.
  bool KeepSpinning();

 private:
  std::chrono::milliseconds timeout_;
  std::chrono::steady_clock::time_point deadline_{};
};

// Asks the kernel to busy-poll the device queue for up to `usec` when a
// receive finds the socket empty (SO_BUSY_POLL, socket(7)). Returns false
// when refused (raising it above net.core.busy_read needs CAP_NET_ADMIN);
// the kernel ignores it for sockets fed by a device without NAPI busy-poll
// support, such as veth.
bool TrySetBusyPoll(int fd, int usec);
// The busy-poll budget set with --wait=spin: the value the kernel
// recommends (Documentation/admin-guide/sysctl/net.rst, busy_read).
inline constexpr int kBusyPollUsec = 50;

}  // namespace netbench

#endif  // NET_BENCH_BASE_SOCKET_IO_H_
