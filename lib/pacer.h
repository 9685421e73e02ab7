#ifndef NET_BENCH_LIB_PACER_H_
#define NET_BENCH_LIB_PACER_H_

// --rate: a user-space pacer for a UDP sender, which has no flow control
// and would otherwise send as fast as its CPU allows and let the receiver
// drop. Before each message the sender waits until the bits it sent so far
// fit the rate: once it is kMinSleep or more ahead of the rate it sleeps
// (clock_nanosleep to an absolute time), and a shorter lead is let run, so
// that it never spins on a CPU it may share with its receiver. A sender
// that falls behind (descheduled) does not burst to catch up by more than
// kMaxBurst's worth of bits.
//
// SO_MAX_PACING_RATE would do this in the kernel, but for UDP only under
// the fq qdisc (tc-fq(8)), which the veth pair does not have.

#include <cstddef>
#include <cstdint>

namespace netbench {

class Pacer {
 public:
  // `bits_per_second` 0: no pacing.
  explicit Pacer(uint64_t bits_per_second) : rate_(bits_per_second) {}

  bool on() const { return rate_ > 0; }
  // Waits until `bytes` more may go at the rate.
  void Before(size_t bytes);

  static constexpr int64_t kMaxBurst = 1'000'000;  // ns
  static constexpr int64_t kMinSleep = 50'000;     // ns: run ahead below

 private:
  uint64_t rate_;
  int64_t next_ns_ = 0;  // when the next bytes may go
};

}  // namespace netbench

#endif  // NET_BENCH_LIB_PACER_H_
