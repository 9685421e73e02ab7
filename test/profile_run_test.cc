// --profile on real runs of the binary (DESIGN.md section 7), for the goals
// of issue 18:
//  - ZeroCopy at 64 KiB on veth spends time in the fallback copy at local
//    delivery (skb_copy_ubufs), OneCopy none;
//  - TwoCopyPacked has a larger user-space copy share than OneCopy;
//  - --rx=trunc has no copy-out share;
//  - the busy kernel samples fall in a named category (not "other") for
//    90% or more in every Stream and RR benchmark run here;
// and for the contract: the counters are absent on a run not profiled, the
// folded stacks are written beside the JSON and agree with the counters.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "benchmarks/profile_output.h"
#include "lib/cpu_attribution.h"
#include "lib/cpu_sampler.h"
#include "lib/placement.h"
#include "lib/user_symbols.h"
#include "test/net_test_util.h"

namespace netbench {
namespace {

using namespace std::chrono_literals;

struct Result {
  std::string name;
  std::string run_type;
  std::map<std::string, double> counters;
  bool has(const std::string& c) const { return counters.count(c) > 0; }
  double at(const std::string& c) const {
    auto it = counters.find(c);
    return it == counters.end() ? -1 : it->second;
  }
};

struct Output {
  std::vector<Result> benchmarks;
  std::string json;  // the whole file
  std::string log;   // stdout and stderr
  int status = -1;
};

// Google Benchmark's JSON writes one key per line: enough to read the
// benchmarks' names and numbers without a JSON library.
std::vector<Result> ReadBenchmarks(const std::string& json) {
  std::vector<Result> out;
  std::istringstream in(json);
  std::string line;
  bool in_benchmarks = false;
  while (std::getline(in, line)) {
    const size_t first = line.find_first_not_of(' ');
    if (first == std::string::npos) continue;
    line = line.substr(first);
    if (line.rfind("\"benchmarks\": [", 0) == 0) in_benchmarks = true;
    if (!in_benchmarks || line[0] != '"') continue;
    const size_t colon = line.find("\": ");
    if (colon == std::string::npos) continue;
    const std::string key = line.substr(1, colon - 1);
    std::string value = line.substr(colon + 3);
    if (!value.empty() && value.back() == ',') value.pop_back();
    if (key == "name") {
      out.push_back({value.substr(1, value.size() - 2), "", {}});
    } else if (key == "run_type" && !out.empty()) {
      out.back().run_type = value.substr(1, value.size() - 2);
    } else if (!out.empty() && value[0] != '"') {
      char* end = nullptr;
      const double v = std::strtod(value.c_str(), &end);
      if (end && *end == '\0') out.back().counters[key] = v;
    }
  }
  return out;
}

Output RunNetBench(const testing::TempDir& dir, std::vector<std::string> args) {
  args.insert(args.begin(), NET_BENCH_BINARY);
  args.push_back("--benchmark_out=" + dir.File("run.json"));
  args.push_back("--benchmark_out_format=json");
  Output o;
  const pid_t pid = testing::SpawnIn(-1, args, dir.File("log.txt"));
  o.status = testing::WaitOrKill(pid, 100s);
  o.log = testing::ReadFile(dir.File("log.txt"));
  o.json = testing::ReadFile(dir.File("run.json"));
  o.benchmarks = ReadBenchmarks(o.json);
  return o;
}

const Result* Find(const Output& o, const std::string& prefix) {
  for (const Result& r : o.benchmarks)
    if (r.name.rfind(prefix, 0) == 0) return &r;
  return nullptr;
}

// The benchmark's folded stacks (those whose root starts with `root`),
// attributed again: samples by category and the largest "other" stacks,
// for the report of a failure.
struct Folded {
  std::map<size_t, uint64_t> by_category;
  uint64_t samples = 0;
  std::string largest_other;
};
Folded ReadFolded(const std::string& path, const std::string& root = "") {
  const CpuAttribution a;
  Folded f;
  std::ifstream in(path);
  std::string line;
  std::vector<std::pair<uint64_t, std::string>> other;
  while (std::getline(in, line)) {
    const size_t space = line.rfind(' ');
    const std::string stack = line.substr(0, space);
    const uint64_t count = std::stoull(line.substr(space + 1));
    if (stack.rfind(root, 0) != 0) continue;
    const size_t c = a.AttributeFolded(stack);
    f.by_category[c] += count;
    f.samples += count;
    if (c == OtherCpuCategory()) other.emplace_back(count, stack);
  }
  std::sort(other.rbegin(), other.rend());
  for (size_t i = 0; i < other.size() && i < 5; ++i)
    f.largest_other += "\n  " + std::to_string(other[i].first) + " " +
                       other[i].second.substr(other[i].second.rfind(';') + 1) +
                       " (" + other[i].second.substr(0, 160) + ")";
  return f;
}

class ProfileRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const SamplingSupport& s = CpuSamplingSupport(AllowedCpus().front());
    if (!s.permitted) GTEST_SKIP() << s.reason;
  }
  testing::TempDir dir_;
};

TEST_F(ProfileRunTest, EveryModeMeetsTheGoals) {
  const Output o =
      // 2000 Hz: the smaller categories (TwoCopyPacked's memcpy, 1 to 3%
      // of the samples) get tens of samples even on a busy machine.
      RunNetBench(dir_, {"--profile", "--profile_hz=2000", "--sizes=4K,64K",
                         "--threads=1", "--benchmark_filter=^(Stream|RR)/",
                         "--benchmark_min_time=0.5", "--warmup=100ms"});
  ASSERT_TRUE(WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0) << o.log;
  ASSERT_GE(o.benchmarks.size(), 10u) << o.log;
  EXPECT_NE(o.json.find("\"cpu_categories\": \"[{"), std::string::npos);
  EXPECT_NE(o.json.find("\"profile\": \"cpu-clock every"), std::string::npos);

  const size_t cpus = AllowedCpus().size();
  for (const Result& r : o.benchmarks) {
    SCOPED_TRACE(r.name);
    ASSERT_TRUE(r.has("profile_samples"));
    // Every CPU sampled over the whole window (0.5 s at 2000 Hz), this
    // process's samples and the others' left out together. cpu-clock
    // counts the time a virtual CPU runs: what the hypervisor steals
    // while other tests run beside this one takes samples away (a CI run
    // saw 1746 of 1800), so the bound below the window is looser than the
    // one above it, which nothing can push.
    const double expected = 0.5 * 2000 * static_cast<double>(cpus);
    const double all =
        r.at("profile_samples") / (1 - r.at("profile_left_out_share"));
    EXPECT_GE(all, 0.8 * expected);
    EXPECT_LE(all, 1.05 * expected);
    EXPECT_EQ(r.at("profile_lost_samples"), 0);
    // The shares add up to the whole.
    double sum = 0;
    for (const CpuCategory& c : CpuCategoryTable())
      sum += r.at("profile_" + std::string(c.name) + "_share");
    EXPECT_NEAR(sum, 1.0, 1e-9);
    // The folded stacks are the same samples.
    const Folded f =
        ReadFolded(dir_.path() + "/profile/" + FoldedFileName(r.name));
    EXPECT_EQ(static_cast<double>(f.samples), r.at("profile_samples"));
    EXPECT_GE(r.at("profile_kernel_named_share"), 0.90)
        << "the largest \"other\" stacks:" << f.largest_other;
  }

  for (const char* pattern : {"Stream", "RR"}) {
    const std::string p = std::string(pattern) + "/";
    const Result* zero = Find(o, p + "ZeroCopy/size:65536/");
    const Result* one = Find(o, p + "OneCopy/size:65536/");
    const Result* packed = Find(o, p + "TwoCopyPacked/size:65536/");
    ASSERT_TRUE(zero && one && packed) << o.log;
    // veth: the kernel copies every zero-copy send at local delivery.
    EXPECT_GT(zero->at("profile_fallback_copy_share"), 0) << pattern;
    EXPECT_GT(zero->at("profile_zc_pin_share"), 0) << pattern;
    // OneCopy's own threads never take that path. The counter keeps
    // ksoftirqd's and the idle CPU's softirqs too, which on a shared machine
    // may serve another user's zero-copy traffic: there, near zero.
    const Folded own = ReadFolded(
        dir_.path() + "/profile/" + FoldedFileName(one->name), "net_bench;");
    EXPECT_GT(own.samples, 0u) << pattern;
    EXPECT_EQ(own.by_category.count(FindCpuCategory("fallback_copy")), 0u)
        << pattern;
    EXPECT_EQ(own.by_category.count(FindCpuCategory("zc_pin")), 0u) << pattern;
    EXPECT_LT(one->at("profile_fallback_copy_share"),
              zero->at("profile_fallback_copy_share") / 10)
        << pattern;
    // TwoCopyPacked's memcpy, where glibc's variant has a name.
    if (UserSymbols::Self().FullSymbols("libc.so")) {
      EXPECT_GT(packed->at("profile_user_copy_share"),
                one->at("profile_user_copy_share"))
          << pattern;
    }
    EXPECT_GT(one->at("profile_copy_out_share"), 0) << pattern;
  }
}

TEST_F(ProfileRunTest, TruncatedReceivesCopyNothingOut) {
  const Output o =
      RunNetBench(dir_, {"--profile", "--rx=trunc", "--modes=OneCopy,ZeroCopy",
                         "--sizes=64K", "--threads=1", "--patterns=Stream",
                         "--benchmark_filter=^Stream/",
                         "--benchmark_min_time=0.25", "--warmup=100ms"});
  ASSERT_TRUE(WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0) << o.log;
  ASSERT_EQ(o.benchmarks.size(), 2u) << o.log;
  for (const Result& r : o.benchmarks) {
    SCOPED_TRACE(r.name);
    ASSERT_TRUE(r.has("profile_copy_out_share"));
    EXPECT_EQ(r.at("profile_copy_out_share"), 0);
    EXPECT_EQ(r.at("profile_copy_out_ns_per_byte"), 0);
    EXPECT_GT(r.at("profile_tcpip_share"), 0);
  }
}

TEST_F(ProfileRunTest, AlternateRunsHaveTheCountersOrNone) {
  const Output o = RunNetBench(
      dir_, {"--profile_alternate", "--modes=OneCopy", "--sizes=16K",
             "--threads=1", "--patterns=Stream", "--benchmark_filter=^Stream/",
             "--benchmark_min_time=0.1", "--warmup=50ms",
             "--benchmark_repetitions=2"});
  ASSERT_TRUE(WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0) << o.log;
  std::vector<const Result*> runs;
  for (const Result& r : o.benchmarks)
    if (r.run_type == "iteration") runs.push_back(&r);
  ASSERT_EQ(runs.size(), 2u) << o.log;
  EXPECT_TRUE(runs[0]->has("profile_samples"));
  EXPECT_TRUE(runs[0]->has("profile_tcpip_share"));
  // Not profiled: every profile counter absent, never zero.
  for (const auto& [name, value] : runs[1]->counters)
    EXPECT_NE(name.rfind("profile_", 0), 0u) << name;
  // No PMU here: the hardware figures are absent even when profiled.
  if (!CpuSamplingSupport(AllowedCpus().front()).hardware) {
    EXPECT_FALSE(runs[0]->has("profile_tcpip_cycles_per_byte"));
  }
  EXPECT_NE(o.json.find("\"profile_overhead\""), std::string::npos);
}

}  // namespace
}  // namespace netbench
