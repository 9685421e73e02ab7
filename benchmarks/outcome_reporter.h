#ifndef NET_BENCH_BENCHMARKS_OUTCOME_REPORTER_H_
#define NET_BENCH_BENCHMARKS_OUTCOME_REPORTER_H_

#include <benchmark/benchmark.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

namespace netbench {

// Which benchmarks of a run failed, and the first cause, from what Google
// Benchmark reports: the exit status and the summary line come from it.
class RunOutcome {
 public:
  void Record(const benchmark::BenchmarkReporter::Run& run);

  // Distinct benchmarks (a name with all its repetitions) with an error.
  size_t failed() const { return failed_.size(); }
  // The error message of the first failed run; "" when none failed.
  const std::string& first_cause() const { return first_cause_; }

 private:
  std::set<std::string> failed_;
  std::string first_cause_;
};

// Forwards everything to `inner` (Google Benchmark's console, JSON or CSV
// reporter) and records every run in `outcome`. Give one to each of the
// display and file reporters: with --benchmark_display_aggregates_only the
// display sees only the aggregates of a benchmark whose repetitions partly
// failed, while the file still sees each repetition. (With
// --benchmark_report_aggregates_only neither does: Google Benchmark then
// reports such a partial failure nowhere.)
class OutcomeReporter : public benchmark::BenchmarkReporter {
 public:
  OutcomeReporter(benchmark::BenchmarkReporter* inner, RunOutcome* outcome)
      : inner_(inner), outcome_(outcome) {}

  bool ReportContext(const Context& context) override;
  void ReportRuns(const std::vector<Run>& runs) override;
  void Finalize() override;

 private:
  // Google Benchmark points the file reporter's streams at the file through
  // SetOutputStream, which is not virtual: pass them on before each call.
  void ShareStreams();

  benchmark::BenchmarkReporter* inner_;
  RunOutcome* outcome_;
};

// The file reporter Google Benchmark would make for --benchmark_out_format
// (console, json or csv), which it does not export.
std::unique_ptr<benchmark::BenchmarkReporter> MakeFileReporter(
    const std::string& format);

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_OUTCOME_REPORTER_H_
