#ifndef NET_BENCH_BENCHMARKS_IPERF3_WINDOW_H_
#define NET_BENCH_BENCHMARKS_IPERF3_WINDOW_H_

// The window of the iperf3 yardstick (Baseline/Iperf3), lined up with
// net_bench's own: the bytes the receiver got over a window of the same
// length (--benchmark_min_time) after at least the same warm-up (--warmup),
// not the sender's bytes over a whole run that begins with slow start.
//
// iperf3 3.12 (Debian 12) reads -t and -O with atoi(): whole seconds only,
// and "-t 0.5" runs without end. Its report interval (-i) takes fractions
// (0.1 s to 60 s), and a server run with -J reports what it received per
// interval, which the client's JSON carries as server_output_json with
// --get-server-output. So the window is cut from the receiver's intervals:
// the run lasts whole seconds, the server reports in intervals of the
// window's length (or a whole fraction of it, above 60 s), and the window is
// the first interval(s) that start after the warm-up.

#include <chrono>
#include <cstdint>
#include <string_view>

namespace netbench {

struct Iperf3Plan {
  double interval_s = 0;  // the server's -i
  int first = 0;          // the window's first interval (0-based)
  int count = 0;          // the window's intervals
  int duration_s = 0;     // the client's -t, whole seconds
};

// The plan for a window of `window` after a warm-up of `warmup`. A window
// shorter than iperf3's shortest interval (0.1 s) becomes 0.1 s.
Iperf3Plan PlanIperf3(std::chrono::nanoseconds warmup,
                      std::chrono::nanoseconds window);

struct Iperf3Window {
  uint64_t bytes = 0;  // received inside the window
  double seconds = 0;  // its length, as the receiver measured it
};

// The receiver's bytes and time over the plan's intervals, from the JSON of
// an iperf3 client run with -J --get-server-output against a server run
// with -J -i plan.interval_s. Throws std::runtime_error naming what is
// wrong: not JSON, iperf3's own "error", no server output, fewer intervals
// than the window needs.
Iperf3Window ReceiverWindow(std::string_view client_json,
                            const Iperf3Plan& plan);

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_IPERF3_WINDOW_H_
