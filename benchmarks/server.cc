#include "benchmarks/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <cstdio>
#include <memory>
#include <optional>

#include "benchmarks/protocol.h"
#include "benchmarks/resolve.h"
#include "lib/integrity.h"
#include "lib/receiver.h"
#include "lib/sender.h"
#include "lib/socket_io.h"
#include "lib/sys_error.h"
#include "lib/thread_meter.h"

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
// messages. The window runs from the first wait for data to the end of the
// stream, which comes right after the last byte.
SideRecord ServeStream(int fd, const Hello& h, std::chrono::milliseconds timeout,
                       WaitPolicy wait) {
  ReceiverOptions ro;
  ro.max_chunk = std::min<size_t>(h.size, size_t{1} << 20);
  ro.timeout = timeout;
  ro.wait = wait;
  auto receiver = MakeReceiver(static_cast<RxMode>(h.rx), fd, ro);
  const bool verify = h.flags & kHelloVerify;
  StreamVerifier verifier(h.size);
  ThreadMeter meter;
  uint64_t messages = 0;
  meter.Start();
  try {
    while (true) {
      receiver->Receive(h.size, verify ? &verifier : nullptr);
      ++messages;
    }
  } catch (const PeerClosed& e) {
    if (e.received() != 0)
      throw SysError("the stream ended in the middle of message " +
                     std::to_string(messages));
  }
  SideRecord r = receiver->stats();
  meter.Stop(&r);
  r.messages = messages;
  r.verified = verifier.messages_verified();
  return r;
}

// RR: answer each request with one message sent by the mode under test. The
// window runs from the first wait for a request to the end of the requests;
// the sender's final drain (zero-copy completions) comes after it.
SideRecord ServeRR(int fd, const Hello& h, std::chrono::milliseconds timeout,
                   WaitPolicy wait) {
  SenderOptions so;
  so.message_size = h.size;
  so.timeout = timeout;
  auto sender = MakeSender(static_cast<Mode>(h.mode), fd, so);
  const bool verify = h.flags & kHelloVerify;
  uint64_t request_syscalls = 0;
  ThreadMeter meter;
  meter.Start();
  while (true) {
    uint64_t seq = 0;
    try {
      RecvAll(fd, &seq, sizeof(seq), timeout, &request_syscalls, wait);
    } catch (const PeerClosed& e) {
      if (e.received() != 0) throw SysError("a request was cut short");
      break;
    }
    Message& m = sender->Prepare();
    if (verify) StampMessage(m, seq);
    sender->Send();
  }
  SideRecord r = sender->stats();
  meter.Stop(&r);
  r.syscalls += request_syscalls;
  sender->Drain(timeout);
  r.TakeZeroCopyTotals(sender->stats());
  return r;
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
    // Placed before the Ack, so that the client's timed loop never starts
    // while this thread is still moving to its CPU.
    std::optional<ScopedAffinity> pinned;
    if (refusal.empty()) {
      try {
        pinned.emplace(options_.placement.ServerCpu(h.connection));
      } catch (const std::exception& e) {
        refusal = e.what();
      }
    }
    const WaitPolicy wait = (h.flags & kHelloSpin) && options_.allow_spin
                                ? WaitPolicy::kSpin
                                : WaitPolicy::kBlock;
    if (wait == WaitPolicy::kSpin) TrySetBusyPoll(fd, kBusyPollUsec);
    SendAck(fd, refusal, options_.control_timeout);
    if (!refusal.empty()) throw SysError("refused: " + refusal);
    hello_ok = true;
    try {
      const std::chrono::milliseconds timeout(h.timeout_ms);
      const SideRecord side = static_cast<Pattern>(h.pattern) == Pattern::kStream
                                  ? ServeStream(fd, h, timeout, wait)
                                  : ServeRR(fd, h, timeout, wait);
      report.side = ToWire(side);
      report.report_delay_ns = SteadyNowNs() - side.end_ns;
      report.ok = 1;
    } catch (const std::exception& e) {
      error = e.what();
    }
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
