// The aggregation math of benchmarks/counters.h, driven with synthetic
// per-connection records: windows, unfair connections, absent counters and
// RR's syscall counts.

#include "benchmarks/counters.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace netbench {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

bool InTable(const std::string& name) {
  for (const CounterInfo& c : CounterTable())
    if (c.name == name) return true;
  return false;
}

// Also checks that every counter set is one of the vocabulary's, once.
std::map<std::string, double> AsMap(const CounterList& list) {
  std::map<std::string, double> m;
  for (const auto& [name, value] : list) {
    EXPECT_EQ(m.count(name), 0u) << name << " set twice";
    EXPECT_TRUE(InTable(name)) << name << " is not in CounterTable()";
    m[name] = value;
  }
  return m;
}

// One connection that moved `messages` in [start, end].
ConnectionRecord Connection(uint64_t messages, int64_t start, int64_t end) {
  ConnectionRecord c;
  c.client.messages = messages;
  c.server.messages = messages;
  c.window_start_ns = start;
  c.window_end_ns = end;
  return c;
}

RunRecord MakeRun(Pattern pattern, size_t size) {
  RunRecord r;
  r.pattern = pattern;
  r.message_size = size;
  return r;
}

TEST(CountersTest, ThroughputIsTotalBytesOverTheWallWindow) {
  RunRecord run = MakeRun(Pattern::kStream, 1000);
  run.connections.push_back(Connection(1'000'000, 0, 2 * kSecond));
  const auto c = AsMap(ComputeCounters(run));
  EXPECT_DOUBLE_EQ(c.at("bytes_per_second"), 1e9 / 2);
  EXPECT_DOUBLE_EQ(c.at("Gbps"), 4.0);
  EXPECT_DOUBLE_EQ(c.at("msgs_per_second"), 500'000);
  EXPECT_DOUBLE_EQ(c.at("ns_per_msg"), 2000);
}

// Two connections sharing unfairly (2:1) and ending at different times: the
// mean of per-thread rates, or bytes over the mean thread time, would
// overstate the throughput; the window is first start to last end.
TEST(CountersTest, UnfairConnectionsUseFirstStartToLastEnd) {
  RunRecord run = MakeRun(Pattern::kStream, 1000);
  run.connections.push_back(Connection(2'000'000, 0, 1 * kSecond));
  run.connections.push_back(Connection(1'000'000, kSecond / 1000, 2 * kSecond));
  const auto c = AsMap(ComputeCounters(run));
  const double window_s = 2.0;
  EXPECT_DOUBLE_EQ(c.at("bytes_per_second"), 3e9 / window_s);
  EXPECT_DOUBLE_EQ(c.at("msgs_per_second"), 3e6 / window_s);
  // Per connection: 1.5 M messages each on average over 2 s.
  EXPECT_DOUBLE_EQ(c.at("ns_per_msg"), 2e9 * 2 / 3e6);
  // Bytes over the mean thread time (1.5 s) would say 2 GB/s.
  EXPECT_LT(c.at("bytes_per_second"), 3e9 / 1.5);
}

TEST(CountersTest, CpuPerByteSumsEachSideOverConnections) {
  RunRecord run = MakeRun(Pattern::kStream, 100);
  ConnectionRecord a = Connection(10, 0, kSecond);
  a.client.cpu_ns = 3000;  // Stream: the client sends (tx)
  a.server.cpu_ns = 1000;
  ConnectionRecord b = Connection(10, 0, kSecond);
  b.client.cpu_ns = 1000;
  b.server.cpu_ns = 1000;
  run.connections = {a, b};
  const auto c = AsMap(ComputeCounters(run));
  EXPECT_DOUBLE_EQ(c.at("tx_cpu_ns_per_byte"), 4000.0 / 2000);
  EXPECT_DOUBLE_EQ(c.at("rx_cpu_ns_per_byte"), 2000.0 / 2000);

  // RR: the server sends the messages of the mode under test.
  run.pattern = Pattern::kRR;
  const auto rr = AsMap(ComputeCounters(run));
  EXPECT_DOUBLE_EQ(rr.at("tx_cpu_ns_per_byte"), 2000.0 / 2000);
  EXPECT_DOUBLE_EQ(rr.at("rx_cpu_ns_per_byte"), 4000.0 / 2000);
}

TEST(CountersTest, HardwareCountersAbsentWhenAnyConnectionLacksThem) {
  RunRecord run = MakeRun(Pattern::kStream, 1024);
  ConnectionRecord a = Connection(4, 0, kSecond);
  a.client.cycles = 8192;
  a.client.llc_misses = 16;
  a.server.cycles = 4096;
  ConnectionRecord b = Connection(4, 0, kSecond);
  b.client.cycles = 8192;
  b.client.llc_misses = 16;
  // b.server.cycles absent: rx cycles must not become a1's alone / all bytes.
  run.connections = {a, b};
  const auto c = AsMap(ComputeCounters(run));
  EXPECT_DOUBLE_EQ(c.at("tx_cycles_per_byte"), 16384.0 / 8192);
  EXPECT_DOUBLE_EQ(c.at("tx_llc_misses_per_kb"), 32.0 * 1024 / 8192);
  EXPECT_EQ(c.count("rx_cycles_per_byte"), 0u);
  EXPECT_EQ(c.count("tx_instructions_per_byte"), 0u);
  EXPECT_EQ(c.count("rx_llc_misses_per_kb"), 0u);
}

TEST(CountersTest, NoHardwareCountersNoHardwareNames) {
  RunRecord run = MakeRun(Pattern::kStream, 64);
  run.connections.push_back(Connection(100, 0, kSecond));
  const auto c = AsMap(ComputeCounters(run));
  for (const char* name :
       {"tx_cycles_per_byte", "rx_cycles_per_byte", "tx_instructions_per_byte",
        "tx_llc_misses_per_kb", "rx_llc_misses_per_kb", "zc_copied_ratio",
        "zc_completions_per_msg", "zc_enobufs", "rx_mapped_share", "rtt_p50_us",
        "sys_cpu_ns_per_byte", "steal_share"})
    EXPECT_EQ(c.count(name), 0u) << name;
  // Always measured.
  for (const char* name : {"tx_cpu_ns_per_byte", "rx_cpu_ns_per_byte",
                           "syscalls_per_msg", "ctx_switches_per_msg"})
    EXPECT_EQ(c.count(name), 1u) << name;
}

// RR: the client sends a request and receives the answer, the server
// receives the request and sends the answer: both threads' syscalls count,
// the request's included.
TEST(CountersTest, RrSyscallsCountBothThreadsAndTheRequest) {
  RunRecord run = MakeRun(Pattern::kRR, 64);
  ConnectionRecord c = Connection(1000, 0, kSecond);
  c.client.syscalls = 2000;  // 1000 request sends + 1000 answer receives
  c.server.syscalls = 2000;  // 1000 request receives + 1000 answer sends
  c.client.ctx_switches = 1000;
  c.server.ctx_switches = 500;
  run.connections = {c};
  const auto m = AsMap(ComputeCounters(run));
  EXPECT_DOUBLE_EQ(m.at("syscalls_per_msg"), 4.0);
  EXPECT_DOUBLE_EQ(m.at("ctx_switches_per_msg"), 1.5);
}

TEST(CountersTest, RoundTripPercentilesComeFromTheMergedHistogram) {
  RunRecord run = MakeRun(Pattern::kRR, 64);
  run.connections.push_back(Connection(100, 0, kSecond));
  LatencyHistogram h;
  for (int i = 0; i < 99; ++i) h.Record(10'000);
  h.Record(1'000'000);
  run.round_trips = &h;
  const auto m = AsMap(ComputeCounters(run));
  EXPECT_NEAR(m.at("rtt_p50_us"), 10.0,
              10.0 * LatencyHistogram::kMaxRelativeError);
  EXPECT_NEAR(m.at("rtt_p999_us"), 1000.0,
              1000.0 * LatencyHistogram::kMaxRelativeError);
  EXPECT_NEAR(m.at("rtt_mean_us"), (99 * 10.0 + 1000.0) / 100, 0.5);
}

TEST(CountersTest, ZeroCopyTruthFromTheSendingSide) {
  RunRecord run = MakeRun(Pattern::kRR, 4096);
  run.zero_copy_notified = true;
  ConnectionRecord a = Connection(100, 0, kSecond);
  a.server.zc_completed = 100;  // RR: the server sends
  a.server.zc_copied = 100;
  a.server.zc_notifications = 10;
  a.server.zc_enobufs = 2;
  ConnectionRecord b = a;
  b.server.zc_copied = 0;
  run.connections = {a, b};
  auto m = AsMap(ComputeCounters(run));
  EXPECT_DOUBLE_EQ(m.at("zc_copied_ratio"), 0.5);
  EXPECT_DOUBLE_EQ(m.at("zc_completions_per_msg"), 20.0 / 200);
  EXPECT_DOUBLE_EQ(m.at("zc_enobufs"), 4);

  // One connection's kernel cannot say whether it copied: no ratio at all.
  run.connections[1].server.zc_copied_known = false;
  m = AsMap(ComputeCounters(run));
  EXPECT_EQ(m.count("zc_copied_ratio"), 0u);
  EXPECT_EQ(m.count("zc_completions_per_msg"), 1u);
}

TEST(CountersTest, SystemCpuOverTheWindow) {
  RunRecord run = MakeRun(Pattern::kStream, 1000);
  run.connections.push_back(Connection(1000, 0, kSecond));
  SystemCpuTimes t;
  t.busy = std::chrono::milliseconds(500);
  t.softirq = std::chrono::milliseconds(100);
  t.steal = std::chrono::milliseconds(20);
  t.total = std::chrono::milliseconds(2000);
  run.system = t;
  const auto m = AsMap(ComputeCounters(run));
  EXPECT_DOUBLE_EQ(m.at("sys_cpu_ns_per_byte"), 500e6 / 1e6);
  EXPECT_DOUBLE_EQ(m.at("softirq_share"), 0.2);
  EXPECT_DOUBLE_EQ(m.at("steal_share"), 0.01);
}

TEST(CountersTest, MappedShareOfTheReceivingSide) {
  RunRecord run = MakeRun(Pattern::kStream, 8192);
  run.rx_zerocopy = true;
  ConnectionRecord c = Connection(10, 0, kSecond);
  c.server.mapped_bytes = 61440;
  c.server.copied_bytes = 20480;
  run.connections = {c};
  EXPECT_DOUBLE_EQ(AsMap(ComputeCounters(run)).at("rx_mapped_share"), 0.75);
}

TEST(CountersTest, NothingMovedNoCounters) {
  RunRecord run = MakeRun(Pattern::kStream, 1000);
  EXPECT_TRUE(ComputeCounters(run).empty());
  run.connections.push_back(Connection(0, 0, kSecond));
  EXPECT_TRUE(ComputeCounters(run).empty());
  run.connections[0] = Connection(10, kSecond, kSecond);  // empty window
  EXPECT_TRUE(ComputeCounters(run).empty());
}

TEST(CounterTableTest, NamesAreUniqueAndDirectionsKnown) {
  std::map<std::string, int> seen;
  for (const CounterInfo& c : CounterTable()) {
    EXPECT_EQ(++seen[std::string(c.name)], 1) << c.name;
    EXPECT_FALSE(c.label.empty()) << c.name;
    EXPECT_TRUE(c.better == "higher" || c.better == "lower" || c.better.empty())
        << c.name;
  }
}

TEST(CountersTest, DescribesTheCpusEachThreadRanOn) {
  RunRecord run = MakeRun(Pattern::kStream, 1000);
  ConnectionRecord a = Connection(1, 0, 1);
  a.client.cpu_at_start = a.client.cpu_at_end = 0;
  a.server.cpu_at_start = a.server.cpu_at_end = 1;
  ConnectionRecord b = a;
  b.client.cpu_at_end = 1;  // migrated during the window
  b.server.cpu_at_start = b.server.cpu_at_end = -1;
  run.connections = {a, b};
  EXPECT_EQ(DescribeCpus(run), "cpus tx=0,0|1 rx=1,?");
  run.pattern = Pattern::kRR;  // the server sends
  EXPECT_EQ(DescribeCpus(run), "cpus tx=1,? rx=0,0|1");
}

}  // namespace
}  // namespace netbench
