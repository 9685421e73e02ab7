// Two-host mode with real processes: `net_bench serve` runs as its own
// process in the server namespace, `net_bench --topology=peer:...` in the
// client namespace, across the veth pair the test builds.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "base/socket_io.h"
#include "harness/auth.h"
#include "harness/protocol.h"
#include "lib/sender.h"
#include "netns/namespace.h"
#include "netns/topology.h"
#include "test/net_test_util.h"

namespace netbench {
namespace {

using namespace std::chrono_literals;
using testing::CountOf;
using testing::ReadFile;
using testing::SpawnIn;
using testing::WaitOrKill;

constexpr char kServer[] = "198.18.0.1";

std::string Peer(uint16_t port) {
  return std::string("--topology=peer:") + kServer + ":" + std::to_string(port);
}

long RssKb(pid_t pid) {
  const std::string status =
      ReadFile("/proc/" + std::to_string(pid) + "/status");
  const size_t at = status.find("VmRSS:");
  return at == std::string::npos ? -1 : std::stol(status.substr(at + 6));
}

int TaskCount(pid_t pid) {
  int n = 0;
  std::error_code ec;
  for ([[maybe_unused]] const auto& t : std::filesystem::directory_iterator(
           "/proc/" + std::to_string(pid) + "/task", ec))
    ++n;
  return n;
}

class TwoHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // serve listens off loopback here, which needs a key.
    std::ofstream(key_file_, std::ios::binary) << std::string(32, 'k');
    ::chmod(key_file_.c_str(), 0600);
    server_ = StartServer(kPort);
  }
  void TearDown() override { StopServer(); }

  void StopServer() {
    if (server_ <= 0) return;
    ::kill(server_, SIGTERM);
    const int status = WaitOrKill(server_, 10s);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "net_bench serve did not stop cleanly: "
        << ReadFile(dir_.File("serve5301.log"));
    server_ = -1;
  }

  pid_t StartServer(uint16_t port) {
    const pid_t pid = SpawnIn(
        topology_.ns_fd(netns::Side::kServer),
        {NET_BENCH_BINARY, "serve",
         "--listen=" + std::string(kServer) + ":" + std::to_string(port),
         "--timeout_ms=2000", "--auth_key_file=" + key_file_},
        dir_.File("serve" + std::to_string(port) + ".log"));
    EXPECT_TRUE(testing::WaitForListener(topology_.ns_fd(netns::Side::kClient),
                                         kServer, port, 10s));
    return pid;
  }

  // Runs net_bench in the client namespace; returns its wait status.
  int RunClient(std::vector<std::string> args, const std::string& json,
                std::chrono::milliseconds bound = 120s, bool with_key = true) {
    args.insert(args.begin(), NET_BENCH_BINARY);
    if (with_key) args.push_back("--auth_key_file=" + key_file_);
    args.push_back("--benchmark_out=" + json);
    args.push_back("--benchmark_out_format=json");
    const pid_t pid =
        SpawnIn(topology_.ns_fd(netns::Side::kClient), args, json + ".log");
    return WaitOrKill(pid, bound);
  }

  static constexpr uint16_t kPort = 5301;
  netns::Topology topology_;
  testing::TempDir dir_;
  const std::string key_file_ = dir_.File("key");
  pid_t server_ = -1;
};

TEST_F(TwoHostTest, EveryModeAtTwoSizesArrivesVerified) {
  const std::string json = dir_.File("peer.json");
  const int status =
      RunClient({Peer(kPort), "--verify", "--sizes=1K,64K", "--threads=1",
                 "--udp_rx=recvmsg,gro", "--benchmark_min_time=0.02"},
                json);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << ReadFile(json + ".log");
  const std::string out = ReadFile(json);
  EXPECT_EQ(CountOf(out, "\"error_occurred\": true"), 0) << out;
  int modes = 0;
  for (Mode m : ModesOf(Transport::kTcp))
    if (ModeUnsupportedReason(m).empty()) ++modes;
  int udp_modes = 0;
  for (Mode m : ModesOf(Transport::kUdp))
    if (ModeUnsupportedReason(m).empty()) ++udp_modes;
  // Every pattern, both sizes, every supported mode; UDP at both receive
  // modes, through serve's UDP sockets.
  EXPECT_EQ(CountOf(out, "\"run_name\": \"Stream/"), modes * 2);
  EXPECT_EQ(CountOf(out, "\"run_name\": \"RR/"), modes * 2);
  EXPECT_EQ(CountOf(out, "\"run_name\": \"UdpStream/"), udp_modes * 2 * 2);
  EXPECT_EQ(CountOf(out, "\"run_name\": \"UdpRR/"), udp_modes * 2 * 2);
  EXPECT_NE(out.find("\"topology\": \"peer 198.18.0.1:5301\""),
            std::string::npos);
}

// On a fresh connection to the server: reads its Challenge, sends what
// `reply` makes of it, and reads whatever comes back until the server
// closes (bounded).
void Poke(const netns::Topology& t,
          const std::function<std::string(const Challenge&)>& reply,
          bool close_early = false) {
  UniqueFd fd = t.Socket(netns::Side::kClient, AF_INET, SOCK_STREAM);
  sockaddr_in a = t.Address(netns::Side::kServer, 5301);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0)
    return;
  SetSocketTimeouts(fd.get(), 3000ms);
  Challenge challenge;
  if (::recv(fd.get(), &challenge, sizeof(challenge), MSG_WAITALL) !=
      sizeof(challenge))
    return;
  const std::string bytes = reply(challenge);
  if (!bytes.empty())
    (void)!::send(fd.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
  if (close_early) return;
  ::shutdown(fd.get(), SHUT_WR);
  char buf[256];
  while (::recv(fd.get(), buf, sizeof(buf), 0) > 0) {
  }
}

std::string HelloBytes(Hello h) {
  return std::string(reinterpret_cast<const char*>(&h), sizeof(h));
}

// `h` proven with `key` for `challenge`: it passes authentication, so the
// server judges the rest of it.
std::string SignedHello(const AuthKey& key, const Challenge& challenge,
                        Hello h) {
  h.proof = key.ClientProof(challenge, h);
  return HelloBytes(h);
}

TEST_F(TwoHostTest, ServerSurvivesHostileControlInput) {
  const long rss_before = RssKb(server_);
  std::mt19937_64 rng(42);
  const auto random_bytes = [&](size_t n) {
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    return s;
  };
  const auto as_is = [](std::string bytes) {
    return [bytes](const Challenge&) { return bytes; };
  };
  for (int i = 0; i < 100; ++i)
    Poke(topology_, as_is(random_bytes(sizeof(Hello))));
  for (size_t n = 0; n < sizeof(Hello); ++n)  // truncated headers
    Poke(topology_, as_is(HelloBytes(Hello{}).substr(0, n)),
         /*close_early=*/true);
  const AuthKey key = AuthKey::FromFile(key_file_);
  const auto signed_hello = [&key](Hello h) {
    return [&key, h](const Challenge& c) { return SignedHello(key, c, h); };
  };
  Hello h;
  h.pattern = 0;
  h.mode = 2;
  h.timeout_ms = 1000;
  Poke(topology_, as_is(HelloBytes(h)));  // no proof
  for (uint64_t size : {uint64_t{0}, uint64_t{1} << 40, ~uint64_t{0}}) {
    h.size = size;  // absurd sizes: refused before any allocation
    Poke(topology_, signed_hello(h));
  }
  h.size = 1024;
  h.version = 99;
  Poke(topology_, signed_hello(h));
  h.version = kProtocolVersion;
  h.mode = 200;
  Poke(topology_, signed_hello(h));
  h.mode = 2;
  h.pattern = 7;
  Poke(topology_, signed_hello(h));
  // A valid Hello, then a message cut short and a vanished client.
  h.pattern = 0;
  Poke(
      topology_,
      [&](const Challenge& c) {
        return SignedHello(key, c, h) + std::string(100, 'x');
      },
      /*close_early=*/true);

  ASSERT_EQ(::kill(server_, 0), 0) << "net_bench serve died";
  const std::string json = dir_.File("after_fuzz.json");
  const int status =
      RunClient({Peer(kPort), "--verify", "--modes=OneCopy", "--sizes=1K",
                 "--threads=1,2", "--benchmark_min_time=0.02"},
                json);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << ReadFile(json + ".log");
  EXPECT_EQ(CountOf(ReadFile(json), "\"error_occurred\": true"), 0);
  const long rss_after = RssKb(server_);
  EXPECT_LT(rss_after - rss_before, 64 * 1024)
      << "serve grew from " << rss_before << " kB to " << rss_after << " kB";
  // The log is rate-limited: a few lines of each kind, then a summary (at
  // the end of its interval, or at stop).
  StopServer();
  const std::string log = ReadFile(dir_.File("serve5301.log"));
  EXPECT_NE(log.find("wrong magic"), std::string::npos) << log;
  EXPECT_NE(log.find("authentication failed"), std::string::npos) << log;
  EXPECT_NE(log.find("bad hello"), std::string::npos) << log;
  EXPECT_LT(CountOf(log, "\n"), 30) << log;
}

TEST_F(TwoHostTest, ServerNotListeningIsAClearErrorNotAHang) {
  const std::string json = dir_.File("refused.json");
  const auto start = std::chrono::steady_clock::now();
  const int status = RunClient({Peer(5399), "--modes=OneCopy", "--sizes=1K",
                                "--threads=1", "--timeout_ms=1000"},
                               json, 30s);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);
  ASSERT_TRUE(WIFEXITED(status)) << ReadFile(json + ".log");
  const std::string out = ReadFile(json);
  EXPECT_GE(CountOf(out, "is the server listening?"), 2) << out;
}

// Kills the receiving server in the middle of a stream, in each mode: the
// benchmark ends with an error naming the cause, within the bound, and the
// run goes on.
TEST_F(TwoHostTest, ReceiverKilledMidStreamInEachMode) {
  uint16_t port = 5310;
  for (Mode mode : ModesOf(Transport::kTcp)) {
    if (!ModeUnsupportedReason(mode).empty()) continue;
    SCOPED_TRACE(std::string(ModeName(mode)));
    const pid_t victim = StartServer(port);
    const std::string json = dir_.File(std::string(ModeName(mode)) + ".json");
    std::thread killer([victim] {
      // Mid-stream: once serve runs a connection thread (main + acceptor +
      // one per connection), and a little later.
      for (int i = 0; i < 400 && TaskCount(victim) < 3; ++i)
        std::this_thread::sleep_for(25ms);
      std::this_thread::sleep_for(300ms);
      ::kill(victim, SIGKILL);
    });
    const auto start = std::chrono::steady_clock::now();
    const int status =
        RunClient({Peer(port), "--modes=" + std::string(ModeName(mode)),
                   "--sizes=64K", "--threads=1", "--patterns=Stream",
                   "--timeout_ms=1000", "--benchmark_min_time=30"},
                  json, 60s);
    killer.join();
    WaitOrKill(victim, 5s);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);
    ASSERT_TRUE(WIFEXITED(status)) << ReadFile(json + ".log");
    const std::string out = ReadFile(json);
    EXPECT_EQ(CountOf(out, "\"error_occurred\": true"), 1) << out;
    // The cause, wherever the kill lands: in the timed loop, while the
    // report is awaited, or between Google Benchmark's sizing rounds.
    EXPECT_TRUE(out.find("closed the connection") != std::string::npos ||
                out.find("timed out") != std::string::npos ||
                out.find("did not arrive") != std::string::npos ||
                out.find("is the server listening?") != std::string::npos)
        << out;
    ++port;
  }
}

// A peer that accepts the Hello and then never reads, or reads and never
// reports: the client's bounded waits (a blocked send, zero-copy
// completions that cannot come while the data sits unacknowledged, the
// report) end the benchmark with an error.
TEST_F(TwoHostTest, PeerThatStopsReadingEndsInBoundedTime) {
  UniqueFd listener;
  {
    netns::ScopedNetns in(topology_.ns_fd(netns::Side::kServer));
    listener = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  }
  const int one = 1;
  ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in a = topology_.Address(netns::Side::kServer, 5390);
  ASSERT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)),
            0);
  ASSERT_EQ(::listen(listener.get(), 16), 0);
  std::vector<UniqueFd> stalled;
  std::atomic<bool> reads{false};  // else it never reads after the Ack
  std::thread staller([&] {
    while (true) {
      UniqueFd c(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (!c) return;
      const Challenge challenge;  // no key asked for
      (void)!::send(c.get(), &challenge, sizeof(challenge), MSG_NOSIGNAL);
      Hello h;
      if (::recv(c.get(), &h, sizeof(h), MSG_WAITALL) != sizeof(h)) return;
      Ack ack;
      ack.ok = 1;
      (void)!::send(c.get(), &ack, sizeof(ack), MSG_NOSIGNAL);
      // Reading: everything the client sends, up to its end of the data,
      // and then nothing more is said (no report).
      char sink[1 << 16];
      while (reads && ::recv(c.get(), sink, sizeof(sink), 0) > 0) {
      }
      stalled.push_back(std::move(c));
    }
  });
  std::string modes;
  for (Mode m : ModesOf(Transport::kTcp))
    if (ModeUnsupportedReason(m).empty())
      modes += (modes.empty() ? "" : ",") + std::string(ModeName(m));
  const int n = CountOf(modes, ",") + 1;
  // A peer that never reads: the socket buffers fill and the send itself
  // blocks (a flow sends for its whole window, --benchmark_min_time=30).
  // A peer that reads it all and never reports: the wait for the report
  // after a short window.
  struct Case {
    bool reads;
    const char* min_time;
    const char* cause;
  };
  for (const Case& c :
       {Case{false, "30", "timed out after 500 ms (peer stopped reading"},
        Case{true, "0.05", "timed out after 500 ms (peer stopped sending)"}}) {
    SCOPED_TRACE(c.cause);
    reads = c.reads;
    const std::string json =
        dir_.File(std::string("stalled") + (c.reads ? "1" : "0") + ".json");
    const auto start = std::chrono::steady_clock::now();
    const int status = RunClient(
        {"--topology=peer:198.18.0.1:5390", "--modes=" + modes, "--sizes=64K",
         "--threads=1", "--patterns=Stream", "--timeout_ms=500",
         std::string("--benchmark_min_time=") + c.min_time},
        json, 120s, /*with_key=*/false);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 60s);
    ASSERT_TRUE(WIFEXITED(status)) << ReadFile(json + ".log");
    const std::string out = ReadFile(json);
    EXPECT_EQ(CountOf(out, "\"error_occurred\": true"), n) << out;
    EXPECT_EQ(CountOf(out, c.cause), n) << out;
  }
  ::shutdown(listener.get(), SHUT_RDWR);
  staller.join();
}

}  // namespace
}  // namespace netbench
