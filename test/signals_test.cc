// Signals and concurrency with the real binary: SIGKILL leaves nothing
// behind, SIGINT stops cleanly with the finished results written, and two
// runs side by side both succeed.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

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

// The network namespaces other than this one that a process holds open as
// fds (net:[inode]).
std::set<ino_t> HeldNamespaces(pid_t pid) {
  static const ino_t own = [] {
    UniqueFd self = netns::CurrentNetNamespace();
    return testing::NamespaceInode(self.get());
  }();
  std::set<ino_t> inodes;
  std::error_code ec;
  const std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    std::error_code e2;
    const std::string target = std::filesystem::read_symlink(e.path(), e2);
    if (target.rfind("net:[", 0) == 0) {
      const ino_t ino = std::stoull(target.substr(5));
      if (ino != own) inodes.insert(ino);
    }
  }
  return inodes;
}

std::vector<std::string> NetBenchArgs(std::vector<std::string> args,
                             const std::string& json) {
  args.insert(args.begin(), NET_BENCH_BINARY);
  args.push_back("--benchmark_out=" + json);
  args.push_back("--benchmark_out_format=json");
  return args;
}

TEST(SignalsTest, SigkillDuringSweepLeavesNothingBehind) {
  testing::TempDir dir;
  const std::string json = dir.File("killed.json");
  const pid_t pid =
      SpawnIn(-1,
              NetBenchArgs({"--modes=OneCopy,TwoCopy", "--sizes=1K,64K", "--threads=1,2",
                   "--benchmark_min_time=2"},
                  json),
              json + ".log");
  // Wait until the topology exists (two namespaces held), mid-sweep.
  std::set<ino_t> held;
  for (int i = 0; i < 200 && held.size() < 2; ++i) {
    std::this_thread::sleep_for(25ms);
    held = HeldNamespaces(pid);
  }
  ASSERT_GE(held.size(), 2u) << ReadFile(json + ".log");
  std::this_thread::sleep_for(500ms);  // inside a benchmark now
  ::kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status));
  for (ino_t ino : held) EXPECT_FALSE(testing::NamespaceHeld(ino)) << ino;
  EXPECT_FALSE(testing::InterfaceExists(netns::Topology::kServerInterface));
  EXPECT_FALSE(testing::InterfaceExists(netns::Topology::kClientInterface));
  EXPECT_EQ(testing::NetBenchNetnsMounts(), 0);
  EXPECT_NE(::kill(pid, 0), 0);  // reaped: no process left
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
  bool first_done = false;
  for (int i = 0; i < 600 && !first_done; ++i) {
    std::this_thread::sleep_for(50ms);
    first_done = ReadFile(json + ".log").find(
                     "Stream/OneCopy/size:1024/real_time/threads:1 ") !=
                 std::string::npos;
  }
  ASSERT_TRUE(first_done) << ReadFile(json + ".log");
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
  EXPECT_FALSE(testing::InterfaceExists(netns::Topology::kServerInterface));
}

TEST(SignalsTest, TwoRunsSideBySideBothSucceed) {
  testing::TempDir dir;
  std::vector<pid_t> pids;
  for (const char* name : {"a.json", "b.json"}) {
    const std::string json = dir.File(name);
    pids.push_back(SpawnIn(
        -1,
        NetBenchArgs({"--verify", "--sizes=4K", "--threads=1,2",
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
