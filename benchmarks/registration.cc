#include "benchmarks/registration.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

#include "benchmarks/patterns.h"
#include "lib/sender.h"

namespace netbench {

std::vector<Mode> SupportedModes(const Config& config) {
  std::vector<Mode> wanted = config.modes;
  if (wanted.empty()) wanted.assign(AllModes().begin(), AllModes().end());
  std::vector<Mode> modes;
  for (Mode m : wanted) {
    const std::string why = ModeUnsupportedReason(m);
    if (why.empty()) {
      modes.push_back(m);
    } else {
      std::fprintf(stderr, "net_bench: %s left out: not supported: %s\n",
                   std::string(ModeName(m)).c_str(), why.c_str());
    }
  }
  return modes;
}

void RegisterGrid(const Config& config, const std::vector<Mode>& modes,
                  const Environment* env) {
  for (Pattern pattern : config.patterns) {
    for (Mode mode : modes) {
      for (size_t size : config.sizes) {
        const std::string name = std::string(PatternName(pattern)) + "/" +
                                 std::string(ModeName(mode)) +
                                 "/size:" + std::to_string(size);
        auto* b = benchmark::RegisterBenchmark(
            name.c_str(), [=](benchmark::State& state) {
              if (pattern == Pattern::kStream)
                RunStream(state, *env, mode, size);
              else
                RunRR(state, *env, mode, size);
            });
        b->UseRealTime();
        if (pattern == Pattern::kRR) b->Unit(benchmark::kMicrosecond);
        for (int t : config.threads) b->Threads(t);
      }
    }
  }
}

}  // namespace netbench
