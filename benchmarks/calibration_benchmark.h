#ifndef NET_BENCH_BENCHMARKS_CALIBRATION_BENCHMARK_H_
#define NET_BENCH_BENCHMARKS_CALIBRATION_BENCHMARK_H_

#include <vector>

namespace netbench {

// Registers, for each CPU of `cpus`, two pieces of fixed CPU work with no
// I/O, pinned to that CPU and timed per iteration:
//  - Calibration/Copy/cpu:<n>: 8 copies of 64 KiB within the cache, with
//    memcpy, which glibc does with `rep movsb` at this size, as the
//    kernel's copy_to_user/copy_from_user do on CPUs with ERMS/FSRM: the
//    copy every mode but zero-copy pays;
//  - Calibration/Alu/cpu:<n>: a chain of dependent multiplications, the
//    core's own speed.
// Their spread over repetitions is the machine's own: on a VM the speed of
// a virtual CPU, and of `rep movsb` in particular, can change for seconds at
// a time, and no benchmark of the run can be steadier (tools/stability, the
// report's Noise section).
void RegisterCalibration(const std::vector<int>& cpus);

}  // namespace netbench

#endif  // NET_BENCH_BENCHMARKS_CALIBRATION_BENCHMARK_H_
