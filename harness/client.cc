#include "harness/client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <optional>
#include <set>

#include "base/deadline_io.h"
#include "base/printable.h"
#include "base/socket_io.h"
#include "base/sys_error.h"
#include "harness/udp_socket.h"
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
      throw SysError(
          "connect to " + target.Describe() + ": " + std::strerror(err) +
          (err == ECONNREFUSED ? " (is the server listening?)" : ""));
  }
  ::fcntl(fd, F_SETFL, flags);
}

// Every open client connection, so that an interrupt can cut them all.
std::mutex g_open_mu;
std::set<int> g_open;  // guarded by g_open_mu

}  // namespace

ClientConnection::ClientConnection(UniqueFd fd, UniqueFd udp)
    : fd_(std::move(fd)), udp_(std::move(udp)) {
  std::lock_guard lock(g_open_mu);
  g_open.insert(fd_.get());
  // A UDP socket shut down fails its next send with EPIPE
  // (sock_alloc_send_pskb) and ends its blocked receive: an interrupted
  // UDP flow stops as a TCP one does.
  if (udp_) g_open.insert(udp_.get());
}

ClientConnection::~ClientConnection() {
  if (!fd_) return;
  // Before the fd closes, so that CutAllClientConnections never shuts down a
  // number that was closed and reused.
  std::lock_guard lock(g_open_mu);
  g_open.erase(fd_.get());
  if (udp_) g_open.erase(udp_.get());
}

void CutAllClientConnections() {
  std::lock_guard lock(g_open_mu);
  for (int fd : g_open) ::shutdown(fd, SHUT_RDWR);
}

UniqueFd TcpSocketIn(int ns_fd) {
  return netns::SocketIn(ns_fd, AF_INET, SOCK_STREAM);
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
                                        const Hello& request) {
  const std::chrono::milliseconds timeout(request.timeout_ms);
  UniqueFd fd = TcpSocketIn(target.ns_fd);
  ConnectBounded(fd.get(), target, timeout);
  SetSocketTimeouts(fd.get(), timeout);
  SetNoDelay(fd.get(), (request.flags & kHelloNoDelay) != 0);
  if (request.flags & kHelloSpin) TrySetBusyPoll(fd.get(), kBusyPollUsec);
  // One deadline for the whole handshake, as the server has.
  const Deadline deadline = std::chrono::steady_clock::now() + timeout;
  const auto receive = [&](void* data, size_t n) {
    try {
      RecvAllBefore(fd.get(), data, n, deadline, timeout, "handshake");
    } catch (const PeerClosed&) {
      throw SysError("the server closed the connection instead of answering");
    } catch (const DeadlineExceeded&) {
      throw SysError("handshake: no answer from the server within " +
                     std::to_string(timeout.count()) +
                     " ms (a net_bench serve older than protocol " +
                     std::to_string(kProtocolVersion) +
                     " waits for the client to speak first)");
    }
  };

  Challenge challenge;
  receive(&challenge, sizeof(challenge));
  if (challenge.magic != kChallengeMagic)
    throw SysError("the server's greeting is garbled (not net_bench serve?)");
  if (challenge.version != kProtocolVersion)
    throw SysError("the server speaks protocol " +
                   std::to_string(challenge.version) + ", this net_bench " +
                   std::to_string(kProtocolVersion) +
                   ": run the same version on both hosts");
  // A reason arrives before any proof: it is whatever the peer chose to
  // send, and is made printable before it goes anywhere.
  if (!challenge.ok) {
    challenge.reason[sizeof(challenge.reason) - 1] = '\0';
    throw SysError("server refused: " + Printable(challenge.reason));
  }
  const bool server_checks_key = (challenge.flags & kChallengeAuth) != 0;
  // Mutual: a server that checks no key cannot prove it holds ours.
  if (target.key && !server_checks_key)
    throw SysError(
        "authentication failed: the server checks no key (it runs without "
        "--auth_key_file), so it cannot prove it holds this client's");

  Hello hello = request;
  // A UDP pattern's data socket, beside this connection (harness/
  // udp_socket.h): its port goes in the Hello.
  UniqueFd udp;
  if (TransportOf(static_cast<Pattern>(request.pattern)) == Transport::kUdp) {
    udp = OpenUdpBeside(fd.get(), target.ns_fd);
    SetSocketTimeouts(udp.get(), timeout);
    hello.udp_port = LocalPort(udp.get());
  }
  hello.nonce = RandomNonce();
  hello.proof = {};
  if (target.key) hello.proof = target.key->ClientProof(challenge, hello);
  SendAllBefore(fd.get(), &hello, sizeof(hello), deadline, timeout,
                "handshake");

  Ack ack;
  receive(&ack, sizeof(ack));
  if (ack.magic != kAckMagic) throw SysError("the server's answer is garbled");
  if (!ack.ok) {
    ack.reason[sizeof(ack.reason) - 1] = '\0';
    std::string reason = Printable(ack.reason);
    if (reason == "authentication failed")
      reason += target.key
                    ? " (this client's --auth_key_file is not the "
                      "server's key)"
                    : " (the server requires a key: --auth_key_file=FILE)";
    throw SysError("server refused: " + reason);
  }
  if (target.key &&
      !ProofsEqual(ack.proof, target.key->ServerProof(challenge, hello)))
    throw SysError(
        "authentication failed: the server could not prove it holds the key");
  if (udp) {
    if (ack.udp_port == 0)
      throw SysError("the server accepted a UDP pattern without a UDP port");
    ConnectUdpToPeer(udp.get(), fd.get(), ack.udp_port);
  }
  return ClientConnection(std::move(fd), std::move(udp));
}

void ClientConnection::SendGo(const Go& go, std::chrono::milliseconds timeout) {
  uint64_t syscalls = 0;
  SendAll(fd_.get(), &go, sizeof(go), 0, timeout, &syscalls);
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
