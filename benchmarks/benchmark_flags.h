#ifndef NET_BENCH_BENCHMARKS_BENCHMARK_FLAGS_H_
#define NET_BENCH_BENCHMARKS_BENCHMARK_FLAGS_H_

#include <string>

namespace netbench {

// The values of Google Benchmark's flags that net_bench itself acts on, as
// Google Benchmark will see them: the last occurrence on the command line,
// else its BENCHMARK_* environment variable, else its default.
struct BenchmarkFlags {
  std::string filter;  // "" selects every benchmark
  std::string out;     // --benchmark_out; "" writes no file
  std::string out_format = "json";
  bool list_tests = false;
  // --benchmark_min_time: the length of each run's window (a benchmark run
  // is one window; Google Benchmark's own default, 0.5 s).
  double min_time = 0.5;
  int repetitions = 1;
  bool random_interleaving = false;
};

// Checks every flag left in argv[1..argc) once ParseFlags took the project's
// (so all of them are Google Benchmark's, or unknown), and the BENCHMARK_*
// environment variables Google Benchmark reads, against what Google
// Benchmark 1.7.1 takes without aborting (--benchmark_repetitions=-1),
// printing its usage and exiting 0 (--benchmark_out_format=xml), printing
// two lines, or silently reading a typo as true (--benchmark_color=ture).
// Throws FlagError with one line naming the flag and what is wrong.
BenchmarkFlags ValidateBenchmarkFlags(int argc, char** argv);

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_BENCHMARK_FLAGS_H_
