// The io_uring modes: UringOneCopy (IORING_OP_SENDMSG) and UringZeroCopy
// (IORING_OP_SENDMSG_ZC), one ring per sender, one message in flight.
//
// Lifetime rules (io_uring_prep_send_zc(3), io_uring_enter(2)):
//  - The msghdr and iovec of a SENDMSG SQE are kept valid until its CQE,
//    although kernels with IORING_FEAT_SUBMIT_STABLE copy them at submission.
//  - A zero-copy send yields a result CQE and, when that CQE carries
//    IORING_CQE_F_MORE, a later notification CQE (IORING_CQE_F_NOTIF) once the
//    kernel has dropped its last reference to the pages. Only then may the
//    buffer be written again (what each CQE means for the slots and the
//    counters: lib/uring_send_accounting.h). Both modes go round their working
//    set in order, as every mode does (lib/message_pool.h); UringZeroCopy's
//    Prepare() waits until the next message's notifications have all
//    arrived.
//  - The buffers are a MessagePool (lib/kernel_held_memory.h): they are
//    released when the sender goes, notifications or not, so a peer that
//    stops reading cannot make the process keep them. A send whose result
//    never came may still read the pool by its addresses: then the pool is
//    abandoned (its addresses stay reserved) instead of unmapped.
//  - A poll on the socket (POLLHUP, POLLERR) sits in the ring beside the
//    sends, so that a wait for notifications ends soon after the connection
//    is cut (a server stopping shuts every socket down) or reset, instead of
//    running to its timeout for notifications that the stalled data will
//    never produce.
//
// syscalls counts io_uring_enter(2) calls: one per submit (with or without
// waiting) and one per wait that found the completion queue empty. With
// IORING_FEAT_EXT_ARG (required, Linux 5.11) liburing 2.3 enters exactly
// once per such call; a wait whose CQE lands between our look at the queue
// and liburing's own look is counted but does not enter (rare, harmless).

#include <liburing.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "base/socket_io.h"
#include "base/sys_error.h"
#include "lib/datagram.h"
#include "lib/message_pool.h"
#include "lib/senders.h"
#include "lib/uring_compat.h"
#include "lib/uring_send_accounting.h"

namespace netbench {
namespace {

using Clock = std::chrono::steady_clock;

// One SQE is in flight at a time (plus a cancel or a probe).
constexpr unsigned kSqEntries = 8;

// Room in the completion queue for the notifications of the messages a
// socket buffer holds and a few results, up to kMaxCqEntries: with
// IORING_FEAT_NODROP (Linux 5.5) an overfull queue loses no CQE, it only
// makes the submitter wait.
constexpr size_t kMaxCqEntries = 8192;
unsigned CqEntriesFor(size_t pool) {
  unsigned n = 64;
  while (n < 2 * std::min(pool, kMaxCqEntries / 2)) n *= 2;
  return n;
}

// user_data of SQEs that are not sends (a send's user_data is its slot).
constexpr uint64_t kCancelTag = ~uint64_t{0};
constexpr uint64_t kProbeTag = ~uint64_t{0} - 1;
constexpr uint64_t kHangupTag = ~uint64_t{0} - 2;

// After the socket hung up, how long notifications may still take: a reset
// purges the socket's queues and frees their pages at once (the
// notifications follow within microseconds), a shutdown with data stalled
// at the peer never does.
constexpr auto kHangupGrace = std::chrono::milliseconds(200);

// MSG_WAITALL asks io_uring to retry a short send on a stream socket until
// all is sent (io_uring_prep_send(3), Linux 5.19), saving a round trip to
// user space per socket-buffer-full; short results are still resumed below.
constexpr int kSendFlags = MSG_NOSIGNAL | MSG_WAITALL;

__kernel_timespec ToTimespec(Clock::duration d) {
  const auto ns = std::max<int64_t>(
      0, std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
  __kernel_timespec ts{};
  ts.tv_sec = ns / 1000000000;
  ts.tv_nsec = ns % 1000000000;
  return ts;
}

// Why io_uring_queue_init failed with `err` if io_uring is unavailable here,
// else "".
std::string RingInitUnsupportedReason(int err) {
  if (err == ENOSYS)
    return "io_uring_setup: ENOSYS (kernel built without CONFIG_IO_URING, "
           "or the call is filtered by seccomp)";
  if (err == EPERM || err == EACCES) {
    // kernel.io_uring_disabled (Linux 6.6): 1 = only members of
    // kernel.io_uring_group (and CAP_SYS_ADMIN), 2 = nobody.
    std::ifstream f("/proc/sys/kernel/io_uring_disabled");
    int disabled = 0;
    if (f >> disabled && disabled != 0)
      return "io_uring is disabled (kernel.io_uring_disabled=" +
             std::to_string(disabled) + ")";
    return std::string("io_uring_setup: ") +
           (err == EPERM ? "EPERM" : "EACCES") +
           " (filtered by seccomp or a security module?)";
  }
  return "";
}

// Owns one io_uring instance.
class Ring {
 public:
  // Throws NotSupported when io_uring is unavailable, SysError otherwise.
  explicit Ring(unsigned cq_entries = 64) {
    io_uring_params p{};
    p.flags = IORING_SETUP_CQSIZE;
    p.cq_entries = cq_entries;
    const int r = io_uring_queue_init_params(kSqEntries, &ring_, &p);
    if (r < 0) {
      if (std::string why = RingInitUnsupportedReason(-r); !why.empty())
        throw NotSupported(why);
      throw SysError("io_uring_queue_init", -r);
    }
    features_ = p.features;
  }
  ~Ring() { io_uring_queue_exit(&ring_); }
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;

  io_uring* get() { return &ring_; }

  // "" when this ring can run the sender, else why not.
  std::string UnsupportedReason(bool zerocopy) {
    // Bounded waits without timeout SQEs, and exact syscall counts.
    if (!(features_ & IORING_FEAT_EXT_ARG))
      return "io_uring lacks IORING_FEAT_EXT_ARG (Linux 5.11)";
    io_uring_probe* probe = io_uring_get_probe_ring(&ring_);
    if (probe == nullptr)
      return "io_uring cannot be probed for opcodes (Linux < 5.6)";
    const int op = zerocopy ? IORING_OP_SENDMSG_ZC : IORING_OP_SENDMSG;
    const bool ok = io_uring_opcode_supported(probe, op) != 0;
    io_uring_free_probe(probe);
    if (!ok)
      return zerocopy ? "io_uring lacks IORING_OP_SENDMSG_ZC (Linux 6.1)"
                      : "io_uring lacks IORING_OP_SENDMSG (Linux 5.3)";
    return "";
  }

 private:
  io_uring ring_{};
  unsigned features_ = 0;
};

// Said once per process: the copied verdict cannot be had on this kernel.
void NoteUsageReportUnavailable() {
  static std::once_flag once;
  std::call_once(once, [] {
    std::fprintf(
        stderr,
        "UringZeroCopy: the kernel rejects IORING_SEND_ZC_REPORT_USAGE "
        "(Linux 6.2); zc_copied is not measured.\n");
  });
}

// One ring, one send in flight, from a working set gone round in order;
// UringZeroCopy's messages are reused once their notifications have
// arrived. Not thread-safe: one thread at a time.
class UringSender final : public Sender {
 public:
  // `segment`: a UDP socket's calls carry UDP_SEGMENT super-datagrams;
  // else one datagram each.
  UringSender(int fd, const SenderOptions& o, bool zerocopy,
              bool segment = true)
      : pool_size_(MessagePool::CountFor(o.working_set, o.message_size)),
        pool_(pool_size_, o.message_size),
        control_memory_(sizeof(SendControl)),
        control_(new (control_memory_.data()) SendControl{}),
        ring_(CqEntriesFor(pool_size_)),
        fd_(fd),
        timeout_(o.timeout),
        zerocopy_(zerocopy),
        layout_{o.message_size, o.datagram,
                !o.datagram ? 0
                : segment   ? GsoDatagramsPerCall(o.datagram)
                            : 1},
        sends_(pool_size_, zerocopy, &stats_) {
    if (std::string why = ring_.UnsupportedReason(zerocopy); !why.empty())
      throw NotSupported(why);
    if (zerocopy_) {
      report_usage_ = AcceptsUsageReport();
      if (!report_usage_) NoteUsageReportUnavailable();
      stats_.zc_copied_known = report_usage_;
      ArmHangupPoll();
    }
  }

  // Never waits: whoever needs the last notifications (their counters)
  // calls Drain() first. The ring is closed first (members go in reverse
  // order), then the pool goes: unmapped, whatever the kernel still holds,
  // unless a send may still read it by its addresses.
  ~UringSender() override {
    Reap();
    if (lost_ || !sends_.result_ready()) {
      pool_.memory().Abandon();
      control_memory_.Abandon();
    }
  }

  Message& Prepare() override {
    if (current_ == kNone) current_ = AcquireSlot();
    return pool_[current_];
  }

  void Send() override {
    if (lost_)
      throw SysError(
          "io_uring sender unusable: an earlier send could not be cancelled");
    if (current_ == kNone) current_ = AcquireSlot();
    const size_t slot = current_;
    // Whatever happens, the slot is handed out again only once the kernel
    // is done with it (sends_).
    struct Finish {
      UringSender* s;
      ~Finish() { s->current_ = kNone; }
    } finish{this};
    const Message& m = pool_[slot];
    if (layout_.datagram > 0) {
      SendDatagrams(slot, m);
    } else {
      SendStream(slot, m);
    }
    ++stats_.messages;
    stats_.bytes += m.size();
  }

  void Drain(std::chrono::milliseconds timeout) override {
    if (sends_.outstanding() == 0) return;
    WaitUntil([this] { return sends_.outstanding() == 0; },
              Clock::now() + timeout, timeout, "io_uring send-zc notifications",
              /*until_hangup=*/true);
  }

 private:
  // A send failed with `res` (-errno): returns when it is to be tried
  // again, else throws.
  void RetryAfter(int res, Clock::time_point deadline) {
    if (res == -EINVAL && report_usage_ && !usage_confirmed_) {
      // A kernel that our probe misjudged: go on without the report.
      report_usage_ = false;
      stats_.zc_copied_known = false;
      NoteUsageReportUnavailable();
      return;
    }
    if (res == -ENOMEM && zerocopy_ && sends_.outstanding() > 0) {
      WaitForPinnedPages(deadline);
      return;
    }
    ThrowIoError(step(), -res, timeout_);
  }

  // The message over a stream socket, resuming short sends.
  void SendStream(size_t slot, const Message& m) {
    std::copy_n(m.iov(), kFields, control_->iov.begin());
    iovec* iov = control_->iov.data();
    int iovcnt = kFields;
    AdvanceIov(&iov, &iovcnt, 0);  // skip empty leading fields
    size_t remaining = m.size();
    Clock::time_point deadline{};  // set by the first SendOnce
    while (remaining > 0) {
      const int res = SendOnce(slot, iov, iovcnt, &deadline);
      if (res < 0) {
        RetryAfter(res, deadline);
        continue;
      }
      usage_confirmed_ = true;
      if (res == 0) throw SysError(std::string(step()) + ": sent 0 bytes");
      remaining -= static_cast<size_t>(res);
      AdvanceIov(&iov, &iovcnt, static_cast<size_t>(res));
    }
  }

  // The message's datagrams over a UDP socket, in UDP_SEGMENT calls, each
  // sent whole or failed.
  void SendDatagrams(size_t slot, const Message& m) {
    for (size_t first = 0; first < layout_.datagrams();) {
      // A zero-copy call also holds its pages as one skb's fragments
      // (lib/datagram.h, kMaxZeroCopyPages).
      const size_t count =
          zerocopy_
              ? ZeroCopyDatagramsFitting(m, layout_, first, layout_.per_call)
              : std::min(layout_.per_call, layout_.datagrams() - first);
      const size_t offset = layout_.DatagramOffset(first);
      const size_t length = std::min(layout_.message_size,
                                     layout_.DatagramOffset(first + count)) -
                            offset;
      first += count;
      const int iovcnt = SliceIov(m, offset, length, control_->iov.data());
      Clock::time_point deadline{};
      while (true) {
        const int res =
            SendOnce(slot, control_->iov.data(), iovcnt, &deadline, count > 1);
        if (res < 0) {
          RetryAfter(res, deadline);
          continue;
        }
        usage_confirmed_ = true;
        if (static_cast<size_t>(res) != length)
          throw SysError(std::string(step()) + ": a datagram sent in part");
        stats_.datagrams += count;
        break;
      }
    }
  }

  // What a SENDMSG SQE points to besides the message: kept beside the pool,
  // in memory of the same kind, for the same reason.
  struct SendControl {
    msghdr msg{};
    std::array<iovec, kFields> iov{};
    alignas(cmsghdr) std::byte segment[kSegmentControlBytes]{};
  };

  const char* step() const {
    return zerocopy_ ? "io_uring sendmsg_zc" : "io_uring sendmsg";
  }

  // The next message of the working set, once the kernel has released
  // every zero-copy send of it.
  size_t AcquireSlot() {
    const size_t slot = next_;
    if (!sends_.slot_free(slot)) {
      WaitUntil([this, slot] { return sends_.slot_free(slot); },
                Clock::now() + timeout_, timeout_,
                "io_uring send-zc notification (the working set's next "
                "buffer still held by the kernel)",
                /*until_hangup=*/true);
    }
    next_ = next_ + 1 == pool_size_ ? 0 : next_ + 1;
    return slot;
  }

  // -ENOMEM from a zero-copy send: io_uring charges the pages of every
  // zero-copy send from memory it has not registered to the user, against
  // RLIMIT_MEMLOCK, until its notification (io_notif_account_mem): an
  // ordinary user's 8 MiB hold two 4 MiB sends, fewer beside the user's
  // other senders. Not a failure, as ENOBUFS is not for ZeroCopy: a
  // notification gives pages back (the failed request's own comes too), then
  // the send is tried again, until `deadline`.
  void WaitForPinnedPages(Clock::time_point deadline) {
    const uint64_t before = sends_.outstanding();
    WaitUntil([this, before] { return sends_.outstanding() < before; },
              deadline, timeout_,
              "io_uring send-zc notification (RLIMIT_MEMLOCK used up by "
              "zero-copy sends)",
              /*until_hangup=*/true);
  }

  // Submits one send of `iov[0..iovcnt)` from `slot` and waits for its
  // result CQE until `*deadline` (set to now + timeout_ when still zero).
  // Returns cqe->res (bytes sent or -errno). Throws on timeout (after
  // cancelling the send) and on io_uring failures.
  int SendOnce(size_t slot, iovec* iov, int iovcnt, Clock::time_point* deadline,
               bool segment = false) {
    // Take what is already there, so that the wait below is for our result
    // and not satisfied by an old notification.
    Reap();
    io_uring* ring = ring_.get();
    io_uring_sqe* sqe = io_uring_get_sqe(ring);
    if (sqe == nullptr)
      throw SysError("io_uring_get_sqe: submission queue full");
    msghdr& msg = control_->msg;
    msg = msghdr{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<size_t>(iovcnt);
    if (segment) AddSegmentControl(msg, control_->segment, layout_.datagram);
    if (zerocopy_) {
      io_uring_prep_sendmsg_zc(sqe, fd_, &msg, kSendFlags);
      if (report_usage_) sqe->ioprio |= IORING_SEND_ZC_REPORT_USAGE;
    } else {
      io_uring_prep_sendmsg(sqe, fd_, &msg, kSendFlags);
    }
    io_uring_sqe_set_data64(sqe, slot);
    sends_.Submitted(slot);

    // One io_uring_enter: submit and wait for the result.
    const Clock::time_point now = Clock::now();
    if (*deadline == Clock::time_point{}) *deadline = now + timeout_;
    __kernel_timespec ts = ToTimespec(*deadline - now);
    io_uring_cqe* cqe = nullptr;
    ++stats_.syscalls;
    const int r = io_uring_submit_and_wait_timeout(ring, &cqe, 1, &ts, nullptr);
    if (r < 0 && io_uring_sq_ready(ring) != 0) {
      // Not submitted: the SQE is stuck in our queue and the sender with it.
      lost_ = true;
      throw SysError("io_uring_enter(submit)", -r);
    }
    if (r < 0 && r != -ETIME && r != -EINTR)
      throw SysError("io_uring_enter(submit)", -r);
    // liburing 2.3 returns the submitted count, not an error, when the wait
    // after a submit times out; whether our result arrived is all we ask.
    Reap();
    if (!sends_.result_ready()) {
      try {
        WaitUntil([this] { return sends_.result_ready(); }, *deadline, timeout_,
                  step());
      } catch (const SysError&) {
        Cancel(slot);
        throw;
      }
    }
    return sends_.result();
  }

  // Asks the kernel to cancel the send in flight and waits (bounded) for its
  // result CQE, so that its msghdr and buffer are free again. If that does
  // not come, the sender is marked lost and leaks its buffers on exit.
  void Cancel(uint64_t user_data) {
    io_uring* ring = ring_.get();
    io_uring_sqe* sqe = io_uring_get_sqe(ring);
    if (sqe == nullptr) {
      lost_ = true;
      return;
    }
    io_uring_prep_cancel64(sqe, user_data, 0);
    io_uring_sqe_set_data64(sqe, kCancelTag);
    ++stats_.syscalls;
    if (io_uring_submit(ring) < 0) {
      lost_ = true;
      return;
    }
    try {
      WaitUntil([this] { return sends_.result_ready(); },
                Clock::now() + timeout_, timeout_, "io_uring cancel");
    } catch (const SysError&) {
      lost_ = true;
    }
  }

  // Waits, entering the kernel only when the completion queue is empty, until
  // `done()` holds or `deadline` passes (then throws SysError naming `what`
  // and `timeout`). `until_hangup`: a wait for notifications, which ends
  // kHangupGrace after the socket hung up (a send's result always comes).
  template <typename Done>
  void WaitUntil(Done done, Clock::time_point deadline,
                 std::chrono::milliseconds timeout, const char* what,
                 bool until_hangup = false) {
    Reap();
    while (!done()) {
      const Clock::time_point now = Clock::now();
      const bool hung_up = until_hangup && hung_up_at_ != Clock::time_point{};
      if (hung_up && now >= hung_up_at_ + kHangupGrace)
        throw SysError(std::string(what) + ": connection closed with " +
                       std::to_string(sends_.outstanding()) +
                       " zero-copy sends outstanding");
      if (now >= deadline)
        throw SysError(std::string(what) + ": timed out after " +
                       std::to_string(timeout.count()) +
                       " ms (peer stopped reading?)");
      const Clock::duration left =
          (hung_up ? std::min(deadline, hung_up_at_ + kHangupGrace)
                   : deadline) -
          now;
      __kernel_timespec ts = ToTimespec(left);
      io_uring_cqe* cqe = nullptr;
      ++stats_.syscalls;
      const int r = io_uring_wait_cqe_timeout(ring_.get(), &cqe, &ts);
      if (r < 0 && r != -ETIME && r != -EINTR)
        throw SysError("io_uring_wait_cqe_timeout", -r);
      Reap();
    }
  }

  // Consumes every CQE in the completion queue without entering the kernel.
  void Reap() {
    io_uring* ring = ring_.get();
    unsigned head;
    unsigned n = 0;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(ring, head, cqe) {
      Handle(*cqe);
      ++n;
    }
    if (n > 0) io_uring_cq_advance(ring, n);
  }

  void Handle(const io_uring_cqe& cqe) {
    const uint64_t tag = cqe.user_data;
    if (tag == kCancelTag) return;  // the cancel's own result; see Cancel()
    if (tag == kHangupTag) {
      if (cqe.res != -ECANCELED && hung_up_at_ == Clock::time_point{})
        hung_up_at_ = Clock::now();
      return;
    }
    if (tag == kProbeTag) {
      if (cqe.flags & IORING_CQE_F_NOTIF) {
        probe_notif_ = true;
      } else {
        probe_res_ = cqe.res;
        probe_more_ = (cqe.flags & IORING_CQE_F_MORE) != 0;
        probe_done_ = true;
      }
      return;
    }
    sends_.Complete(tag, cqe.res, cqe.flags);  // a send's (its slot)
  }

  // One-shot poll for the socket's hang-up or error (see the top of the
  // file); its CQE sets hung_up_at_. Setup, not measured.
  void ArmHangupPoll() {
    io_uring* ring = ring_.get();
    io_uring_sqe* sqe = io_uring_get_sqe(ring);
    if (sqe == nullptr)
      throw SysError("io_uring_get_sqe: submission queue full");
    io_uring_prep_poll_add(sqe, fd_, POLLHUP | POLLERR);
    io_uring_sqe_set_data64(sqe, kHangupTag);
    if (const int r = io_uring_submit(ring); r < 0)
      throw SysError("io_uring_submit(poll)", -r);
  }

  // Whether the kernel accepts IORING_SEND_ZC_REPORT_USAGE. The flag is
  // checked when the SQE is prepared, before its file is looked up, so a
  // zero-length SEND_ZC on fd -1 fails with -EINVAL if the flag is unknown
  // and with -EBADF if it is accepted; nothing is sent.
  bool AcceptsUsageReport() {
    io_uring* ring = ring_.get();
    io_uring_sqe* sqe = io_uring_get_sqe(ring);
    io_uring_prep_send_zc(sqe, -1, nullptr, 0, MSG_NOSIGNAL,
                          IORING_SEND_ZC_REPORT_USAGE);
    io_uring_sqe_set_data64(sqe, kProbeTag);
    if (const int r = io_uring_submit(ring); r < 0)
      throw SysError("io_uring_submit(probe)", -r);
    WaitUntil([this] { return probe_done_ && (!probe_more_ || probe_notif_); },
              Clock::now() + timeout_, timeout_, "io_uring probe");
    stats_ = SideRecord{};  // setup is not part of the measurement
    return probe_res_ != -EINVAL;
  }

  static constexpr size_t kNone = ~size_t{0};

  size_t pool_size_;
  // Declared before ring_ so that the ring is closed before the buffers are
  // unmapped (or abandoned).
  MessagePool pool_;
  KernelHeldMemory control_memory_;
  SendControl* control_;  // placed in control_memory_
  Ring ring_;
  int fd_;
  std::chrono::milliseconds timeout_;
  bool zerocopy_;
  const DatagramLayout layout_;  // datagram 0: a stream socket
  bool report_usage_ = false;
  bool usage_confirmed_ = false;  // a send with the current flags succeeded
  bool lost_ = false;             // the kernel may still use a send's memory
  // The sends' slots, results and counts (lib/uring_send_accounting.h).
  UringSendAccounting sends_;
  Clock::time_point hung_up_at_{};  // when the socket's POLLHUP/POLLERR came
  size_t current_ = kNone;          // slot handed out by Prepare(), until sent
  size_t next_ = 0;                 // the slot Prepare() hands out next
  bool probe_done_ = false;
  bool probe_more_ = false;
  bool probe_notif_ = false;
  int probe_res_ = 0;
};

}  // namespace

std::unique_ptr<Sender> MakeUringSender(int fd, const SenderOptions& o,
                                        bool zerocopy) {
  return std::make_unique<UringSender>(fd, o, zerocopy);
}

std::unique_ptr<Sender> MakeUdpUringSender(int fd, const SenderOptions& o) {
  return std::make_unique<UringSender>(fd, o, /*zerocopy=*/false,
                                       /*segment=*/false);
}

std::unique_ptr<Sender> MakeUdpUringGsoSender(int fd, const SenderOptions& o,
                                              bool zerocopy) {
  return std::make_unique<UringSender>(fd, o, zerocopy);
}

size_t UringSenderBytes(const SenderOptions& o) {
  return MessagePool::BytesFor(
             MessagePool::CountFor(o.working_set, o.message_size),
             o.message_size) +
         KernelHeldMemory::RoundToPages(1);
}

std::string ProbeUdpUringGso(bool zerocopy) {
  const std::string why = ProbeUdpGso();
  return why.empty() ? ProbeUring(zerocopy) : why;
}

std::string ProbeUring(bool zerocopy) {
  try {
    Ring ring;
    return ring.UnsupportedReason(zerocopy);
  } catch (const NotSupported& e) {
    constexpr std::string_view kPrefix = "not supported: ";
    std::string why = e.what();
    if (why.rfind(kPrefix, 0) == 0) why.erase(0, kPrefix.size());
    return why;
  } catch (const std::exception& e) {
    return e.what();
  }
}

}  // namespace netbench
