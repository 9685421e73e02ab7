// The MSG_ZEROCOPY sender across the real veth topology: every send is
// completed, buffers are reused only after completion, ENOBUFS is survived,
// and a stalled peer ends in a bounded, named error.

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <cstring>
#include <string>

#include "base/socket_io.h"
#include "base/sys_error.h"
#include "base/unique_fd.h"
#include "lib/sender.h"
#include "lib/senders.h"
#include "netns/topology.h"
#include "test/net_test_util.h"

namespace netbench {
namespace {

using std::chrono::milliseconds;

class ZeroCopySenderTest : public testing::SharedTopology<::testing::Test> {
 protected:
  void SetUp() override {
    if (std::string why = ModeUnsupportedReason(Mode::kZeroCopy); !why.empty())
      GTEST_SKIP() << "MSG_ZEROCOPY not supported here: " << why;
  }
};

// Every id the sender used has completed, and the copied share is honest.
void ExpectAllCompleted(const testing::TransferResult& r, int count) {
  const SideRecord& s = r.sender;
  // TransferVerified drained: Drain() throws unless every id completed.
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.verified, static_cast<uint64_t>(count));
  EXPECT_EQ(s.messages, static_cast<uint64_t>(count));
  // A message takes one id per sendmsg call that sent data: at least one.
  EXPECT_GE(s.zc_sends, s.messages);
  // Notifications that completed sends: each one read, each a range of at
  // least one send.
  EXPECT_GT(s.zc_completed, 0u);
  EXPECT_LE(s.zc_completed, s.zc_notifications);
  EXPECT_LE(s.zc_completed, s.zc_sends);
  // Over veth the receiving socket is local: msg_zerocopy.rst ("Loopback")
  // says all packets "looped to a local socket will incur a deferred copy"
  // (skb_orphan_frags_rx), so every notification carries
  // SO_EE_CODE_ZEROCOPY_COPIED.
  EXPECT_EQ(s.zc_copied, s.zc_completed);
  // Each message: at least one sendmsg, plus error-queue reads.
  EXPECT_GT(s.syscalls, s.zc_sends);
}

TEST_F(ZeroCopySenderTest, ProbeSaysSupported) {
  EXPECT_EQ(ProbeZeroCopy(), "");
}

TEST_F(ZeroCopySenderTest, EverySendCompletes) {
  uint16_t port = 5600;
  for (size_t size : {size_t{1}, size_t{1024}, size_t{65536}, size_t{65537}}) {
    SCOPED_TRACE("size " + std::to_string(size));
    // Enough to cycle the pool (66 messages at 64 KiB) several times.
    const int count = size > 4096 ? 400 : 3000;
    auto r = testing::TransferVerified(*topology_, Mode::kZeroCopy, size, count,
                                       RxMode::kCopy, nullptr, port++);
    ExpectAllCompleted(r, count);
    EXPECT_EQ(r.sender.bytes, size * count);
  }
}

// Fills every field with garbage as soon as the pool hands a message out.
// Were a buffer handed out before the kernel completed its send, the bytes
// still to be read from it would change and the receiver's check would fail.
void Scribble(Message& m) {
  for (int i = 0; i < kFields; ++i)
    std::memset(m.field(i).data(), 0xA5, m.field(i).size());
}

// With a receiver that keeps up, the kernel has copied every page it was
// given by the time sendmsg() returns (veth delivers in the sender's own
// softirq), so an early reuse would go unnoticed. Held back (HoldBack), the
// working set's messages wait untransmitted in the socket when it comes
// round, their pages still read by the kernel: a message handed out before
// its completion would be scribbled over there.
TEST_F(ZeroCopySenderTest, RewritingRecycledBuffersCorruptsNothing) {
  const testing::HoldBack hold;
  constexpr int kCount = 16;  // the working set of 4, four times round
  uint16_t port = 5620;
  for (size_t size : {size_t{16384}, size_t{65536}, size_t{1} << 20}) {
    SCOPED_TRACE("size " + std::to_string(size));
    auto r =
        testing::TransferVerified(*topology_, Mode::kZeroCopy, size, kCount,
                                  RxMode::kCopy, Scribble, port++, &hold);
    ExpectAllCompleted(r, kCount);
    // The hazard was there: the first message had not all left when the
    // working set came round to it.
    EXPECT_GT(r.unsent_at_reuse, (r.working_set_messages - 1) * size);
  }
}

TEST_F(ZeroCopySenderTest, NotSupportedOnAUnixSocket) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  UniqueFd a(sv[0]);
  UniqueFd b(sv[1]);
  try {
    MakeSender(Mode::kZeroCopy, a.get(), SenderOptions{});
    GTEST_SKIP() << "this kernel takes SO_ZEROCOPY on AF_UNIX";
  } catch (const NotSupported& e) {
    EXPECT_NE(std::string(e.what()).find("SO_ZEROCOPY"), std::string::npos)
        << e.what();
  }
}

// net.core.optmem_max of 1024 bytes holds the notification skb of one
// zero-copy send (its truesize is between 512 and 1024 bytes on 6.x
// kernels), so the next send that needs a new one fails with ENOBUFS
// until the completion is read: the sender must drain and retry, and the
// data must arrive intact.
TEST(ZeroCopySenderOptmemTest, EnobufsIsDrainedAndRetried) {
  if (std::string why = ModeUnsupportedReason(Mode::kZeroCopy); !why.empty())
    GTEST_SKIP() << "MSG_ZEROCOPY not supported here: " << why;
  netns::TopologyOptions options;
  options.optmem_max = 1024;
  netns::Topology topology(options);
  if (!topology.optmem_per_namespace())
    GTEST_SKIP() << "optmem_max is global before Linux 6.8; not changed";
  ASSERT_EQ(topology.optmem_max(), 1024);
  struct Case {
    size_t size;
    int count;
  };
  const Case cases[] = {{1024, 2000}, {65536, 200}, {size_t{4} << 20, 4}};
  uint16_t port = 5640;
  for (const Case& c : cases) {
    SCOPED_TRACE("size " + std::to_string(c.size));
    auto r =
        testing::TransferVerified(topology, Mode::kZeroCopy, c.size, c.count,
                                  RxMode::kCopy, Scribble, port++);
    ExpectAllCompleted(r, c.count);
    // Completions are read every 8 sends, so the second send (or the third
    // if the kernel extended the first's notification) finds optmem full.
    EXPECT_GT(r.sender.zc_enobufs, 0u);
  }
}

// Sends until something throws, with a receiver that never reads.
std::string SendUntilError(Sender& s, int max_messages) {
  try {
    for (int i = 0; i < max_messages; ++i) {
      s.Prepare();
      s.Send();
    }
  } catch (const SysError& e) {
    return e.what();
  }
  return "";
}

constexpr milliseconds kShort{300};

TEST_F(ZeroCopySenderTest, StalledReceiverEndsInACompletionTimeout) {
  auto pair = testing::ConnectAcross(*topology_, 5660);
  SetSocketTimeouts(pair.client.get(), kShort);
  SenderOptions so;
  so.message_size = 65536;
  so.timeout = kShort;
  auto s = MakeSender(Mode::kZeroCopy, pair.client.get(), so);
  // The pool was sized for the default send buffer. Make the buffer much
  // larger, so that the pool, not the buffer, runs out first: Prepare()
  // then waits for completions that cannot come (the unsent data is never
  // acknowledged) rather than sendmsg() blocking.
  const int big = 64 << 20;
  ASSERT_EQ(::setsockopt(pair.client.get(), SOL_SOCKET, SO_SNDBUFFORCE, &big,
                         sizeof(big)),
            0);
  const std::string error = SendUntilError(*s, 100000);
  EXPECT_NE(error.find("zero-copy completion did not arrive within 300 ms"),
            std::string::npos)
      << error;
  EXPECT_GT(s->stats().zc_sends, s->stats().zc_completed);
  EXPECT_THROW(s->Drain(milliseconds{50}), SysError);
  // Destroying the sender does not wait: its pool is unmapped while the
  // kernel still holds part of it (test/kernel_held_memory_test.cc shows
  // that those bytes still arrive intact).
  const auto start = std::chrono::steady_clock::now();
  s.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, kShort);
}

TEST_F(ZeroCopySenderTest, StalledReceiverEndsInABoundedError) {
  auto pair = testing::ConnectAcross(*topology_, 5661);
  SetSocketTimeouts(pair.client.get(), kShort);
  SenderOptions so;
  so.message_size = 65536;
  so.timeout = kShort;
  auto s = MakeSender(Mode::kZeroCopy, pair.client.get(), so);
  // Default buffers: whichever runs out first, the send buffer (sendmsg
  // times out, SO_SNDTIMEO) or the pool (no completion), the error names
  // the bound.
  const std::string error = SendUntilError(*s, 100000);
  EXPECT_NE(error.find("300 ms"), std::string::npos) << error;
  s.reset();
}

}  // namespace
}  // namespace netbench
