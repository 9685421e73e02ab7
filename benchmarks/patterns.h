#ifndef NET_BENCH_BENCHMARKS_PATTERNS_H_
#define NET_BENCH_BENCHMARKS_PATTERNS_H_

#include <benchmark/benchmark.h>

#include <optional>
#include <string>

#include "base/wait_policy.h"
#include "benchmarks/counters.h"
#include "benchmarks/environment.h"
#include "harness/client.h"
#include "harness/protocol.h"
#include "lib/datagram_receiver.h"
#include "lib/mode.h"

namespace netbench {

// One point of the grid: a pattern, a mode of its transport, a message
// size, and for UDP the receive mode.
struct FlowPoint {
  Pattern pattern = Pattern::kStream;
  Mode mode = Mode::kOneCopy;
  size_t size = 0;
  std::optional<UdpRx> rx;  // UDP patterns only
  // UdpStream: the sender's pace in bits/s (0: unpaced), named when given.
  uint64_t rate = 0;
  bool rate_named = false;
};

// "Stream/OneCopy/size:65536", "UdpStream/UdpGso/size:65536/rx:gro",
// "UdpStream/UdpGso/size:65536/rx:gro/rate:1G".
std::string FlowPointName(const FlowPoint& point);

// One benchmark run of a point (harness/flow.h): this thread's connection
// runs a steady flow on the run's schedule (benchmarks/run_group.h), and
// Google Benchmark's manual time is its window.
void RunFlowBenchmark(benchmark::State& state, const Environment& env,
                      const FlowPoint& point);

// The Hello for connection `connection` of a benchmark of `point`;
// `datagram` is the UDP patterns' (Environment::datagram).
Hello MakeHello(const Config& config, const FlowPoint& point, int connection,
                WaitPolicy wait, size_t datagram = 0);

// Checks the server's Report against what this side did over the whole
// data phase: `messages` sent (Stream) or asked for (RR, UdpRR), or for
// UdpStream `datagrams` sent; with --verify, that the server checked every
// one it received (Stream, UdpStream). Returns "" when all is well, else
// the cause.
std::string CheckReport(const Report& report, const Config& config,
                        Pattern pattern, uint64_t messages,
                        uint64_t datagrams = 0);

// SkipWithError with `cause`, or with the interruption when a signal ended
// the run (a cut connection reports EPIPE, but the cause is the signal).
void SkipWithCause(benchmark::State& state, const std::string& cause);

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_PATTERNS_H_
