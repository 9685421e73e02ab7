#ifndef NET_BENCH_BENCHMARKS_SERVE_H_
#define NET_BENCH_BENCHMARKS_SERVE_H_

#include "benchmarks/config.h"

namespace netbench {

// `net_bench serve`: runs only the server side, on --listen, until SIGINT or
// SIGTERM. Returns the process exit status.
int Serve(const Config& config);

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_SERVE_H_
