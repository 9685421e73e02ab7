#include "benchmarks/counters.h"

#include <array>

#include "benchmarks/profile_counters.h"

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

// A field every side measures, as an optional for SumSide.
template <typename Get>
auto Always(Get get) {
  return [get](const SideRecord& r) { return std::optional<uint64_t>(get(r)); };
}

const SideTotals& Side(const RunTotals& t, bool tx) { return tx ? t.tx : t.rx; }

// One side's Σ field over its own bytes (x scale), or over its messages.
template <typename Get>
Value PerByte(const RunTotals& t, bool tx, Get get, double scale = 1.0) {
  const Value v = SumSide(t, tx, get);
  const double bytes = Side(t, tx).bytes;
  return v && bytes > 0 ? Value(*v * scale / bytes) : std::nullopt;
}
template <typename Get>
Value PerMessage(const RunTotals& t, bool tx, Get get) {
  const Value v = SumSide(t, tx, get);
  const double msgs = Side(t, tx).msgs;
  return v && msgs > 0 ? Value(*v / msgs) : std::nullopt;
}

// Both sides' field per message, each side over its own messages: in RR
// the request's send and receive are in the client's and server's counts.
template <typename Get>
Value BothPerMessage(const RunTotals& t, Get get) {
  const Value tx = PerMessage(t, true, Always(get));
  const Value rx = PerMessage(t, false, Always(get));
  return tx && rx ? Value(*tx + *rx) : std::nullopt;
}

Value Quantile(const RunTotals& t, double q) {
  const LatencyHistogram* h = t.run.round_trips;
  if (!h || h->Count() == 0) return std::nullopt;
  return static_cast<double>(h->Quantile(q)) / 1e3;
}

// The run's CPUs over the window, when they were read.
const SystemUsage* System(const RunTotals& t) {
  return t.run.system && t.run.system->wall.count() > 0 ? &*t.run.system
                                                        : nullptr;
}

// A tick-based figure of /proc/stat, only where a tick is at most 1% of the
// window.
const SystemUsage* PreciseTicks(const RunTotals& t) {
  const SystemUsage* s = System(t);
  return s && s->ticks_precise && s->ticks.total.count() > 0 ? s : nullptr;
}

Value ZeroCopy(const RunTotals& t, Value value) {
  return t.run.zero_copy_notified ? value : std::nullopt;
}

bool Udp(const RunTotals& t) {
  return TransportOf(t.run.pattern) == Transport::kUdp;
}

// UdpStream's datagrams per syscall on one side: what batching, GSO and
// GRO save in calls (the zero-copy modes' error-queue reads count as
// calls). Not for UdpRR, whose syscalls include the requests'.
Value DatagramsPerCall(const RunTotals& t, bool tx) {
  if (t.run.pattern != Pattern::kUdpStream) return std::nullopt;
  const Value datagrams =
      SumSide(t, tx, Always([](const SideRecord& r) { return r.datagrams; }));
  const Value calls =
      SumSide(t, tx, Always([](const SideRecord& r) { return r.syscalls; }));
  if (!datagrams || !calls || *calls <= 0) return std::nullopt;
  return *datagrams / *calls;
}

// The UDP receiving side's loss: UdpStream's datagrams the sequence
// numbers say were lost, over those plus the ones received; UdpRR's
// requests whose answer never came, over the requests.
Value LossShare(const RunTotals& t) {
  if (!Udp(t)) return std::nullopt;
  const bool stream = ClientSends(t.run.pattern);
  const Value lost =
      SumSide(t, false, Always([stream](const SideRecord& r) {
                return stream ? r.datagrams_lost : r.messages_lost;
              }));
  const Value got = SumSide(t, false, Always([stream](const SideRecord& r) {
                              return stream ? r.datagrams : r.messages;
                            }));
  if (!lost || !got || *lost + *got <= 0) return std::nullopt;
  return *lost / (*lost + *got);
}

// The counter vocabulary and how each counter is computed: adding a counter
// is one row here (and, for a new per-side input, a SideRecord field).
const std::array<CounterInfo, 30> kCounters = {{
    {"Gbps", "throughput (Gbit/s)", "higher",
     [](const RunTotals& t) -> Value { return t.rx.bytes_per_ns * 8; }},
    {"bytes_per_second", "throughput (bytes/s)", "higher",
     [](const RunTotals& t) -> Value { return t.rx.bytes_per_ns * 1e9; }},
    {"msgs_per_second", "messages per second", "higher",
     [](const RunTotals& t) -> Value { return t.rx.msgs_per_ns * 1e9; }},
    // Per connection: the time one connection takes per message.
    {"ns_per_msg", "time per message (ns)", "lower",
     [](const RunTotals& t) -> Value {
       return t.connections / t.rx.msgs_per_ns;
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
       return PerByte(t, true,
                      Always([](const SideRecord& r) { return r.cpu_ns; }));
     }},
    {"rx_cpu_ns_per_byte", "receiver CPU (ns/byte)", "lower",
     [](const RunTotals& t) {
       return PerByte(t, false,
                      Always([](const SideRecord& r) { return r.cpu_ns; }));
     }},
    // The CPUs' busy time (steal apart) over the bytes moved meanwhile.
    {"sys_cpu_ns_per_byte", "run's CPUs busy (ns/byte)", "lower",
     [](const RunTotals& t) -> Value {
       const SystemUsage* s = System(t);
       if (!s) return std::nullopt;
       std::optional<std::chrono::nanoseconds> busy = s->busy;
       if (!busy && s->ticks_precise) busy = s->ticks.busy - s->ticks.steal;
       const double bytes =
           t.rx.bytes_per_ns * static_cast<double>(s->wall.count());
       if (!busy || bytes <= 0) return std::nullopt;
       return static_cast<double>(busy->count()) / bytes;
     }},
    {"softirq_share", "softirq share of busy time", "",
     [](const RunTotals& t) -> Value {
       const SystemUsage* s = PreciseTicks(t);
       if (!s || s->ticks.busy.count() <= 0) return std::nullopt;
       return static_cast<double>(s->ticks.softirq.count()) /
              static_cast<double>(s->ticks.busy.count());
     }},
    {"steal_share", "CPU steal share of all CPU time", "lower",
     [](const RunTotals& t) -> Value {
       const SystemUsage* s = PreciseTicks(t);
       if (!s) return std::nullopt;
       return static_cast<double>(s->ticks.steal.count()) /
              static_cast<double>(s->ticks.total.count());
     }},
    {"tx_cycles_per_byte", "sender cycles/byte", "lower",
     [](const RunTotals& t) {
       return PerByte(t, true, [](const SideRecord& r) { return r.cycles; });
     }},
    {"rx_cycles_per_byte", "receiver cycles/byte", "lower",
     [](const RunTotals& t) {
       return PerByte(t, false, [](const SideRecord& r) { return r.cycles; });
     }},
    {"tx_instructions_per_byte", "sender instructions/byte", "lower",
     [](const RunTotals& t) {
       return PerByte(t, true,
                      [](const SideRecord& r) { return r.instructions; });
     }},
    {"tx_llc_misses_per_kb", "sender LLC misses/KiB", "lower",
     [](const RunTotals& t) {
       return PerByte(
           t, true, [](const SideRecord& r) { return r.llc_misses; }, 1024);
     }},
    {"rx_llc_misses_per_kb", "receiver LLC misses/KiB", "lower",
     [](const RunTotals& t) {
       return PerByte(
           t, false, [](const SideRecord& r) { return r.llc_misses; }, 1024);
     }},
    {"ctx_switches_per_msg", "context switches/message", "lower",
     [](const RunTotals& t) {
       return BothPerMessage(
           t, [](const SideRecord& r) { return r.ctx_switches; });
     }},
    {"syscalls_per_msg", "syscalls/message", "lower",
     [](const RunTotals& t) {
       return BothPerMessage(t, [](const SideRecord& r) { return r.syscalls; });
     }},
    // The share of the zero-copy completion notifications received inside
    // the window that said the kernel copied: per notification, the only
    // unit the kernel's verdict is exact for (lib/side_record.h).
    {"zc_copied_ratio", "zero-copy notifications saying copied (share)",
     "lower",
     [](const RunTotals& t) -> Value {
       for (const ConnectionRecord& c : t.run.connections)
         if (!c.tx(t.run.pattern).zc_copied_known) return std::nullopt;
       const Value completed = SumSide(
           t, true, Always([](const SideRecord& r) { return r.zc_completed; }));
       const Value copied = SumSide(
           t, true, Always([](const SideRecord& r) { return r.zc_copied; }));
       if (!completed || *completed <= 0) return std::nullopt;
       return ZeroCopy(t, *copied / *completed);
     }},
    {"zc_completions_per_msg", "zero-copy completions/message", "",
     [](const RunTotals& t) {
       return ZeroCopy(t, PerMessage(t, true, Always([](const SideRecord& r) {
                                       return r.zc_notifications;
                                     })));
     }},
    {"zc_enobufs_per_msg", "zero-copy ENOBUFS/message", "lower",
     [](const RunTotals& t) {
       return ZeroCopy(t, PerMessage(t, true, Always([](const SideRecord& r) {
                                       return r.zc_enobufs;
                                     })));
     }},
    // UDP: what was delivered, what was lost, and what it cost.
    {"datagrams_per_second", "UDP datagrams delivered per second", "higher",
     [](const RunTotals& t) -> Value {
       if (!Udp(t)) return std::nullopt;
       double per_ns = 0;
       for (const ConnectionRecord& c : t.run.connections) {
         const SideRecord& r = c.rx(t.run.pattern);
         const double window = static_cast<double>(r.end_ns - r.start_ns);
         if (window > 0) per_ns += static_cast<double>(r.datagrams) / window;
       }
       return per_ns * 1e9;
     }},
    {"udp_loss_share", "UDP loss (share of datagrams, UdpRR: of requests)",
     "lower", [](const RunTotals& t) { return LossShare(t); }},
    {"udp_reorder_share", "UDP datagrams that came after a later one (share)",
     "lower",
     [](const RunTotals& t) -> Value {
       if (!Udp(t) || !ClientSends(t.run.pattern)) return std::nullopt;
       const Value late = SumSide(t, false, Always([](const SideRecord& r) {
                                    return r.datagrams_reordered;
                                  }));
       const Value got = SumSide(
           t, false, Always([](const SideRecord& r) { return r.datagrams; }));
       if (!late || !got || *got <= 0) return std::nullopt;
       return *late / *got;
     }},
    // Both sides' CPU over the bytes that arrived: what a lost datagram
    // cost is charged to the ones delivered.
    {"cpu_ns_per_delivered_byte",
     "sender + receiver CPU per delivered byte (ns)", "lower",
     [](const RunTotals& t) -> Value {
       if (!Udp(t) || t.rx.bytes <= 0) return std::nullopt;
       const Value tx = SumSide(
           t, true, Always([](const SideRecord& r) { return r.cpu_ns; }));
       const Value rx = SumSide(
           t, false, Always([](const SideRecord& r) { return r.cpu_ns; }));
       return (*tx + *rx) / t.rx.bytes;
     }},
    {"tx_datagrams_per_call", "UdpStream datagrams per sender syscall", "",
     [](const RunTotals& t) { return DatagramsPerCall(t, true); }},
    {"rx_datagrams_per_call", "UdpStream datagrams per receiver syscall", "",
     [](const RunTotals& t) { return DatagramsPerCall(t, false); }},
    {"rx_mapped_share", "received bytes mapped (share)", "higher",
     [](const RunTotals& t) -> Value {
       if (!t.run.rx_zerocopy) return std::nullopt;
       const double mapped =
           *SumSide(t, false,
                    Always([](const SideRecord& r) { return r.mapped_bytes; }));
       const double copied =
           *SumSide(t, false,
                    Always([](const SideRecord& r) { return r.copied_bytes; }));
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

SideTotals TotalsOf(const RunRecord& run, bool tx) {
  SideTotals s;
  for (const ConnectionRecord& c : run.connections) {
    const SideRecord& r = tx ? c.tx(run.pattern) : c.rx(run.pattern);
    const double window = static_cast<double>(r.end_ns - r.start_ns);
    s.msgs += static_cast<double>(r.messages);
    s.bytes += static_cast<double>(r.bytes);
    if (window <= 0) continue;
    s.msgs_per_ns += static_cast<double>(r.messages) / window;
    s.bytes_per_ns += static_cast<double>(r.bytes) / window;
  }
  return s;
}

}  // namespace

std::span<const CounterInfo> CounterTable() {
  // The rows above, then --profile's, generated from the category table.
  static const std::vector<CounterInfo>* table = [] {
    auto* rows =
        new std::vector<CounterInfo>(kCounters.begin(), kCounters.end());
    for (const CounterInfo& row : ProfileCounterRows()) rows->push_back(row);
    return rows;
  }();
  return *table;
}

CounterList ComputeCounters(const RunRecord& run) {
  CounterList out;
  if (run.connections.empty()) return out;
  const RunTotals totals{
      .run = run,
      .tx = TotalsOf(run, true),
      .rx = TotalsOf(run, false),
      .connections = static_cast<double>(run.connections.size()),
  };
  if (totals.rx.msgs <= 0 || totals.rx.msgs_per_ns <= 0) {
    // Nothing delivered: a UDP run still says so, and how much it lost
    // (every other counter is per delivered byte or message).
    if (TransportOf(run.pattern) != Transport::kUdp) return out;
    for (const CounterInfo& c : CounterTable()) {
      const std::string_view n = c.name;
      if (n != "Gbps" && n != "bytes_per_second" && n != "udp_loss_share")
        continue;
      if (const Value v = c.compute(totals)) out.emplace_back(c.name, *v);
    }
    return out;
  }
  for (const CounterInfo& c : CounterTable())
    if (const Value v = c.compute(totals)) out.emplace_back(c.name, *v);
  return out;
}

std::string DescribeRun(const RunRecord& run) {
  std::string tx, rx;
  for (const ConnectionRecord& c : run.connections) {
    if (!tx.empty()) {
      tx += ',';
      rx += ',';
    }
    tx += CpuText(c.tx(run.pattern));
    rx += CpuText(c.rx(run.pattern));
  }
  return "wait=" + std::string(WaitPolicyName(run.wait)) + " cpus tx=" + tx +
         " rx=" + rx;
}

void SetCounters(benchmark::State& state, const CounterList& counters) {
  for (const auto& [name, value] : counters)
    state.counters[name] = benchmark::Counter(value);
}

}  // namespace netbench
