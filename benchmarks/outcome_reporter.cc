#include "benchmarks/outcome_reporter.h"

#include <sstream>

#include "base/printable.h"
#include "benchmarks/library_banner.h"

namespace netbench {

void RunOutcome::Record(const benchmark::BenchmarkReporter::Run& run) {
  // Aggregates (mean, stddev...) of failed repetitions carry no error of
  // their own.
  if (!run.error_occurred ||
      run.run_type != benchmark::BenchmarkReporter::Run::RT_Iteration)
    return;
  if (failed_.empty()) first_cause_ = run.error_message;
  failed_.insert(run.benchmark_name());
}

bool OutcomeReporter::ReportContext(const Context& context) {
  ShareStreams();
  // The console reporter writes the context to its error stream, ending in
  // the library's DEBUG banner: said in net_bench's words instead.
  std::ostringstream text;
  inner_->SetErrorStream(&text);
  const bool ok = inner_->ReportContext(context);
  inner_->SetErrorStream(&GetErrorStream());
  GetErrorStream() << RestateLibraryBuild(text.str());
  return ok;
}

void OutcomeReporter::ReportRuns(const std::vector<Run>& runs) {
  std::vector<Run> reported = runs;
  for (Run& run : reported) {
    // Errors and labels carry text from peers, the kernel and libraries:
    // made printable here, where it leaves for the console and the file.
    run.error_message = Printable(run.error_message);
    run.report_label = Printable(run.report_label);
    outcome_->Record(run);
    if (rounds_ == 0 || run.run_type != Run::RT_Iteration) continue;
    run.repetition_index = runs_of_[run.benchmark_name()]++;
    run.repetitions = rounds_;
  }
  ShareStreams();
  inner_->ReportRuns(reported);
}

void OutcomeReporter::Finalize() {
  ShareStreams();
  inner_->Finalize();
}

void OutcomeReporter::ShareStreams() {
  inner_->SetOutputStream(&GetOutputStream());
  inner_->SetErrorStream(&GetErrorStream());
}

std::unique_ptr<benchmark::BenchmarkReporter> MakeFileReporter(
    const std::string& format) {
  if (format == "console")
    return std::make_unique<benchmark::ConsoleReporter>(
        benchmark::ConsoleReporter::OO_None);
  if (format == "csv") {
    // Deprecated in 1.7.1 but still one of its --benchmark_out_format values.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    return std::make_unique<benchmark::CSVReporter>();
#pragma GCC diagnostic pop
  }
  return std::make_unique<benchmark::JSONReporter>();
}

}  // namespace netbench
