#include "harness/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <system_error>

#include "base/deadline_io.h"
#include "base/resolve.h"
#include "base/socket_io.h"
#include "base/sys_error.h"
#include "harness/flow.h"
#include "harness/protocol.h"
#include "harness/udp_socket.h"
#include "lib/datagram_receiver.h"
#include "lib/datagram_tally.h"
#include "lib/integrity.h"
#include "lib/pacer.h"
#include "lib/receiver.h"
#include "lib/sender.h"
#include "lib/thread_meter.h"

namespace netbench {
namespace {

using Clock = std::chrono::steady_clock;

// Stream receives in chunks of at most this (server_limits.cc counts it).
constexpr size_t kMaxChunk = size_t{1} << 20;

std::string Describe(const sockaddr_in& a) {
  char text[INET_ADDRSTRLEN] = "?";
  inet_ntop(AF_INET, &a.sin_addr, text, sizeof(text));
  return std::string(text) + ":" + std::to_string(ntohs(a.sin_port));
}

std::string AddressOf(const sockaddr_in& a) {
  char text[INET_ADDRSTRLEN] = "?";
  inet_ntop(AF_INET, &a.sin_addr, text, sizeof(text));
  return text;
}

// Refuses a connection at accept, before reading anything: the refusal goes
// in place of the Challenge. The client has sent nothing yet (it waits for
// the Challenge), so the close that follows is a plain FIN, and a fresh
// socket's send buffer always has room for 128 bytes: this never blocks.
void RefuseAtAccept(int fd, bool auth, const std::string& reason) {
  Challenge c;
  c.ok = 0;
  c.flags = auth ? kChallengeAuth : 0;
  CopyText(c.reason, reason);
  (void)::send(fd, &c, sizeof(c), MSG_DONTWAIT | MSG_NOSIGNAL);
}

// Bytes sent but not yet acknowledged by the peer, or queued unsent
// (SIOCOUTQ, tcp(7)).
int Unacknowledged(int fd) {
  int n = 0;
  return ::ioctl(fd, SIOCOUTQ, &n) == 0 ? n : 0;
}

// Makes close() reset the connection: an RST instead of a FIN, and the
// kernel drops at once what it still queues for the peer (SO_LINGER with a
// zero timeout, socket(7)), zero-copy pages included, instead of holding
// them for a peer that stopped reading.
void ResetOnClose(int fd) {
  const linger l{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}

// The spare descriptor of the accept loop.
UniqueFd OpenSpare() {
  UniqueFd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!fd) fd = UniqueFd(::eventfd(0, EFD_CLOEXEC));
  return fd;
}

// What the handshake settled for one connection.
struct Plan {
  Hello hello;
  std::chrono::milliseconds timeout{0};
  WaitPolicy wait = WaitPolicy::kBlock;
  MemoryBudget::Reservation reservation;
  std::optional<ScopedAffinity> pinned;
  // UDP patterns: the data's socket, connected to the client's. Declared
  // before the sender and receiver that borrow it, so that it outlives them.
  UniqueFd udp;
  uint64_t rate = 0;  // the server's sending rate, bits/s (0: unpaced)
  std::unique_ptr<Sender> sender;               // RR, UdpRR
  std::unique_ptr<Receiver> receiver;           // Stream
  std::unique_ptr<DatagramReceiver> datagrams;  // UdpStream
  std::unique_ptr<DatagramTally> tally;         // UdpStream, UdpRR
};

struct Refused {
  Refusal kind;
  std::string reason;
};

// What a dropped handshake's client is told (in the Ack).
constexpr const char* kDroppedReason =
    "handshake budget full: dropped for a connection from an address holding "
    "fewer handshakes (--max_startups)";

// What the handshake asks of the server, at its two turns.
struct Admission {
  // The client proved the key: leave the handshake budget and take an
  // authenticated place, or say why not.
  std::function<std::optional<Refused>()> authenticated;
  // Whether the handshake budget dropped this connection.
  std::function<bool()> dropped;
};

// Reads the client's Go and places its schedule on this side's clock.
FlowSchedule ReadSchedule(int fd, const Plan& plan) {
  Go go;
  uint64_t syscalls = 0;
  try {
    RecvAll(fd, &go, sizeof(go), plan.timeout, &syscalls);
  } catch (const PeerClosed&) {
    throw SysError("the client closed the connection before its schedule");
  }
  const int64_t arrived = SteadyNowNs();
  if (std::string why = ValidateGo(go); !why.empty())
    throw SysError("the client's Go: " + why);
  const int64_t shift = (go.flags & kGoSameClock) ? 0 : arrived - go.sent_ns;
  FlowSchedule s;
  s.window_start_ns = go.window_start_ns + shift;
  s.window_ns = go.window_ns;
  // The server follows the flow until the client ends it.
  s.tail_ns = FlowSchedule::kFollow;
  return s;
}

// The data phase of one connection (harness/flow.h): the server's side of
// the pattern until the client ends it, then the report of its window.
Report ServeFlow(int fd, Plan& plan) {
  const Hello& h = plan.hello;
  const FlowSchedule schedule = ReadSchedule(fd, plan);
  StreamVerifier verifier(h.size);
  Pacer pacer(plan.rate);
  FlowEndpoint e;
  e.pattern = static_cast<Pattern>(h.pattern);
  e.client = false;
  e.fd = plan.udp ? plan.udp.get() : fd;
  e.control_fd = fd;
  e.datagram = h.datagram;
  e.datagrams = plan.datagrams.get();
  e.tally = plan.datagrams ? plan.tally.get() : nullptr;
  e.pacer = &pacer;
  e.message_size = h.size;
  e.sender = plan.sender.get();
  e.receiver = plan.receiver.get();
  e.payload =
      (h.flags & kHelloUnwritten) ? Payload::kUnwritten : Payload::kWritten;
  e.verify = (h.flags & kHelloVerify) != 0;
  if (e.verify && plan.receiver) e.verifier = &verifier;
  e.timeout = plan.timeout;
  e.wait = plan.wait;
  const FlowResult flow = RunFlow(e, schedule);
  if (!flow.window)
    throw SysError("the data phase ended before the window opened (" +
                   std::to_string(flow.messages) + " messages)");
  // The kernel's last zero-copy completions, so that every one is
  // accounted for (the window's counters are already taken).
  if (plan.sender) plan.sender->Drain(plan.timeout);
  Report report;
  report.side = ToWire(*flow.window);
  report.messages = flow.messages;
  report.verified = verifier.messages_verified();
  if (plan.datagrams) {
    // UdpStream: every datagram that arrived, each checked with --verify.
    report.messages = plan.tally->received();
    report.verified = plan.tally->verified();
  }
  report.ok = 1;
  return report;
}

// Checks a received Hello's protocol and proof.
std::optional<Refused> Authenticate(const Challenge& challenge, const Hello& h,
                                    const ServerOptions& options) {
  // Magic and version first: a client of another protocol gets told so
  // rather than "authentication failed".
  if (h.magic != kHelloMagic || h.version != kProtocolVersion)
    return Refused{Refusal::kBadHello, ValidateHello(h)};
  // Then the key, before anything else is looked at: a client that cannot
  // prove it learns nothing more.
  if (options.key &&
      !ProofsEqual(options.key->ClientProof(challenge, h), h.proof))
    return Refused{Refusal::kAuthentication, "authentication failed"};
  return std::nullopt;
}

// Decides on an authenticated Hello; on success fills `plan` (the memory is
// reserved and the sender or receiver made, so that a lack of memory,
// descriptors or pinnable pages is a refusal with its reason, not a failure
// after the Ack).
std::optional<Refused> Decide(int fd, const Hello& h,
                              const ServerOptions& options,
                              MemoryBudget& budget, Plan* plan) {
  if (std::string why = ValidateHello(h); !why.empty())
    return Refused{Refusal::kBadHello, why};
  const Pattern pattern = static_cast<Pattern>(h.pattern);
  const Mode mode = static_cast<Mode>(h.mode);
  const bool udp = TransportOf(pattern) == Transport::kUdp;
  if (!ClientSends(pattern)) {
    if (std::string why = ModeUnsupportedReason(mode); !why.empty())
      return Refused{Refusal::kUnsupported, why};
    if (std::string why = MemlockRefusal(mode, h.size); !why.empty())
      return Refused{Refusal::kMemlock, why};
  }
  if (std::string why =
          budget.TryReserve(ConnectionCostBytes(h), &plan->reservation);
      !why.empty())
    return Refused{Refusal::kMemoryBudget, why};

  plan->hello = h;
  plan->timeout =
      std::min(std::chrono::milliseconds(h.timeout_ms), options.max_timeout);
  plan->wait = (h.flags & kHelloSpin) && options.allow_spin
                   ? WaitPolicy::kSpin
                   : WaitPolicy::kBlock;
  try {
    SetSocketTimeouts(fd, plan->timeout);
    SetNoDelay(fd, (h.flags & kHelloNoDelay) != 0);
    if (plan->wait == WaitPolicy::kSpin) TrySetBusyPoll(fd, kBusyPollUsec);
    // Placed before the Ack, so that the client's timed loop never starts
    // while this thread is still moving to its CPU; and before the buffers
    // are made, so that they are first touched there.
    plan->pinned.emplace(options.placement.ServerCpu(h.connection));
    if (udp) {
      plan->udp = OpenUdpBeside(fd, options.ns_fd);
      ConnectUdpToPeer(plan->udp.get(), fd, h.udp_port);
      SetSocketTimeouts(plan->udp.get(), plan->timeout);
      plan->rate = h.rate;
      if (options.max_rate > 0 && (h.rate == 0 || h.rate > options.max_rate))
        plan->rate = options.max_rate;
      DatagramReceiverOptions ro = DatagramReceiverOptionsOf(h);
      ro.wait = plan->wait;
      if (ClientSends(pattern)) {
        plan->datagrams =
            MakeDatagramReceiver(static_cast<UdpRx>(h.rx), plan->udp.get(), ro);
        plan->tally = std::make_unique<DatagramTally>(
            h.size, h.datagram, (h.flags & kHelloVerify) != 0);
      } else {
        // The requests' reads wait as long as a receiver's would.
        SetReceiveTimeout(plan->udp.get(), ro.idle);
        plan->sender = MakeSender(mode, plan->udp.get(),
                                  SenderOptionsOf(h, plan->timeout));
      }
    } else if (!ClientSends(pattern)) {
      plan->sender = MakeSender(mode, fd, SenderOptionsOf(h, plan->timeout));
    } else {
      ReceiverOptions ro;
      ro.max_chunk = std::min<size_t>(h.size, kMaxChunk);
      ro.timeout = plan->timeout;
      ro.wait = plan->wait;
      plan->receiver = MakeReceiver(static_cast<RxMode>(h.rx), fd, ro);
    }
  } catch (const NotSupported& e) {
    return Refused{Refusal::kUnsupported, e.what()};
  } catch (const SysError& e) {
    const bool fds = e.err() == EMFILE || e.err() == ENFILE;
    return Refused{fds ? Refusal::kFdLimit : Refusal::kOther,
                   fds ? std::string("fd limit: ") + e.what() : e.what()};
  } catch (const std::bad_alloc&) {
    return Refused{Refusal::kMemoryBudget, "out of memory"};
  } catch (const std::exception& e) {
    return Refused{Refusal::kOther, e.what()};
  }
  return std::nullopt;
}

// Tells the client why, in an Ack, without waiting: the client has sent
// nothing it must still read past, and a fresh Ack always fits.
Refused RefuseInAck(int fd, Refused refused) {
  Ack ack;
  CopyText(ack.reason, refused.reason);
  (void)::send(fd, &ack, sizeof(ack), MSG_DONTWAIT | MSG_NOSIGNAL);
  return refused;
}

// The handshake of protocol.h. Until the client proved the key, within one
// short deadline (handshake_timeout) and in the handshake budget; then
// within control_timeout, which also covers making the buffers. Returns the
// refusal, if any, after telling the client.
std::optional<Refused> Handshake(int fd, const ServerOptions& options,
                                 MemoryBudget& budget,
                                 const Admission& admission, Plan* plan) {
  const std::chrono::milliseconds limit = options.handshake_timeout;
  const Clock::time_point deadline = Clock::now() + limit;
  Challenge challenge;
  challenge.flags = options.key ? kChallengeAuth : 0;
  challenge.nonce = RandomNonce();
  SendAllBefore(fd, &challenge, sizeof(challenge), deadline, limit,
                "handshake");
  Hello h;
  try {
    RecvAllBefore(fd, &h, sizeof(h), deadline, limit, "handshake");
  } catch (const PeerClosed& e) {
    if (admission.dropped())
      return RefuseInAck(fd, Refused{Refusal::kStartupBudget, kDroppedReason});
    return Refused{Refusal::kBadHello,
                   e.received() == 0
                       ? "closed before its Hello"
                       : "closed in the middle of its Hello (" +
                             std::to_string(e.received()) + " of " +
                             std::to_string(sizeof(h)) + " bytes)"};
  } catch (const DeadlineExceeded&) {
    return RefuseInAck(fd, Refused{Refusal::kHandshakeTimeout,
                                   "handshake not complete within " +
                                       std::to_string(limit.count()) +
                                       " ms (--handshake_timeout_ms)"});
  }
  std::optional<Refused> refused = Authenticate(challenge, h, options);
  if (!refused) refused = admission.authenticated();
  if (!refused) refused = Decide(fd, h, options, budget, plan);
  Ack ack;
  ack.ok = refused ? 0 : 1;
  if (refused) CopyText(ack.reason, refused->reason);
  if (!refused && options.key)
    ack.proof = options.key->ServerProof(challenge, h);
  if (!refused && plan->udp) ack.udp_port = LocalPort(plan->udp.get());
  const std::chrono::milliseconds rest = options.control_timeout;
  SendAllBefore(fd, &ack, sizeof(ack), Clock::now() + rest, rest, "handshake");
  return refused;
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
      wake_(::eventfd(0, EFD_CLOEXEC)),
      spare_(OpenSpare()),
      budget_(options.max_memory),
      log_(options.log ? stderr : nullptr),
      // Seeded afresh: a peer must not predict which of its connections the
      // random early drop refuses.
      startups_(options.startups, std::random_device{}()) {
  if (!wake_) ThrowErrno("eventfd");
  sockaddr_in a{};
  socklen_t len = sizeof(a);
  if (::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&a), &len) !=
      0)
    ThrowErrno("getsockname");
  port_ = ntohs(a.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

Server::~Server() { Stop(Clock::time_point::max()); }

void Server::CutAll() {
  std::lock_guard lock(mu_);
  for (Connection& c : connections_)
    if (c.fd) ::shutdown(c.fd.get(), SHUT_RDWR);
}

bool Server::Stop(Clock::time_point deadline) {
  if (acceptor_.joinable()) {
    const uint64_t one = 1;
    (void)!::write(wake_.get(), &one, sizeof(one));
    acceptor_.join();
  }
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
  }
  CutAll();
  std::list<Connection> finished;
  {
    std::unique_lock lock(mu_);
    const auto all_done = [this] {
      return std::all_of(connections_.begin(), connections_.end(),
                         [](const Connection& c) { return c.done; });
    };
    if (deadline == Clock::time_point::max()) {
      finished_.wait(lock, all_done);
    } else if (!finished_.wait_until(lock, deadline, all_done)) {
      return false;
    }
    finished.swap(connections_);
  }
  // Done threads touch nothing of the server any more.
  for (Connection& c : finished) c.thread.join();
  log_.Flush();
  return true;
}

void Server::ReapFinished() {
  std::list<Connection> finished;
  {
    std::lock_guard lock(mu_);
    for (auto it = connections_.begin(); it != connections_.end();) {
      auto next = std::next(it);
      if (it->done) finished.splice(finished.end(), connections_, it);
      it = next;
    }
  }
  for (Connection& c : finished) c.thread.join();
}

void Server::NoteRefusal(Refusal kind, const sockaddr_in& peer,
                         const std::string& why) {
  log_.Note(kind, std::string(kind == Refusal::kFailed ? "connection from "
                                                       : "refused ") +
                      Describe(peer) +
                      (kind == Refusal::kFailed ? " failed: " : ": ") + why);
}

void Server::Backoff(int ms) {
  pollfd p{wake_.get(), POLLIN, 0};
  ::poll(&p, 1, ms);
}

void Server::AcceptLoop() {
  pollfd fds[2] = {{listener_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
  while (true) {
    // The log's summary is due at the end of its interval: wake up for it.
    const int r = ::poll(fds, 2, log_.Tick());
    if (r < 0) {
      if (errno != EINTR) Backoff(100);
      continue;
    }
    if (fds[1].revents) return;
    if (r == 0 || !(fds[0].revents & POLLIN)) continue;
    sockaddr_in peer{};
    socklen_t len = sizeof(peer);
    UniqueFd fd(::accept4(listener_.get(), reinterpret_cast<sockaddr*>(&peer),
                          &len, SOCK_CLOEXEC));
    if (fd) {
      Admit(std::move(fd), peer);
      continue;
    }
    const int err = errno;
    if (err == EMFILE || err == ENFILE) {
      OnDescriptorLimit(err);
    } else if (err != EINTR && err != EAGAIN && err != ECONNABORTED &&
               err != EPROTO && err != EPERM) {
      // ENOBUFS, ENOMEM, or worse: whatever it is, do not spin on it.
      log_.Note(Refusal::kOther, std::string("accept: ") + std::strerror(err));
      Backoff(100);
    }
  }
}

void Server::OnDescriptorLimit(int err) {
  if (spare_) {
    // Give the spare back to accept one pending connection and tell it why,
    // rather than leaving it in the backlog, where poll() would report it
    // again and again: the loop would spin.
    spare_.Reset();
    sockaddr_in peer{};
    socklen_t len = sizeof(peer);
    UniqueFd fd(::accept4(listener_.get(), reinterpret_cast<sockaddr*>(&peer),
                          &len, SOCK_CLOEXEC));
    if (fd) {
      const std::string why = std::string(
                                  "fd limit: the server is out of file "
                                  "descriptors (") +
                              std::strerror(err) + ")";
      RefuseAtAccept(fd.get(), options_.key != nullptr, why);
      ++failed_;
      NoteRefusal(Refusal::kFdLimit, peer, why);
    }
    fd.Reset();
    spare_ = OpenSpare();
  }
  // No spare (another thread took the last descriptor): wait for
  // connections to end instead of spinning.
  if (!spare_) Backoff(100);
}

void Server::Admit(UniqueFd fd, const sockaddr_in& peer) {
  ReapFinished();
  Refusal kind = Refusal::kOther;
  std::string why;
  {
    std::lock_guard lock(mu_);
    if (stopped_) {
      why = "the server is stopping";
    } else {
      // Only the handshake budget is asked now: the authenticated limits
      // are for connections whose client proved the key (Authenticated).
      const uint64_t id = next_id_++;
      const StartupBudget::Decision d =
          startups_.Admit(peer.sin_addr.s_addr, id);
      if (!d.admitted) {
        kind = Refusal::kStartupBudget;
        why = d.refusal;
      } else {
        if (d.dropped) Drop(*d.dropped);
        Connection& c = connections_.emplace_back();
        c.fd = std::move(fd);
        c.peer = peer;
        c.id = id;
        try {
          c.thread = std::thread([this, &c] { Serve(&c); });
          return;
        } catch (const std::system_error& e) {
          fd = std::move(c.fd);
          connections_.pop_back();
          startups_.Release(id);
          why = std::string("cannot start a thread: ") + e.what();
        }
      }
    }
  }
  RefuseAtAccept(fd.get(), options_.key != nullptr, why);
  ++failed_;
  NoteRefusal(kind, peer, why);
}

void Server::Drop(uint64_t id) {
  for (Connection& c : connections_) {
    if (c.id != id) continue;
    c.dropped = true;
    c.in_handshake = false;
    // Its thread's wait for the Hello ends at once (end of stream); the
    // thread tells the client why. Writing stays the thread's alone.
    if (c.fd) ::shutdown(c.fd.get(), SHUT_RD);
    return;
  }
}

bool Server::Dropped(Connection* c) {
  std::lock_guard lock(mu_);
  return c->dropped;
}

std::string Server::Authenticated(Connection* c, Refusal* kind) {
  std::lock_guard lock(mu_);
  if (c->dropped) {
    *kind = Refusal::kStartupBudget;
    return kDroppedReason;
  }
  startups_.Release(c->id);
  c->in_handshake = false;
  if (sessions_ >= options_.max_connections) {
    *kind = Refusal::kConnectionLimit;
    return "connection limit " + std::to_string(options_.max_connections) +
           " reached (--max_connections)";
  }
  const uint32_t address = c->peer.sin_addr.s_addr;
  const auto at = per_address_.find(address);
  const int from_address = at == per_address_.end() ? 0 : at->second;
  if (options_.max_per_address > 0 &&
      from_address >= options_.max_per_address) {
    *kind = Refusal::kAddressLimit;
    return "per-address limit: " + std::to_string(from_address) +
           " connections from " + AddressOf(c->peer) +
           " already (--max_per_address=" +
           std::to_string(options_.max_per_address) + ")";
  }
  ++sessions_;
  ++per_address_[address];
  c->session = true;
  return "";
}

void Server::Serve(Connection* c) {
  const int fd = c->fd.get();
  std::optional<Refused> outcome;
  bool reset = false;
  try {
    Plan plan;
    Admission admission;
    admission.authenticated = [this, c]() -> std::optional<Refused> {
      Refusal kind = Refusal::kOther;
      if (std::string why = Authenticated(c, &kind); !why.empty())
        return Refused{kind, why};
      return std::nullopt;
    };
    admission.dropped = [this, c] { return Dropped(c); };
    outcome = Handshake(fd, options_, budget_, admission, &plan);
    if (!outcome) {
      Report report;
      std::string error;
      try {
        report = ServeFlow(fd, plan);
      } catch (const std::exception& e) {
        error = e.what();
      }
      // The buffers go now, whatever the kernel still holds of them
      // (lib/kernel_held_memory.h).
      plan.sender.reset();
      plan.receiver.reset();
      plan.datagrams.reset();
      plan.udp.Reset();
      CopyText(report.error, error);
      // A peer that stopped reading will not take the report either: do not
      // wait for it longer than the data phase waited.
      const std::chrono::milliseconds limit =
          error.empty() ? options_.control_timeout
                        : std::min(options_.control_timeout, plan.timeout);
      try {
        SendAllBefore(fd, &report, sizeof(report), Clock::now() + limit, limit,
                      "send report");
      } catch (const std::exception& e) {
        if (error.empty()) error = e.what();
      }
      if (!error.empty()) {
        outcome = Refused{Refusal::kFailed, error};
        reset = Unacknowledged(fd) > 0;
      }
    }
  } catch (const DeadlineExceeded& e) {
    // The Challenge or the Ack could not be sent in time: a client that
    // does not read.
    outcome = Refused{Refusal::kHandshakeTimeout, e.what()};
    reset = Unacknowledged(fd) > 0;
  } catch (const std::exception& e) {
    outcome = Refused{Refusal::kOther, e.what()};
    reset = Unacknowledged(fd) > 0;
  }
  if (outcome) {
    ++failed_;
    NoteRefusal(outcome->kind, c->peer, outcome->reason);
  } else {
    ++served_;
  }
  {
    // Closed here, not by the reaper, so that the socket goes as soon as the
    // connection is done; under the lock, so that CutAll never shuts down a
    // descriptor number that was closed and reused.
    std::lock_guard lock(mu_);
    if (reset) ResetOnClose(fd);
    c->fd.Reset();
    if (c->in_handshake) startups_.Release(c->id);
    if (c->session) {
      --sessions_;
      const uint32_t address = c->peer.sin_addr.s_addr;
      if (auto it = per_address_.find(address);
          it != per_address_.end() && --it->second == 0)
        per_address_.erase(it);
    }
    c->done = true;
  }
  finished_.notify_all();
}

}  // namespace netbench
