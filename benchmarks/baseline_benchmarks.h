#ifndef NET_BENCH_BENCHMARKS_BASELINE_BENCHMARKS_H_
#define NET_BENCH_BENCHMARKS_BASELINE_BENCHMARKS_H_

#include "benchmarks/environment.h"

namespace netbench {

// Yardsticks for the harness itself (--baselines), run over the same
// topology as the grid so that ratios come from one run:
//   Baseline/Iperf3/size:65536   iperf3 -l 64K, one stream, its own server
//                                and client processes inside the
//                                namespaces; Gbps is the receiver's bytes
//                                over a window as long as the grid's after
//                                at least its warm-up
//                                (benchmarks/iperf3_window.h)
//   Baseline/PlainRR/size:64     a minimal request/response loop: raw
//                                send/recv (the answer a sendmsg of 8
//                                fields, as OneCopy's), no protocol, no
//                                counters
// Compare with Stream/OneCopy/size:65536/manual_time/threads:1 and
// RR/OneCopy/size:64/manual_time/threads:1.
void RegisterBaselines(const Environment* env);

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_BASELINE_BENCHMARKS_H_
