#ifndef NET_BENCH_BENCHMARKS_TOPOLOGY_BENCHMARK_H_
#define NET_BENCH_BENCHMARKS_TOPOLOGY_BENCHMARK_H_

#include "netns/topology.h"

namespace netbench {

// Registers Topology/SetupTeardown: build plus destroy the whole topology
// (two namespaces, veth pair, addresses, links up, optmem_max), without the
// debug bind mounts.
void RegisterTopologyBenchmark(netns::TopologyOptions options);

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_TOPOLOGY_BENCHMARK_H_
