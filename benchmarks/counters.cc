#include "benchmarks/counters.h"

namespace netbench {
namespace {

using benchmark::Counter;

std::optional<uint64_t> Present(uint64_t v) {
  return v == kAbsent ? std::nullopt : std::optional<uint64_t>(v);
}

void SetPerByte(benchmark::State& state, const char* name,
                const std::optional<uint64_t>& value, double bytes,
                double scale = 1.0) {
  if (value && bytes > 0)
    state.counters[name] =
        Counter(static_cast<double>(*value) * scale / bytes, Counter::kAvgThreads);
}

}  // namespace

SideUsage FromReport(const Report& r) {
  SideUsage s;
  s.usage.cpu_ns = r.cpu_ns;
  s.usage.ctx_switches = r.ctx_switches;
  s.usage.cycles = Present(r.cycles);
  s.usage.instructions = Present(r.instructions);
  s.usage.llc_misses = Present(r.llc_misses);
  s.syscalls = r.syscalls;
  return s;
}

void CopyZeroCopyStats(const Report& r, SenderStats* zc) {
  zc->zc_sends = r.zc_sends;
  zc->zc_notifications = r.zc_notifications;
  zc->zc_completed = r.zc_completed;
  zc->zc_copied = r.zc_copied;
  zc->zc_enobufs = r.zc_enobufs;
  zc->zc_copied_known = r.zc_copied_known != 0;
}

void SetThreadCounters(benchmark::State& state, const ThreadMeasurements& m) {
  const double bytes =
      static_cast<double>(m.messages) * static_cast<double>(m.message_size);
  const double msgs = static_cast<double>(m.messages);
  if (m.messages == 0) return;
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["Gbps"] = Counter(bytes * 8 / 1e9, Counter::kIsRate);
  state.counters["msgs_per_second"] = Counter(msgs, Counter::kIsRate);
  state.counters["ns_per_msg"] = Counter(m.elapsed_ns / msgs, Counter::kAvgThreads);

  SetPerByte(state, "tx_cpu_ns_per_byte", m.tx.usage.cpu_ns, bytes);
  SetPerByte(state, "tx_cycles_per_byte", m.tx.usage.cycles, bytes);
  SetPerByte(state, "tx_instructions_per_byte", m.tx.usage.instructions, bytes);
  SetPerByte(state, "tx_llc_misses_per_kb", m.tx.usage.llc_misses, bytes, 1024);
  uint64_t ctx = m.tx.usage.ctx_switches;
  uint64_t syscalls = m.tx.syscalls;
  if (m.rx) {
    SetPerByte(state, "rx_cpu_ns_per_byte", m.rx->usage.cpu_ns, bytes);
    SetPerByte(state, "rx_cycles_per_byte", m.rx->usage.cycles, bytes);
    SetPerByte(state, "rx_llc_misses_per_kb", m.rx->usage.llc_misses, bytes, 1024);
    ctx += m.rx->usage.ctx_switches;
    syscalls += m.rx->syscalls;
  }
  state.counters["ctx_switches_per_msg"] =
      Counter(static_cast<double>(ctx) / msgs, Counter::kAvgThreads);
  state.counters["syscalls_per_msg"] =
      Counter(static_cast<double>(syscalls) / msgs, Counter::kAvgThreads);

  if (m.zero_copy_notified) {
    if (m.zc.zc_completed > 0 && m.zc.zc_copied_known)
      state.counters["zc_copied_ratio"] =
          Counter(static_cast<double>(m.zc.zc_copied) /
                      static_cast<double>(m.zc.zc_completed),
                  Counter::kAvgThreads);
    state.counters["zc_completions_per_msg"] = Counter(
        static_cast<double>(m.zc.zc_notifications) / msgs, Counter::kAvgThreads);
    state.counters["zc_enobufs"] =
        Counter(static_cast<double>(m.zc.zc_enobufs));
  }
  if (m.rx_zerocopy && m.mapped_bytes + m.copied_bytes > 0)
    state.counters["rx_mapped_share"] =
        Counter(static_cast<double>(m.mapped_bytes) /
                    static_cast<double>(m.mapped_bytes + m.copied_bytes),
                Counter::kAvgThreads);
}

}  // namespace netbench
