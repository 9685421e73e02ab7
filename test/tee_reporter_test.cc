// TeeReporter (benchmarks/tee_reporter.h): the file gets every report, the
// console what --benchmark_display_aggregates_only leaves it.

#include "benchmarks/tee_reporter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace netbench {
namespace {

using Run = benchmark::BenchmarkReporter::Run;

// Records the names of the runs it is given, one batch per call.
class Recorder : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& runs) override {
    std::string batch;
    for (const Run& r : runs)
      batch += (batch.empty() ? "" : ",") + r.run_name.function_name;
    batches.push_back(batch);
  }
  void Finalize() override { finalized = true; }
  std::vector<std::string> batches;
  bool finalized = false;
};

std::vector<Run> Runs(const std::string& name, int n, bool aggregates) {
  std::vector<Run> runs(static_cast<size_t>(n));
  for (Run& r : runs) {
    r.run_name.function_name = name;
    r.run_type = aggregates ? Run::RT_Aggregate : Run::RT_Iteration;
  }
  return runs;
}

TEST(TeeReporterTest, BothSeeEverythingByDefault) {
  Recorder display, file;
  TeeReporter tee(&display, &file, false);
  tee.ReportRuns(Runs("a", 2, false));
  tee.ReportRuns(Runs("amean", 1, true));
  tee.Finalize();
  const std::vector<std::string> all = {"a,a", "amean"};
  EXPECT_EQ(display.batches, all);
  EXPECT_EQ(file.batches, all);
  EXPECT_TRUE(display.finalized && file.finalized);
}

TEST(TeeReporterTest, TheConsoleShowsAggregatesAloneWhereThereAreSome) {
  Recorder display, file;
  TeeReporter tee(&display, &file, true);
  tee.ReportRuns(Runs("a", 2, false));
  tee.ReportRuns(Runs("amean", 1, true));
  // Every repetition of b failed: no aggregates, its runs are shown.
  tee.ReportRuns(Runs("b", 2, false));
  tee.ReportRuns(Runs("c", 2, false));
  tee.ReportRuns(Runs("cmean", 1, true));
  tee.ReportRuns(Runs("d", 2, false));
  tee.Finalize();
  EXPECT_EQ(display.batches,
            (std::vector<std::string>{"amean", "b,b", "cmean", "d,d"}));
  EXPECT_EQ(file.batches, (std::vector<std::string>{"a,a", "amean", "b,b",
                                                    "c,c", "cmean", "d,d"}));
}

TEST(TeeReporterTest, WithoutAFile) {
  Recorder display;
  TeeReporter tee(&display, nullptr, false);
  tee.ReportRuns(Runs("a", 1, false));
  tee.Finalize();
  EXPECT_EQ(display.batches, std::vector<std::string>{"a"});
}

}  // namespace
}  // namespace netbench
