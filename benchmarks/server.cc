#include "benchmarks/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <cstdio>
#include <memory>

#include "benchmarks/protocol.h"
#include "benchmarks/resolve.h"
#include "benchmarks/thread_meter.h"
#include "lib/integrity.h"
#include "lib/receiver.h"
#include "lib/sender.h"
#include "lib/socket_io.h"
#include "lib/sys_error.h"

namespace netbench {
namespace {

void SendAck(int fd, const std::string& refusal,
             std::chrono::milliseconds timeout) {
  Ack ack;
  ack.ok = refusal.empty() ? 1 : 0;
  CopyText(ack.reason, refusal);
  uint64_t syscalls = 0;
  SendAll(fd, &ack, sizeof(ack), 0, timeout, &syscalls);
}

// Stream: receive messages until the client ends the stream between two
// messages.
void ServeStream(int fd, const Hello& h, Report& report,
                 std::chrono::milliseconds timeout) {
  ReceiverOptions ro;
  ro.max_chunk = std::min<size_t>(h.size, size_t{1} << 20);
  ro.timeout = timeout;
  auto receiver = MakeReceiver(static_cast<RxMode>(h.rx), fd, ro);
  const bool verify = h.flags & kHelloVerify;
  StreamVerifier verifier(h.size);
  try {
    while (true) {
      receiver->Receive(h.size, verify ? &verifier : nullptr);
      ++report.messages;
    }
  } catch (const PeerClosed& e) {
    if (e.received() != 0)
      throw SysError("the stream ended in the middle of message " +
                     std::to_string(report.messages));
  }
  const ReceiverStats& s = receiver->stats();
  report.bytes = s.bytes;
  report.syscalls = s.syscalls;
  report.mapped_bytes = s.mapped_bytes;
  report.copied_bytes = s.copied_bytes;
  report.verified = verifier.messages_verified();
}

// RR: answer each request with one message sent by the mode under test.
void ServeRR(int fd, const Hello& h, Report& report,
             std::chrono::milliseconds timeout) {
  SenderOptions so;
  so.message_size = h.size;
  so.timeout = timeout;
  auto sender = MakeSender(static_cast<Mode>(h.mode), fd, so);
  const bool verify = h.flags & kHelloVerify;
  uint64_t request_syscalls = 0;
  while (true) {
    uint64_t seq = 0;
    try {
      RecvAll(fd, &seq, sizeof(seq), timeout, &request_syscalls);
    } catch (const PeerClosed& e) {
      if (e.received() != 0) throw SysError("a request was cut short");
      break;
    }
    Message& m = sender->Prepare();
    if (verify) StampMessage(m, seq);
    sender->Send();
    ++report.messages;
  }
  sender->Drain(timeout);
  const SenderStats& s = sender->stats();
  report.bytes = s.bytes;
  report.syscalls = s.syscalls;
  report.zc_sends = s.zc_sends;
  report.zc_notifications = s.zc_notifications;
  report.zc_completed = s.zc_completed;
  report.zc_copied = s.zc_copied;
  report.zc_enobufs = s.zc_enobufs;
  report.zc_copied_known = s.zc_copied_known ? 1 : 0;
}

}  // namespace

UniqueFd ListenTcp(const std::string& address, uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) ThrowErrno("socket");
  const int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in a = ResolveIpv4(address, port);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0)
    ThrowErrno("bind " + address + ":" + std::to_string(port));
  if (::listen(fd.get(), 1024) != 0) ThrowErrno("listen");
  return fd;
}

Server::Server(UniqueFd listener, const ServerOptions& options)
    : options_(options),
      listener_(std::move(listener)),
      wake_(::eventfd(0, EFD_CLOEXEC)) {
  if (!wake_) ThrowErrno("eventfd");
  sockaddr_in a{};
  socklen_t len = sizeof(a);
  if (::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&a), &len) != 0)
    ThrowErrno("getsockname");
  port_ = ntohs(a.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

Server::~Server() {
  const uint64_t one = 1;
  (void)!::write(wake_.get(), &one, sizeof(one));
  acceptor_.join();
  CutAll();
  // The acceptor is gone: nothing else changes the list now.
  for (Connection& c : connections_) c.thread.join();
}

void Server::CutAll() {
  std::lock_guard lock(mu_);
  for (Connection& c : connections_)
    if (c.fd) ::shutdown(c.fd.get(), SHUT_RDWR);
}

void Server::ReapFinished() {
  std::lock_guard lock(mu_);
  for (auto it = connections_.begin(); it != connections_.end();) {
    if (it->done.load()) {
      it->thread.join();
      it = connections_.erase(it);
    } else {
      ++it;
    }
  }
}

void Server::AcceptLoop() {
  pollfd fds[2] = {{listener_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
  while (true) {
    if (RetryEintr([&] { return ::poll(fds, 2, -1); }) < 0) return;
    if (fds[1].revents) return;
    UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!fd) continue;
    ReapFinished();
    std::lock_guard lock(mu_);
    if (static_cast<int>(connections_.size()) >= options_.max_connections) {
      ++failed_;
      if (options_.log)
        std::fprintf(stderr, "net_bench serve: refused a connection: too many\n");
      continue;
    }
    Connection& c = connections_.emplace_back();
    c.fd = std::move(fd);
    c.thread = std::thread([this, &c] { Serve(&c); });
  }
}

void Server::Serve(Connection* c) {
  const int fd = c->fd.get();
  Report report;
  std::string error;
  bool hello_ok = false;
  Hello h;
  try {
    SetSocketTimeouts(fd, options_.control_timeout);
    uint64_t syscalls = 0;
    RecvAll(fd, &h, sizeof(h), options_.control_timeout, &syscalls);
    std::string refusal = ValidateHello(h);
    if (refusal.empty()) {
      const std::chrono::milliseconds timeout(h.timeout_ms);
      SetSocketTimeouts(fd, timeout);
      SetNoDelay(fd, (h.flags & kHelloNoDelay) != 0);
      // Fail now, in the Ack, if this kernel lacks the mode.
      const Pattern pattern = static_cast<Pattern>(h.pattern);
      if (pattern == Pattern::kRR)
        refusal = ModeUnsupportedReason(static_cast<Mode>(h.mode));
    }
    SendAck(fd, refusal, options_.control_timeout);
    if (!refusal.empty()) throw SysError("refused: " + refusal);
    hello_ok = true;
    ThreadMeter meter;
    meter.Start();
    try {
      if (static_cast<Pattern>(h.pattern) == Pattern::kStream)
        ServeStream(fd, h, report, std::chrono::milliseconds(h.timeout_ms));
      else
        ServeRR(fd, h, report, std::chrono::milliseconds(h.timeout_ms));
      report.ok = 1;
    } catch (const std::exception& e) {
      error = e.what();
    }
    const ThreadSample used = meter.Stop();
    report.cpu_ns = used.cpu_ns;
    report.ctx_switches = used.ctx_switches;
    report.cycles = used.cycles.value_or(kAbsent);
    report.instructions = used.instructions.value_or(kAbsent);
    report.llc_misses = used.llc_misses.value_or(kAbsent);
    CopyText(report.error, error);
    uint64_t syscalls2 = 0;
    SendAll(fd, &report, sizeof(report), 0, options_.control_timeout,
            &syscalls2);
  } catch (const std::exception& e) {
    if (error.empty()) error = e.what();
  }
  if (!error.empty()) {
    ++failed_;
    if (options_.log)
      std::fprintf(stderr, "net_bench serve: connection %s: %s\n",
                   hello_ok ? "failed" : "refused", error.c_str());
  } else {
    ++served_;
  }
  // The client reads the Report before closing; closing here (not in the
  // reaper) frees the socket as soon as the connection is done.
  {
    std::lock_guard lock(mu_);
    c->fd.Reset();
  }
  c->done.store(true);
}

}  // namespace netbench
