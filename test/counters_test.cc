// The aggregation math of benchmarks/counters.h, driven with synthetic
// per-connection records: each side's own window, absent counters, RR's
// syscall counts, the system's CPUs and the resolution rule.

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

// One side's window: `messages` of `size` bytes in [start, end].
SideRecord Window(uint64_t messages, size_t size, int64_t start, int64_t end) {
  SideRecord r;
  r.messages = messages;
  r.bytes = messages * size;
  r.start_ns = start;
  r.end_ns = end;
  return r;
}

// One connection whose two sides both moved `messages` of `size` bytes in
// [start, end].
ConnectionRecord Connection(uint64_t messages, int64_t start, int64_t end,
                            size_t size = 1000) {
  ConnectionRecord c;
  c.client = Window(messages, size, start, end);
  c.server = Window(messages, size, start, end);
  return c;
}

RunRecord MakeRun(Pattern pattern, size_t size) {
  RunRecord r;
  r.pattern = pattern;
  r.message_size = size;
  return r;
}

TEST(CountersTest, ThroughputIsTheReceiversBytesOverItsWindow) {
  RunRecord run = MakeRun(Pattern::kStream, 1000);
  run.connections.push_back(Connection(1'000'000, 0, 2 * kSecond));
  const auto c = AsMap(ComputeCounters(run));
  EXPECT_DOUBLE_EQ(c.at("bytes_per_second"), 1e9 / 2);
  EXPECT_DOUBLE_EQ(c.at("Gbps"), 4.0);
  EXPECT_DOUBLE_EQ(c.at("msgs_per_second"), 500'000);
  EXPECT_DOUBLE_EQ(c.at("ns_per_msg"), 2000);
}

// Each side counts inside its own window: the rate is the receiving side's
// (Stream: the server's), whatever the sender's window saw, and the
// connections' rates add up, each over its own window (steady flows end
// together, so an unfair share no longer leaves fast connections idle).
TEST(CountersTest, RatesAreTheReceivingSidesPerConnectionSummed) {
  RunRecord run = MakeRun(Pattern::kStream, 1000);
  ConnectionRecord a = Connection(2'000'000, 0, kSecond);
  a.client = Window(2'100'000, 1000, 5, kSecond + 5);  // sent more, meanwhile
  ConnectionRecord b = Connection(1'000'000, 0, kSecond / 2);
  run.connections = {a, b};
  const auto c = AsMap(ComputeCounters(run));
  EXPECT_DOUBLE_EQ(c.at("msgs_per_second"), 2e6 + 2e6);
  EXPECT_DOUBLE_EQ(c.at("bytes_per_second"), 4e9);
  EXPECT_DOUBLE_EQ(c.at("ns_per_msg"), 2 / 4e6 * 1e9);
  // RR: the client receives the answers.
  run.pattern = Pattern::kRR;
  EXPECT_DOUBLE_EQ(AsMap(ComputeCounters(run)).at("msgs_per_second"),
                   2.1e6 + 2e6);
}

// Per-byte costs divide a side's work by the bytes that side moved inside
// its own window: the sender's CPU by what it sent, the receiver's by what
// it received.
TEST(CountersTest, EachSidesCostIsOverItsOwnBytes) {
  RunRecord run = MakeRun(Pattern::kStream, 1000);
  ConnectionRecord a = Connection(1000, 0, kSecond);
  a.client = Window(2000, 1000, 0, kSecond);  // the sender moved 2 MB
  a.client.cpu_ns = 4'000'000;
  a.server.cpu_ns = 3'000'000;  // the receiver 1 MB
  run.connections = {a};
  const auto c = AsMap(ComputeCounters(run));
  EXPECT_DOUBLE_EQ(c.at("tx_cpu_ns_per_byte"), 2.0);
  EXPECT_DOUBLE_EQ(c.at("rx_cpu_ns_per_byte"), 3.0);
}

TEST(CountersTest, CpuPerByteSumsEachSideOverConnections) {
  RunRecord run = MakeRun(Pattern::kStream, 100);
  ConnectionRecord a = Connection(10, 0, kSecond, 100);
  a.client.cpu_ns = 3000;  // Stream: the client sends (tx)
  a.server.cpu_ns = 1000;
  ConnectionRecord b = Connection(10, 0, kSecond, 100);
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
  ConnectionRecord a = Connection(4, 0, kSecond, 1024);
  a.client.cycles = 8192;
  a.client.llc_misses = 16;
  a.server.cycles = 4096;
  ConnectionRecord b = Connection(4, 0, kSecond, 1024);
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
        "zc_completions_per_msg", "zc_enobufs_per_msg", "rx_mapped_share",
        "rtt_p50_us", "sys_cpu_ns_per_byte", "steal_share"})
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
  ConnectionRecord c = Connection(1000, 0, kSecond, 64);
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
  ConnectionRecord a = Connection(100, 0, kSecond, 4096);
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
  EXPECT_DOUBLE_EQ(m.at("zc_enobufs_per_msg"), 4.0 / 200);

  // One connection's kernel cannot say whether it copied: no ratio at all.
  run.connections[1].server.zc_copied_known = false;
  m = AsMap(ComputeCounters(run));
  EXPECT_EQ(m.count("zc_copied_ratio"), 0u);
  EXPECT_EQ(m.count("zc_completions_per_msg"), 1u);
}

// The run's CPUs: busy time to the microsecond (cpuidle) over the bytes
// moved meanwhile; /proc/stat's tick-based shares only where a tick is at
// most 1% of the window.
TEST(CountersTest, SystemCpuOverTheWindow) {
  RunRecord run = MakeRun(Pattern::kStream, 1000);
  run.connections.push_back(Connection(1000, 0, kSecond));  // 1 MB/s
  SystemUsage u;
  u.wall = std::chrono::seconds(1);
  u.cpus = 2;
  u.busy = std::chrono::milliseconds(600);
  u.ticks.busy = std::chrono::milliseconds(500);
  u.ticks.softirq = std::chrono::milliseconds(100);
  u.ticks.steal = std::chrono::milliseconds(20);
  u.ticks.total = std::chrono::milliseconds(2000);
  u.ticks_precise = true;
  run.system = u;
  auto m = AsMap(ComputeCounters(run));
  EXPECT_DOUBLE_EQ(m.at("sys_cpu_ns_per_byte"), 600e6 / 1e6);
  EXPECT_DOUBLE_EQ(m.at("softirq_share"), 0.2);
  EXPECT_DOUBLE_EQ(m.at("steal_share"), 0.01);

  // A short window: ticks are too coarse for the shares; busy time still
  // comes from cpuidle.
  run.system->ticks_precise = false;
  m = AsMap(ComputeCounters(run));
  EXPECT_EQ(m.count("softirq_share"), 0u);
  EXPECT_EQ(m.count("steal_share"), 0u);
  EXPECT_EQ(m.count("sys_cpu_ns_per_byte"), 1u);
  // Without cpuidle either: nothing from the system.
  run.system->busy.reset();
  m = AsMap(ComputeCounters(run));
  EXPECT_EQ(m.count("sys_cpu_ns_per_byte"), 0u);
  // cpuidle absent but a long window: the ticks, steal apart.
  run.system->ticks_precise = true;
  EXPECT_DOUBLE_EQ(AsMap(ComputeCounters(run)).at("sys_cpu_ns_per_byte"),
                   480e6 / 1e6);
}

TEST(CountersTest, MappedShareOfTheReceivingSide) {
  RunRecord run = MakeRun(Pattern::kStream, 8192);
  run.rx_zerocopy = true;
  ConnectionRecord c = Connection(10, 0, kSecond, 8192);
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

TEST(CountersTest, LabelNamesTheWaitAndTheCpusEachThreadRanOn) {
  RunRecord run = MakeRun(Pattern::kStream, 1000);
  ConnectionRecord a = Connection(1, 0, 1);
  a.client.cpu_at_start = a.client.cpu_at_end = 0;
  a.server.cpu_at_start = a.server.cpu_at_end = 1;
  ConnectionRecord b = a;
  b.client.cpu_at_end = 1;  // migrated during the window
  b.server.cpu_at_start = b.server.cpu_at_end = -1;
  run.connections = {a, b};
  EXPECT_EQ(DescribeRun(run), "wait=block cpus tx=0,0|1 rx=1,?");
  run.pattern = Pattern::kRR;  // the server sends
  run.wait = WaitPolicy::kSpin;
  EXPECT_EQ(DescribeRun(run), "wait=spin cpus tx=1,? rx=0,0|1");
}

}  // namespace
}  // namespace netbench
