// Zero-copy buffers in mappings of their own (lib/kernel_held_memory.h): a
// sender whose peer stopped reading is destroyed at once, its pool unmapped,
// and yet the bytes the kernel still held arrive intact once the peer reads
// again, however the process reuses its memory meanwhile; the process's
// memory comes back after any number of such senders.

#include "lib/kernel_held_memory.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/socket_io.h"
#include "base/sys_error.h"
#include "lib/integrity.h"
#include "lib/message_pool.h"
#include "lib/receiver.h"
#include "lib/sender.h"
#include "netns/topology.h"
#include "test/net_test_util.h"

namespace netbench {
namespace {

// SpliceZeroCopy's splice(2) into a connection the peer closed raises
// SIGPIPE: ignored, as net_bench's main does.
[[maybe_unused]] const bool sigpipe_ignored = testing::IgnoreSigpipe();

using namespace std::chrono_literals;

long RssKb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

// The protection of the mapping that holds `p`, from /proc/self/maps
// ("rw-p", "---p"), or "" when none does.
std::string ProtectionOf(const void* p) {
  const auto a = reinterpret_cast<uintptr_t>(p);
  std::ifstream f("/proc/self/maps");
  std::string line;
  while (std::getline(f, line)) {
    uintptr_t lo = 0, hi = 0;
    char perms[5] = {};
    if (std::sscanf(line.c_str(), "%lx-%lx %4s", &lo, &hi, perms) == 3 &&
        a >= lo && a < hi)
      return perms;
  }
  return "";
}

TEST(KernelHeldMemoryTest, IsZeroedPageRoundedAndUnmappedWhenGone) {
  const void* where = nullptr;
  {
    KernelHeldMemory m(100);
    EXPECT_EQ(m.size(), KernelHeldMemory::RoundToPages(1));
    for (size_t i = 0; i < m.size(); ++i) ASSERT_EQ(m.data()[i], std::byte{0});
    where = m.data();
    EXPECT_EQ(ProtectionOf(where), "rw-p");
    KernelHeldMemory moved(std::move(m));
    EXPECT_EQ(m.data(), nullptr);
    EXPECT_EQ(moved.data(), where);
  }
  EXPECT_EQ(ProtectionOf(where), "");
}

TEST(KernelHeldMemoryTest, AbandonKeepsTheAddressesButNotThePages) {
  const uint64_t before = KernelHeldMemory::abandoned_bytes();
  KernelHeldMemory m(size_t{1} << 20);
  std::memset(m.data(), 0x5a, m.size());
  const void* where = m.data();
  const size_t size = m.size();
  m.Abandon();
  EXPECT_EQ(m.data(), nullptr);
  EXPECT_EQ(ProtectionOf(where), "---p");
  EXPECT_EQ(KernelHeldMemory::abandoned_bytes() - before, size);
  // No page is resident in the reservation.
  std::vector<unsigned char> resident(size / KernelHeldMemory::RoundToPages(1));
  ASSERT_EQ(::mincore(const_cast<void*>(where), size, resident.data()), 0);
  for (unsigned char r : resident) EXPECT_EQ(r & 1, 0);
}

TEST(MessagePoolTest, EveryFieldHasItsOwnAddressAndAlignment) {
  const size_t page = KernelHeldMemory::RoundToPages(1);
  for (size_t size : {size_t{1}, size_t{100}, size_t{4096}, size_t{65536},
                      size_t{65537}, size_t{16} << 20}) {
    SCOPED_TRACE(size);
    MessagePool pool(3, size);
    ASSERT_EQ(pool.size(), 3u);
    EXPECT_LE(pool.memory().size(), MessagePool::BytesFor(3, size));
    std::set<const void*> seen;
    for (size_t m = 0; m < pool.size(); ++m) {
      EXPECT_EQ(pool[m].size(), size);
      size_t total = 0;
      for (int i = 0; i < kFields; ++i) {
        auto f = pool[m].field(i);
        EXPECT_TRUE(seen.insert(f.data()).second);
        const auto a = reinterpret_cast<uintptr_t>(f.data());
        EXPECT_EQ(a % (f.size() >= page ? page : 64), 0u);
        EXPECT_GE(f.data(), pool.memory().data());
        EXPECT_LE(f.data() + f.size(),
                  pool.memory().data() + pool.memory().size());
        std::memset(f.data(), 0xff, f.size());  // writable, in bounds
        total += f.size();
      }
      EXPECT_EQ(total, size);
    }
  }
}

class StalledPeerTest
    : public testing::SharedTopology<::testing::TestWithParam<Mode>> {
 protected:
  void SetUp() override {
    if (std::string why = ModeUnsupportedReason(GetParam()); !why.empty())
      GTEST_SKIP() << ModeName(GetParam()) << " not supported here: " << why;
  }
  static uint16_t NextPort() {
    static uint16_t port = 5700;
    return port++;
  }
};

// The sender sends stamped messages until the receiver, which does not read,
// stops it (timeout); then the sender is destroyed and its pool unmapped
// while the kernel still holds part of it in the socket's send queue. The
// process then writes garbage over fresh memory of the same size (were the
// pool's pages free, this is where they would go). The receiver reads again:
// every byte of every message sent must arrive as stamped.
TEST_P(StalledPeerTest, BytesHeldByTheKernelSurviveTheUnmap) {
  constexpr size_t kSize = 256 << 10;
  auto pair = testing::ConnectAcross(*topology_, NextPort());
  SetSocketTimeouts(pair.client.get(), 300ms);
  SenderOptions so;
  so.message_size = kSize;
  so.timeout = 300ms;
  uint64_t sent = 0;
  {
    auto sender = MakeSender(GetParam(), pair.client.get(), so);
    try {
      for (int i = 0; i < 10000; ++i) {
        Message& m = sender->Prepare();
        StampMessage(m, sent);
        sender->Send();
        ++sent;
      }
    } catch (const SysError&) {
      // The peer stopped reading: what matters is what was sent.
    }
    ASSERT_GT(sent, 0u);
    const auto start = std::chrono::steady_clock::now();
    sender.reset();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 100ms)
        << "the destructor waited for completions";
  }
  std::vector<KernelHeldMemory> scribble;
  for (int i = 0; i < 8; ++i) {
    scribble.emplace_back(size_t{4} << 20);
    std::memset(scribble.back().data(), 0xA5, scribble.back().size());
  }
  // A partly sent last message is cut short on the wire: end the stream
  // and verify the whole messages.
  ::shutdown(pair.client.get(), SHUT_WR);
  ReceiverOptions ro;
  ro.max_chunk = kSize;
  ro.timeout = 5000ms;
  auto receiver = MakeReceiver(RxMode::kCopy, pair.server.get(), ro);
  StreamVerifier verifier(kSize);
  uint64_t received = 0;
  try {
    for (;;) {
      receiver->Receive(kSize, &verifier);
      ++received;
    }
  } catch (const PeerClosed&) {
  } catch (const IntegrityError& e) {
    FAIL() << e.what();
  }
  EXPECT_EQ(received, verifier.messages_verified());
  EXPECT_EQ(received,
            sent);  // a message cut short by the timeout is not counted
  EXPECT_GT(received, 0u);
}

// Rounds of senders whose peer never reads: the process's memory comes back
// each time (the old code kept every such pool for good).
TEST_P(StalledPeerTest, MemoryComesBackAfterEveryRound) {
  if (GetParam() == Mode::kOneCopy)
    GTEST_SKIP() << "OneCopy's message is heap memory: when it leaves the "
                    "process is the allocator's call (net_bench serve fixes "
                    "glibc's mmap threshold; test/serve_hostile_test.py "
                    "checks serve's RSS in every mode)";
  constexpr size_t kSize = size_t{4} << 20;
  long baseline = -1;
  for (int round = 0; round < 6; ++round) {
    {
      auto pair = testing::ConnectAcross(*topology_, NextPort());
      SetSocketTimeouts(pair.client.get(), 100ms);
      SenderOptions so;
      so.message_size = kSize;
      so.timeout = 100ms;
      auto sender = MakeSender(GetParam(), pair.client.get(), so);
      try {
        for (int i = 0; i < 64; ++i) {
          std::memset(sender->Prepare().field(0).data(), 1, kSize / kFields);
          sender->Send();
        }
      } catch (const SysError&) {
      }
      if (round == 0) {
        sender.reset();
        baseline = RssKb();
        continue;
      }
    }
    EXPECT_LT(RssKb(), baseline + 16 * 1024) << "round " << round;
  }
}

INSTANTIATE_TEST_SUITE_P(
    ZeroCopyModes, StalledPeerTest,
    ::testing::Values(Mode::kZeroCopy, Mode::kUringZeroCopy,
                      Mode::kSpliceZeroCopy, Mode::kOneCopy),
    [](const auto& p) { return std::string(ModeName(p.param)); });

}  // namespace
}  // namespace netbench
