#include "benchmarks/client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <optional>
#include <set>

#include "benchmarks/interrupt.h"
#include "lib/socket_io.h"
#include "lib/sys_error.h"
#include "netns/namespace.h"

namespace netbench {
namespace {

// connect(2) bounded by `timeout`: non-blocking connect, then poll.
void ConnectBounded(int fd, const ClientTarget& target,
                    std::chrono::milliseconds timeout) {
  const int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  const sockaddr_in& a = target.server;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof(a)) != 0) {
    if (errno != EINPROGRESS)
      throw SysError("connect to " + target.Describe() + ": " +
                     std::strerror(errno));
    pollfd p{fd, POLLOUT, 0};
    const int r = RetryEintr(
        [&] { return ::poll(&p, 1, static_cast<int>(timeout.count())); });
    if (r == 0)
      throw SysError("connect to " + target.Describe() + ": no answer within " +
                     std::to_string(timeout.count()) + " ms");
    int err = 0;
    socklen_t len = sizeof(err);
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (r < 0) err = errno;
    if (err != 0)
      throw SysError("connect to " + target.Describe() + ": " +
                     std::strerror(err) +
                     (err == ECONNREFUSED ? " (is the server listening?)" : ""));
  }
  ::fcntl(fd, F_SETFL, flags);
}

// Every open client connection, so that an interrupt can cut them all.
std::mutex g_open_mu;
std::set<int> g_open;  // guarded by g_open_mu

}  // namespace

ClientConnection::ClientConnection(UniqueFd fd) : fd_(std::move(fd)) {
  std::lock_guard lock(g_open_mu);
  g_open.insert(fd_.get());
}

ClientConnection::~ClientConnection() {
  if (!fd_) return;
  // Before the fd closes, so that CutAllClientConnections never shuts down a
  // number that was closed and reused.
  std::lock_guard lock(g_open_mu);
  g_open.erase(fd_.get());
}

void CutAllClientConnections() {
  std::lock_guard lock(g_open_mu);
  for (int fd : g_open) ::shutdown(fd, SHUT_RDWR);
}

UniqueFd TcpSocketIn(int ns_fd) {
  std::optional<netns::ScopedNetns> in;
  if (ns_fd >= 0) in.emplace(ns_fd);
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) ThrowErrno("socket");
  return fd;
}

std::string ClientTarget::ServerAddress() const {
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &server.sin_addr, text, sizeof(text));
  return text;
}

std::string ClientTarget::Describe() const {
  return ServerAddress() + ":" + std::to_string(ntohs(server.sin_port));
}

ClientConnection ClientConnection::Open(const ClientTarget& target,
                                        const Hello& hello) {
  if (InterruptSignal()) throw SysError(InterruptMessage());
  const std::chrono::milliseconds timeout(hello.timeout_ms);
  UniqueFd fd = TcpSocketIn(target.ns_fd);
  ConnectBounded(fd.get(), target, timeout);
  SetSocketTimeouts(fd.get(), timeout);
  SetNoDelay(fd.get(), (hello.flags & kHelloNoDelay) != 0);
  if (hello.flags & kHelloSpin) TrySetBusyPoll(fd.get(), kBusyPollUsec);
  uint64_t syscalls = 0;
  SendAll(fd.get(), &hello, sizeof(hello), 0, timeout, &syscalls);
  Ack ack;
  try {
    RecvAll(fd.get(), &ack, sizeof(ack), timeout, &syscalls);
  } catch (const PeerClosed&) {
    throw SysError("the server closed the connection instead of answering");
  }
  if (ack.magic != kAckMagic) throw SysError("the server's answer is garbled");
  if (!ack.ok) {
    ack.reason[sizeof(ack.reason) - 1] = '\0';
    throw SysError(std::string("the server refused: ") + ack.reason);
  }
  return ClientConnection(std::move(fd));
}

Report ClientConnection::Finish(std::chrono::milliseconds timeout) {
  if (::shutdown(fd_.get(), SHUT_WR) != 0) ThrowErrno("shutdown");
  Report report;
  uint64_t syscalls = 0;
  try {
    RecvAll(fd_.get(), &report, sizeof(report), timeout, &syscalls);
  } catch (const PeerClosed&) {
    throw SysError("the server closed the connection without its report");
  }
  if (report.magic != kReportMagic)
    throw SysError("the server's report is garbled");
  report.error[sizeof(report.error) - 1] = '\0';
  return report;
}

}  // namespace netbench
