#include "benchmarks/calibration_benchmark.h"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <exception>
#include <optional>
#include <string>

#include "lib/placement.h"

namespace netbench {
namespace {

constexpr size_t kCopyBytes = 64 << 10;  // fits L2 on any x86 of this decade
constexpr int kCopies = 8;
constexpr int kSteps = 20000;

// Runs `work` per iteration on `cpu`.
template <typename Work>
void Pinned(benchmark::State& state, int cpu, Work work) {
  std::optional<ScopedAffinity> pinned;
  try {
    pinned.emplace(cpu);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  for (auto _ : state) work();
}

void Copy(benchmark::State& state, int cpu) {
  // Allocated and touched before the timed loop.
  std::string from(kCopyBytes, 'x'), to(kCopyBytes, '\0');
  Pinned(state, cpu, [&] {
    for (int i = 0; i < kCopies; ++i) {
      std::memcpy(to.data(), from.data(), kCopyBytes);
      benchmark::ClobberMemory();
      from[static_cast<size_t>(i)] = to[static_cast<size_t>(i) + 1];
    }
  });
}

void Alu(benchmark::State& state, int cpu) {
  uint64_t x = 1;
  Pinned(state, cpu, [&] {
    // Dependent: its time is the core's latency, not the memory's.
    for (int i = 0; i < kSteps; ++i) x = x * 6364136223846793005u + 1;
    benchmark::DoNotOptimize(x);
  });
}

}  // namespace

void RegisterCalibration(const std::vector<int>& cpus) {
  for (int cpu : cpus) {
    const std::string suffix = "/cpu:" + std::to_string(cpu);
    benchmark::RegisterBenchmark(
        ("Calibration/Copy" + suffix).c_str(),
        [cpu](benchmark::State& state) { Copy(state, cpu); })
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(
        ("Calibration/Alu" + suffix).c_str(),
        [cpu](benchmark::State& state) { Alu(state, cpu); })
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
  }
}

}  // namespace netbench
