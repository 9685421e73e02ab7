#ifndef NET_BENCH_BENCHMARKS_PROFILE_COUNTERS_H_
#define NET_BENCH_BENCHMARKS_PROFILE_COUNTERS_H_

// --profile's rows of the counter table (benchmarks/counters.h), generated
// from the category table (lib/cpu_categories.h), four per category:
//
//   profile_<category>_share             its share of the sampled CPU time
//                                        (cpu-clock; idle included, other
//                                        processes left out)
//   profile_<category>_ns_per_byte       its sampled CPU time over the bytes
//                                        moved in the window
//   profile_<category>_cycles_per_byte   PMU only: its sampled cycles
//   profile_<category>_llc_misses_per_kb PMU only: its sampled LLC load
//                                        misses per KiB moved
//
// and the profile's own figures: profile_samples, profile_kernel_named_share
// (the busy kernel samples in a category other than "other"),
// profile_left_out_share (samples of other processes, left out) and
// profile_lost_samples. All absent when the run was not profiled.

#include <vector>

#include "benchmarks/counters.h"

namespace netbench {

std::vector<CounterInfo> ProfileCounterRows();

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_PROFILE_COUNTERS_H_
