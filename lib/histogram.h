#ifndef NET_BENCH_LIB_HISTOGRAM_H_
#define NET_BENCH_LIB_HISTOGRAM_H_

// A log-linear histogram of latencies in nanoseconds, in the manner of
// HdrHistogram: a value's bucket is the position of its highest set bit plus
// the kSubBucketBits bits below it, so every bucket is narrower than 1/128 of
// the values it holds, over the whole uint64_t range (1 ns to 584 years).

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace netbench {

// Not thread-safe: one histogram per recording thread, merged afterwards.
class LatencyHistogram {
 public:
  // Values below 2^(kSubBucketBits + 1) = 256 get a bucket each (exact);
  // above, each power of two is split into 2^kSubBucketBits = 128 buckets.
  static constexpr unsigned kSubBucketBits = 7;
  static constexpr size_t kNumBuckets =
      (size_t{64 - kSubBucketBits} << kSubBucketBits) +
      (size_t{1} << kSubBucketBits);
  // The bound on |Quantile(q) - exact q-quantile| / exact q-quantile: the
  // estimate is the middle of a bucket at most 1/128 of its values wide.
  static constexpr double kMaxRelativeError = 1.0 / 256;

  // Allocates all buckets (58 KiB); nothing allocates afterwards.
  LatencyHistogram();

  // Adds one value. A few instructions, no allocation, no branch taken on
  // the value's magnitude other than min/max.
  void Record(uint64_t ns) {
    ++counts_[BucketIndex(ns)];
    ++count_;
    sum_ += ns;
    min_ = std::min(min_, ns);
    max_ = std::max(max_, ns);
  }

  // Adds every value recorded in `other`, as if recorded here.
  void Merge(const LatencyHistogram& other);

  // Forgets every value (keeps the buckets allocated).
  void Reset();

  // An empty histogram has Count() 0, and Mean(), Min(), Max() and every
  // Quantile() 0.
  uint64_t Count() const { return count_; }
  // Exact: the sum of the values over their count.
  double Mean() const;
  // Exact.
  uint64_t Min() const { return count_ == 0 ? 0 : min_; }
  uint64_t Max() const { return count_ == 0 ? 0 : max_; }

  // The value of rank ceil(q * Count()) (nearest rank, rank 1 the smallest),
  // within kMaxRelativeError. Quantile(0) is Min() and Quantile(1) is Max(),
  // exactly. REQUIRES: 0 <= q <= 1.
  uint64_t Quantile(double q) const;

  // The bucket of `ns`. Exposed for tests.
  static size_t BucketIndex(uint64_t ns) {
    // `shift` is how many low bits the bucket ignores: 0 below 256, else the
    // position of the highest set bit minus kSubBucketBits. The index is then
    // contiguous: shift * 128 + (ns >> shift), with ns >> shift in [128, 256).
    const unsigned top = static_cast<unsigned>(std::bit_width(ns | 1)) - 1;
    const unsigned shift = top > kSubBucketBits ? top - kSubBucketBits : 0;
    return (size_t{shift} << kSubBucketBits) + static_cast<size_t>(ns >> shift);
  }
  // The smallest and largest values of bucket `index`. REQUIRES: index <
  // kNumBuckets.
  static uint64_t BucketLowest(size_t index);
  static uint64_t BucketHighest(size_t index);

 private:
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  // 128 bits: 2^64 ns is only 584 years, so a uint64_t sum could overflow.
  unsigned __int128 sum_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
};

}  // namespace netbench

#endif  // NET_BENCH_LIB_HISTOGRAM_H_
