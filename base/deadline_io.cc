#include "base/deadline_io.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include "base/socket_io.h"
#include "base/sys_error.h"

namespace netbench {
namespace {

// Waits for `events` on `fd` until `deadline`; throws when it passes first.
void WaitFor(int fd, short events, Deadline deadline,
             std::chrono::milliseconds budget, const std::string& what) {
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      throw DeadlineExceeded(what + ": not complete within " +
                             std::to_string(budget.count()) + " ms");
    pollfd p{fd, events, 0};
    const int r =
        ::poll(&p, 1, static_cast<int>(std::min<long>(left.count(), 1 << 30)));
    if (r > 0) return;  // ready, or an error/hang-up the call will report
    if (r < 0 && errno != EINTR) ThrowErrno("poll");
  }
}

}  // namespace

void RecvAllBefore(int fd, void* data, size_t n, Deadline deadline,
                   std::chrono::milliseconds budget, const std::string& what) {
  char* p = static_cast<char*>(data);
  size_t got = 0;
  while (got < n) {
    const ssize_t r = ::recv(fd, p + got, n - got, MSG_DONTWAIT);
    if (r == 0) throw PeerClosed(got);
    if (r > 0) {
      got += static_cast<size_t>(r);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      ThrowIoError(what.c_str(), errno, budget);
    WaitFor(fd, POLLIN, deadline, budget, what);
  }
}

void SendAllBefore(int fd, const void* data, size_t n, Deadline deadline,
                   std::chrono::milliseconds budget, const std::string& what) {
  const char* p = static_cast<const char*>(data);
  size_t sent = 0;
  while (sent < n) {
    const ssize_t r =
        ::send(fd, p + sent, n - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (r > 0) {
      sent += static_cast<size_t>(r);
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
      ThrowIoError(what.c_str(), errno, budget);
    WaitFor(fd, POLLOUT, deadline, budget, what);
  }
}

}  // namespace netbench
