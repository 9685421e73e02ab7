#include "benchmarks/registration.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>

#include "base/printable.h"
#include "benchmarks/patterns.h"
#include "lib/sender.h"

namespace netbench {
namespace {

// Registers one benchmark of the grid, e.g. Stream/ZeroCopy/size:65536 at
// `threads` (all of config.threads when empty): Google Benchmark names it
// Stream/ZeroCopy/size:65536/manual_time/threads:8. A run is one window,
// whose length Google Benchmark sees as manual time.
void RegisterOne(const Config& config, Pattern pattern, Mode mode, size_t size,
                 const std::vector<int>& threads, const Environment* env) {
  const std::string name = std::string(PatternName(pattern)) + "/" +
                           std::string(ModeName(mode)) +
                           "/size:" + std::to_string(size);
  auto* b =
      benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
        RunFlowBenchmark(state, *env, pattern, mode, size);
      });
  b->UseManualTime();
  if (pattern == Pattern::kRR) b->Unit(benchmark::kMicrosecond);
  for (int t : threads.empty() ? config.threads : threads) b->Threads(t);
}

}  // namespace

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
                   std::string(ModeName(m)).c_str(), Printable(why).c_str());
    }
  }
  return modes;
}

void RegisterGrid(const Config& config, const std::vector<Mode>& modes,
                  const Environment* env) {
  if (config.rounds == 0) {
    for (Pattern pattern : config.patterns)
      for (Mode mode : modes)
        for (size_t size : config.sizes)
          RegisterOne(config, pattern, mode, size, {}, env);
    return;
  }
  // Blocked rounds: point by point, each round every mode once, in an
  // order drawn afresh; Google Benchmark runs them in registration order.
  std::mt19937_64 random(config.seed.value_or(0));
  std::vector<Mode> order = modes;
  for (Pattern pattern : config.patterns)
    for (size_t size : config.sizes)
      for (int threads : config.threads)
        for (int round = 0; round < config.rounds; ++round) {
          std::shuffle(order.begin(), order.end(), random);
          for (Mode mode : order)
            RegisterOne(config, pattern, mode, size, {threads}, env);
        }
}

}  // namespace netbench
