#include "lib/histogram.h"

#include <cmath>

namespace netbench {

LatencyHistogram::LatencyHistogram() : counts_(kNumBuckets, 0) {}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < kNumBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

void LatencyHistogram::Reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = 0;
  sum_ = 0;
  min_ = UINT64_MAX;
  max_ = 0;
}

double LatencyHistogram::Mean() const {
  if (count_ == 0) return 0;
  return static_cast<double>(sum_) / static_cast<double>(count_);
}

uint64_t LatencyHistogram::BucketLowest(size_t index) {
  if (index < (size_t{2} << kSubBucketBits)) return index;
  const size_t shift = (index >> kSubBucketBits) - 1;
  return static_cast<uint64_t>(index - (shift << kSubBucketBits)) << shift;
}

uint64_t LatencyHistogram::BucketHighest(size_t index) {
  if (index < (size_t{2} << kSubBucketBits)) return index;
  const size_t shift = (index >> kSubBucketBits) - 1;
  return BucketLowest(index) + ((uint64_t{1} << shift) - 1);
}

uint64_t LatencyHistogram::Quantile(double q) const {
  if (count_ == 0) return 0;
  const double wanted = std::ceil(q * static_cast<double>(count_));
  // Ranks 1 and Count() are known exactly; clamping also absorbs q slightly
  // outside [0, 1] from floating-point arithmetic in the caller.
  if (wanted <= 1) return min_;
  if (wanted >= static_cast<double>(count_)) return max_;
  const auto rank = static_cast<uint64_t>(wanted);
  uint64_t seen = 0;
  for (size_t i = 0; i < kNumBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      // The value of that rank lies in this bucket and in [min_, max_]; the
      // middle of the bucket, moved into [min_, max_], is never farther from
      // it than half the bucket's width.
      const uint64_t lowest = BucketLowest(i);
      const uint64_t middle = lowest + (BucketHighest(i) - lowest) / 2;
      return std::clamp(middle, min_, max_);
    }
  }
  return max_;  // Unreachable: the counts add up to count_.
}

}  // namespace netbench
