// The UDP modes in which the kernel copies the payload: UdpSendmsg (one
// sendmsg() per datagram), UdpGso (UDP_SEGMENT: one sendmsg() carries many
// datagrams, cut by the stack, Documentation/networking/segmentation-
// offloads.rst) and UdpSendmmsg (sendmmsg(2): --batch datagrams per call).
// Each goes round its working set in order, as every mode does
// (lib/message_pool.h), and sends the same datagrams (lib/datagram.h).
//
// A UDP send is all or nothing: the kernel queues the whole datagram (or
// the whole UDP_SEGMENT super-datagram) or fails. On veth it rarely blocks:
// a datagram's memory is charged to the sender only until the receiver's
// socket takes it or drops it. A full receiver drops silently, which is
// what the loss counters measure; ENOBUFS from the path is reported only
// with IP_RECVERR (udp(7)), which these sockets leave off.

#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "base/socket_io.h"
#include "base/sys_error.h"
#include "base/unique_fd.h"
#include "lib/datagram.h"
#include "lib/message_pool.h"
#include "lib/senders.h"

namespace netbench {
namespace {

// One UDP_SEGMENT control message's room.
constexpr size_t kSegmentControl = CMSG_SPACE(sizeof(uint16_t));
static_assert(kSegmentControl <= kSegmentControlBytes);

// One send call of a UDP socket: all of it or an error (EINTR retried).
void SendDatagrams(int fd, const msghdr& msg, size_t length,
                   std::chrono::milliseconds timeout, uint64_t* syscalls) {
  for (int eintr = 0;; ++eintr) {
    ++*syscalls;
    const ssize_t r = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (r >= 0) {
      if (static_cast<size_t>(r) != length)
        throw SysError("sendmsg: a datagram sent in part (" +
                       std::to_string(r) + " of " + std::to_string(length) +
                       " bytes)");
      return;
    }
    if (errno == EINTR && eintr < kMaxEintrRetries) continue;
    ThrowIoError("sendmsg", errno, timeout);
  }
}

// The working set, gone round as the copy modes go round theirs.
class UdpSenderBase : public Sender {
 public:
  UdpSenderBase(int fd, const SenderOptions& o, size_t per_call,
                size_t min_messages = 0)
      : fd_(fd),
        timeout_(o.timeout),
        layout_{o.message_size, o.datagram, per_call},
        cursor_(std::max(min_messages,
                         MessagePool::CountFor(o.working_set, o.message_size)),
                o.message_size) {}

  Message& Prepare() override { return cursor_.Prepare(); }

 protected:
  Message& Take() { return cursor_.Take(); }
  void Count(size_t datagrams, size_t bytes) {
    stats_.datagrams += datagrams;
    stats_.bytes += bytes;
  }

  const int fd_;
  const std::chrono::milliseconds timeout_;
  const DatagramLayout layout_;

 private:
  PoolCursor cursor_;
};

// UdpSendmsg (one datagram per call) and UdpGso (a UDP_SEGMENT call per
// up to GsoDatagramsPerCall datagrams).
class UdpCallSender final : public UdpSenderBase {
 public:
  UdpCallSender(int fd, const SenderOptions& o, bool segment)
      : UdpSenderBase(fd, o,
                      segment ? GsoDatagramsPerCall(o.datagram) : size_t{1}),
        segment_(segment) {}

  void Send() override {
    const Message& m = Take();
    for (size_t c = 0; c < layout_.calls(); ++c) {
      iovec iov[kFields];
      msghdr msg{};
      msg.msg_iov = iov;
      const size_t length = layout_.CallLength(c);
      msg.msg_iovlen =
          static_cast<size_t>(SliceIov(m, layout_.CallOffset(c), length, iov));
      alignas(cmsghdr) std::byte control[kSegmentControlBytes];
      // A call of one datagram needs no segmentation (and a last one
      // shorter than gso_size alone is sent as it is anyway).
      if (segment_ && layout_.CallDatagrams(c) > 1)
        AddSegmentControl(msg, control, layout_.datagram);
      SendDatagrams(fd_, msg, length, timeout_, &stats_.syscalls);
      Count(layout_.CallDatagrams(c), length);
    }
    ++stats_.messages;
  }

 private:
  const bool segment_;
};

// sendmmsg(2): the datagrams of consecutive messages queue up in a batch,
// handed over when it is full (or on Flush), so the working set must hold
// the messages of a whole batch beside the one being written.
class UdpSendmmsgSender final : public UdpSenderBase {
 public:
  UdpSendmmsgSender(int fd, const SenderOptions& o)
      : UdpSenderBase(fd, o, 1, o.batch + 2),
        batch_(o.batch),
        headers_(o.batch),
        iovs_(o.batch * kFields) {}

  void Send() override {
    const Message& m = Take();
    for (size_t d = 0; d < layout_.datagrams(); ++d) {
      mmsghdr& h = headers_[queued_];
      h = mmsghdr{};
      iovec* iov = &iovs_[queued_ * kFields];
      h.msg_hdr.msg_iov = iov;
      h.msg_hdr.msg_iovlen = static_cast<size_t>(SliceIov(
          m, layout_.DatagramOffset(d), layout_.DatagramLength(d), iov));
      queued_bytes_ += layout_.DatagramLength(d);
      if (++queued_ == batch_) Flush();
    }
    ++stats_.messages;
  }

  void Flush() override {
    size_t sent = 0;
    int eintr = 0;
    while (sent < queued_) {
      ++stats_.syscalls;
      const int r =
          ::sendmmsg(fd_, &headers_[sent],
                     static_cast<unsigned>(queued_ - sent), MSG_NOSIGNAL);
      if (r > 0) {
        sent += static_cast<size_t>(r);
        continue;
      }
      if (r < 0 && errno == EINTR && ++eintr < kMaxEintrRetries) continue;
      if (r == 0) throw SysError("sendmmsg: sent none of the batch");
      ThrowIoError("sendmmsg", errno, timeout_);
    }
    Count(queued_, queued_bytes_);
    queued_ = 0;
    queued_bytes_ = 0;
  }

 private:
  const size_t batch_;
  std::vector<mmsghdr> headers_;
  std::vector<iovec> iovs_;
  size_t queued_ = 0;
  size_t queued_bytes_ = 0;
};

}  // namespace

std::unique_ptr<Sender> MakeUdpSendmsgSender(int fd, const SenderOptions& o) {
  return std::make_unique<UdpCallSender>(fd, o, /*segment=*/false);
}
std::unique_ptr<Sender> MakeUdpGsoSender(int fd, const SenderOptions& o) {
  return std::make_unique<UdpCallSender>(fd, o, /*segment=*/true);
}
std::unique_ptr<Sender> MakeUdpSendmmsgSender(int fd, const SenderOptions& o) {
  return std::make_unique<UdpSendmmsgSender>(fd, o);
}

size_t UdpSenderBytes(Mode mode, const SenderOptions& o) {
  const size_t min = mode == Mode::kUdpSendmmsg ? o.batch + 2 : 0;
  const size_t count =
      std::max(min, MessagePool::CountFor(o.working_set, o.message_size));
  const size_t batch =
      mode == Mode::kUdpSendmmsg
          ? o.batch * (sizeof(mmsghdr) + kFields * sizeof(iovec))
          : 0;
  return MessagePool::BytesFor(count, o.message_size) + batch;
}

void AddSegmentControl(msghdr& msg, std::byte* control, size_t datagram) {
  msg.msg_control = control;
  msg.msg_controllen = kSegmentControl;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_UDP;
  c->cmsg_type = UDP_SEGMENT;
  c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
  const auto size = static_cast<uint16_t>(datagram);
  std::memcpy(CMSG_DATA(c), &size, sizeof(size));
}

std::string ProbeUdpGso() {
  UniqueFd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!s)
    return std::string("socket(AF_INET, SOCK_DGRAM): ") + std::strerror(errno);
  const int size = 1000;
  if (::setsockopt(s.get(), SOL_UDP, UDP_SEGMENT, &size, sizeof(size)) != 0)
    return std::string("setsockopt(UDP_SEGMENT): ") + std::strerror(errno) +
           " (Linux 4.18)";
  return "";
}

}  // namespace netbench
