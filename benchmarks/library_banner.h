#ifndef NET_BENCH_BENCHMARKS_LIBRARY_BANNER_H_
#define NET_BENCH_BENCHMARKS_LIBRARY_BANNER_H_

#include <string>

namespace netbench {

// Google Benchmark ends the context it prints before a run with
// "***WARNING*** Library was built as DEBUG. Timings may be affected." when
// the library itself was built without NDEBUG, as Debian builds it
// (libbenchmark 1.7.1). A reader takes it for net_bench's own build. Returns
// `context_text` (what a reporter wrote in ReportContext) with that line, if
// there, put in net_bench's words: whose build it is, net_bench's own build,
// and why it does not enter the timings.
std::string RestateLibraryBuild(std::string context_text);

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_LIBRARY_BANNER_H_
