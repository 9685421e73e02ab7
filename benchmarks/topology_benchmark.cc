#include "benchmarks/topology_benchmark.h"

#include <benchmark/benchmark.h>

#include <exception>

#include "benchmarks/interrupt.h"

namespace netbench {

void RegisterTopologyBenchmark(netns::TopologyOptions options) {
  // What is measured is the topology itself; and the debug bind mounts are
  // named after the process, so the run's own topology already holds them.
  options.bind_mount = false;
  benchmark::RegisterBenchmark(
      "Topology/SetupTeardown",
      [options](benchmark::State& state) {
        if (InterruptSignal()) {
          state.SkipWithError(InterruptMessage().c_str());
          return;
        }
        for (auto _ : state) {
          // Nothing here is cut by an interrupt: look (a load beside the
          // milliseconds of a topology).
          if (InterruptSignal()) {
            state.SkipWithError(InterruptMessage().c_str());
            break;
          }
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
