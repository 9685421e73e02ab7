// --rx=zerocopy (TCP_ZEROCOPY_RECEIVE) across the real veth topology: every
// byte arrives intact whatever the kernel managed to map, nothing past the
// requested bytes is consumed, end of stream and silence are reported, and
// under the right conditions most bytes are really mapped.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "base/socket_io.h"
#include "base/sys_error.h"
#include "lib/integrity.h"
#include "lib/receiver.h"
#include "lib/receivers.h"
#include "lib/sender.h"
#include "netns/topology.h"
#include "test/net_test_util.h"

namespace netbench {
namespace {

// SpliceZeroCopy's splice(2) into a connection the peer closed raises
// SIGPIPE: ignored, as net_bench's main does.
[[maybe_unused]] const bool sigpipe_ignored = testing::IgnoreSigpipe();

using std::chrono::milliseconds;

// IPv4 over the veth: 15 pages of TCP payload per segment, plus 20 bytes of
// IP header and 32 of TCP header with the timestamp option. (tcp_mmap's
// 61512 is the IPv6 figure.)
constexpr int kPageAlignedMtu = 15 * 4096 + 20 + 32;

// Whether the kernel offers TCP_ZEROCOPY_RECEIVE, asked on a real
// connection; empty when it does.
std::string ZeroCopyUnsupported(const netns::Topology& t, uint16_t port) {
  testing::TcpPair pair = testing::ConnectAcross(t, port);
  try {
    MakeReceiver(RxMode::kZeroCopy, pair.server.get(), {});
  } catch (const NotSupported& e) {
    return e.what();
  }
  return "";
}

class ZeroCopyReceiverTest : public testing::SharedTopology<::testing::Test> {
 protected:
  void SetUp() override {
    if (std::string why = ZeroCopyUnsupported(*topology_, 5700); !why.empty())
      GTEST_SKIP() << why;
  }
};

double MappedShare(const SideRecord& s) {
  return s.bytes ? static_cast<double>(s.mapped_bytes) /
                       static_cast<double>(s.bytes)
                 : 0.0;
}

TEST_F(ZeroCopyReceiverTest, EverySizeArrivesIntactFromCopySenders) {
  const size_t sizes[] = {
      1, 7, 4095, 4096, 65536, 65537, size_t{1} << 20, size_t{4} << 20};
  uint16_t port = 5710;
  for (Mode mode : {Mode::kOneCopy, Mode::kTwoCopy}) {
    for (size_t size : sizes) {
      const int count = size >= (size_t{1} << 20) ? 8 : 64;
      auto r = testing::TransferVerified(*topology_, mode, size, count,
                                         RxMode::kZeroCopy, nullptr, port++);
      EXPECT_EQ(r.error, "") << ModeName(mode) << " size " << size;
      EXPECT_EQ(r.verified, static_cast<uint64_t>(count))
          << ModeName(mode) << " size " << size;
      EXPECT_EQ(r.receiver.bytes, size * static_cast<size_t>(count));
      EXPECT_EQ(r.receiver.mapped_bytes + r.receiver.copied_bytes,
                r.receiver.bytes);
    }
  }
}

TEST_F(ZeroCopyReceiverTest, EverySizeArrivesIntactFromSplice) {
  if (std::string why = ModeUnsupportedReason(Mode::kSpliceZeroCopy);
      !why.empty())
    GTEST_SKIP() << "SpliceZeroCopy not supported here: " << why;
  uint16_t port = 5740;
  for (size_t size : {size_t{1000}, size_t{65536}, size_t{1} << 20}) {
    const int count = size >= (size_t{1} << 20) ? 16 : 128;
    auto r =
        testing::TransferVerified(*topology_, Mode::kSpliceZeroCopy, size,
                                  count, RxMode::kZeroCopy, nullptr, port++);
    EXPECT_EQ(r.error, "") << "size " << size;
    EXPECT_EQ(r.verified, static_cast<uint64_t>(count)) << "size " << size;
    EXPECT_EQ(r.receiver.mapped_bytes + r.receiver.copied_bytes,
              r.receiver.bytes);
  }
}

TEST_F(ZeroCopyReceiverTest, TakesExactlyTheBytesAskedFor) {
  testing::TcpPair pair = testing::ConnectAcross(*topology_, 5750);
  constexpr size_t kChunk = 65536 + 100;
  constexpr size_t kTail = 1000;
  std::vector<unsigned char> data(3 * kChunk + kTail);
  for (size_t i = 0; i < data.size(); ++i)
    data[i] = static_cast<unsigned char>(i * 7 + i / 251);
  uint64_t syscalls = 0;
  SendAll(pair.client.get(), data.data(), data.size(), 0, milliseconds(5000),
          &syscalls);

  struct Collect : ByteSink {
    void Consume(std::span<const std::byte> b) override {
      bytes.insert(bytes.end(),
                   reinterpret_cast<const unsigned char*>(b.data()),
                   reinterpret_cast<const unsigned char*>(b.data()) + b.size());
    }
    std::vector<unsigned char> bytes;
  } sink;
  ReceiverOptions o;
  o.max_chunk = kChunk;
  o.timeout = milliseconds(5000);
  auto r = MakeReceiver(RxMode::kZeroCopy, pair.server.get(), o);
  for (int i = 0; i < 3; ++i) {
    r->Receive(kChunk, &sink);
    EXPECT_EQ(r->stats().bytes, (i + 1) * kChunk);
  }
  // The rest is still on the socket, for an ordinary recv().
  std::vector<unsigned char> tail(kTail);
  RecvAll(pair.server.get(), tail.data(), kTail, milliseconds(5000), &syscalls);
  sink.bytes.insert(sink.bytes.end(), tail.begin(), tail.end());
  EXPECT_EQ(sink.bytes, data);
}

TEST_F(ZeroCopyReceiverTest, PeerClosingMidMessageIsReported) {
  testing::TcpPair pair = testing::ConnectAcross(*topology_, 5751);
  std::vector<char> data(3 * 4096 + 10, 'x');
  uint64_t syscalls = 0;
  SendAll(pair.client.get(), data.data(), data.size(), 0, milliseconds(5000),
          &syscalls);
  pair.client.Reset();
  ReceiverOptions o;
  o.timeout = milliseconds(5000);
  auto r = MakeReceiver(RxMode::kZeroCopy, pair.server.get(), o);
  try {
    r->Receive(size_t{1} << 20, nullptr);
    ADD_FAILURE() << "Receive returned after end of stream";
  } catch (const SysError& e) {
    EXPECT_NE(std::string(e.what()).find("peer closed the connection"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(r->stats().bytes, data.size());
}

TEST_F(ZeroCopyReceiverTest, SilentPeerTimesOut) {
  testing::TcpPair pair = testing::ConnectAcross(*topology_, 5752);
  ReceiverOptions o;
  o.timeout = milliseconds(200);
  auto r = MakeReceiver(RxMode::kZeroCopy, pair.server.get(), o);
  for (size_t n : {size_t{100}, size_t{65536}}) {
    try {
      r->Receive(n, nullptr);
      ADD_FAILURE() << "Receive returned without data";
    } catch (const SysError& e) {
      EXPECT_NE(std::string(e.what()).find("timed out after 200 ms"),
                std::string::npos)
          << e.what();
    }
  }
}

// Runs `count` messages through a connection in lock step on one thread:
// each message is sent completely (and, for SpliceZeroCopy, punched out of
// the sender's memfd) before the receiver asks for it, so what the receiver
// sees does not depend on scheduling. The receive buffer is raised so that a
// whole message fits unread.
SideRecord LockStep(const netns::Topology& t, Mode mode, size_t size, int count,
                    uint16_t port, uint64_t* verified) {
  UniqueFd listener = t.Socket(netns::Side::kServer, AF_INET, SOCK_STREAM);
  const int one = 1;
  ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  const int rcvbuf = 4 << 20;  // capped by net.core.rmem_max; enough anyway
  ::setsockopt(listener.get(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  sockaddr_in addr = t.Address(netns::Side::kServer, port);
  if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr),
             sizeof(addr)) != 0)
    ThrowErrno("bind");
  if (::listen(listener.get(), 1) != 0) ThrowErrno("listen");
  UniqueFd client = t.Socket(netns::Side::kClient, AF_INET, SOCK_STREAM);
  if (::connect(client.get(), reinterpret_cast<sockaddr*>(&addr),
                sizeof(addr)) != 0)
    ThrowErrno("connect");
  UniqueFd server(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!server) ThrowErrno("accept");

  SenderOptions so;
  so.message_size = size;
  so.timeout = milliseconds(5000);
  auto sender = MakeSender(mode, client.get(), so);
  ReceiverOptions ro;
  ro.max_chunk = size;
  ro.timeout = milliseconds(5000);
  auto receiver = MakeReceiver(RxMode::kZeroCopy, server.get(), ro);
  StreamVerifier verifier(size);
  for (int i = 0; i < count; ++i) {
    StampMessage(sender->Prepare(), static_cast<uint64_t>(i));
    sender->Send();
    receiver->Receive(size, &verifier);
  }
  *verified = verifier.messages_verified();
  return receiver->stats();
}

// The conditions under which the kernel maps received data on a veth:
//  - the payload must sit in whole, page-aligned pages of no file and no
//    compound page. SpliceZeroCopy sends its fields' pages themselves
//    (page-aligned fields of whole pages), and by the time the receiver reads
//    them they have been punched out of the memfd, so they belong to no file
//    any more;
//  - segments must not cut pages: MTU 15*4096 + 52 makes every segment 15
//    whole pages;
//  - the receiver asks for whole messages (128 KiB here) at once.
TEST_F(ZeroCopyReceiverTest, MapsMostBytesUnderPageAlignedConditions) {
  if (std::string why = ModeUnsupportedReason(Mode::kSpliceZeroCopy);
      !why.empty())
    GTEST_SKIP() << "SpliceZeroCopy not supported here: " << why;
  netns::TopologyOptions to;
  to.mtu = kPageAlignedMtu;
  netns::Topology t(to);
  constexpr size_t kSize = size_t{128} << 10;
  constexpr int kCount = 16;
  uint64_t verified = 0;
  const SideRecord s =
      LockStep(t, Mode::kSpliceZeroCopy, kSize, kCount, 5760, &verified);
  EXPECT_EQ(verified, static_cast<uint64_t>(kCount));
  EXPECT_EQ(s.mapped_bytes + s.copied_bytes, kSize * kCount);
  const double share = MappedShare(s);
  RecordProperty("mapped_share_percent", std::to_string(100 * share));
  std::printf(
      "SpliceZeroCopy -> rx=zerocopy, MTU %d, %zu-byte messages: "
      "%.1f%% mapped (%llu mapped, %llu copied)\n",
      kPageAlignedMtu, kSize, 100 * share,
      static_cast<unsigned long long>(s.mapped_bytes),
      static_cast<unsigned long long>(s.copied_bytes));
  EXPECT_GT(share, 0.5);
}

// What the copy senders get, for the record: tcp_sendmsg() copies the
// payload into the socket's page_frag, which is a compound (order-3) page
// whenever the allocator can give one, and can_map_frag() refuses compound
// pages; MTU and TCP_MAXSEG do not change that. So nothing is expected to be
// mapped, and the data must still arrive intact.
TEST_F(ZeroCopyReceiverTest, CopySenderDataIsCopiedNotMapped) {
  netns::TopologyOptions to;
  to.mtu = kPageAlignedMtu;
  netns::Topology t(to);
  constexpr size_t kSize = size_t{128} << 10;
  constexpr int kCount = 16;
  uint64_t verified = 0;
  const SideRecord s =
      LockStep(t, Mode::kOneCopy, kSize, kCount, 5761, &verified);
  EXPECT_EQ(verified, static_cast<uint64_t>(kCount));
  EXPECT_EQ(s.mapped_bytes + s.copied_bytes, kSize * kCount);
  RecordProperty("mapped_share_percent", std::to_string(100 * MappedShare(s)));
  std::printf(
      "OneCopy -> rx=zerocopy, MTU %d: %.1f%% mapped (copy senders "
      "fill compound page_frag pages, which are never mapped)\n",
      kPageAlignedMtu, 100 * MappedShare(s));
}

}  // namespace
}  // namespace netbench
