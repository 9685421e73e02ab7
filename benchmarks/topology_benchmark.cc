#include "benchmarks/topology_benchmark.h"

#include <benchmark/benchmark.h>

#include <exception>

namespace netbench {

void RegisterTopologyBenchmark(const netns::TopologyOptions& options) {
  benchmark::RegisterBenchmark(
      "Topology/SetupTeardown",
      [options](benchmark::State& state) {
        for (auto _ : state) {
          try {
            netns::Topology topology(options);
            benchmark::DoNotOptimize(topology.ns_fd(netns::Side::kClient));
          } catch (const std::exception& e) {
            state.SkipWithError(e.what());
            break;
          }
        }
      })
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}

}  // namespace netbench
