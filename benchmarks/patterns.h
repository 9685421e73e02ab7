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

// Stream: this thread's connection pushes messages back to back with `mode`;
// the server's thread receives them. One iteration = one message.
void RunStream(benchmark::State& state, const Environment& env, Mode mode,
               size_t size);

// RR: this thread sends a small request, the server answers with one message
// sent by `mode`; the round trip of each iteration goes into a histogram.
void RunRR(benchmark::State& state, const Environment& env, Mode mode,
           size_t size);

// The Hello for connection `connection` of a benchmark of `pattern`.
Hello MakeHello(const Config& config, Pattern pattern, Mode mode, size_t size,
                int connection, WaitPolicy wait);

// Checks the server's Report against what this side did: `messages` sent
// (Stream) or answered (RR), and with --verify that the server checked every
// message when `server_verifies`. Returns "" when all is well, else the
// cause.
std::string CheckReport(const Report& report, const Config& config,
                        uint64_t messages, bool server_verifies);

// The shape of a run's record: its pattern, size and flags.
RunRecord RunShape(const Config& config, Pattern pattern, Mode mode,
                   size_t size);

// SkipWithError with `cause`, or with the interruption when a signal ended
// the run (a cut connection reports EPIPE, but the cause is the signal).
void SkipWithCause(benchmark::State& state, const std::string& cause);

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_PATTERNS_H_
