// --rx=zerocopy: TCP_ZEROCOPY_RECEIVE (Linux 4.18), the receive side of
// zero-copy. The kernel maps pages of received skbs into a PROT_READ region
// mmap()ed on the socket instead of copying them (see the kernel's
// tools/testing/selftests/net/tcp_mmap.c). It maps a frag only when it is a
// whole page at offset 0 that belongs to no file and is not part of a compound
// page (net/ipv4/tcp.c, can_map_frag): data must arrive as page-aligned,
// page-sized pieces. Everything else is reported as `recv_skip_hint` bytes,
// which are read here with recv() into a copy buffer. stats().mapped_bytes and
// stats().copied_bytes tell how much took which path.
//
// struct tcp_zerocopy_receive: Debian 12's linux/tcp.h (Linux 6.1 uapi)
// already has every field the running kernel knows (the last ones,
// msg_flags and reserved, came with Linux 5.11; 6.x uapi headers show the
// same struct), so the kernel header's struct is used as is. glibc's
// <netinet/tcp.h> carries only the first three fields of 4.18 and would clash
// with it, so this file includes <linux/tcp.h> instead.

#include <linux/tcp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "base/sizes.h"
#include "base/socket_io.h"
#include "base/sys_error.h"
#include "lib/receivers.h"

namespace netbench {
namespace {

// Largest region mapped by one TCP_ZEROCOPY_RECEIVE call (and so the largest
// SO_RCVLOWAT asked for): bigger messages are taken in several calls.
constexpr size_t kMaxArea = size_t{4} << 20;
// The copy buffer for the bytes the kernel cannot map.
constexpr size_t kMaxCopyBuffer = size_t{256} << 10;

class ZeroCopyReceiver final : public Receiver {
 public:
  ZeroCopyReceiver(int fd, const ReceiverOptions& o)
      : fd_(fd),
        timeout_(o.timeout),
        wait_(o.wait),
        page_(PageSize()),
        area_len_(
            RoundUp(std::clamp<size_t>(o.max_chunk, page_, kMaxArea), page_)),
        copy_(std::min(area_len_, kMaxCopyBuffer)) {
    // mmap() on a TCP socket only reserves address space; the pages arrive
    // with each getsockopt (tcp_mmap() refuses PROT_WRITE and PROT_EXEC).
    // tcp_mmap() and TCP_ZEROCOPY_RECEIVE came together (Linux 4.18): a
    // kernel without them fails here with ENODEV (sock_no_mmap).
    void* p = ::mmap(nullptr, area_len_, PROT_READ, MAP_SHARED, fd_, 0);
    if (p == MAP_FAILED) {
      const int err = errno;
      if (err == ENODEV || err == EOPNOTSUPP || err == EINVAL)
        throw NotSupported(std::string("mmap() of a TCP socket: ") +
                           std::strerror(err));
      throw SysError("mmap(TCP socket)", err);
    }
    area_ = static_cast<std::byte*>(p);
  }

  ~ZeroCopyReceiver() override { ::munmap(area_, area_len_); }
  ZeroCopyReceiver(const ZeroCopyReceiver&) = delete;
  ZeroCopyReceiver& operator=(const ZeroCopyReceiver&) = delete;

  void Receive(size_t n, ByteSink* sink) override {
    size_t remaining = n;
    try {
      while (remaining >= page_) {
        const size_t want = std::min(RoundDown(remaining), area_len_);
        // Wait only when not even a page is known to be queued; the wait
        // then asks for the whole chunk.
        if (queued_ < page_) WaitFor(want);
        const size_t mapped = MapSome(want, sink);
        remaining -= mapped;
        // Bytes before the next mappable page (or a queue shorter than a
        // page: the kernel then maps nothing and hints the whole queue). A
        // call that neither maps nor hints is not expected; copying what is
        // queued then still guarantees progress.
        size_t skip = std::min(hint_, remaining);
        if (skip == 0 && mapped == 0 && queued_ > 0)
          skip = std::min(queued_, remaining);
        if (skip > 0) CopySome(skip, sink, &remaining);
      }
      // Less than a page left: it cannot be mapped. CopySome waits for it.
      if (remaining > 0) CopySome(remaining, sink, &remaining);
    } catch (const PeerClosed&) {
      throw PeerClosed(n - remaining);  // how much of this call had arrived
    }
  }

 private:
  size_t RoundDown(size_t n) const { return n / page_ * page_; }

  // Blocks (bounded by the timeout) until `want` bytes are queued, the peer
  // closed, or an error is pending. SO_RCVLOWAT makes poll() wait for the
  // whole chunk, as tcp_mmap does, so that one call maps many pages instead
  // of the first segment only (and copies nothing just because the first
  // segment was alone). Two kernel behaviours make this safe and are worth
  // knowing when comparing with --rx=copy: tcp_set_rcvlowat() raises
  // SO_RCVBUF to twice the low-water mark (unless the user locked it), and
  // poll() reports POLLIN anyway once the receive buffer is under pressure,
  // so a low-water mark the window cannot reach never deadlocks.
  void WaitFor(size_t want) {
    const int lowat = static_cast<int>(std::min(want, area_len_));
    if (lowat != lowat_) {
      ++stats_.syscalls;
      if (::setsockopt(fd_, SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof(lowat)) !=
          0)
        ThrowErrno("setsockopt(SO_RCVLOWAT)");
      lowat_ = lowat;
    }
    pollfd pfd{fd_, POLLIN, 0};
    // Spinning polls with a zero timeout until the bytes are there.
    const int poll_ms =
        wait_ == WaitPolicy::kSpin ? 0 : static_cast<int>(timeout_.count());
    SpinDeadline spin(timeout_);
    int r;
    do {
      ++stats_.syscalls;
      r = RetryEintr([&] { return ::poll(&pfd, 1, poll_ms); });
    } while (r == 0 && wait_ == WaitPolicy::kSpin && spin.KeepSpinning());
    if (r < 0) ThrowErrno("poll");
    if (r == 0) ThrowIoError("recv", EAGAIN, timeout_);
    // Unknown until the next getsockopt/recv says; assume what was asked.
    queued_ = want;
  }

  // One TCP_ZEROCOPY_RECEIVE of at most `want` bytes (a multiple of the page
  // size). Hands the mapped bytes to `sink`, then releases the pages. Sets
  // hint_ and queued_. Returns the bytes mapped.
  size_t MapSome(size_t want, ByteSink* sink) {
    tcp_zerocopy_receive zc{};
    zc.address = reinterpret_cast<uintptr_t>(area_);
    zc.length = static_cast<uint32_t>(want);
    // The region is always left unmapped (MADV_DONTNEED below), so the
    // kernel need not zap it first.
    zc.flags = TCP_RECEIVE_ZEROCOPY_FLAG_TLB_CLEAN_HINT;
    socklen_t len = sizeof(zc);
    ++stats_.syscalls;
    if (RetryEintr([&] {
          return ::getsockopt(fd_, IPPROTO_TCP, TCP_ZEROCOPY_RECEIVE, &zc,
                              &len);
        }) != 0) {
      // -EIO: nothing queued and the peer sent FIN (tcp_zerocopy_receive).
      if (errno == EIO) throw PeerClosed(0);  // the count is set by Receive
      if (errno == ENOPROTOOPT || errno == EOPNOTSUPP)
        throw NotSupported("TCP_ZEROCOPY_RECEIVE (Linux 4.18)");
      ThrowIoError("getsockopt(TCP_ZEROCOPY_RECEIVE)", errno, timeout_);
    }
    if (zc.err != 0) ThrowIoError("TCP_ZEROCOPY_RECEIVE", -zc.err, timeout_);
    hint_ = zc.recv_skip_hint;
    queued_ = zc.inq;
    const size_t mapped = zc.length;
    if (mapped == 0) {
      // A FIN with nothing to map or skip: end of stream.
      if (hint_ == 0 && queued_ == 0) CheckNotClosed();
      return 0;
    }
    if (sink) sink->Consume({area_, mapped});
    stats_.mapped_bytes += mapped;
    stats_.bytes += mapped;
    // Drop the pages now, as tcp_mmap does: returns them to the sender's
    // side at once and keeps the region clean for the next call.
    ++stats_.syscalls;
    if (::madvise(area_, mapped, MADV_DONTNEED) != 0)
      ThrowErrno("madvise(MADV_DONTNEED)");
    return mapped;
  }

  // recv() of exactly `n` bytes into the copy buffer, waiting (bounded)
  // whenever none are queued. Takes every byte off `*remaining` as it
  // arrives, so that an end of stream midway leaves the right count for
  // Receive to report.
  void CopySome(size_t n, ByteSink* sink, size_t* remaining) {
    size_t done = 0;
    while (done < n) {
      const size_t chunk = std::min(n - done, copy_.size());
      ++stats_.syscalls;
      const ssize_t r = RetryEintr(
          [&] { return ::recv(fd_, copy_.data(), chunk, MSG_DONTWAIT); });
      if (r == 0) throw PeerClosed(0);  // the count is set by Receive
      if (r < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK)
          ThrowIoError("recv", errno, timeout_);
        WaitFor(n - done);
        continue;
      }
      const auto got = static_cast<size_t>(r);
      if (sink) sink->Consume({copy_.data(), got});
      stats_.copied_bytes += got;
      stats_.bytes += got;
      done += got;
      *remaining -= got;
      queued_ = queued_ > got ? queued_ - got : 0;
    }
  }

  // Called when a zero-copy receive returned nothing at all: a recv() tells
  // end of stream (0) from "nothing yet" (EAGAIN).
  void CheckNotClosed() {
    char c;
    ++stats_.syscalls;
    const ssize_t r = ::recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (r == 0) throw PeerClosed(0);  // the count is set by Receive
    if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
      ThrowIoError("recv", errno, timeout_);
  }

  int fd_;
  std::chrono::milliseconds timeout_;
  WaitPolicy wait_;
  size_t page_;
  size_t area_len_;
  std::byte* area_ = nullptr;
  std::vector<std::byte> copy_;
  int lowat_ = 1;      // SO_RCVLOWAT as last set (the kernel default is 1)
  size_t queued_ = 0;  // bytes known to be queued on the socket
  size_t hint_ = 0;    // recv_skip_hint of the last call
};

}  // namespace

size_t ZeroCopyReceiverBytes(const ReceiverOptions& o) {
  const size_t page = PageSize();
  const size_t area =
      RoundUp(std::clamp<size_t>(o.max_chunk, page, kMaxArea), page);
  // The copy buffer, and the received pages mapped into the area.
  return std::min(area, kMaxCopyBuffer) + area;
}

std::unique_ptr<Receiver> MakeZeroCopyReceiver(int fd,
                                               const ReceiverOptions& o) {
  return std::make_unique<ZeroCopyReceiver>(fd, o);
}

}  // namespace netbench
