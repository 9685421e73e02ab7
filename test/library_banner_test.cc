// Google Benchmark's DEBUG banner (Debian builds libbenchmark without
// NDEBUG) said in net_bench's words, alone and as the console shows it.

#include "benchmarks/library_banner.h"

#include <benchmark/benchmark.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "benchmarks/outcome_reporter.h"

namespace netbench {
namespace {

constexpr char kBanner[] =
    "***WARNING*** Library was built as DEBUG. Timings may be affected.\n";

TEST(LibraryBannerTest, SaysWhoseBuildItIsAndWhyTimingsAreUnaffected) {
  const std::string said = RestateLibraryBuild(
      std::string("Run on (2 X 2596 MHz CPU s)\n") + kBanner + "mtu: 1500\n");
  EXPECT_EQ(said.find("***WARNING***"), std::string::npos) << said;
  EXPECT_EQ(said.rfind("Run on (2 X 2596 MHz CPU s)\nlibrary_build: ", 0), 0u)
      << said;
  for (const char* part : {"Debian's libbenchmark", "not net_bench's code",
                           "(net_bench: ", " build)", "manual time"})
    EXPECT_NE(said.find(part), std::string::npos) << part << " in " << said;
  EXPECT_EQ(said.substr(said.size() - 10), "mtu: 1500\n");
}

TEST(LibraryBannerTest, LeavesOtherTextAlone) {
  const std::string text = "{\n  \"context\": {}\n}\n";
  EXPECT_EQ(RestateLibraryBuild(text), text);
}

// What the console shows: the context Google Benchmark's own reporter
// writes, through the reporter net_bench gives it.
TEST(LibraryBannerTest, TheConsoleShowsNetBenchsWords) {
  benchmark::ConsoleReporter plain(benchmark::ConsoleReporter::OO_None);
  std::ostringstream plain_out, plain_err;
  plain.SetOutputStream(&plain_out);
  plain.SetErrorStream(&plain_err);
  ASSERT_TRUE(plain.ReportContext(benchmark::BenchmarkReporter::Context()));
  if (plain_err.str().find(kBanner) == std::string::npos)
    GTEST_SKIP() << "this libbenchmark was built with NDEBUG: no banner";

  benchmark::ConsoleReporter console(benchmark::ConsoleReporter::OO_None);
  RunOutcome outcome;
  OutcomeReporter reporter(&console, &outcome);
  std::ostringstream out, err;
  reporter.SetOutputStream(&out);
  reporter.SetErrorStream(&err);
  ASSERT_TRUE(reporter.ReportContext(benchmark::BenchmarkReporter::Context()));
  EXPECT_EQ(err.str().find("***WARNING*** Library"), std::string::npos)
      << err.str();
  EXPECT_NE(err.str().find("library_build: Debian's libbenchmark"),
            std::string::npos)
      << err.str();
}

}  // namespace
}  // namespace netbench
