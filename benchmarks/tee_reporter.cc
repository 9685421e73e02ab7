#include "benchmarks/tee_reporter.h"

#include <algorithm>

namespace netbench {

bool TeeReporter::ReportContext(const Context& context) {
  // As Google Benchmark asks its two reporters: both must agree to run.
  return display_->ReportContext(context) &&
         (!file_ || file_->ReportContext(context));
}

void TeeReporter::ReportRuns(const std::vector<Run>& runs) {
  if (file_) file_->ReportRuns(runs);
  if (!hold_) {
    display_->ReportRuns(runs);
    return;
  }
  const bool aggregates =
      !runs.empty() && std::all_of(runs.begin(), runs.end(), [](const Run& r) {
        return r.run_type == Run::RT_Aggregate;
      });
  if (aggregates) {
    held_.clear();  // the benchmark's aggregates stand for its runs
    display_->ReportRuns(runs);
  } else {
    ReleaseHeld();  // the previous benchmark had no aggregates
    held_ = runs;
  }
}

void TeeReporter::Finalize() {
  ReleaseHeld();
  display_->Finalize();
  if (file_) file_->Finalize();
}

void TeeReporter::ReleaseHeld() {
  if (held_.empty()) return;
  display_->ReportRuns(held_);
  held_.clear();
}

}  // namespace netbench
