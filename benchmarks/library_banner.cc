#include "benchmarks/library_banner.h"

#include <string_view>

namespace netbench {
namespace {

// benchmark 1.7.1, src/reporter.cc, PrintBasicContext (#ifndef NDEBUG).
constexpr std::string_view kLibraryDebug =
    "***WARNING*** Library was built as DEBUG. Timings may be affected.\n";

#ifdef NET_BENCH_BUILD_TYPE
constexpr const char* kOwnBuild = NET_BENCH_BUILD_TYPE;
#else
constexpr const char* kOwnBuild = "";
#endif

}  // namespace

std::string RestateLibraryBuild(std::string context_text) {
  const size_t at = context_text.find(kLibraryDebug);
  if (at == std::string::npos) return context_text;
  // Why the timings are not affected: a Stream or RR run is one window that
  // net_bench times itself and hands over as manual time; the other
  // benchmarks' loop (`for (auto _ : state)`) is inline code of the
  // library's header, compiled into net_bench, and the library's own code
  // runs only when a batch of iterations starts and ends.
  const std::string own = *kOwnBuild ? kOwnBuild : "unspecified";
  context_text.replace(
      at, kLibraryDebug.size(),
      "library_build: Debian's libbenchmark is built without NDEBUG, so it "
      "calls itself DEBUG; that is Google Benchmark's build, not net_bench's "
      "code (net_bench: " +
          own +
          " build), and it does not enter the timings: Stream and RR time "
          "each window themselves (manual time), the other benchmarks' loop "
          "is compiled into net_bench\n");
  return context_text;
}

}  // namespace netbench
