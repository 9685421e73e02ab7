// CPU placement: the CPU lists, the split/same/none policies, and pinning as
// the kernel reports it (sched_getcpu and /proc/self/task/TID/stat).

#include "lib/placement.h"

#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace netbench {
namespace {

TEST(CpuListTest, ParsesRangesAndSingles) {
  EXPECT_EQ(ParseCpuList("0-3,6"), (std::vector<int>{0, 1, 2, 3, 6}));
  EXPECT_EQ(ParseCpuList("5,1,1-2"), (std::vector<int>{1, 2, 5}));
  EXPECT_EQ(ParseCpuList("7"), (std::vector<int>{7}));
}

TEST(CpuListTest, RejectsWhatIsNotACpuList) {
  for (const char* bad : {"", "a", "1-", "-1", "3-1", "1,,2", "1.5", "99999"})
    EXPECT_THROW(ParseCpuList(bad), std::invalid_argument) << bad;
}

TEST(CpuListTest, FormatsRangesBack) {
  EXPECT_EQ(FormatCpuList({0, 1, 2, 3, 6}), "0-3,6");
  EXPECT_EQ(FormatCpuList({0, 1}), "0,1");
  EXPECT_EQ(FormatCpuList({4}), "4");
  EXPECT_EQ(FormatCpuList({}), "");
}

TEST(PlacementTest, SplitPutsClientsOnTheFirstHalfServersOnTheSecond) {
  const Placement p(Affinity::kSplit, {0, 1, 2, 3});
  EXPECT_EQ(p.ClientCpu(0), 0);
  EXPECT_EQ(p.ClientCpu(1), 1);
  EXPECT_EQ(p.ClientCpu(2), 0);  // connection i on CPU i mod half
  EXPECT_EQ(p.ServerCpu(0), 2);
  EXPECT_EQ(p.ServerCpu(1), 3);
  EXPECT_EQ(p.ServerCpu(2), 2);
  EXPECT_EQ(p.ThreadsWithOwnCpu(), 2);
  EXPECT_EQ(p.Describe(), "split: client CPUs 0,1, server CPUs 2,3");
}

TEST(PlacementTest, SplitOfTwoCpus) {
  const Placement p(Affinity::kSplit, {0, 1});
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(p.ClientCpu(i), 0);
    EXPECT_EQ(p.ServerCpu(i), 1);
  }
  EXPECT_EQ(p.ThreadsWithOwnCpu(), 1);
}

TEST(PlacementTest, SameSharesOneCpuPerConnection) {
  const Placement p(Affinity::kSame, {2, 5});
  EXPECT_EQ(p.ClientCpu(0), 2);
  EXPECT_EQ(p.ServerCpu(0), 2);
  EXPECT_EQ(p.ClientCpu(1), 5);
  EXPECT_EQ(p.ServerCpu(1), 5);
  EXPECT_EQ(p.ThreadsWithOwnCpu(), 0);
  EXPECT_EQ(p.Describe(), "same: CPUs 2,5");
}

TEST(PlacementTest, NoneDoesNotPin) {
  const Placement p;
  EXPECT_EQ(p.ClientCpu(0), -1);
  EXPECT_EQ(p.ServerCpu(3), -1);
  EXPECT_EQ(p.Describe(), "none");
}

TEST(PlacementTest, SplitNeedsTwoCpus) {
  EXPECT_NE(Placement::Validate(Affinity::kSplit, {0}), "");
  EXPECT_THROW(Placement(Affinity::kSplit, {0}), std::invalid_argument);
  EXPECT_EQ(Placement::Validate(Affinity::kSame, {0}), "");
}

// The processor field (39th) of /proc/self/task/TID/stat: the CPU the
// kernel last ran the thread on.
int ProcStatCpu(pid_t tid) {
  std::ifstream f("/proc/self/task/" + std::to_string(tid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(f)),
                   std::istreambuf_iterator<char>());
  // The command name may hold spaces: fields are counted after its ')'.
  std::istringstream rest(text.substr(text.rfind(')') + 2));
  std::string field;
  for (int i = 3; i <= 39; ++i) rest >> field;  // fields 3..39
  return std::stoi(field);
}

TEST(ScopedAffinityTest, PinsTheThreadAndRestoresItsMask) {
  const std::vector<int> allowed = AllowedCpus();
  ASSERT_FALSE(allowed.empty());
  const int cpu = allowed.back();
  std::atomic<int> seen_getcpu{-2}, seen_stat{-2};
  std::vector<int> after;
  std::thread t([&] {
    {
      ScopedAffinity pin(cpu);
      // Let the scheduler move the thread if it has to, then look.
      volatile uint64_t spin = 0;
      for (int i = 0; i < 1'000'000; ++i) spin = spin + 1;
      seen_getcpu = CurrentCpu();
      seen_stat = ProcStatCpu(static_cast<pid_t>(::syscall(SYS_gettid)));
    }
    after = AllowedCpus();
  });
  t.join();
  EXPECT_EQ(seen_getcpu.load(), cpu);
  EXPECT_EQ(seen_stat.load(), cpu);
  EXPECT_EQ(after, allowed);
}

TEST(ScopedAffinityTest, NegativeCpuLeavesTheThreadAlone) {
  const std::vector<int> before = AllowedCpus();
  { ScopedAffinity none(-1); }
  EXPECT_EQ(AllowedCpus(), before);
}

TEST(ScopedAffinityTest, RefusedCpuThrows) {
  // A CPU beyond every machine's: the kernel refuses it (EINVAL).
  EXPECT_THROW(ScopedAffinity(CPU_SETSIZE - 1), std::exception);
}

}  // namespace
}  // namespace netbench
