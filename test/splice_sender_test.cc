// SpliceZeroCopy across the real veth topology: the buffer-reuse rule holds
// even when every recycled buffer is scribbled over before it is stamped, the
// hazard that rule guards against is real on this kernel, and every wait is
// bounded.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/falloc.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>

#include "base/socket_io.h"
#include "base/sys_error.h"
#include "lib/integrity.h"
#include "lib/sender.h"
#include "lib/senders.h"
#include "netns/topology.h"
#include "test/net_test_util.h"

namespace netbench {
namespace {

// SpliceZeroCopy splices into connections whose peer goes away (an error
// path shuts them down): SIGPIPE is ignored, as net_bench's main does.
[[maybe_unused]] const bool sigpipe_ignored = testing::IgnoreSigpipe();

using std::chrono::milliseconds;

class SpliceSenderTest : public testing::SharedTopology<::testing::Test> {
 protected:
  void SetUp() override {
    if (std::string why = ProbeSplice(); !why.empty())
      GTEST_SKIP() << "SpliceZeroCopy not supported here: " << why;
  }
};

// Writes garbage over the whole message, as a careless application reusing
// the buffer would; the stamp then overwrites it. If the buffer's pages were
// still referenced by skbs, the receiver would see either.
void Scribble(Message& m) {
  for (int i = 0; i < kFields; ++i) {
    auto f = m.field(i);
    std::memset(f.data(), 0xa5, f.size());
  }
}

TEST_F(SpliceSenderTest, ProbeSaysSupported) { EXPECT_EQ(ProbeSplice(), ""); }

TEST_F(SpliceSenderTest, RecycledBuffersScribbledOverNeverCorruptData) {
  struct Case {
    size_t size;
    int count;
  };
  // Many more messages than fit in the socket buffers at once, so every
  // buffer is reused while earlier data is still in flight or unread.
  const Case cases[] = {{1024, 2000}, {65536, 400}, {size_t{1} << 20, 40}};
  uint16_t port = 5600;
  for (const Case& c : cases) {
    auto r =
        testing::TransferVerified(*topology_, Mode::kSpliceZeroCopy, c.size,
                                  c.count, RxMode::kCopy, &Scribble, port++);
    EXPECT_EQ(r.error, "") << "size " << c.size;
    EXPECT_EQ(r.verified, static_cast<uint64_t>(c.count)) << "size " << c.size;
    EXPECT_EQ(r.sender.messages, static_cast<uint64_t>(c.count));
    EXPECT_EQ(r.sender.bytes, c.size * static_cast<size_t>(c.count));
  }
}

TEST_F(SpliceSenderTest, SmallAndOddSizesArriveIntact) {
  uint16_t port = 5620;
  for (size_t size : {size_t{1}, size_t{7}, size_t{8}, size_t{4095},
                      size_t{4097}, size_t{(1 << 20) + 3}}) {
    auto r = testing::TransferVerified(*topology_, Mode::kSpliceZeroCopy, size,
                                       16, RxMode::kCopy, &Scribble, port++);
    EXPECT_EQ(r.error, "") << "size " << size;
    EXPECT_EQ(r.verified, 16u) << "size " << size;
  }
}

TEST_F(SpliceSenderTest, CountsMessagesBytesAndSyscalls) {
  constexpr size_t kSize = 65536;
  constexpr int kCount = 10;
  auto r = testing::TransferVerified(*topology_, Mode::kSpliceZeroCopy, kSize,
                                     kCount, RxMode::kCopy, nullptr, 5640);
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.sender.messages, static_cast<uint64_t>(kCount));
  EXPECT_EQ(r.sender.bytes, kSize * kCount);
  // Per message at least one vmsplice, one splice, one hole punch and one
  // populate; no zero-copy notifications exist for splice.
  EXPECT_GE(r.sender.syscalls, static_cast<uint64_t>(kCount * 4));
  EXPECT_EQ(r.sender.zc_sends, 0u);
  EXPECT_EQ(r.sender.zc_notifications, 0u);
}

// The hazard the reuse rule exists for, shown with raw syscalls: after
// vmsplice() and splice() from a memfd mapping into the socket have
// returned, the page still belongs to the skb sitting unread in the peer's
// receive queue, so writing the memfd changes bytes already "sent". Punching
// a hole first detaches the page: the write lands in a fresh page and the
// peer reads the original bytes.
TEST_F(SpliceSenderTest, RewritingASentPageChangesDataUnlessPunchedFirst) {
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const auto send_then_rewrite = [&](bool punch, uint16_t port) {
    testing::TcpPair pair = testing::ConnectAcross(*topology_, port);
    SetSocketTimeouts(pair.client.get(), milliseconds(5000));
    SetSocketTimeouts(pair.server.get(), milliseconds(5000));
    UniqueFd memfd(::memfd_create("splice_test", MFD_CLOEXEC));
    if (!memfd || ::ftruncate(memfd.get(), static_cast<off_t>(page)) != 0)
      ThrowErrno("memfd");
    void* p = ::mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_SHARED,
                     memfd.get(), 0);
    if (p == MAP_FAILED) ThrowErrno("mmap");
    auto* bytes = static_cast<unsigned char*>(p);
    std::memset(bytes, 'A', page);
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) ThrowErrno("pipe2");
    UniqueFd pipe_read(fds[0]), pipe_write(fds[1]);
    iovec iov{bytes, page};
    if (::vmsplice(pipe_write.get(), &iov, 1, 0) != static_cast<ssize_t>(page))
      ThrowErrno("vmsplice");
    if (::splice(pipe_read.get(), nullptr, pair.client.get(), nullptr, page,
                 0) != static_cast<ssize_t>(page))
      ThrowErrno("splice");
    if (punch &&
        ::fallocate(memfd.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
                    static_cast<off_t>(page)) != 0)
      ThrowErrno("fallocate");
    std::memset(bytes, 'B', page);
    std::string got(page, '\0');
    uint64_t syscalls = 0;
    RecvAll(pair.server.get(), got.data(), page, milliseconds(5000), &syscalls);
    ::munmap(p, page);
    return got;
  };
  const std::string unpunched = send_then_rewrite(false, 5650);
  const std::string punched = send_then_rewrite(true, 5651);
  EXPECT_EQ(punched, std::string(page, 'A'));
  if (unpunched == std::string(page, 'A'))
    GTEST_SKIP() << "this kernel copied the page on splice: the hazard "
                    "the punch guards against does not arise here";
  EXPECT_EQ(unpunched, std::string(page, 'B'))
      << "the peer read bytes written after splice returned";
}

// A peer that never reads: the sender fills both socket buffers, then its
// blocking splice gives up after SenderOptions::timeout.
TEST_F(SpliceSenderTest, StalledPeerTimesOut) {
  testing::TcpPair pair = testing::ConnectAcross(*topology_, 5660);
  SenderOptions o;
  o.message_size = size_t{4} << 20;
  o.timeout = milliseconds(200);
  auto sender = MakeSender(Mode::kSpliceZeroCopy, pair.client.get(), o);
  std::string error;
  try {
    // The buffers hold at most tens of MiB: this many messages never fit.
    for (int i = 0; i < 64; ++i) {
      sender->Prepare();
      sender->Send();
    }
  } catch (const SysError& e) {
    error = e.what();
  }
  EXPECT_NE(error.find("timed out after 200 ms"), std::string::npos) << error;
}

TEST_F(SpliceSenderTest, RejectsSizesOutOfRange) {
  testing::TcpPair pair = testing::ConnectAcross(*topology_, 5670);
  SenderOptions o;
  o.message_size = 0;
  EXPECT_THROW(MakeSender(Mode::kSpliceZeroCopy, pair.client.get(), o),
               std::invalid_argument);
  o.message_size = kMaxMessageSize + 1;
  EXPECT_THROW(MakeSender(Mode::kSpliceZeroCopy, pair.client.get(), o),
               std::invalid_argument);
}

}  // namespace
}  // namespace netbench
