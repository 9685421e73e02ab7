#ifndef NET_BENCH_BENCHMARKS_PROFILE_OUTPUT_H_
#define NET_BENCH_BENCHMARKS_PROFILE_OUTPUT_H_

// --profile's folded stacks on disk: one file per benchmark in
// --profile_out, named after the benchmark with '/' as '-'
// ("Stream-OneCopy-size:65536-manual_time-threads:1.folded"), one line per
// distinct stack, "comm;outermost;...;innermost count", the input of
// flame-graph tools (flamegraph.pl, inferno, speedscope). A benchmark run
// several times (repetitions, rounds) has one file with every run's
// samples.

#include <string>
#include <string_view>

#include "lib/cpu_profile.h"

namespace netbench {

// "Stream-OneCopy-size:65536-manual_time-threads:1.folded".
std::string FoldedFileName(std::string_view benchmark);

// Writes `stacks` as the file of `benchmark` in `dir` (made if missing),
// sorted by stack, complete or not at all: written under a temporary name
// and renamed. Throws SysError.
void WriteFoldedStacks(const std::string& dir, std::string_view benchmark,
                       const FoldedStacks& stacks);

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_PROFILE_OUTPUT_H_
