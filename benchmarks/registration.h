#ifndef NET_BENCH_BENCHMARKS_REGISTRATION_H_
#define NET_BENCH_BENCHMARKS_REGISTRATION_H_

#include <vector>

#include "benchmarks/config.h"
#include "benchmarks/environment.h"

namespace netbench {

// The modes of the grid: the ones asked for (all by default) that the
// running kernel supports. Each one left out is reported once on stderr.
std::vector<Mode> SupportedModes(const Config& config);

// Registers <Pattern>/<Mode>/size:<bytes> for the grid, each with
// UseManualTime() and Threads(n) for every thread count, so that Google
// Benchmark names them e.g. Stream/ZeroCopy/size:65536/manual_time/threads:8.
// With --rounds, every point (pattern, size, threads) is registered as that
// many rounds of all its modes, each round in a random order from --seed;
// the reporter numbers a name's runs as its rounds (outcome_reporter.h).
// The benchmarks run against *env; null registers them for their names
// only (matching a filter, listing), and then they must not run.
void RegisterGrid(const Config& config, const std::vector<Mode>& modes,
                  const Environment* env);

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_REGISTRATION_H_
