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
//   Baseline/Iperf3Udp/size:1472 iperf3 -u -b 0 -l 1472: unpaced datagrams
//                                of 1472 bytes, one stream; Gbps is what
//                                the receiver got, as above
//   Baseline/PlainRR/size:64     a minimal request/response loop: raw
//                                send/recv (the answer a sendmsg of 8
//                                fields, as OneCopy's), no protocol, no
//                                counters
// Compare with Stream/OneCopy/size:65536/manual_time/threads:1,
// UdpStream/UdpSendmsg/size:1472/rx:recvmsg/manual_time/threads:1 and
// RR/OneCopy/size:64/manual_time/threads:1.
void RegisterBaselines(const Environment* env);

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_BASELINE_BENCHMARKS_H_
