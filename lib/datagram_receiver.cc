// The UDP receive modes. Each sets SO_RXQ_OVFL, so that every read carries
// the socket's drop count (socket(7)), and bounds its wait by SO_RCVTIMEO
// (or, spinning, by the clock).

#include "lib/datagram_receiver.h"

#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "base/socket_io.h"
#include "base/sys_error.h"
#include "lib/named_table.h"
#include "lib/thread_meter.h"

#ifndef UDP_GRO
#define UDP_GRO 104  // include/uapi/linux/udp.h, Linux 5.0
#endif

namespace netbench {
namespace {

constexpr std::array<UdpRxInfo, 3> kUdpRx = {{
    {UdpRx::kRecvmsg, "recvmsg", "1 x recvmsg() per datagram"},
    {UdpRx::kRecvmmsg, "recvmmsg", "recvmmsg(), up to --batch datagrams"},
    {UdpRx::kGro, "gro",
     "UDP_GRO: 1 x recvmsg() per coalesced buffer of up to 64 KiB"},
}};

// The largest buffer UDP_GRO may hand over at once.
constexpr size_t kGroBuffer = 65535;
// Room for the SO_RXQ_OVFL and UDP_GRO control messages.
constexpr size_t kControl =
    CMSG_SPACE(sizeof(uint32_t)) + CMSG_SPACE(sizeof(int));

void SetOption(int fd, int level, int name, const char* what) {
  const int one = 1;
  if (::setsockopt(fd, level, name, &one, sizeof(one)) != 0)
    ThrowErrno(std::string("setsockopt(") + what + ")");
}

// What a read's control messages say: the socket's drop count, and the
// segment size of a GRO buffer (0: one datagram).
struct Control {
  std::optional<uint32_t> drops;
  size_t segment = 0;
};

Control ParseControl(msghdr& msg) {
  Control c;
  for (cmsghdr* h = CMSG_FIRSTHDR(&msg); h; h = CMSG_NXTHDR(&msg, h)) {
    if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SO_RXQ_OVFL) {
      uint32_t drops;
      std::memcpy(&drops, CMSG_DATA(h), sizeof(drops));
      c.drops = drops;
    } else if (h->cmsg_level == SOL_UDP && h->cmsg_type == UDP_GRO) {
      int size;
      std::memcpy(&size, CMSG_DATA(h), sizeof(size));
      c.segment = size > 0 ? static_cast<size_t>(size) : 0;
    }
  }
  return c;
}

class ReceiverBase : public DatagramReceiver {
 public:
  ReceiverBase(int fd, const DatagramReceiverOptions& o)
      : fd_(fd), options_(o) {
    SetOption(fd, SOL_SOCKET, SO_RXQ_OVFL, "SO_RXQ_OVFL");
    SetReceiveTimeout(fd, o.idle);
  }

  size_t Receive(DatagramSink& sink) override {
    const bool spin = options_.wait == WaitPolicy::kSpin;
    const int64_t deadline =
        spin ? SteadyNowNs() + options_.idle.count() * int64_t{1000000} : 0;
    for (int eintr = 0;;) {
      ++stats_.syscalls;
      const ssize_t r = Read(spin ? MSG_DONTWAIT : 0);
      if (r >= 0) return Deliver(static_cast<size_t>(r), sink);
      if (errno == EINTR && ++eintr < kMaxEintrRetries) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (!spin || SteadyNowNs() >= deadline) return 0;
        continue;
      }
      ThrowErrno(Step());
    }
  }

 protected:
  // One read with `flags`: returns what the syscall returned.
  virtual ssize_t Read(int flags) = 0;
  // Hands what the read of `r` returned to `sink`; returns the datagrams.
  virtual size_t Deliver(size_t r, DatagramSink& sink) = 0;
  virtual const char* Step() const = 0;

  // One datagram (or GRO buffer) of `length` bytes read into `data`.
  size_t Take(std::byte* data, size_t length, msghdr& msg, DatagramSink& sink) {
    if (msg.msg_flags & MSG_TRUNC)
      throw SysError(std::string(Step()) +
                     ": a datagram longer than the receive buffer of " +
                     std::to_string(msg.msg_iov[0].iov_len) + " bytes");
    const Control c = ParseControl(msg);
    if (c.drops) kernel_drops_ = *c.drops;
    const size_t segment = c.segment ? c.segment : length;
    size_t n = 0;
    for (size_t at = 0; at < length; at += segment, ++n)
      sink.OnDatagram({data + at, std::min(segment, length - at)});
    stats_.bytes += length;
    stats_.datagrams += n;
    return n;
  }

  const int fd_;
  const DatagramReceiverOptions options_;
};

// recvmsg() of one datagram, or with UDP_GRO of one coalesced buffer.
class RecvmsgReceiver final : public ReceiverBase {
 public:
  RecvmsgReceiver(int fd, const DatagramReceiverOptions& o, bool gro)
      : ReceiverBase(fd, o), gro_(gro), buffer_(gro ? kGroBuffer : o.datagram) {
    if (gro) SetOption(fd, SOL_UDP, UDP_GRO, "UDP_GRO");
  }

 private:
  ssize_t Read(int flags) override {
    iov_ = {buffer_.data(), buffer_.size()};
    msg_ = msghdr{};
    msg_.msg_iov = &iov_;
    msg_.msg_iovlen = 1;
    msg_.msg_control = control_;
    msg_.msg_controllen = sizeof(control_);
    return ::recvmsg(fd_, &msg_, flags);
  }
  size_t Deliver(size_t r, DatagramSink& sink) override {
    return Take(buffer_.data(), r, msg_, sink);
  }
  const char* Step() const override {
    return gro_ ? "recvmsg(UDP_GRO)" : "recvmsg";
  }

  const bool gro_;
  std::vector<std::byte> buffer_;
  iovec iov_{};
  msghdr msg_{};
  alignas(cmsghdr) std::byte control_[kControl]{};
};

// recvmmsg(MSG_WAITFORONE): waits for the first datagram, then takes what
// is queued, up to a batch (recvmmsg(2)).
class RecvmmsgReceiver final : public ReceiverBase {
 public:
  RecvmmsgReceiver(int fd, const DatagramReceiverOptions& o)
      : ReceiverBase(fd, o),
        buffers_(o.batch * o.datagram),
        iovs_(o.batch),
        headers_(o.batch),
        controls_(o.batch * kControl) {}

 private:
  ssize_t Read(int flags) override {
    const size_t batch = headers_.size();
    for (size_t i = 0; i < batch; ++i) {
      iovs_[i] = {&buffers_[i * options_.datagram], options_.datagram};
      msghdr& m = headers_[i].msg_hdr;
      m = msghdr{};
      m.msg_iov = &iovs_[i];
      m.msg_iovlen = 1;
      m.msg_control = &controls_[i * kControl];
      m.msg_controllen = kControl;
    }
    return ::recvmmsg(fd_, headers_.data(), static_cast<unsigned>(batch),
                      flags | MSG_WAITFORONE, nullptr);
  }
  size_t Deliver(size_t r, DatagramSink& sink) override {
    size_t n = 0;
    for (size_t i = 0; i < r; ++i)
      n += Take(&buffers_[i * options_.datagram], headers_[i].msg_len,
                headers_[i].msg_hdr, sink);
    return n;
  }
  const char* Step() const override { return "recvmmsg"; }

  std::vector<std::byte> buffers_;
  std::vector<iovec> iovs_;
  std::vector<mmsghdr> headers_;
  // Each entry's control buffer starts at a multiple of kControl (a
  // multiple of cmsghdr's alignment) in storage operator new aligns.
  std::vector<std::byte> controls_;
};

}  // namespace

std::span<const UdpRxInfo> UdpRxTable() { return kUdpRx; }

std::string_view UdpRxName(UdpRx mode) {
  return kUdpRx[static_cast<size_t>(mode)].name;
}

std::optional<UdpRx> ParseUdpRx(std::string_view name) {
  const UdpRxInfo* row = FindByName(kUdpRx, name);
  return row ? std::optional<UdpRx>(row->mode) : std::nullopt;
}

std::string UdpRxNames() { return JoinNames(kUdpRx); }

std::unique_ptr<DatagramReceiver> MakeDatagramReceiver(
    UdpRx mode, int fd, const DatagramReceiverOptions& options) {
  switch (mode) {
    case UdpRx::kRecvmsg:
      return std::make_unique<RecvmsgReceiver>(fd, options, false);
    case UdpRx::kGro:
      return std::make_unique<RecvmsgReceiver>(fd, options, true);
    case UdpRx::kRecvmmsg:
      return std::make_unique<RecvmmsgReceiver>(fd, options);
  }
  throw SysError("unknown UDP receive mode");
}

size_t DatagramReceiverBytes(UdpRx mode,
                             const DatagramReceiverOptions& options) {
  switch (mode) {
    case UdpRx::kRecvmsg:
      return options.datagram;
    case UdpRx::kGro:
      return kGroBuffer;
    case UdpRx::kRecvmmsg:
      return options.batch *
             (options.datagram + kControl + sizeof(iovec) + sizeof(mmsghdr));
  }
  return 0;
}

}  // namespace netbench
