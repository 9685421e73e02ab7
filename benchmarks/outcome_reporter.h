#ifndef NET_BENCH_BENCHMARKS_OUTCOME_REPORTER_H_
#define NET_BENCH_BENCHMARKS_OUTCOME_REPORTER_H_

#include <benchmark/benchmark.h>

#include <map>
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
// reporter) and records every run in `outcome`, each run's error message
// and label made printable first (base/printable.h); the library's DEBUG
// banner in the context is said in net_bench's words
// (benchmarks/library_banner.h). Give one to each of the display and file
// reporters: with --benchmark_display_aggregates_only the display sees only
// the aggregates of a benchmark whose repetitions partly failed, while the
// file still sees each repetition. (With
// --benchmark_report_aggregates_only neither does: Google Benchmark then
// reports such a partial failure nowhere.)
//
// With `rounds` > 0 (--rounds), a name's runs are the rounds of its point,
// registered once each (benchmarks/registration.h): the k-th run of a name
// is reported as repetition k of `rounds`, as Google Benchmark's own
// repetitions are, so that compare.py and the tools read them alike.
class OutcomeReporter : public benchmark::BenchmarkReporter {
 public:
  OutcomeReporter(benchmark::BenchmarkReporter* inner, RunOutcome* outcome,
                  int rounds = 0)
      : inner_(inner), outcome_(outcome), rounds_(rounds) {}

  bool ReportContext(const Context& context) override;
  void ReportRuns(const std::vector<Run>& runs) override;
  void Finalize() override;

 private:
  // Google Benchmark points the file reporter's streams at the file through
  // SetOutputStream, which is not virtual: pass them on before each call.
  void ShareStreams();

  benchmark::BenchmarkReporter* inner_;
  RunOutcome* outcome_;
  int rounds_;
  std::map<std::string, int64_t> runs_of_;  // name -> runs reported so far
};

// The file reporter Google Benchmark would make for --benchmark_out_format
// (console, json or csv), which it does not export.
std::unique_ptr<benchmark::BenchmarkReporter> MakeFileReporter(
    const std::string& format);

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_OUTCOME_REPORTER_H_
