#ifndef NET_BENCH_BENCHMARKS_BENCHMARK_FLAGS_H_
#define NET_BENCH_BENCHMARKS_BENCHMARK_FLAGS_H_

#include <string>
#include <utility>
#include <vector>

namespace netbench {

// The values of Google Benchmark's flags that net_bench itself acts on, as
// Google Benchmark will see them: the last occurrence on the command line,
// else its BENCHMARK_* environment variable, else its default.
struct BenchmarkFlags {
  std::string filter;  // "" selects every benchmark
  // --benchmark_out, --benchmark_out_format: net_bench writes the file
  // itself (base/output_file.h), complete or absent; "" writes none.
  std::string out;
  std::string out_format = "json";
  // --benchmark_display_aggregates_only: net_bench applies it to the
  // console itself, since Google Benchmark no longer sees the file
  // (benchmarks/tee_reporter.h).
  bool display_aggregates_only = false;
  // --benchmark_context's pairs from the command line: net_bench adds them
  // to the context itself, made printable (base/printable.h).
  std::vector<std::pair<std::string, std::string>> context;
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

// What Google Benchmark is given in place of argv[0..argc): argv[0] made
// printable (it goes into the context as the executable's name), then the
// arguments without the flags net_bench acts on in its place
// (--benchmark_out, --benchmark_out_format,
// --benchmark_display_aggregates_only, --benchmark_context), then flags
// that override what Google Benchmark read of them from its environment
// variables as it loaded (BENCHMARK_OUT would make it write the file
// itself).
std::vector<std::string> GoogleBenchmarkArguments(int argc, char** argv);

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_BENCHMARK_FLAGS_H_
