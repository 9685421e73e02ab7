#ifndef NET_BENCH_BENCHMARKS_VOCABULARY_H_
#define NET_BENCH_BENCHMARKS_VOCABULARY_H_

// The run describes itself: the tables of modes, patterns, counters and
// profile categories as JSON text, written into Google Benchmark's context
// ("modes", "patterns", "counters", "cpu_categories"), so that the tools read
// names, the zero-copy ("notified") set, labels and directions from the run
// instead of keeping copies.

#include <string>
#include <string_view>

namespace netbench {

// [{"name": "TwoCopy", "mechanism": "...", "notified": false}, ...]
std::string ModesJson();
// [{"name": "Stream", "description": "..."}, ...]
std::string PatternsJson();
// {"Gbps": {"label": "throughput (Gbit/s)", "better": "higher"}, ...}
std::string CountersJson();
// --profile's categories (lib/cpu_categories.h), in the table's order:
// [{"name": "copy_in", "label": "...", "kernel": ["_copy_from_iter", ...],
//   "user": []}, ...]
std::string CpuCategoriesJson();
// The kernel's copy primitives, transparent to the attribution:
// ["rep_movs_alternative", ...]
std::string CopyPrimitivesJson();

// `text` as a JSON string literal, quotes included.
std::string JsonString(std::string_view text);

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_VOCABULARY_H_
