#ifndef NET_BENCH_BENCHMARKS_PATTERNS_H_
#define NET_BENCH_BENCHMARKS_PATTERNS_H_

#include <benchmark/benchmark.h>

#include <chrono>
#include <string>

#include "benchmarks/client.h"
#include "benchmarks/counters.h"
#include "benchmarks/environment.h"
#include "benchmarks/protocol.h"
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

// The Hello for one connection of the given pattern.
Hello MakeHello(const Config& config, Pattern pattern, Mode mode, size_t size);

// Ends the data phase, reads the server's Report and checks it against what
// this side sent (and, with --verify, that the server checked every message
// when `server_verifies`): returns "" when all is well, else the cause.
std::string FinishConnection(ClientConnection& connection,
                             const Config& config, uint64_t messages,
                             bool server_verifies, Report* report);

// The measurements every pattern fills the same way: what was moved, in how
// long, and which optional counters apply to this mode and receiver.
ThreadMeasurements BasicMeasurements(const Config& config, Mode mode,
                                     size_t size, uint64_t messages,
                                     std::chrono::steady_clock::duration elapsed);

// SkipWithError with `cause`, or with the interruption when a signal ended
// the run (a cut connection reports EPIPE, but the cause is the signal).
void SkipWithCause(benchmark::State& state, const std::string& cause);

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_PATTERNS_H_
