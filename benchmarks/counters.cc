#include "benchmarks/counters.h"

#include <algorithm>
#include <array>
#include <limits>

namespace netbench {
namespace {

constexpr std::array<CounterInfo, 24> kCounters = {{
    {"Gbps", "throughput (Gbit/s)", "higher"},
    {"bytes_per_second", "throughput (bytes/s)", "higher"},
    {"msgs_per_second", "messages per second", "higher"},
    {"ns_per_msg", "time per message (ns)", "lower"},
    {"rtt_mean_us", "RR round trip, mean (µs)", "lower"},
    {"rtt_p50_us", "RR round trip, p50 (µs)", "lower"},
    {"rtt_p99_us", "RR round trip, p99 (µs)", "lower"},
    {"rtt_p999_us", "RR round trip, p99.9 (µs)", "lower"},
    {"tx_cpu_ns_per_byte", "sender CPU (ns/byte)", "lower"},
    {"rx_cpu_ns_per_byte", "receiver CPU (ns/byte)", "lower"},
    {"sys_cpu_ns_per_byte", "all CPUs busy (ns/byte)", "lower"},
    {"softirq_share", "softirq share of busy time", ""},
    {"steal_share", "CPU steal share of all CPU time", "lower"},
    {"tx_cycles_per_byte", "sender cycles/byte", "lower"},
    {"rx_cycles_per_byte", "receiver cycles/byte", "lower"},
    {"tx_instructions_per_byte", "sender instructions/byte", "lower"},
    {"tx_llc_misses_per_kb", "sender LLC misses/KiB", "lower"},
    {"rx_llc_misses_per_kb", "receiver LLC misses/KiB", "lower"},
    {"ctx_switches_per_msg", "context switches/message", "lower"},
    {"syscalls_per_msg", "syscalls/message", "lower"},
    {"zc_copied_ratio", "zero-copy sends copied (share)", "lower"},
    {"zc_completions_per_msg", "zero-copy completions/message", ""},
    {"zc_enobufs", "zero-copy ENOBUFS", "lower"},
    {"rx_mapped_share", "received bytes mapped (share)", "higher"},
}};

// Σ field over a side of every connection; absent unless all have it.
template <typename Get>
std::optional<double> SumAll(const RunRecord& run, bool tx, Get get) {
  double sum = 0;
  for (const ConnectionRecord& c : run.connections) {
    const SideRecord& side = tx ? c.tx(run.pattern) : c.rx(run.pattern);
    const std::optional<uint64_t> v = get(side);
    if (!v) return std::nullopt;
    sum += static_cast<double>(*v);
  }
  return sum;
}

void PerByte(CounterList& out, const char* name, std::optional<double> value,
             double bytes, double scale = 1.0) {
  if (value && bytes > 0) out.emplace_back(name, *value * scale / bytes);
}

std::string CpuText(const SideRecord& r) {
  if (r.cpu_at_start < 0 && r.cpu_at_end < 0) return "?";
  if (r.cpu_at_start == r.cpu_at_end || r.cpu_at_end < 0)
    return std::to_string(r.cpu_at_start);
  if (r.cpu_at_start < 0) return std::to_string(r.cpu_at_end);
  return std::to_string(r.cpu_at_start) + "|" + std::to_string(r.cpu_at_end);
}

}  // namespace

std::span<const CounterInfo> CounterTable() { return kCounters; }

CounterList ComputeCounters(const RunRecord& run) {
  CounterList out;
  if (run.connections.empty()) return out;
  int64_t start = std::numeric_limits<int64_t>::max();
  int64_t end = std::numeric_limits<int64_t>::min();
  double msgs = 0;
  for (const ConnectionRecord& c : run.connections) {
    start = std::min(start, c.window_start_ns);
    end = std::max(end, c.window_end_ns);
    msgs += static_cast<double>(c.client.messages);
  }
  const double window_ns = static_cast<double>(end - start);
  const double bytes = msgs * static_cast<double>(run.message_size);
  if (msgs <= 0 || window_ns <= 0) return out;
  const double connections = static_cast<double>(run.connections.size());

  out.emplace_back("bytes_per_second", bytes / window_ns * 1e9);
  out.emplace_back("Gbps", bytes * 8 / window_ns);
  out.emplace_back("msgs_per_second", msgs / window_ns * 1e9);
  // Per connection: each connection moved msgs / connections messages in
  // the window.
  out.emplace_back("ns_per_msg", window_ns * connections / msgs);

  if (run.round_trips && run.round_trips->Count() > 0) {
    const LatencyHistogram& h = *run.round_trips;
    out.emplace_back("rtt_mean_us", h.Mean() / 1e3);
    out.emplace_back("rtt_p50_us", static_cast<double>(h.Quantile(0.50)) / 1e3);
    out.emplace_back("rtt_p99_us", static_cast<double>(h.Quantile(0.99)) / 1e3);
    out.emplace_back("rtt_p999_us",
                     static_cast<double>(h.Quantile(0.999)) / 1e3);
  }

  const auto cpu = [](const SideRecord& r) {
    return std::optional<uint64_t>(r.cpu_ns);
  };
  PerByte(out, "tx_cpu_ns_per_byte", SumAll(run, true, cpu), bytes);
  PerByte(out, "rx_cpu_ns_per_byte", SumAll(run, false, cpu), bytes);

  if (run.system && run.system->total.count() > 0) {
    const SystemCpuTimes& s = *run.system;
    const auto busy = static_cast<double>(s.busy.count());
    out.emplace_back("sys_cpu_ns_per_byte", busy / bytes);
    if (busy > 0)
      out.emplace_back("softirq_share",
                       static_cast<double>(s.softirq.count()) / busy);
    out.emplace_back("steal_share", static_cast<double>(s.steal.count()) /
                                        static_cast<double>(s.total.count()));
  }

  const auto cycles = [](const SideRecord& r) { return r.cycles; };
  const auto instructions = [](const SideRecord& r) { return r.instructions; };
  const auto llc = [](const SideRecord& r) { return r.llc_misses; };
  PerByte(out, "tx_cycles_per_byte", SumAll(run, true, cycles), bytes);
  PerByte(out, "rx_cycles_per_byte", SumAll(run, false, cycles), bytes);
  PerByte(out, "tx_instructions_per_byte", SumAll(run, true, instructions),
          bytes);
  PerByte(out, "tx_llc_misses_per_kb", SumAll(run, true, llc), bytes, 1024);
  PerByte(out, "rx_llc_misses_per_kb", SumAll(run, false, llc), bytes, 1024);

  // Both threads of every connection: in RR the request's send and receive
  // are in the client's and the server's counts.
  double ctx = 0, syscalls = 0;
  for (const ConnectionRecord& c : run.connections) {
    ctx += static_cast<double>(c.client.ctx_switches + c.server.ctx_switches);
    syscalls += static_cast<double>(c.client.syscalls + c.server.syscalls);
  }
  out.emplace_back("ctx_switches_per_msg", ctx / msgs);
  out.emplace_back("syscalls_per_msg", syscalls / msgs);

  if (run.zero_copy_notified) {
    double completed = 0, copied = 0, notifications = 0, enobufs = 0;
    bool copied_known = true;
    for (const ConnectionRecord& c : run.connections) {
      const SideRecord& tx = c.tx(run.pattern);
      completed += static_cast<double>(tx.zc_completed);
      copied += static_cast<double>(tx.zc_copied);
      notifications += static_cast<double>(tx.zc_notifications);
      enobufs += static_cast<double>(tx.zc_enobufs);
      copied_known = copied_known && tx.zc_copied_known;
    }
    if (completed > 0 && copied_known)
      out.emplace_back("zc_copied_ratio", copied / completed);
    out.emplace_back("zc_completions_per_msg", notifications / msgs);
    out.emplace_back("zc_enobufs", enobufs);
  }

  if (run.rx_zerocopy) {
    double mapped = 0, copied = 0;
    for (const ConnectionRecord& c : run.connections) {
      mapped += static_cast<double>(c.rx(run.pattern).mapped_bytes);
      copied += static_cast<double>(c.rx(run.pattern).copied_bytes);
    }
    if (mapped + copied > 0)
      out.emplace_back("rx_mapped_share", mapped / (mapped + copied));
  }
  return out;
}

std::string DescribeCpus(const RunRecord& run) {
  std::string tx, rx;
  for (const ConnectionRecord& c : run.connections) {
    if (!tx.empty()) {
      tx += ',';
      rx += ',';
    }
    tx += CpuText(c.tx(run.pattern));
    rx += CpuText(c.rx(run.pattern));
  }
  return "cpus tx=" + tx + " rx=" + rx;
}

void SetCounters(benchmark::State& state, const CounterList& counters) {
  for (const auto& [name, value] : counters)
    state.counters[name] = benchmark::Counter(value);
}

}  // namespace netbench
