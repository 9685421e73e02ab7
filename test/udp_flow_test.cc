// UDP (lib/datagram.h, harness/flow.h): every UDP mode moves datagrams that
// arrive verified with every receive mode; loss is counted exactly against a
// receiver made to drop; UDP_GRO's segments are counted right; a lost UdpRR
// answer is counted after a bounded wait. Real sockets over loopback, the
// real flow skeleton on both sides.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "base/socket_io.h"
#include "base/sys_error.h"
#include "base/unique_fd.h"
#include "harness/flow.h"
#include "lib/datagram.h"
#include "lib/datagram_receiver.h"
#include "lib/datagram_tally.h"
#include "lib/integrity.h"
#include "lib/message.h"
#include "lib/pacer.h"
#include "lib/sender.h"
#include "lib/thread_meter.h"

namespace netbench {
namespace {

using namespace std::chrono_literals;

constexpr size_t kDatagram = 1472;

sockaddr_in Loopback() {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

sockaddr_in LocalAddress(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof(a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return a;
}

// Two UDP sockets over loopback, each connected to the other; `rcvbuf` > 0
// shrinks the receiving one's buffer (the kernel doubles it, socket(7)).
struct UdpPair {
  UniqueFd sender;
  UniqueFd receiver;
  explicit UdpPair(int rcvbuf = 0) {
    sender = UniqueFd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    receiver = UniqueFd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (rcvbuf > 0)
      ::setsockopt(receiver.get(), SOL_SOCKET, SO_RCVBUF, &rcvbuf,
                   sizeof(rcvbuf));
    sockaddr_in a = Loopback();
    ::bind(sender.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a));
    ::bind(receiver.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a));
    const sockaddr_in s = LocalAddress(sender.get());
    const sockaddr_in r = LocalAddress(receiver.get());
    ::connect(sender.get(), reinterpret_cast<const sockaddr*>(&r), sizeof(r));
    ::connect(receiver.get(), reinterpret_cast<const sockaddr*>(&s), sizeof(s));
  }
};

// A TCP connection over loopback: the control connection whose end ends
// the server's flow.
struct ControlPair {
  UniqueFd client;
  UniqueFd server;
  ControlPair() {
    UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a = Loopback();
    ::bind(listener.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a));
    ::listen(listener.get(), 1);
    a = LocalAddress(listener.get());
    client = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    EXPECT_EQ(
        ::connect(client.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    server = UniqueFd(::accept4(listener.get(), nullptr, nullptr, 0));
  }
};

FlowSchedule ClientSchedule(std::chrono::milliseconds window) {
  FlowSchedule s;
  s.window_start_ns = SteadyNowNs() + 5'000'000;
  s.window_ns = std::chrono::nanoseconds(window).count();
  s.tail_ns = 2'000'000;
  return s;
}

FlowSchedule ServerSchedule(const FlowSchedule& client) {
  FlowSchedule s = client;
  s.tail_ns = FlowSchedule::kFollow;
  return s;
}

// One side of a UDP flow over `fd`, messages of `size` bytes in datagrams
// of kDatagram, every one stamped and checked.
FlowEndpoint UdpEndpoint(Pattern pattern, bool client, int fd, size_t size) {
  FlowEndpoint e;
  e.pattern = pattern;
  e.client = client;
  e.fd = fd;
  e.message_size = size;
  e.datagram = kDatagram;
  e.verify = true;
  return e;
}

SenderOptions UdpSenderOptions(size_t size) {
  SenderOptions o;
  o.message_size = size;
  o.working_set = size_t{1} << 20;
  o.datagram = kDatagram;
  o.batch = 8;
  o.timeout = 2000ms;
  return o;
}

DatagramReceiverOptions ReceiverOptions(UdpRx rx) {
  (void)rx;
  DatagramReceiverOptions o;
  o.datagram = kDatagram;
  o.batch = 8;
  return o;
}

struct StreamOutcome {
  FlowResult client;
  FlowResult server;
  uint64_t received = 0;
  uint64_t unseen = 0;
  uint64_t verified = 0;
  uint64_t kernel_drops = 0;
  uint64_t receive_calls = 0;
  std::string error;
};

// One UdpStream flow of `mode` into `rx`, through RunFlow on both sides.
// `server_late`: the server starts reading this long after the window
// opened, so that a small receive buffer overflows inside the window.
StreamOutcome RunUdpStream(Mode mode, UdpRx rx, size_t size,
                           std::chrono::milliseconds window, int rcvbuf = 0,
                           uint64_t rate = 0,
                           std::chrono::milliseconds server_late = 0ms) {
  UdpPair udp(rcvbuf);
  ControlPair control;
  StreamOutcome out;
  std::unique_ptr<Sender> sender =
      MakeSender(mode, udp.sender.get(), UdpSenderOptions(size));
  std::unique_ptr<DatagramReceiver> receiver =
      MakeDatagramReceiver(rx, udp.receiver.get(), ReceiverOptions(rx));
  DatagramTally tally(size, kDatagram, /*verify=*/true);
  const FlowSchedule schedule = ClientSchedule(window);
  std::thread server([&] {
    if (server_late > 0ms)
      std::this_thread::sleep_until(
          std::chrono::steady_clock::time_point(
              std::chrono::nanoseconds(schedule.window_start_ns)) +
          server_late);
    FlowEndpoint e =
        UdpEndpoint(Pattern::kUdpStream, false, udp.receiver.get(), size);
    e.control_fd = control.server.get();
    e.datagrams = receiver.get();
    e.tally = &tally;
    try {
      out.server = RunFlow(e, ServerSchedule(schedule));
    } catch (const std::exception& ex) {
      out.error = ex.what();
    }
  });
  Pacer pacer(rate);
  FlowEndpoint e =
      UdpEndpoint(Pattern::kUdpStream, true, udp.sender.get(), size);
  e.sender = sender.get();
  e.pacer = &pacer;
  try {
    out.client = RunFlow(e, schedule);
    sender->Drain(2000ms);
  } catch (const std::exception& ex) {
    out.error = std::string("client: ") + ex.what();
  }
  ::shutdown(control.client.get(), SHUT_WR);
  server.join();
  out.received = tally.received();
  out.unseen = tally.Unseen(out.client.datagrams);
  out.verified = tally.verified();
  // SO_RXQ_OVFL rides on each datagram with the drops counted when it was
  // queued: the drops after the last one queued (the sender's tail, all of
  // it dropped) show only on a later datagram. One more, now that the
  // socket is drained, brings the count up to date.
  struct Ignore final : DatagramSink {
    void OnDatagram(std::span<const std::byte>) override {}
  } ignore;
  const std::byte probe[kDatagramHeader] = {};
  if (::send(udp.sender.get(), probe, sizeof(probe), 0) ==
      static_cast<ssize_t>(sizeof(probe)))
    receiver->Receive(ignore);
  out.kernel_drops = receiver->kernel_drops();
  out.receive_calls = receiver->stats().syscalls;
  return out;
}

class UdpStreamTest : public testing::TestWithParam<std::tuple<Mode, UdpRx>> {};

TEST_P(UdpStreamTest, EveryDatagramArrivesVerifiedOrCountedLost) {
  const auto [mode, rx] = GetParam();
  if (const std::string why = ModeUnsupportedReason(mode); !why.empty())
    GTEST_SKIP() << ModeName(mode) << " not supported here: " << why;
  // One datagram, several with a short last one, and a UDP_SEGMENT call's
  // worth and more (two calls).
  for (size_t size : {size_t{1000}, size_t{20000}, size_t{100000}}) {
    SCOPED_TRACE("size " + std::to_string(size));
    const StreamOutcome o =
        RunUdpStream(mode, rx, size, 30ms, 0, /*rate=*/uint64_t{2} << 30);
    ASSERT_EQ(o.error, "");
    ASSERT_TRUE(o.server.window.has_value());
    const uint64_t per_message = (size + kDatagram - 1) / kDatagram;
    EXPECT_EQ(o.client.datagrams, o.client.messages * per_message);
    EXPECT_GT(o.received, 0u);
    // Every datagram that came was checked; the rest are counted lost.
    EXPECT_EQ(o.verified, o.received);
    EXPECT_EQ(o.received + o.unseen, o.client.datagrams);
    // The window's own counts add up as the totals do.
    EXPECT_EQ(o.server.window->messages, o.server.window->datagrams);
  }
}

INSTANTIATE_TEST_SUITE_P(
    UdpModes, UdpStreamTest,
    testing::Combine(testing::ValuesIn(ModesOf(Transport::kUdp).begin(),
                                       ModesOf(Transport::kUdp).end()),
                     testing::Values(UdpRx::kRecvmsg, UdpRx::kRecvmmsg,
                                     UdpRx::kGro)),
    [](const auto& point) {
      return std::string(ModeName(std::get<0>(point.param))) + "_" +
             std::string(UdpRxName(std::get<1>(point.param)));
    });

// A receiver made to drop: a tiny SO_RCVBUF that an unpaced sender
// overruns. What the sequence numbers say was lost is exactly what was sent
// and never arrived, and exactly what the kernel says it dropped at the
// socket (SO_RXQ_OVFL).
TEST(UdpLossTest, LossIsCountedExactly) {
  // The server reads from 10 ms into the window on: the buffer overflows
  // then, and the gap shows inside the window.
  const StreamOutcome o =
      RunUdpStream(Mode::kUdpSendmsg, UdpRx::kRecvmsg, kDatagram, 50ms,
                   /*rcvbuf=*/4096, /*rate=*/0, /*server_late=*/10ms);
  ASSERT_EQ(o.error, "");
  const uint64_t sent = o.client.datagrams;
  ASSERT_GT(o.unseen, 0u) << "the receiver dropped nothing: no test";
  EXPECT_EQ(o.received + o.unseen, sent);
  EXPECT_EQ(o.unseen, o.kernel_drops);
  // Inside the window the sequence numbers saw some of it.
  EXPECT_GT(o.server.window->datagrams_lost, 0u);
}

// UDP_SEGMENT into UDP_GRO: one super-datagram of 13 full segments and a
// short one arrives coalesced (fewer reads than datagrams), cut back into
// its datagrams by the segment size the control message gives.
TEST(UdpGroTest, SegmentsAreCountedAndCheckedOneByOne) {
  if (!ModeUnsupportedReason(Mode::kUdpGso).empty())
    GTEST_SKIP() << "no UDP_SEGMENT here";
  UdpPair udp;
  const size_t size = 13 * kDatagram + 500;
  std::unique_ptr<Sender> sender =
      MakeSender(Mode::kUdpGso, udp.sender.get(), UdpSenderOptions(size));
  std::unique_ptr<DatagramReceiver> receiver = MakeDatagramReceiver(
      UdpRx::kGro, udp.receiver.get(), ReceiverOptions(UdpRx::kGro));
  DatagramTally tally(size, kDatagram, /*verify=*/true);
  constexpr int kMessages = 20;
  uint64_t seq = 0;
  for (int m = 0; m < kMessages; ++m) {
    Message& message = sender->Prepare();
    StampMessage(message, static_cast<uint32_t>(m));
    for (size_t i = 0; i < 14; ++i)
      WriteHeader(message, i * kDatagram,
                  {seq++, static_cast<uint32_t>(m), static_cast<uint32_t>(i)});
    sender->Send();
    // Read each message before the next, so that the socket never drops.
    while (tally.received() < seq) ASSERT_GT(receiver->Receive(tally), 0u);
  }
  EXPECT_EQ(tally.received(), 14u * kMessages);
  EXPECT_EQ(tally.verified(), 14u * kMessages);
  EXPECT_EQ(tally.lost(), 0u);
  EXPECT_EQ(receiver->stats().datagrams, 14u * kMessages);
  EXPECT_EQ(receiver->stats().bytes, size * kMessages);
  EXPECT_LT(receiver->stats().syscalls, receiver->stats().datagrams);
}

// A corrupt datagram fails the run with --verify.
TEST(UdpVerifyTest, ACorruptDatagramIsCaught) {
  DatagramTally tally(3000, kDatagram, /*verify=*/true);
  OwnedMessage m(3000);
  StampMessage(m, 7);
  WriteHeader(m, kDatagram, {1, 7, 1});
  std::vector<std::byte> bytes(3000);
  m.CopyTo(bytes.data());
  std::span<const std::byte> second(bytes.data() + kDatagram, kDatagram);
  EXPECT_NO_THROW(tally.OnDatagram(second));
  bytes[kDatagram + 100] ^= std::byte{1};
  EXPECT_THROW(tally.OnDatagram(second), IntegrityError);
}

// UdpRR's client counts an answer lost after kAnswerWait and goes on: here
// answers are lost (a 60 KB answer into a receive buffer of a few KiB,
// which only a reader as fast as the sender empties in time), and the flow
// still ends on schedule.
TEST(UdpRRTest, LostAnswersAreCountedNotWaitedFor) {
  for (const bool lossy : {false, true}) {
    SCOPED_TRACE(lossy ? "lossy" : "lossless");
    const size_t size = lossy ? 60000 : 3000;
    UdpPair udp(lossy ? 2048 : 0);  // receiver: the client's
    ControlPair control;
    std::unique_ptr<Sender> sender =
        MakeSender(Mode::kUdpSendmsg, udp.sender.get(), UdpSenderOptions(size));
    SetReceiveTimeout(udp.sender.get(), 20ms);
    std::unique_ptr<DatagramReceiver> receiver = MakeDatagramReceiver(
        UdpRx::kRecvmsg, udp.receiver.get(), ReceiverOptions(UdpRx::kRecvmsg));
    DatagramTally tally(size, kDatagram, /*verify=*/true);
    const FlowSchedule schedule = ClientSchedule(100ms);
    std::string error;
    std::thread server([&] {
      FlowEndpoint e =
          UdpEndpoint(Pattern::kUdpRR, false, udp.sender.get(), size);
      e.control_fd = control.server.get();
      e.sender = sender.get();
      try {
        RunFlow(e, ServerSchedule(schedule));
      } catch (const std::exception& ex) {
        error = ex.what();
      }
    });
    FlowEndpoint e =
        UdpEndpoint(Pattern::kUdpRR, true, udp.receiver.get(), size);
    e.datagrams = receiver.get();
    e.tally = &tally;
    const auto start = std::chrono::steady_clock::now();
    const FlowResult r = RunFlow(e, schedule);
    const auto took = std::chrono::steady_clock::now() - start;
    ::shutdown(control.client.get(), SHUT_WR);
    server.join();
    ASSERT_EQ(error, "");
    ASSERT_TRUE(r.window.has_value());
    EXPECT_LT(took, 1s);
    if (lossy) {
      EXPECT_GT(r.window->messages_lost, 0u);
    } else {
      EXPECT_EQ(r.window->messages_lost, 0u);
      EXPECT_GT(r.window->messages, 0u);
      EXPECT_EQ(tally.verified(), tally.received());
    }
  }
}

// A client silent on both sockets, its control connection open: the
// server's flow fails after its timeout instead of waiting for ever.
TEST(UdpServerTest, ASilentClientFailsTheFlowAfterTheTimeout) {
  UdpPair udp;
  ControlPair control;
  std::unique_ptr<DatagramReceiver> receiver = MakeDatagramReceiver(
      UdpRx::kRecvmsg, udp.receiver.get(), ReceiverOptions(UdpRx::kRecvmsg));
  DatagramTally tally(kDatagram, kDatagram, /*verify=*/false);
  FlowEndpoint e =
      UdpEndpoint(Pattern::kUdpStream, false, udp.receiver.get(), kDatagram);
  e.control_fd = control.server.get();
  e.datagrams = receiver.get();
  e.tally = &tally;
  e.timeout = 200ms;
  const auto start = std::chrono::steady_clock::now();
  try {
    RunFlow(e, ServerSchedule(ClientSchedule(50ms)));
    ADD_FAILURE() << "the flow ended without a client";
  } catch (const SysError& error) {
    EXPECT_NE(std::string(error.what()).find("peer stopped sending"),
              std::string::npos)
        << error.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(DatagramLayoutTest, CallsAndDatagramsCoverTheMessage) {
  const DatagramLayout gso{100000, kDatagram, GsoDatagramsPerCall(kDatagram)};
  EXPECT_EQ(GsoDatagramsPerCall(kDatagram), 44u);
  EXPECT_EQ(gso.datagrams(), 68u);
  EXPECT_EQ(gso.calls(), 2u);
  EXPECT_EQ(gso.CallLength(0), 44 * kDatagram);
  EXPECT_EQ(gso.CallLength(0) + gso.CallLength(1), 100000u);
  EXPECT_EQ(gso.CallDatagrams(1), 24u);
  EXPECT_EQ(gso.DatagramLength(67), 100000 - 67 * kDatagram);
  EXPECT_EQ(DatagramLayoutProblem(1480, kDatagram).empty(), false);  // 8 left
  EXPECT_EQ(DatagramLayoutProblem(1472 * 3, kDatagram), "");
  EXPECT_NE(DatagramLayoutProblem(100, 8), "");
  EXPECT_NE(DatagramLayoutProblem(10, kDatagram), "");
}

// A header written across a field boundary reads back whole, and the
// slices of a range cover exactly its bytes.
TEST(DatagramLayoutTest, HeadersAndSlicesCrossFields) {
  OwnedMessage m(100);  // fields of 12 bytes, the last 16
  const DatagramHeader h{0x0102030405060708, 0xa0b0c0d0, 3};
  WriteHeader(m, 10, h);
  std::vector<std::byte> bytes(100);
  m.CopyTo(bytes.data());
  const DatagramHeader back =
      ReadHeader(std::span<const std::byte>(bytes.data() + 10, 16));
  EXPECT_EQ(back.seq, h.seq);
  EXPECT_EQ(back.message, h.message);
  EXPECT_EQ(back.index, h.index);
  iovec iov[kFields];
  const int n = SliceIov(m, 10, 30, iov);
  size_t total = 0;
  for (int i = 0; i < n; ++i) total += iov[i].iov_len;
  EXPECT_EQ(n, 4);  // 2 + 12 + 12 + 4
  EXPECT_EQ(total, 30u);
}

// The pacer never lets a sender run ahead of its rate by more than its
// burst allowance.
TEST(PacerTest, NeverAheadOfTheRate) {
  constexpr uint64_t kRate = 800'000'000;  // bits/s: 100 MB/s
  Pacer pacer(kRate);
  const int64_t start = SteadyNowNs();
  size_t bytes = 0;
  for (int i = 0; i < 2000; ++i) {
    pacer.Before(kDatagram);
    bytes += kDatagram;
  }
  const int64_t took = SteadyNowNs() - start;
  const auto due = static_cast<int64_t>(static_cast<double>(bytes - kDatagram) *
                                        8e9 / static_cast<double>(kRate));
  EXPECT_GE(took, due - Pacer::kMaxBurst);
}

}  // namespace
}  // namespace netbench
