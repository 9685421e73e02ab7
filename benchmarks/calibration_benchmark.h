#ifndef NET_BENCH_BENCHMARKS_CALIBRATION_BENCHMARK_H_
#define NET_BENCH_BENCHMARKS_CALIBRATION_BENCHMARK_H_

#include <vector>

namespace netbench {

// Registers Calibration/CpuLoop/cpu:<n> for each CPU of `cpus`: a fixed
// piece of CPU work (a 64 KiB copy within the cache and a chain of
// multiplications), pinned to that CPU, timed per iteration. It touches no
// socket and no kernel path, so its spread over repetitions is the spread
// of the machine itself: on a VM whose host runs other work beside it, the
// speed of a virtual CPU changes for seconds at a time, and no benchmark of
// this run can be steadier than this loop (tools/stability, the report).
void RegisterCalibration(const std::vector<int>& cpus);

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_CALIBRATION_BENCHMARK_H_
