#include "benchmarks/counters.h"

#include <algorithm>
#include <array>
#include <limits>

namespace netbench {
namespace {

using Value = std::optional<double>;

// Σ field over one side of every connection; absent unless all have it.
template <typename Get>
Value SumSide(const RunTotals& t, bool tx, Get get) {
  double sum = 0;
  for (const ConnectionRecord& c : t.run.connections) {
    const SideRecord& side = tx ? c.tx(t.run.pattern) : c.rx(t.run.pattern);
    const std::optional<uint64_t> v = get(side);
    if (!v) return std::nullopt;
    sum += static_cast<double>(*v);
  }
  return sum;
}

// Σ field over both sides of every connection (they are always measured).
template <typename Get>
double SumBoth(const RunTotals& t, Get get) {
  double sum = 0;
  for (const ConnectionRecord& c : t.run.connections)
    sum += static_cast<double>(get(c.client) + get(c.server));
  return sum;
}

// Σ field of the side sending the messages of the mode under test.
template <typename Get>
double SumTx(const RunTotals& t, Get get) {
  return *SumSide(t, true, [&](const SideRecord& r) {
    return std::optional<uint64_t>(get(r));
  });
}

Value PerByte(const RunTotals& t, Value v, double scale = 1.0) {
  return v ? Value(*v * scale / t.bytes) : std::nullopt;
}

Value Quantile(const RunTotals& t, double q) {
  const LatencyHistogram* h = t.run.round_trips;
  if (!h || h->Count() == 0) return std::nullopt;
  return static_cast<double>(h->Quantile(q)) / 1e3;
}

// The system's CPU time over the window, when /proc/stat was read.
const SystemCpuTimes* System(const RunTotals& t) {
  return t.run.system && t.run.system->total.count() > 0 ? &*t.run.system
                                                         : nullptr;
}

Value ZeroCopy(const RunTotals& t, double value) {
  return t.run.zero_copy_notified ? Value(value) : std::nullopt;
}

// The counter vocabulary and how each counter is computed: adding a counter
// is one row here (and, for a new per-side input, a SideRecord field).
const std::array<CounterInfo, 24> kCounters = {{
    {"Gbps", "throughput (Gbit/s)", "higher",
     [](const RunTotals& t) -> Value { return t.bytes * 8 / t.window_ns; }},
    {"bytes_per_second", "throughput (bytes/s)", "higher",
     [](const RunTotals& t) -> Value { return t.bytes / t.window_ns * 1e9; }},
    {"msgs_per_second", "messages per second", "higher",
     [](const RunTotals& t) -> Value { return t.msgs / t.window_ns * 1e9; }},
    // Per connection: each moved msgs / connections messages in the window.
    {"ns_per_msg", "time per message (ns)", "lower",
     [](const RunTotals& t) -> Value {
       return t.window_ns * t.connections / t.msgs;
     }},
    {"rtt_mean_us", "RR round trip, mean (µs)", "lower",
     [](const RunTotals& t) -> Value {
       const LatencyHistogram* h = t.run.round_trips;
       return h && h->Count() > 0 ? Value(h->Mean() / 1e3) : std::nullopt;
     }},
    {"rtt_p50_us", "RR round trip, p50 (µs)", "lower",
     [](const RunTotals& t) { return Quantile(t, 0.50); }},
    {"rtt_p99_us", "RR round trip, p99 (µs)", "lower",
     [](const RunTotals& t) { return Quantile(t, 0.99); }},
    {"rtt_p999_us", "RR round trip, p99.9 (µs)", "lower",
     [](const RunTotals& t) { return Quantile(t, 0.999); }},
    {"tx_cpu_ns_per_byte", "sender CPU (ns/byte)", "lower",
     [](const RunTotals& t) {
       return PerByte(t, SumSide(t, true, [](const SideRecord& r) {
                        return std::optional<uint64_t>(r.cpu_ns);
                      }));
     }},
    {"rx_cpu_ns_per_byte", "receiver CPU (ns/byte)", "lower",
     [](const RunTotals& t) {
       return PerByte(t, SumSide(t, false, [](const SideRecord& r) {
                        return std::optional<uint64_t>(r.cpu_ns);
                      }));
     }},
    {"sys_cpu_ns_per_byte", "all CPUs busy (ns/byte)", "lower",
     [](const RunTotals& t) -> Value {
       const SystemCpuTimes* s = System(t);
       if (!s) return std::nullopt;
       return static_cast<double>(s->busy.count()) / t.bytes;
     }},
    {"softirq_share", "softirq share of busy time", "",
     [](const RunTotals& t) -> Value {
       const SystemCpuTimes* s = System(t);
       if (!s || s->busy.count() <= 0) return std::nullopt;
       return static_cast<double>(s->softirq.count()) /
              static_cast<double>(s->busy.count());
     }},
    {"steal_share", "CPU steal share of all CPU time", "lower",
     [](const RunTotals& t) -> Value {
       const SystemCpuTimes* s = System(t);
       if (!s) return std::nullopt;
       return static_cast<double>(s->steal.count()) /
              static_cast<double>(s->total.count());
     }},
    {"tx_cycles_per_byte", "sender cycles/byte", "lower",
     [](const RunTotals& t) {
       return PerByte(
           t, SumSide(t, true, [](const SideRecord& r) { return r.cycles; }));
     }},
    {"rx_cycles_per_byte", "receiver cycles/byte", "lower",
     [](const RunTotals& t) {
       return PerByte(
           t, SumSide(t, false, [](const SideRecord& r) { return r.cycles; }));
     }},
    {"tx_instructions_per_byte", "sender instructions/byte", "lower",
     [](const RunTotals& t) {
       return PerByte(t, SumSide(t, true, [](const SideRecord& r) {
                        return r.instructions;
                      }));
     }},
    {"tx_llc_misses_per_kb", "sender LLC misses/KiB", "lower",
     [](const RunTotals& t) {
       return PerByte(
           t,
           SumSide(t, true, [](const SideRecord& r) { return r.llc_misses; }),
           1024);
     }},
    {"rx_llc_misses_per_kb", "receiver LLC misses/KiB", "lower",
     [](const RunTotals& t) {
       return PerByte(
           t,
           SumSide(t, false, [](const SideRecord& r) { return r.llc_misses; }),
           1024);
     }},
    // Both threads of every connection: in RR the request's send and
    // receive are in the client's and the server's counts.
    {"ctx_switches_per_msg", "context switches/message", "lower",
     [](const RunTotals& t) -> Value {
       return SumBoth(t, [](const SideRecord& r) { return r.ctx_switches; }) /
              t.msgs;
     }},
    {"syscalls_per_msg", "syscalls/message", "lower",
     [](const RunTotals& t) -> Value {
       return SumBoth(t, [](const SideRecord& r) { return r.syscalls; }) /
              t.msgs;
     }},
    {"zc_copied_ratio", "zero-copy sends copied (share)", "lower",
     [](const RunTotals& t) -> Value {
       bool known = true;
       for (const ConnectionRecord& c : t.run.connections)
         known = known && c.tx(t.run.pattern).zc_copied_known;
       const double completed =
           SumTx(t, [](const SideRecord& r) { return r.zc_completed; });
       if (!known || completed <= 0) return std::nullopt;
       return ZeroCopy(t, SumTx(t, [](const SideRecord& r) {
                            return r.zc_copied;
                          }) / completed);
     }},
    {"zc_completions_per_msg", "zero-copy completions/message", "",
     [](const RunTotals& t) {
       return ZeroCopy(t, SumTx(t, [](const SideRecord& r) {
                            return r.zc_notifications;
                          }) / t.msgs);
     }},
    {"zc_enobufs", "zero-copy ENOBUFS", "lower",
     [](const RunTotals& t) {
       return ZeroCopy(
           t, SumTx(t, [](const SideRecord& r) { return r.zc_enobufs; }));
     }},
    {"rx_mapped_share", "received bytes mapped (share)", "higher",
     [](const RunTotals& t) -> Value {
       if (!t.run.rx_zerocopy) return std::nullopt;
       const auto mapped = *SumSide(t, false, [](const SideRecord& r) {
         return std::optional<uint64_t>(r.mapped_bytes);
       });
       const auto copied = *SumSide(t, false, [](const SideRecord& r) {
         return std::optional<uint64_t>(r.copied_bytes);
       });
       if (mapped + copied <= 0) return std::nullopt;
       return mapped / (mapped + copied);
     }},
}};

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
  const RunTotals totals{
      .run = run,
      .window_ns = static_cast<double>(end - start),
      .msgs = msgs,
      .bytes = msgs * static_cast<double>(run.message_size),
      .connections = static_cast<double>(run.connections.size()),
  };
  if (totals.msgs <= 0 || totals.window_ns <= 0) return out;
  for (const CounterInfo& c : kCounters)
    if (const Value v = c.compute(totals)) out.emplace_back(c.name, *v);
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
