// Signals and concurrency with the real binary: SIGKILL leaves nothing
// behind, SIGINT stops cleanly with the finished results written (during
// setup too), the iperf3 baseline's children die with net_bench, and two
// runs side by side both succeed.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "test/net_test_util.h"

namespace netbench {
namespace {

using namespace std::chrono_literals;
using testing::BindMountsOf;
using testing::CountOf;
using testing::NetNamespacesOf;
using testing::OtherHoldersOf;
using testing::ReadFile;
using testing::SpawnIn;
using testing::WaitOrKill;

// How long a spawned net_bench may take to build its topology and start a
// benchmark: seconds for a debug or ASan build at ctest -j2 beside another
// test run. The bound only has to end a run that hangs.
constexpr auto kTopologyUp = 60s;

std::vector<std::string> NetBenchArgs(std::vector<std::string> args,
                                      const std::string& json) {
  args.insert(args.begin(), NET_BENCH_BINARY);
  args.push_back("--benchmark_out=" + json);
  args.push_back("--benchmark_out_format=json");
  return args;
}

// Starts `argv` as SpawnIn does, traced (ptrace(2)) from exec until its
// main thread returns from its first `syscall_nr` call, and then lets it go
// with `sig` pending: a signal at an exact point of net_bench's setup,
// whatever the machine's load. Returns its pid; -1 when it exited first.
pid_t SpawnSignalledAfter(long syscall_nr, int sig,
                          const std::vector<std::string>& argv,
                          const std::string& output_path, int mount_ns_fd) {
  const pid_t pid = SpawnIn(-1, argv, output_path, mount_ns_fd,
                            /*traced=*/true);
  int status = 0;
  // The first stop: the SIGTRAP of exec.
  if (::waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status)) return -1;
  ::ptrace(PTRACE_SETOPTIONS, pid, nullptr,
           PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL);
  bool inside = false;  // stopped in a `syscall_nr` call
  int deliver = 0;      // a signal of its own, passed on
  while (::ptrace(PTRACE_SYSCALL, pid, nullptr, deliver) == 0 &&
         ::waitpid(pid, &status, 0) == pid && WIFSTOPPED(status)) {
    deliver = 0;
    if (WSTOPSIG(status) != (SIGTRAP | 0x80)) {
      deliver = WSTOPSIG(status);
      continue;
    }
    __ptrace_syscall_info info{};
    ::ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof(info), &info);
    if (info.op == PTRACE_SYSCALL_INFO_ENTRY) {
      inside = static_cast<long>(info.entry.nr) == syscall_nr;
    } else if (info.op == PTRACE_SYSCALL_INFO_EXIT && inside) {
      ::kill(pid, sig);  // pending until it runs again
      ::ptrace(PTRACE_DETACH, pid, nullptr, 0);
      return pid;
    }
  }
  return -1;
}

// The live (not zombie) processes whose parent is `parent` and whose
// command is `comm` ("": any).
std::vector<pid_t> ChildrenOf(pid_t parent, const std::string& comm = "") {
  std::vector<pid_t> found;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    std::ifstream f(e.path() / "stat");
    std::string stat;
    if (!std::getline(f, stat)) continue;
    // "pid (comm) state ppid ...": comm may hold spaces, up to the last ')'.
    const size_t open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 2));
    char state = 0;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == parent && state != 'Z' &&
        (comm.empty() || stat.substr(open + 1, close - open - 1) == comm))
      found.push_back(std::stoi(stat.substr(0, open)));
  }
  return found;
}

std::set<std::string> IperfTempDirs() {
  std::set<std::string> dirs;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/tmp", ec))
    if (e.path().filename().string().rfind("net_bench_iperf.", 0) == 0)
      dirs.insert(e.path());
  return dirs;
}

// Polls `done` every 5 ms for at most `timeout`; returns its last answer.
template <typename F>
bool WaitFor(F done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// Waits until process `pid` holds its topology (two namespaces, the veth
// pair between them) and returns the namespaces it holds then; none when it
// did not within kTopologyUp.
std::set<ino_t> TopologyOf(pid_t pid) {
  std::set<ino_t> held;
  const bool up = WaitFor(
      [&] {
        held = NetNamespacesOf(pid);
        return held.size() >= 2 && testing::VethOf(pid).empty();
      },
      kTopologyUp);
  return up ? held : std::set<ino_t>{};
}

// A signal in the middle of the setup, right after its first bind mount
// (--netns_bind_mount), half way through building the topology: exit
// status 128+signal, one line, nothing left.
void InterruptDuringSetup(int sig) {
  testing::TempDir dir;
  testing::PrivateNetnsDir netns_dir;
  const std::string json = dir.File("setup.json");
  const pid_t pid = SpawnSignalledAfter(
      SYS_mount, sig,
      NetBenchArgs({"--modes=OneCopy", "--sizes=1K", "--threads=1",
                    "--netns_bind_mount", "--benchmark_min_time=0.01"},
                   json),
      json + ".log", netns_dir.fd());
  ASSERT_GT(pid, 0) << "net_bench exited before its first mount(2): "
                    << ReadFile(json + ".log");
  const int status = WaitOrKill(pid, kTopologyUp);
  ASSERT_TRUE(WIFEXITED(status))
      << "status " << status << ": " << ReadFile(json + ".log");
  EXPECT_EQ(WEXITSTATUS(status), 128 + sig);
  EXPECT_EQ(ReadFile(json + ".log"),
            std::string("net_bench: interrupted by SIG") + ::sigabbrev_np(sig) +
                "; nothing was run\n");
  EXPECT_FALSE(std::filesystem::exists(json));
  EXPECT_EQ(BindMountsOf(pid, netns_dir.holder()), 0);
}

TEST(SignalsTest, SigintDuringSetupExits130AndLeavesNothing) {
  InterruptDuringSetup(SIGINT);
}

TEST(SignalsTest, SigtermDuringSetupExits143AndLeavesNothing) {
  InterruptDuringSetup(SIGTERM);
}

// The iperf3 baseline: net_bench's children must die with it, whichever
// way it ends. This process adopts orphans (PR_SET_CHILD_SUBREAPER), so
// that one left running is seen, and reaped, here.
class BaselineSignalsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v iperf3 >/dev/null 2>&1") != 0)
      GTEST_SKIP() << "iperf3 is not installed (tools/setup installs it)";
    ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    temp_dirs_before_ = IperfTempDirs();
  }
  void TearDown() override {
    // Orphans of a failed test: kill them by pid, they are ours.
    for (pid_t p : ChildrenOf(::getpid(), "iperf3")) ::kill(p, SIGKILL);
    ReapZombies();
    ::prctl(PR_SET_CHILD_SUBREAPER, 0);
  }
  static void ReapZombies() {
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
  }

  // Starts the two baselines and returns once iperf3's client runs.
  pid_t StartBaselines(const std::string& json) {
    const pid_t pid =
        SpawnIn(-1,
                NetBenchArgs({"--baselines", "--benchmark_filter=^Baseline/",
                              "--benchmark_min_time=0.5"},
                             json),
                json + ".log");
    EXPECT_TRUE(WaitFor([&] { return ChildrenOf(pid, "iperf3").size() == 2; },
                        kTopologyUp))
        << ReadFile(json + ".log");
    iperf3_ = ChildrenOf(pid, "iperf3");
    // net_bench's two namespaces are held by net_bench and its iperf3
    // children, nothing else: once they are gone, the kernel frees them.
    const std::set<ino_t> held = NetNamespacesOf(pid);
    EXPECT_EQ(held.size(), 2u);
    const std::set<pid_t> children(iperf3_.begin(), iperf3_.end());
    for (ino_t ino : held) {
      const std::set<pid_t> others = OtherHoldersOf(ino, pid);
      EXPECT_TRUE(std::includes(children.begin(), children.end(),
                                others.begin(), others.end()))
          << "namespace " << ino << " held by a process other than "
          << "net_bench and its iperf3";
    }
    return pid;
  }

  // Nothing of the run left: no iperf3 (the only other holders of its
  // namespaces), no temporary files. At once: an orphaned iperf3 would end
  // by itself after its run.
  void ExpectNothingLeft() {
    EXPECT_TRUE(WaitFor(
        [&] {
          ReapZombies();
          for (pid_t p : iperf3_)
            if (::kill(p, 0) == 0) return false;
          return true;
        },
        1s))
        << "an iperf3 outlived net_bench";
    EXPECT_EQ(IperfTempDirs(), temp_dirs_before_);
  }

  std::set<std::string> temp_dirs_before_;
  std::vector<pid_t> iperf3_;
};

TEST_F(BaselineSignalsTest, SigintStopsIperf3AndSkipsTheRestAtOnce) {
  testing::TempDir dir;
  const std::string json = dir.File("baselines.json");
  const pid_t pid = StartBaselines(json);
  const auto start = std::chrono::steady_clock::now();
  ::kill(pid, SIGINT);
  const int status = WaitOrKill(pid, 10s);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(WIFEXITED(status)) << ReadFile(json + ".log");
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGINT);
  // Within 0.5 s by design; a loaded test machine gets some slack.
  EXPECT_LT(took, 1500ms);
  const std::string out = ReadFile(json);
  EXPECT_EQ(CountOf(out, "\"error_message\": \"interrupted by SIGINT\""), 3)
      << out;  // Iperf3 cut short, Iperf3Udp and PlainRR never started
  ExpectNothingLeft();
}

TEST_F(BaselineSignalsTest, SigkillTakesIperf3Along) {
  testing::TempDir dir;
  const std::string json = dir.File("killed.json");
  const pid_t pid = StartBaselines(json);
  ::kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status));
  ExpectNothingLeft();
}

// --netns_bind_mount is not crash-safe (--help says so): a SIGKILLed run
// leaves its two mounts, and the next run with the flag removes them.
// Both runs in a /var/run/netns of the test's own: any --netns_bind_mount
// run on the machine would remove the killed one's mounts.
TEST(SignalsTest, NextBindMountRunRemovesTheMountsOfAKilledOne) {
  testing::TempDir dir;
  testing::PrivateNetnsDir netns_dir;
  const pid_t seen_by = netns_dir.holder();
  const std::string json = dir.File("killed.json");
  const pid_t killed = SpawnIn(
      -1,
      NetBenchArgs(
          {"--netns_bind_mount", "--modes=OneCopy", "--sizes=1K", "--threads=1",
           "--benchmark_filter=^Stream/", "--benchmark_min_time=5"},
          json),
      json + ".log", netns_dir.fd());
  ASSERT_TRUE(
      WaitFor([&] { return BindMountsOf(killed, seen_by) == 4; }, kTopologyUp))
      << ReadFile(json + ".log");
  ::kill(killed, SIGKILL);
  ASSERT_EQ(::waitpid(killed, nullptr, 0), killed);
  EXPECT_EQ(BindMountsOf(killed, seen_by), 4);  // two files, two mounts

  const std::string next = dir.File("next.json");
  const pid_t pid = SpawnIn(
      -1,
      NetBenchArgs(
          {"--netns_bind_mount", "--modes=OneCopy", "--sizes=1K", "--threads=1",
           "--benchmark_filter=^Stream/", "--benchmark_min_time=0.01"},
          next),
      next + ".log", netns_dir.fd());
  const int status = WaitOrKill(pid, kTopologyUp);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << ReadFile(next + ".log");
  EXPECT_EQ(BindMountsOf(killed, seen_by), 0);
  EXPECT_EQ(BindMountsOf(pid, seen_by), 0);
  EXPECT_EQ(CountOf(ReadFile(next + ".log"),
                    "net_bench-" + std::to_string(killed) + "-"),
            2)
      << ReadFile(next + ".log");
}

// net_bench holds its namespaces as fds only: nothing but its own threads
// and fds holds them, no mount, no other process, so the kernel frees them
// (and the veth pair with them) when SIGKILL ends it. What can be checked
// is what belongs to the process: a namespace, once freed, cannot be looked
// for (its inode number goes to the next namespace made on the machine).
TEST(SignalsTest, SigkillDuringSweepLeavesNothingBehind) {
  testing::TempDir dir;
  const std::string json = dir.File("killed.json");
  const pid_t pid =
      SpawnIn(-1,
              NetBenchArgs({"--modes=OneCopy,TwoCopy", "--sizes=1K,64K",
                            "--threads=1,2", "--benchmark_min_time=2"},
                           json),
              json + ".log");
  // Wait until the topology exists, mid-sweep.
  const std::set<ino_t> held = TopologyOf(pid);
  ASSERT_FALSE(held.empty()) << testing::VethOf(pid) << "\n"
                             << ReadFile(json + ".log");
  // Two, or four while Topology/SetupTeardown builds one more.
  for (ino_t ino : held)
    EXPECT_EQ(OtherHoldersOf(ino, pid), std::set<pid_t>{}) << ino;
  EXPECT_EQ(BindMountsOf(pid), 0);
  EXPECT_EQ(ChildrenOf(pid), std::vector<pid_t>{});
  std::this_thread::sleep_for(500ms);  // inside a benchmark now
  ::kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(NetNamespacesOf(pid), std::set<ino_t>{});  // gone with it
  EXPECT_EQ(BindMountsOf(pid), 0);
}

TEST(SignalsTest, SigintStopsCleanlyWithTheFinishedResults) {
  testing::TempDir dir;
  const std::string json = dir.File("interrupted.json");
  const pid_t pid = SpawnIn(
      -1,
      NetBenchArgs({"--modes=OneCopy,TwoCopy", "--sizes=1K", "--threads=1",
                    "--patterns=Stream", "--benchmark_filter=^Stream",
                    "--benchmark_min_time=1.5"},
                   json),
      json + ".log");
  // Interrupt once the first benchmark's result line is out (Google
  // Benchmark flushes each line), i.e. during the second one.
  ASSERT_TRUE(WaitFor(
      [&] {
        return ReadFile(json + ".log")
                   .find("Stream/OneCopy/size:1024/manual_time/threads:1 ") !=
               std::string::npos;
      },
      kTopologyUp))
      << ReadFile(json + ".log");
  std::this_thread::sleep_for(200ms);
  ::kill(pid, SIGINT);
  const int status = WaitOrKill(pid, 15s);
  ASSERT_NE(status, -1) << "net_bench did not stop within 15 s after SIGINT";
  ASSERT_TRUE(WIFEXITED(status)) << ReadFile(json + ".log");
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGINT);
  const std::string out = ReadFile(json);
  EXPECT_EQ(CountOf(out, "\"run_name\": \"Stream/OneCopy/size:1024"), 1) << out;
  EXPECT_NE(out.find("\"Gbps\""), std::string::npos) << out;  // a finished one
  EXPECT_EQ(CountOf(out, "interrupted by SIGINT"), 1) << out;
  EXPECT_EQ(out.find("Broken pipe"), std::string::npos) << out;
}

// A UDP sender has no peer to refuse it: the interrupt shuts its socket
// down, and its next send fails at once.
TEST(SignalsTest, SigintStopsAUdpFlowAtOnce) {
  testing::TempDir dir;
  const std::string json = dir.File("udp.json");
  const pid_t pid = SpawnIn(
      -1,
      NetBenchArgs({"--modes=UdpSendmsg", "--sizes=4K", "--threads=1",
                    "--patterns=UdpStream", "--udp_rx=recvmsg",
                    "--benchmark_filter=^Udp", "--benchmark_min_time=30"},
                   json),
      json + ".log");
  ASSERT_FALSE(TopologyOf(pid).empty()) << ReadFile(json + ".log");
  std::this_thread::sleep_for(1s);  // inside the window now
  const auto start = std::chrono::steady_clock::now();
  ::kill(pid, SIGINT);
  const int status = WaitOrKill(pid, 15s);
  ASSERT_NE(status, -1) << "net_bench did not stop within 15 s after SIGINT";
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  ASSERT_TRUE(WIFEXITED(status)) << ReadFile(json + ".log");
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGINT);
  EXPECT_EQ(CountOf(ReadFile(json), "interrupted by SIGINT"), 1)
      << ReadFile(json);
  EXPECT_EQ(NetNamespacesOf(pid), std::set<ino_t>{});
}

// The same for a UDP flow: its sockets, like the rest, go with the
// process.
TEST(SignalsTest, SigkillDuringAUdpFlowLeavesNothingBehind) {
  testing::TempDir dir;
  const std::string json = dir.File("udp-killed.json");
  const pid_t pid = SpawnIn(
      -1,
      NetBenchArgs({"--modes=UdpGso", "--sizes=64K", "--threads=2",
                    "--patterns=UdpStream,UdpRR", "--udp_rx=gro",
                    "--benchmark_filter=^Udp", "--benchmark_min_time=5"},
                   json),
      json + ".log");
  const std::set<ino_t> held = TopologyOf(pid);
  ASSERT_FALSE(held.empty()) << ReadFile(json + ".log");
  for (ino_t ino : held)
    EXPECT_EQ(OtherHoldersOf(ino, pid), std::set<pid_t>{}) << ino;
  std::this_thread::sleep_for(1s);  // inside the UdpStream window now
  ::kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(NetNamespacesOf(pid), std::set<ino_t>{});
  EXPECT_EQ(BindMountsOf(pid), 0);
  // No file at the path: the JSON is written only when the run ends.
  EXPECT_EQ(::access(json.c_str(), F_OK), -1);
}

TEST(SignalsTest, TwoRunsSideBySideBothSucceed) {
  testing::TempDir dir;
  std::vector<pid_t> pids;
  for (const char* name : {"a.json", "b.json"}) {
    const std::string json = dir.File(name);
    pids.push_back(SpawnIn(
        -1,
        NetBenchArgs(
            {"--verify", "--sizes=4K", "--threads=1,2",
             "--benchmark_filter=^(Stream|RR)/", "--benchmark_min_time=0.02"},
            json),
        json + ".log"));
  }
  for (size_t i = 0; i < pids.size(); ++i) {
    const std::string json = dir.File(i == 0 ? "a.json" : "b.json");
    const int status = WaitOrKill(pids[i], 180s);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << ReadFile(json + ".log");
    const std::string out = ReadFile(json);
    EXPECT_EQ(CountOf(out, "\"error_occurred\": true"), 0) << out;
    EXPECT_GE(CountOf(out, "\"run_name\": \"Stream/"), 6);
  }
}

}  // namespace
}  // namespace netbench
