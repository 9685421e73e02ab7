#include "base/socket_io.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "base/sys_error.h"

namespace netbench {

namespace {

void SetTimeout(int fd, int option, const char* name,
                std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  if (::setsockopt(fd, SOL_SOCKET, option, &tv, sizeof(tv)) != 0)
    ThrowErrno(std::string("setsockopt(") + name + ")");
}

}  // namespace

void SetSocketTimeouts(int fd, std::chrono::milliseconds timeout) {
  SetTimeout(fd, SO_SNDTIMEO, "SO_SNDTIMEO", timeout);
  SetTimeout(fd, SO_RCVTIMEO, "SO_RCVTIMEO", timeout);
}

void SetReceiveTimeout(int fd, std::chrono::milliseconds timeout) {
  SetTimeout(fd, SO_RCVTIMEO, "SO_RCVTIMEO", timeout);
}

void SetNoDelay(int fd, bool on) {
  const int v = on ? 1 : 0;
  if (::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)) != 0)
    ThrowErrno("setsockopt(TCP_NODELAY)");
}

void ThrowIoError(const char* step, int err,
                  std::chrono::milliseconds timeout) {
  std::string s = step;
  if (err == EAGAIN || err == EWOULDBLOCK) {
    throw SysError(
        s + ": timed out after " + std::to_string(timeout.count()) +
        " ms (peer stopped " +
        (std::strncmp(step, "recv", 4) == 0 ? "sending)" : "reading)"));
  }
  if (err == EPIPE || err == ECONNRESET)
    throw SysError(s + ": peer closed the connection (" + std::strerror(err) +
                   ")");
  throw SysError(s, err);
}

void SendAll(int fd, const void* data, size_t n, int flags,
             std::chrono::milliseconds timeout, uint64_t* syscalls) {
  const char* p = static_cast<const char*>(data);
  int eintr = 0;
  while (n > 0) {
    ++*syscalls;
    const ssize_t r = ::send(fd, p, n, flags | MSG_NOSIGNAL);
    if (r < 0) {
      if (errno == EINTR && ++eintr < kMaxEintrRetries) continue;
      ThrowIoError("send", errno, timeout);
    }
    p += r;
    n -= static_cast<size_t>(r);
  }
}

void AdvanceIov(iovec** iov, int* iovcnt, size_t n) {
  while (*iovcnt > 0 && n >= (*iov)->iov_len) {
    n -= (*iov)->iov_len;
    ++*iov;
    --*iovcnt;
  }
  if (*iovcnt > 0 && n > 0) {
    (*iov)->iov_base = static_cast<char*>((*iov)->iov_base) + n;
    (*iov)->iov_len -= n;
  }
}

void SendMsgAll(int fd, iovec* iov, int iovcnt, int flags,
                std::chrono::milliseconds timeout, uint64_t* syscalls) {
  // Empty leading entries (small messages) would otherwise stop the loop.
  AdvanceIov(&iov, &iovcnt, 0);
  int eintr = 0;
  while (iovcnt > 0) {
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<size_t>(iovcnt);
    ++*syscalls;
    const ssize_t r = ::sendmsg(fd, &msg, flags | MSG_NOSIGNAL);
    if (r < 0) {
      if (errno == EINTR && ++eintr < kMaxEintrRetries) continue;
      ThrowIoError("sendmsg", errno, timeout);
    }
    AdvanceIov(&iov, &iovcnt, static_cast<size_t>(r));
  }
}

void RecvAll(int fd, void* data, size_t n, std::chrono::milliseconds timeout,
             uint64_t* syscalls, WaitPolicy wait) {
  char* p = static_cast<char*>(data);
  const char* const start = p;
  const int flags = wait == WaitPolicy::kSpin ? MSG_DONTWAIT : MSG_WAITALL;
  SpinDeadline spin(timeout);
  int eintr = 0;
  while (n > 0) {
    ++*syscalls;
    const ssize_t r = ::recv(fd, p, n, flags);
    if (r == 0) throw PeerClosed(static_cast<size_t>(p - start));
    if (r < 0) {
      if (errno == EINTR && ++eintr < kMaxEintrRetries) continue;
      if (wait == WaitPolicy::kSpin &&
          (errno == EAGAIN || errno == EWOULDBLOCK) && spin.KeepSpinning())
        continue;
      ThrowIoError("recv", errno, timeout);
    }
    p += r;
    n -= static_cast<size_t>(r);
  }
}

bool SpinDeadline::KeepSpinning() {
  const auto now = std::chrono::steady_clock::now();
  if (deadline_ == std::chrono::steady_clock::time_point{}) {
    deadline_ = now + timeout_;
  } else if (now >= deadline_) {
    return false;
  }
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
  return true;
}

bool TrySetBusyPoll(int fd, int usec) {
  return ::setsockopt(fd, SOL_SOCKET, SO_BUSY_POLL, &usec, sizeof(usec)) == 0;
}

}  // namespace netbench
