// SpliceZeroCopy: the message's fields live in a memfd and move into the
// socket without a user-space copy: vmsplice(2) takes references to the
// fields' pages into a pipe (one call gathers all 8 fields), splice(2) hands
// them on to the socket.
//
// Buffer lifetime (the hard part). Since Linux 6.5 splice_to_socket() passes
// the pipe's pages to TCP with MSG_SPLICE_PAGES (->sendpage before): each skb
// frag holds a reference to a memfd page, not a copy. Those references live
// until the data is acknowledged *and*, over veth or loopback, until the
// receiver has read it, because local delivery moves the skb to the peer's
// receive queue without copying such frags (skb_orphan_frags_rx only copies
// user-pinned MSG_ZEROCOPY frags). Nothing tells the sender when that
// happens: splice has no completion notification. A write through the
// mapping into a page still referenced by an skb changes bytes already
// "sent" (test/splice_sender_test.cc shows it happening).
//
// Reuse rule: every Send() ends with fallocate(FALLOC_FL_PUNCH_HOLE) over the
// whole memfd. Punching a hole removes the pages from the memfd's page cache
// and zaps them from our mapping (shmem_fallocate: unmap_mapping_range, then
// shmem_truncate_range), but an skb or pipe buffer holding a reference keeps
// its page alive, content included, until it lets go. The next write through
// the mapping lands in a fresh page, so no byte in flight can ever be
// modified, however long the peer takes to read. This needs no knowledge of
// the peer. The alternative, "reuse a slot of a ring once SIOCOUTQ says it is
// acknowledged and a peer-receive-buffer's worth of bytes has been sent
// since", is only as correct as the guess of how much the peer holds unread
// (the peer may raise SO_RCVBUF, live in another namespace with its own
// tcp_rmem, or on another host), so it was not chosen. With the punch a
// single slot suffices: it is safe to reuse as soon as it is punched.
//
// Two details keep the punch exact. (1) A punch that covers part of a large
// folio zeroes that part in place before trying to split it
// (truncate_inode_partial_folio), which would corrupt data in flight if shmem
// used huge pages; the hole therefore always covers the whole file, whose
// size is a multiple of the PMD size (the largest shmem folio), so no folio is
// ever partly covered. (2) Prepare() repopulates the slot with
// MADV_POPULATE_WRITE (Linux 5.14): one syscall instead of a page fault per
// page when the caller writes, and real fresh pages even when the caller
// writes nothing (the benchmark loop without --verify), as an application
// producing new data would have. The price of the rule is one page
// allocation and clearing per page per message: what splice costs when the
// sender cannot learn when the kernel is done with its pages. Measured over
// the veth at 1 MiB (rx=copy): about 4.0 Gbit/s, against 7.0 for the same
// code reusing its pages without the punch (which corrupts data) and 5.9
// for OneCopy.
//
// The working set every other mode goes round (lib/message_pool.h) does not
// apply here: the rule above gives every message fresh pages, the price of a
// mechanism without completions, and the payload is written into them like
// any mode's.
//
// A side effect: a punched page belongs to no file any more, so a
// TCP_ZEROCOPY_RECEIVE peer that reads it after the punch can map it
// (can_map_frag() refuses page-cache pages), which makes this sender plus
// --rx=zerocopy free of copies end to end on a veth. The page is never
// written again: it left the file.
//
// vmsplice+splice vs sendfile (one sendfile(2) per field from the memfd;
// same pages, same lifetime): measured over the veth, rx=copy, release build,
// median of 3 connections per point, three interleaved rounds on a loaded
// 2-core VM: vmsplice+splice moved 1.3-5x the messages per second at 1 KiB
// and 16 KiB, and 10-40% more bytes at 64 KiB and 1 MiB in 5 rounds of 6. It
// gathers all fields in one call (2 syscalls per pipe-full instead of 8 per
// message, the comparison OneCopy makes against TwoCopy) and lets TCP fill
// segments across fields (SPLICE_F_MORE); per-field sendfile pushes each
// field on its own. Its cost is a pipe to size and to discard after a failed
// send.

#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

#include "base/sizes.h"
#include "base/socket_io.h"
#include "base/sys_error.h"
#include "base/unique_fd.h"
#include "lib/senders.h"

namespace netbench {
namespace {

constexpr size_t kCacheLine = 64;

size_t CheckedSize(size_t size) {
  if (size < kMinMessageSize || size > kMaxMessageSize)
    throw std::invalid_argument("message size " + std::to_string(size) +
                                " out of range");
  return size;
}

// The largest folio shmem may use for the memfd: the PMD size (2 MiB on
// x86-64), read from sysfs, 2 MiB when THP is not built in.
size_t MaxFolioSize() {
  std::ifstream in("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size");
  size_t v = 0;
  if (in >> v && v >= PageSize()) return v;
  return size_t{2} << 20;
}

// A memfd of `size` bytes mapped shared read-write. Owns both.
class MemfdMapping {
 public:
  explicit MemfdMapping(size_t size) : size_(size) {
    fd_ = UniqueFd(::memfd_create("net_bench_splice", MFD_CLOEXEC));
    if (!fd_) ThrowErrno("memfd_create");
    if (::ftruncate(fd_.get(), static_cast<off_t>(size)) != 0)
      ThrowErrno("ftruncate(memfd)");
    void* p =
        ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 0);
    if (p == MAP_FAILED) ThrowErrno("mmap(memfd)");
    base_ = static_cast<std::byte*>(p);
  }
  ~MemfdMapping() {
    // Pages still referenced by skbs stay alive until the kernel drops them.
    if (base_) ::munmap(base_, size_);
  }
  MemfdMapping(const MemfdMapping&) = delete;
  MemfdMapping& operator=(const MemfdMapping&) = delete;

  int fd() const { return fd_.get(); }
  std::byte* base() const { return base_; }
  size_t size() const { return size_; }

  // Detaches every page of the file: in-flight skbs keep theirs, the next
  // access through the mapping gets a new one. Covers the whole file, see
  // the top of the file for why.
  int PunchAll() const {
    return ::fallocate(fd_.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
                       static_cast<off_t>(size_));
  }

  // Allocates (zeroed) pages for [offset, offset + len) in one syscall.
  int Populate(size_t offset, size_t len) const {
    return ::madvise(base_ + offset, len, MADV_POPULATE_WRITE);
  }

 private:
  UniqueFd fd_;
  std::byte* base_ = nullptr;
  size_t size_;
};

// Where each field lives in the memfd: a field of a page or more starts on a
// page boundary (so whole pages travel, and a TCP_ZEROCOPY_RECEIVE peer can
// map them); smaller fields start on their own cache line, so that
// small messages do not pay one page per field. Every field, empty ones
// included, gets a distinct address, as OwnedMessage does.
struct Layout {
  std::array<size_t, kFields> offset{};
  size_t first_byte = 0;  // start of the first non-empty field
  size_t used = 0;        // end of the last field, page-rounded
};

Layout MakeLayout(size_t size, size_t page) {
  Layout l;
  size_t at = 0;
  bool seen_data = false;
  for (int i = 0; i < kFields; ++i) {
    const size_t n = FieldSize(size, i);
    at = RoundUp(at, n >= page ? page : kCacheLine);
    l.offset[static_cast<size_t>(i)] = at;
    if (n > 0 && !seen_data) {
      l.first_byte = at;
      seen_data = true;
    }
    at += std::max<size_t>(n, 1);
  }
  l.first_byte = l.first_byte / page * page;
  l.used = RoundUp(at, page);
  return l;
}

// The pipe that carries the fields' pages from vmsplice() to splice(). It
// holds page references, not bytes; each page piece takes one slot.
class Pipe {
 public:
  // Sized for `want` bytes of page pieces when the kernel allows
  // (F_SETPIPE_SZ is capped by fs.pipe-max-size, 1 MiB by default, for
  // unprivileged users); a smaller pipe only means more rounds per message.
  explicit Pipe(size_t want) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) ThrowErrno("pipe2");
    read_ = UniqueFd(fds[0]);
    write_ = UniqueFd(fds[1]);
    for (size_t size = want; size > kDefaultPipeBytes; size /= 2)
      if (::fcntl(write_.get(), F_SETPIPE_SZ, static_cast<int>(size)) >= 0)
        break;
  }
  int read_fd() const { return read_.get(); }
  int write_fd() const { return write_.get(); }

 private:
  static constexpr size_t kDefaultPipeBytes = 16 * 4096;
  UniqueFd read_;
  UniqueFd write_;
};

class SpliceSender final : public Sender {
 public:
  SpliceSender(int fd, const SenderOptions& o)
      : fd_(fd),
        timeout_(o.timeout),
        layout_(MakeLayout(CheckedSize(o.message_size), PageSize())),
        file_(RoundUp(layout_.used, MaxFolioSize())),
        pipe_bytes_(PipeBytesFor(layout_.used)),
        pipe_(pipe_bytes_) {
    // Every wait is bounded: a blocking splice into the socket stops after
    // SO_SNDTIMEO with EAGAIN (or a short count).
    SetSocketTimeouts(fd_, timeout_);
    std::array<std::byte*, kFields> bases;
    for (size_t i = 0; i < kFields; ++i)
      bases[i] = file_.base() + layout_.offset[i];
    message_ = BorrowedMessage(o.message_size, bases);
  }

  Message& Prepare() override {
    // A Send() that failed half way may have left pages in skbs, and page
    // references in the pipe.
    if (must_punch_) Punch();
    if (pipe_dirty_) {
      pipe_ = Pipe(pipe_bytes_);
      pipe_dirty_ = false;
    }
    if (!populated_) {
      ++stats_.syscalls;
      if (file_.Populate(layout_.first_byte,
                         layout_.used - layout_.first_byte) != 0)
        ThrowErrno("madvise(MADV_POPULATE_WRITE)");
      populated_ = true;
    }
    return message_;
  }

  void Send() override {
    must_punch_ = true;
    populated_ = false;
    pipe_dirty_ = true;
    std::array<iovec, kFields> iov;
    std::copy_n(message_.iov(), kFields, iov.begin());
    iovec* rest = iov.data();
    int count = kFields;
    AdvanceIov(&rest, &count, 0);  // small messages have empty fields
    while (count > 0) {
      // The pipe is empty here: vmsplice takes as many pages as it holds
      // and never blocks.
      ++stats_.syscalls;
      const ssize_t in = RetryEintr([&] {
        return ::vmsplice(pipe_.write_fd(), rest,
                          static_cast<unsigned long>(count), SPLICE_F_NONBLOCK);
      });
      if (in <= 0) ThrowErrno("vmsplice");
      AdvanceIov(&rest, &count, static_cast<size_t>(in));
      SpliceOut(static_cast<size_t>(in), /*more=*/count > 0);
    }
    pipe_dirty_ = false;
    // Punch now rather than in the next Prepare(): the pages leave the file
    // as soon as they are in the socket, so a zero-copy receiver that reads
    // them later may map them (see the top of the file).
    Punch();
    ++stats_.messages;
    stats_.bytes += message_.size();
  }

 private:
  static size_t PipeBytesFor(size_t used) {
    const size_t page = PageSize();
    // One slot per page, plus one per field for pieces that share a page.
    size_t want = RoundUp(used, page) + kFields * page;
    size_t pow2 = page;
    while (pow2 < want && pow2 < kMaxPipeBytes) pow2 *= 2;
    return pow2;
  }

  // Moves `n` bytes from the pipe into the socket. `more`: further bytes of
  // the message follow (SPLICE_F_MORE, like MSG_MORE, lets TCP fill
  // segments across calls).
  //
  // splice() has no MSG_NOSIGNAL: into a connection the peer has closed it
  // raises SIGPIPE (tcp's sk_stream_error), whose default action kills the
  // process. The process must ignore SIGPIPE, as net_bench's main does (and
  // the tests that splice, test/net_test_util.h IgnoreSigpipe); the failure
  // is then EPIPE, thrown as a peer that closed the connection.
  void SpliceOut(size_t n, bool more) {
    while (n > 0) {
      ++stats_.syscalls;
      const ssize_t r = RetryEintr([&] {
        return ::splice(pipe_.read_fd(), nullptr, fd_, nullptr, n,
                        more ? SPLICE_F_MORE : 0u);
      });
      if (r < 0) ThrowIoError("splice", errno, timeout_);
      // 0 would mean an empty pipe, impossible while n > 0.
      if (r == 0) throw SysError("splice: no progress");
      n -= static_cast<size_t>(r);
    }
  }

  void Punch() {
    ++stats_.syscalls;
    if (file_.PunchAll() != 0) ThrowErrno("fallocate(FALLOC_FL_PUNCH_HOLE)");
    must_punch_ = false;
  }

  // fs.pipe-max-size's default: bigger messages take several rounds.
  static constexpr size_t kMaxPipeBytes = size_t{1} << 20;

  int fd_;
  std::chrono::milliseconds timeout_;
  Layout layout_;
  MemfdMapping file_;
  size_t pipe_bytes_;
  Pipe pipe_;
  BorrowedMessage message_;
  bool must_punch_ = false;  // pages of the file may be referenced by skbs
  bool populated_ = false;   // the slot holds fresh pages
  bool pipe_dirty_ = false;  // the pipe may hold pages of a failed Send()
};

}  // namespace

std::unique_ptr<Sender> MakeSpliceSender(int fd, const SenderOptions& o) {
  return std::make_unique<SpliceSender>(fd, o);
}

size_t SpliceSenderBytes(const SenderOptions& o) {
  // The memfd: its pages are what the mapping holds between two punches.
  // The working set does not apply: every message gets fresh pages.
  return RoundUp(MakeLayout(CheckedSize(o.message_size), PageSize()).used,
                 MaxFolioSize());
}

std::string ProbeSplice() {
  try {
    const size_t page = PageSize();
    MemfdMapping file(page);
    if (file.Populate(0, page) != 0)
      return std::string("madvise(MADV_POPULATE_WRITE) (Linux 5.14): ") +
             std::strerror(errno);
    std::memset(file.base(), 0x5a, page);
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
      return std::string("socketpair: ") + std::strerror(errno);
    UniqueFd a(sv[0]), b(sv[1]);
    Pipe pipe(page);
    iovec iov{file.base(), page};
    if (::vmsplice(pipe.write_fd(), &iov, 1, SPLICE_F_NONBLOCK) !=
        static_cast<ssize_t>(page))
      return std::string("vmsplice from a memfd mapping: ") +
             std::strerror(errno);
    if (::splice(pipe.read_fd(), nullptr, a.get(), nullptr, page, 0) !=
        static_cast<ssize_t>(page))
      return std::string("splice into a socket: ") + std::strerror(errno);
    if (file.PunchAll() != 0)
      return std::string("fallocate(FALLOC_FL_PUNCH_HOLE) on a memfd: ") +
             std::strerror(errno);
    return "";
  } catch (const std::exception& e) {
    return e.what();
  }
}

}  // namespace netbench
