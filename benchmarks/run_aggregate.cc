#include "benchmarks/run_aggregate.h"

#include <exception>

namespace netbench {

using benchmark::Counter;

RunAggregate& RunAggregate::Instance() {
  static RunAggregate* instance = new RunAggregate();
  return *instance;
}

void RunAggregate::Begin() {
  std::lock_guard lock(mu_);
  if (begun_++ == 0) {
    try {
      cpu_start_ = ReadSystemCpuTimes();
      cpu_ok_ = true;
    } catch (const std::exception&) {
      cpu_ok_ = false;  // the counters are then left out
    }
  }
}

void RunAggregate::End(benchmark::State& state,
                       const LatencyHistogram* round_trips, double bytes) {
  std::lock_guard lock(mu_);
  bytes_ += bytes;
  if (round_trips) round_trips_.Merge(*round_trips);
  if (++ended_ < state.threads()) return;

  if (round_trips_.Count() > 0) {
    const auto us = [](double ns) { return Counter(ns / 1e3); };
    state.counters["rtt_mean_us"] = us(round_trips_.Mean());
    state.counters["rtt_p50_us"] =
        us(static_cast<double>(round_trips_.Quantile(0.50)));
    state.counters["rtt_p99_us"] =
        us(static_cast<double>(round_trips_.Quantile(0.99)));
    state.counters["rtt_p999_us"] =
        us(static_cast<double>(round_trips_.Quantile(0.999)));
  }
  if (cpu_ok_ && bytes_ > 0) {
    try {
      const SystemCpuTimes end = ReadSystemCpuTimes();
      const double busy =
          static_cast<double>((end.busy - cpu_start_.busy).count());
      const double softirq =
          static_cast<double>((end.softirq - cpu_start_.softirq).count());
      state.counters["sys_cpu_ns_per_byte"] = Counter(busy / bytes_);
      if (busy > 0) state.counters["softirq_share"] = Counter(softirq / busy);
    } catch (const std::exception&) {
    }
  }
  begun_ = ended_ = 0;
  bytes_ = 0;
  round_trips_.Reset();
}

}  // namespace netbench
