#ifndef NET_BENCH_LIB_SOCKET_IO_H_
#define NET_BENCH_LIB_SOCKET_IO_H_

#include <sys/socket.h>
#include <sys/uio.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace netbench {

// Sets SO_SNDTIMEO and SO_RCVTIMEO so that no blocking send or receive on
// `fd` waits longer than `timeout`.
void SetSocketTimeouts(int fd, std::chrono::milliseconds timeout);

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

// Receives exactly `n` bytes into `data`. Throws PeerClosed on end of
// stream, SysError on other failures.
void RecvAll(int fd, void* data, size_t n, std::chrono::milliseconds timeout,
             uint64_t* syscalls);

}  // namespace netbench

#endif  // NET_BENCH_LIB_SOCKET_IO_H_
