#ifndef NET_BENCH_BENCHMARKS_PATTERNS_H_
#define NET_BENCH_BENCHMARKS_PATTERNS_H_

#include <benchmark/benchmark.h>

#include <string>

#include "base/wait_policy.h"
#include "benchmarks/counters.h"
#include "benchmarks/environment.h"
#include "harness/client.h"
#include "harness/protocol.h"
#include "lib/mode.h"

namespace netbench {

// One benchmark run of `pattern` (Stream or RR, harness/flow.h) with
// `mode` and messages of `size` bytes: this thread's connection runs a
// steady flow on the run's schedule (benchmarks/run_group.h), and Google
// Benchmark's manual time is its window.
void RunFlowBenchmark(benchmark::State& state, const Environment& env,
                      Pattern pattern, Mode mode, size_t size);

// The Hello for connection `connection` of a benchmark of `pattern`.
Hello MakeHello(const Config& config, Pattern pattern, Mode mode, size_t size,
                int connection, WaitPolicy wait);

// Checks the server's Report against what this side did: `messages` sent
// (Stream) or answered (RR) over the whole data phase, and with --verify
// that the server checked every one when it received them (Stream).
// Returns "" when all is well, else the cause.
std::string CheckReport(const Report& report, const Config& config,
                        Pattern pattern, uint64_t messages);

// SkipWithError with `cause`, or with the interruption when a signal ended
// the run (a cut connection reports EPIPE, but the cause is the signal).
void SkipWithCause(benchmark::State& state, const std::string& cause);

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_PATTERNS_H_
