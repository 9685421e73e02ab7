#include <benchmark/benchmark.h>

#include <cstdio>
#include <exception>

#include "benchmarks/topology_benchmark.h"
#include "netns/privilege.h"

int main(int argc, char** argv) {
  try {
    // Before any thread exists: entering a user namespace (rootless) needs a
    // single-threaded process.
    netbench::netns::EnsureNamespacePrivilege();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "net_bench: %s\n", e.what());
    return 2;
  }
  netbench::RegisterTopologyBenchmark({});
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
