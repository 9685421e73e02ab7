#ifndef NET_BENCH_BENCHMARKS_TEE_REPORTER_H_
#define NET_BENCH_BENCHMARKS_TEE_REPORTER_H_

#include <benchmark/benchmark.h>

#include <vector>

namespace netbench {

// The console and the file as one reporter, in Google Benchmark's display
// slot. Google Benchmark takes a file reporter only with --benchmark_out,
// and then opens the file itself, truncating it at the start: a run killed
// midway would leave half a JSON there, and a failed write goes unnoticed.
// So net_bench keeps --benchmark_out from it, writes the file through
// base/output_file.h, and passes both reporters here.
//
// Each gets what Google Benchmark would have given it: the file every run
// and aggregate (--benchmark_report_aggregates_only is still Google
// Benchmark's, and applies to both); the console, with
// --benchmark_display_aggregates_only, a benchmark's aggregates alone when
// it has some, else its runs. Google Benchmark reports a benchmark's runs
// and then, if it computed any, its aggregates: with `hold_for_aggregates`
// the console's copy of the runs waits for the next report to know.
class TeeReporter : public benchmark::BenchmarkReporter {
 public:
  // `file` may be null (no --benchmark_out). `hold_for_aggregates`:
  // --benchmark_display_aggregates_only with repetitions, the only case in
  // which aggregates may come.
  TeeReporter(benchmark::BenchmarkReporter* display,
              benchmark::BenchmarkReporter* file, bool hold_for_aggregates)
      : display_(display), file_(file), hold_(hold_for_aggregates) {}

  bool ReportContext(const Context& context) override;
  void ReportRuns(const std::vector<Run>& runs) override;
  void Finalize() override;

 private:
  void ReleaseHeld();

  benchmark::BenchmarkReporter* display_;
  benchmark::BenchmarkReporter* file_;
  const bool hold_;
  std::vector<Run> held_;  // the last runs, not yet on the console
};

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_TEE_REPORTER_H_
