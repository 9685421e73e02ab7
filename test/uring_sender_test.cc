// The io_uring senders (UringOneCopy, UringZeroCopy) across the real veth
// topology: notification accounting, buffer recycling under --verify,
// bounded failures, and the not-supported path.

#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/socket_io.h"
#include "base/sys_error.h"
#include "lib/sender.h"
#include "lib/senders.h"
#include "netns/topology.h"
#include "test/net_test_util.h"

namespace netbench {
namespace {

using namespace std::chrono_literals;

// IORING_SEND_ZC_REPORT_USAGE exists since Linux 6.2; the sender falls back
// without it on older kernels, and then zc_copied stays 0.
bool KernelReportsZcUsage() {
  utsname u{};
  if (::uname(&u) != 0) return false;
  int major = 0;
  int minor = 0;
  if (std::sscanf(u.release, "%d.%d", &major, &minor) != 2) return false;
  return major > 6 || (major == 6 && minor >= 2);
}

Mode ModeOf(bool zerocopy) {
  return zerocopy ? Mode::kUringZeroCopy : Mode::kUringOneCopy;
}

class UringSenderTest
    : public testing::SharedTopology<::testing::TestWithParam<bool>> {
 protected:
  void SetUp() override {
    if (std::string why = ProbeUring(GetParam()); !why.empty())
      GTEST_SKIP() << ModeName(ModeOf(GetParam()))
                   << " not supported here: " << why;
  }
  // A distinct port per test (and per parameter), so that no test meets a
  // connection of another in TIME_WAIT.
  static uint16_t NextPort() { return next_port_++; }

  static uint16_t next_port_;
};
uint16_t UringSenderTest::next_port_ = 5600;

TEST_P(UringSenderTest, PrepareReturnsTheSameMessageUntilSend) {
  auto pair = testing::ConnectAcross(*topology_, NextPort());
  SenderOptions o;
  o.message_size = 4096;
  auto s = MakeUringSender(pair.client.get(), o, GetParam());
  Message& a = s->Prepare();
  Message& b = s->Prepare();
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(a.size(), 4096u);
  s->Drain(5s);  // nothing sent: returns at once
}

TEST_P(UringSenderTest, StatsCountEveryMessageAndEveryNotification) {
  const bool zerocopy = GetParam();
  for (size_t size : {size_t{1024}, size_t{65536}}) {
    constexpr int kCount = 200;
    auto r =
        testing::TransferVerified(*topology_, ModeOf(zerocopy), size, kCount,
                                  RxMode::kCopy, nullptr, NextPort());
    ASSERT_EQ(r.error, "") << "size " << size;
    EXPECT_EQ(r.verified, uint64_t{kCount});
    EXPECT_EQ(r.sender.messages, uint64_t{kCount});
    EXPECT_EQ(r.sender.bytes, size * kCount);
    // At least one io_uring_enter per message (submit and wait for it).
    EXPECT_GE(r.sender.syscalls, uint64_t{kCount});
    if (!zerocopy) {
      EXPECT_EQ(r.sender.zc_sends, 0u);
      EXPECT_EQ(r.sender.zc_notifications, 0u);
      EXPECT_EQ(r.sender.zc_completed, 0u);
      EXPECT_EQ(r.sender.zc_copied, 0u);
      continue;
    }
    // Every SQE was released by the end (TransferVerified drains), each by
    // its notification: a send that succeeded always has one.
    EXPECT_GE(r.sender.zc_sends, uint64_t{kCount});
    EXPECT_EQ(r.sender.zc_completed, r.sender.zc_sends);
    EXPECT_EQ(r.sender.zc_notifications, r.sender.zc_sends);
    if (KernelReportsZcUsage()) {
      // Over veth the receiver is a local socket: the kernel copies the
      // pages before delivering them (skb_orphan_frags_rx, as for
      // MSG_ZEROCOPY; Documentation/networking/msg_zerocopy.rst), so every
      // notification carries IORING_NOTIF_USAGE_ZC_COPIED.
      EXPECT_EQ(r.sender.zc_copied, r.sender.zc_completed) << "size " << size;
    } else {
      EXPECT_EQ(r.sender.zc_copied, 0u);
    }
  }
}

// Writes over every byte of a recycled buffer before it is stamped: if the
// kernel still held it, bytes of this message would replace those of an
// earlier one still queued in the socket, and the receiver would see them.
void Scribble(Message& m) {
  for (int i = 0; i < kFields; ++i) {
    auto f = m.field(i);
    std::memset(f.data(), 0xA5, f.size());
  }
}

// Held back (test/net_test_util.h HoldBack), so that the working set's
// messages still wait untransmitted, their pages read by the kernel, when it
// comes round: over veth a receiver that keeps up has the kernel copy every
// page before the send completes, and an early reuse would go unnoticed.
TEST_P(UringSenderTest, RecycledBuffersAreNeverSentEarly) {
  const testing::HoldBack hold;
  constexpr int kCount = 16;  // the working set of 4, four times round
  for (size_t size : {size_t{16384}, size_t{65536}, size_t{1} << 20}) {
    SCOPED_TRACE("size " + std::to_string(size));
    auto r =
        testing::TransferVerified(*topology_, ModeOf(GetParam()), size, kCount,
                                  RxMode::kCopy, Scribble, NextPort(), &hold);
    EXPECT_EQ(r.error, "");
    EXPECT_EQ(r.verified, static_cast<uint64_t>(kCount));
    EXPECT_EQ(r.sender.zc_completed, r.sender.zc_sends);
    EXPECT_GT(r.unsent_at_reuse, (r.working_set_messages - 1) * size);
  }
}

// Sends 64 KiB messages until the sender gives up; returns its error.
std::string SendUntilError(Sender& s, int max_messages) {
  for (int i = 0; i < max_messages; ++i) {
    try {
      s.Prepare();
      s.Send();
    } catch (const SysError& e) {
      return e.what();
    }
  }
  return "";
}

TEST_P(UringSenderTest, ReceiverThatStopsReadingIsABoundedError) {
  auto pair = testing::ConnectAcross(*topology_, NextPort());
  SetSocketTimeouts(pair.server.get(), 5000ms);
  SenderOptions o;
  o.message_size = 65536;
  o.timeout = 300ms;
  auto s = MakeUringSender(pair.client.get(), o, GetParam());
  // 64 MiB is far beyond what the socket buffers of both sides can hold.
  const std::string error = SendUntilError(*s, 1024);
  EXPECT_NE(error.find("timed out after 300 ms"), std::string::npos) << error;

  // Once the receiver reads again, the kernel releases every buffer it held
  // (the cancelled send's included) and Drain() completes.
  std::atomic<bool> reader_failed{false};
  std::thread reader([&] {
    std::vector<char> buf(1 << 16);
    for (;;) {
      const ssize_t r = ::recv(pair.server.get(), buf.data(), buf.size(), 0);
      if (r == 0) return;
      if (r < 0 && errno != EINTR) {
        reader_failed = true;
        return;
      }
    }
  });
  EXPECT_NO_THROW(s->Drain(5s));
  const SideRecord st = s->stats();
  EXPECT_EQ(st.zc_completed, st.zc_sends);
  s.reset();
  ::shutdown(pair.client.get(), SHUT_WR);  // the reader sees end of stream
  reader.join();
  EXPECT_FALSE(reader_failed);
}

TEST_P(UringSenderTest, PeerThatClosesIsAnError) {
  auto pair = testing::ConnectAcross(*topology_, NextPort());
  SenderOptions o;
  o.message_size = 65536;
  o.timeout = 5000ms;
  auto s = MakeUringSender(pair.client.get(), o, GetParam());
  s->Prepare();
  s->Send();
  // Closing with unread data makes the peer answer with a reset (RFC 2525,
  // tcp(7)), which also frees what the sender's socket still queued.
  pair.server.Reset();
  const std::string error = SendUntilError(*s, 1024);
  EXPECT_NE(error.find("peer closed the connection"), std::string::npos)
      << error;
  EXPECT_NO_THROW(s->Drain(5s));
  EXPECT_EQ(s->stats().zc_completed, s->stats().zc_sends);
}

TEST_P(UringSenderTest, ProbeAgreesWithTheFactory) {
  // SetUp() skipped unless ProbeUring() said "" (supported): then a sender
  // must come up on a real connection.
  auto pair = testing::ConnectAcross(*topology_, NextPort());
  SenderOptions o;
  EXPECT_NO_THROW(MakeUringSender(pair.client.get(), o, GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Modes, UringSenderTest, ::testing::Bool(),
                         [](const auto& p) {
                           return std::string(ModeName(ModeOf(p.param)));
                         });

// An ordinary user's zero-copy sends are charged against RLIMIT_MEMLOCK
// until their notifications (io_notif_account_mem: a 64 KiB send, 18
// pages). With room for one send and not two, and a receiver that holds the
// data back (so that the first send's notification is late), the second
// send meets -ENOMEM: the sender must wait for the notification, not fail.
TEST(UringMemlockTest, ASendOverTheMemlockLimitWaitsForNotifications) {
  if (std::string why = ProbeUring(true); !why.empty())
    GTEST_SKIP() << "UringZeroCopy not supported here: " << why;
  const auto outcome = testing::RunRootless([]() -> std::string {
    const rlimit room{24 * 4096, 24 * 4096};  // 24 pages
    if (::setrlimit(RLIMIT_MEMLOCK, &room) != 0) return "setrlimit failed";
    netns::Topology topology;
    constexpr int kCount = 16;
    const testing::HoldBack hold;
    const auto r =
        testing::TransferVerified(topology, Mode::kUringZeroCopy, 65536, kCount,
                                  RxMode::kCopy, nullptr, 5700, &hold);
    if (!r.error.empty()) return r.error;
    if (r.verified != kCount)
      return "verified " + std::to_string(r.verified) + " messages";
    return "";
  });
  if (outcome.no_user_namespaces)
    GTEST_SKIP() << "the kernel forbids user namespaces here: "
                 << outcome.message;
  EXPECT_TRUE(outcome.ok) << outcome.message;
}

#if defined(__x86_64__)
constexpr uint32_t kAuditArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr uint32_t kAuditArch = AUDIT_ARCH_AARCH64;
#else
constexpr uint32_t kAuditArch = 0;
#endif

// Makes io_uring_setup(2) fail with `err` for the calling thread only (a
// seccomp filter is per thread unless installed with TSYNC, and it goes away
// with the thread), which is how containers commonly deny io_uring.
bool DenyIoUringSetupInThisThread(int err) {
  const sock_filter filter[] = {
      {BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(seccomp_data, arch)},
      {BPF_JMP | BPF_JEQ | BPF_K, 1, 0, kAuditArch},
      {BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW},
      {BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(seccomp_data, nr)},
      {BPF_JMP | BPF_JEQ | BPF_K, 0, 1, __NR_io_uring_setup},
      {BPF_RET | BPF_K, 0, 0,
       SECCOMP_RET_ERRNO | (static_cast<uint32_t>(err) & SECCOMP_RET_DATA)},
      {BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW},
  };
  sock_fprog prog{};
  prog.len = static_cast<unsigned short>(std::size(filter));
  prog.filter = const_cast<sock_filter*>(filter);
  // no_new_privs lets an unprivileged thread install a filter; like the
  // filter it is a property of this thread only.
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return false;
  return ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0;
}

TEST(UringNotSupported, DeniedRingSetupIsNotSupportedWithTheReason) {
  if (kAuditArch == 0) GTEST_SKIP() << "no seccomp architecture for this CPU";
  if (!ProbeUring(false).empty())
    GTEST_SKIP() << "io_uring already unavailable here: " << ProbeUring(false);
  struct Case {
    int err;
    const char* why;
  };
  for (const Case c : {Case{ENOSYS, "ENOSYS"}, Case{EPERM, "EPERM"}}) {
    bool installed = false;
    std::string probe[2];
    std::string thrown[2];
    std::thread t([&] {
      installed = DenyIoUringSetupInThisThread(c.err);
      if (!installed) return;
      for (int zc = 0; zc < 2; ++zc) {
        probe[zc] = ProbeUring(zc == 1);
        try {
          // The ring is set up before the socket is used.
          MakeUringSender(-1, SenderOptions{}, zc == 1);
        } catch (const NotSupported& e) {
          thrown[zc] = e.what();
        }
      }
    });
    t.join();
    if (!installed) GTEST_SKIP() << "cannot install a seccomp filter here";
    for (int zc = 0; zc < 2; ++zc) {
      EXPECT_NE(probe[zc].find(c.why), std::string::npos) << probe[zc];
      EXPECT_EQ(thrown[zc], "not supported: " + probe[zc]);
    }
  }
  // The filter died with its thread: this thread still has io_uring.
  EXPECT_EQ(ProbeUring(false), "");
}

}  // namespace
}  // namespace netbench
