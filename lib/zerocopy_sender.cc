// ZeroCopy: 1 x sendmsg() with an 8-entry iovec and MSG_ZEROCOPY (reference
// study A3), completions read from the socket's error queue, following the
// kernel's Documentation/networking/msg_zerocopy.rst.
//
// The kernel pins the pages of every field it is given and reads them until
// it sends a completion, so a message handed to sendmsg() cannot be written
// again until every id its sends took has completed. The sender goes round
// its working set in order, as every mode does (lib/message_pool.h):
// Prepare() hands out the next message, waiting until the tracker says all
// its ids are done. The working set is a MessagePool
// (lib/kernel_held_memory.h), so it can be released when the sender goes,
// completions or not: a peer that stops reading can no longer make the
// process keep it. The kernel holds a buffer until the data is acknowledged
// (TCP keeps the original skb, with its pinned pages, on the retransmit
// queue), so a working set smaller than what the socket holds unacknowledged
// (tcp_wmem[2] with autotuning) makes Prepare() wait for completions: the
// default working set is that size (benchmarks/environment.cc).

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "base/socket_io.h"
#include "base/sys_error.h"
#include "base/unique_fd.h"
#include "lib/datagram.h"
#include "lib/message_pool.h"
#include "lib/senders.h"
#include "lib/zerocopy_completions.h"

namespace netbench {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Read the error queue (without blocking) after this many zero-copy sends.
// The doc advises reading "without blocking every couple of send calls";
// on veth the sender rarely blocks, and unread notifications are charged
// to optmem until read. For TCP the kernel coalesces in-order completions
// into the one notification at the tail of the queue, so one read usually
// takes everything.
constexpr int kSendsPerRead = 8;

// Bound on ENOBUFS retries within one Send(), beside the time bound.
constexpr int kMaxEnobufsRetries = 10000;

// Room for one sock_extended_err cmsg plus an offender address, several
// times over (one read returns one notification, but be generous).
constexpr size_t kControlBytes = 512;

int CeilMs(Clock::duration d) {
  const auto ms = std::chrono::ceil<milliseconds>(d).count();
  return static_cast<int>(std::clamp<decltype(ms)>(ms, 0, 1 << 30));
}

class ZeroCopySender final : public Sender {
 public:
  ZeroCopySender(int fd, const SenderOptions& o)
      : fd_(fd),
        timeout_(o.timeout),
        size_(o.message_size),
        // UdpGsoZeroCopy: UDP_SEGMENT calls of whole datagrams.
        layout_{o.message_size, o.datagram,
                o.datagram ? GsoDatagramsPerCall(o.datagram) : 0},
        depth_(static_cast<uint32_t>(
            MessagePool::CountFor(o.working_set, o.message_size))),
        pool_(depth_, size_),
        busy_(depth_, 0),
        // Released groups may wait behind a pending one when completions
        // come out of order; twice the pool leaves room for that.
        tracker_(2 * depth_) {}

  // Never waits: whoever needs the last completions (their counters) calls
  // Drain() first. The pool is unmapped whatever the kernel still holds;
  // sendmsg() took its page references before returning, so no request
  // reads the pool's addresses later (lib/kernel_held_memory.h).
  ~ZeroCopySender() override {
    try {
      ReadCompletions(true);
    } catch (...) {
      // A destructor must not throw, and nothing depends on these.
    }
  }

  Message& Prepare() override {
    if (current_ == kNone) {
      const uint32_t slot = next_;
      if (busy_[slot] || !tracker_.can_open()) WaitForBuffer(slot);
      current_ = slot;
      next_ = next_ + 1 == depth_ ? 0 : next_ + 1;
    }
    return pool_[current_];
  }

  void Send() override {
    if (current_ == kNone) Prepare();
    const Message& m = pool_[current_];
    tracker_.Open(current_);
    busy_[current_] = 1;
    current_ = kNone;
    // Whatever happens below, the group is closed so that the message
    // returns to the pool once the ids it used (if any) complete.
    struct CloseGroup {
      ZeroCopySender* s;
      ~CloseGroup() { s->tracker_.Close(s->release_); }
    } close_group{this};
    if (layout_.datagram > 0) {
      SendDatagrams(m);
    } else {
      SendStream(m);
    }
    ++stats_.messages;
    stats_.bytes += size_;
  }

  void Drain(milliseconds timeout) override {
    ReadCompletions(true);
    const Clock::time_point deadline = Clock::now() + timeout;
    while (tracker_.outstanding() > 0)
      WaitForCompletion(deadline, timeout, "drain");
    CheckCompletionsAccountedFor();
  }

 private:
  static constexpr uint32_t kNone = ~uint32_t{0};

  struct Release {
    std::vector<uint8_t>* busy;
    void operator()(uint32_t tag) const { (*busy)[tag] = 0; }
  };

  // A zero-copy send that sent data: it took the next id.
  void Sent() {
    tracker_.Use();
    ++stats_.zc_sends;
    if (++sends_since_read_ >= kSendsPerRead) ReadCompletions(false);
  }

  // The message over a stream socket, resuming partial sends.
  void SendStream(const Message& m) {
    std::array<iovec, kFields> iov;
    std::copy_n(m.iov(), kFields, iov.begin());
    iovec* v = iov.data();
    int n = kFields;
    AdvanceIov(&v, &n, 0);  // skip empty leading fields (small messages)
    Retries retries;
    while (n > 0) {
      msghdr msg{};
      msg.msg_iov = v;
      msg.msg_iovlen = static_cast<size_t>(n);
      ++stats_.syscalls;
      const ssize_t r = ::sendmsg(fd_, &msg, MSG_ZEROCOPY | MSG_NOSIGNAL);
      if (r > 0) {
        // Any call that sent data took an id, a partial one included; the
        // rest of the message goes in the next call, which takes another.
        Sent();
        AdvanceIov(&v, &n, static_cast<size_t>(r));
        continue;
      }
      if (r == 0) throw SysError("sendmsg: sent 0 of the bytes left");
      RetryAfter(errno, retries);
    }
  }

  // The message's datagrams over a UDP socket, in UDP_SEGMENT calls: each
  // call sends all its bytes or fails, and one that sent took one id.
  void SendDatagrams(const Message& m) {
    for (size_t first = 0; first < layout_.datagrams();) {
      // As many datagrams as one UDP_SEGMENT call and the pages one
      // zero-copy skb may hold allow (lib/datagram.h).
      const size_t count =
          ZeroCopyDatagramsFitting(m, layout_, first, layout_.per_call);
      const size_t offset = layout_.DatagramOffset(first);
      const size_t length = std::min(layout_.message_size,
                                     layout_.DatagramOffset(first + count)) -
                            offset;
      first += count;
      iovec iov[kFields];
      msghdr msg{};
      msg.msg_iov = iov;
      msg.msg_iovlen = static_cast<size_t>(SliceIov(m, offset, length, iov));
      alignas(cmsghdr) std::byte control[kSegmentControlBytes];
      if (count > 1) AddSegmentControl(msg, control, layout_.datagram);
      Retries retries;
      while (true) {
        ++stats_.syscalls;
        const ssize_t r = ::sendmsg(fd_, &msg, MSG_ZEROCOPY | MSG_NOSIGNAL);
        if (r >= 0) {
          if (static_cast<size_t>(r) != length)
            throw SysError("sendmsg: a datagram sent in part");
          Sent();
          stats_.datagrams += count;
          break;
        }
        RetryAfter(errno, retries);
      }
    }
  }

  // How often one send was tried again, and until when ENOBUFS may last.
  struct Retries {
    int eintr = 0;
    int enobufs = 0;
    Clock::time_point enobufs_deadline{};
  };

  // A zero-copy sendmsg() failed with `err` (and took no id: the kernel
  // rolls its counter back): returns when it is to be tried again, else
  // throws.
  void RetryAfter(int err, Retries& retries) {
    if (err == EINTR && ++retries.eintr < kMaxEintrRetries) return;
    if (err == ENOBUFS) {
      OnEnobufs(++retries.enobufs, &retries.enobufs_deadline);
      return;
    }
    // EAGAIN here is SO_SNDTIMEO running out: the peer stopped reading.
    ThrowIoError("sendmsg", err, timeout_);
  }

  // Reads the error queue without blocking: everything queued when
  // `until_empty`, else one notification. EAGAIN is the normal "nothing
  // there". Returns the notifications read.
  int ReadCompletions(bool until_empty) {
    sends_since_read_ = 0;
    int read = 0;
    int eintr = 0;
    for (;;) {
      alignas(cmsghdr) std::byte control[kControlBytes];
      msghdr msg{};
      msg.msg_control = control;
      msg.msg_controllen = sizeof(control);
      ++stats_.syscalls;
      // The error queue is never waited on by recvmsg; MSG_DONTWAIT only
      // makes that explicit.
      const ssize_t r = ::recvmsg(fd_, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
      if (r < 0) {
        if (errno == EINTR && ++eintr < kMaxEintrRetries) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        ThrowErrno("recvmsg(MSG_ERRQUEUE)");
      }
      ++read;
      ++stats_.zc_notifications;
      parser_.Parse({control, msg.msg_controllen}, msg.msg_flags,
                    [this](const ZeroCopyRange& range) {
                      tracker_.Complete(range, release_);
                    });
      // The kernel cut a control message short: a completion record was
      // lost, and the sends it covered would wait for it until the timeout
      // and be reported as a peer that stopped reading. Say what happened.
      if (msg.msg_flags & MSG_CTRUNC)
        throw SysError(
            "recvmsg(MSG_ERRQUEUE): control data truncated (MSG_CTRUNC, " +
            std::to_string(sizeof(control)) +
            " bytes): a zero-copy completion was lost");
      if (!until_empty) break;
    }
    stats_.zc_completed = tracker_.ranges_completed();
    stats_.zc_copied = tracker_.ranges_copied();
    return read;
  }

  // Every completion the kernel sent matched a send of ours, well formed
  // (msg_zerocopy.rst: ranges of ids, ee_errno 0). Otherwise the copied
  // verdict and the completion counts would rest on records we do not
  // understand: the run fails and says which.
  void CheckCompletionsAccountedFor() const {
    const ZeroCopyParseStats& p = parser_.stats();
    if (p.malformed > 0 || tracker_.unmatched() > 0)
      throw SysError("zero-copy completions not accounted for: " +
                     std::to_string(p.malformed) + " malformed record(s), " +
                     std::to_string(tracker_.unmatched()) +
                     " id(s) matching no send of this socket");
  }

  // Blocks in poll() until the error queue has something, or `deadline`.
  // Throws SysError naming the cause when nothing comes in time, or when
  // the socket reports an error or hang-up but no completion.
  void WaitForCompletion(Clock::time_point deadline, milliseconds timeout,
                         const char* why) {
    const Clock::duration left = deadline - Clock::now();
    int ready = 0;
    pollfd p{};
    if (left > Clock::duration::zero()) {
      // POLLERR is reported whatever `events` asks (msg_zerocopy.rst).
      p.fd = fd_;
      p.events = 0;
      ++stats_.syscalls;
      ready = ::poll(&p, 1, CeilMs(left));
      if (ready < 0) {
        if (errno == EINTR) return;  // the caller loops, bounded by deadline
        ThrowErrno("poll");
      }
    }
    if (ready == 0) {
      throw SysError("zero-copy completion did not arrive within " +
                     std::to_string(timeout.count()) + " ms (" + why + ", " +
                     std::to_string(tracker_.outstanding()) + " of " +
                     std::to_string(tracker_.used()) +
                     " zero-copy sends outstanding; peer stopped reading?)");
    }
    if (p.revents & POLLNVAL) throw SysError("poll: socket is not open");
    // POLLERR also means a pending socket error, POLLHUP a closed socket;
    // a completion is not necessarily queued then. Look before waiting
    // again, or this would spin until the deadline.
    if (ReadCompletions(true) > 0) return;
    int err = 0;
    socklen_t len = sizeof(err);
    if ((p.revents & POLLERR) &&
        ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err != 0)
      ThrowIoError(why, err, timeout);
    if (p.revents & POLLHUP)
      throw SysError(std::string(why) + ": connection closed with " +
                     std::to_string(tracker_.outstanding()) +
                     " zero-copy sends outstanding");
  }

  // Prepare()'s next message is still held by the kernel: take completions
  // until it is released.
  void WaitForBuffer(uint32_t slot) {
    ReadCompletions(true);
    const Clock::time_point deadline = Clock::now() + timeout_;
    while (busy_[slot] || !tracker_.can_open())
      WaitForCompletion(deadline, timeout_, "waiting for a free buffer");
  }

  // ENOBUFS: the socket's optmem (net.core.optmem_max) is used up by
  // zero-copy bookkeeping (each send's notification skb is charged to it
  // until the notification is read) or the pinned-page limit is reached. It
  // is not a failure: reading completions frees optmem, then retry.
  void OnEnobufs(int count, Clock::time_point* deadline) {
    ++stats_.zc_enobufs;
    if (count > kMaxEnobufsRetries)
      throw SysError("sendmsg: ENOBUFS persisted after " +
                     std::to_string(kMaxEnobufsRetries) +
                     " retries (optmem_max too small?)");
    if (ReadCompletions(true) > 0) return;
    if (tracker_.outstanding() == 0)
      throw SysError(
          "sendmsg: ENOBUFS with no zero-copy send outstanding "
          "(net.core.optmem_max or RLIMIT_MEMLOCK too small for one send)");
    if (*deadline == Clock::time_point{}) *deadline = Clock::now() + timeout_;
    WaitForCompletion(*deadline, timeout_, "sendmsg got ENOBUFS");
  }

  const int fd_;
  const milliseconds timeout_;
  const size_t size_;
  const DatagramLayout layout_;  // datagram 0: a stream socket
  const uint32_t depth_;
  MessagePool pool_;
  std::vector<uint8_t> busy_;  // per message: held by the kernel
  uint32_t next_ = 0;          // the message Prepare() hands out next
  uint32_t current_ = kNone;   // the message Prepare() handed out
  ZeroCopyCompletionParser parser_;
  ZeroCopyTracker tracker_;
  Release release_{&busy_};
  int sends_since_read_ = 0;
};

// Sets SO_ZEROCOPY; returns 0 or errno.
int EnableZeroCopy(int fd) {
  const int one = 1;
  if (::setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)) != 0)
    return errno;
  return 0;
}

std::string ZeroCopyRefused(int err) {
  return std::string("setsockopt(SO_ZEROCOPY): ") + std::strerror(err);
}

}  // namespace

std::unique_ptr<Sender> MakeZeroCopySender(int fd, const SenderOptions& o) {
  // The kernel ignores MSG_ZEROCOPY unless the socket opted in first.
  if (const int err = EnableZeroCopy(fd); err != 0) {
    // ENOPROTOOPT: a kernel before 4.14 (no SO_ZEROCOPY); EOPNOTSUPP: a
    // socket type without MSG_ZEROCOPY. Anything else is a plain failure.
    if (err == ENOPROTOOPT || err == EOPNOTSUPP)
      throw NotSupported(ZeroCopyRefused(err));
    throw SysError("setsockopt(SO_ZEROCOPY)", err);
  }
  return std::make_unique<ZeroCopySender>(fd, o);
}

size_t ZeroCopySenderBytes(const SenderOptions& o) {
  return MessagePool::BytesFor(
      MessagePool::CountFor(o.working_set, o.message_size), o.message_size);
}

std::unique_ptr<Sender> MakeUdpGsoZeroCopySender(int fd,
                                                 const SenderOptions& o) {
  return MakeZeroCopySender(fd, o);
}

std::string ProbeUdpZeroCopy() {
  if (std::string why = ProbeUdpGso(); !why.empty()) return why;
  UniqueFd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!s)
    return std::string("socket(AF_INET, SOCK_DGRAM): ") + std::strerror(errno);
  const int err = EnableZeroCopy(s.get());
  return err == 0 ? "" : ZeroCopyRefused(err) + " on a UDP socket (Linux 5.0)";
}

std::string ProbeZeroCopy() {
  UniqueFd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!s) return std::string("socket(AF_INET): ") + std::strerror(errno);
  const int err = EnableZeroCopy(s.get());
  return err == 0 ? "" : ZeroCopyRefused(err);
}

}  // namespace netbench
