#include "lib/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace netbench {
namespace {

constexpr double kQuantiles[] = {0,    0.001, 0.01, 0.1,   0.25,   0.5,
                                 0.75, 0.9,   0.99, 0.999, 0.9999, 1};

// The nearest-rank quantile of sorted `values`, as LatencyHistogram defines it.
uint64_t ExactQuantile(const std::vector<uint64_t>& sorted, double q) {
  const double rank = std::ceil(q * static_cast<double>(sorted.size()));
  const size_t index = rank <= 1 ? 0 : static_cast<size_t>(rank) - 1;
  return sorted[std::min(index, sorted.size() - 1)];
}

double RelativeError(uint64_t estimate, uint64_t exact) {
  if (exact == 0) return estimate == 0 ? 0 : INFINITY;
  const double diff = estimate > exact ? static_cast<double>(estimate - exact)
                                       : static_cast<double>(exact - estimate);
  return diff / static_cast<double>(exact);
}

// Records `values` and checks every quantile, the mean, min and max against
// the exact ones.
void ExpectMatchesReference(std::vector<uint64_t> values) {
  LatencyHistogram h;
  long double sum = 0;
  for (uint64_t v : values) {
    h.Record(v);
    sum += static_cast<long double>(v);
  }
  std::sort(values.begin(), values.end());
  ASSERT_EQ(h.Count(), values.size());
  EXPECT_EQ(h.Min(), values.front());
  EXPECT_EQ(h.Max(), values.back());
  EXPECT_DOUBLE_EQ(
      h.Mean(),
      static_cast<double>(sum / static_cast<long double>(values.size())));
  for (double q : kQuantiles) {
    const uint64_t exact = ExactQuantile(values, q);
    const uint64_t estimate = h.Quantile(q);
    const double error = RelativeError(estimate, exact);
    EXPECT_LE(error, LatencyHistogram::kMaxRelativeError)
        << "q=" << q << " exact=" << exact << " estimate=" << estimate;
    EXPECT_LE(error, 0.01) << "q=" << q;  // The promise made to reports.
  }
}

TEST(LatencyHistogramTest, BucketsTileTheWholeRange) {
  EXPECT_EQ(LatencyHistogram::BucketIndex(0), 0u);
  EXPECT_EQ(LatencyHistogram::BucketIndex(UINT64_MAX),
            LatencyHistogram::kNumBuckets - 1);
  EXPECT_EQ(LatencyHistogram::BucketHighest(LatencyHistogram::kNumBuckets - 1),
            UINT64_MAX);
  for (size_t i = 0; i < LatencyHistogram::kNumBuckets; ++i) {
    const uint64_t lowest = LatencyHistogram::BucketLowest(i);
    const uint64_t highest = LatencyHistogram::BucketHighest(i);
    ASSERT_EQ(LatencyHistogram::BucketIndex(lowest), i);
    ASSERT_EQ(LatencyHistogram::BucketIndex(highest), i);
    if (i + 1 < LatencyHistogram::kNumBuckets) {
      ASSERT_EQ(LatencyHistogram::BucketLowest(i + 1), highest + 1);
    }
    // Narrower than 1/128 of its values: the source of the error bound.
    ASSERT_LE(static_cast<double>(highest - lowest),
              static_cast<double>(lowest) / 128.0);
  }
}

TEST(LatencyHistogramTest, SmallValuesAreExact) {
  std::vector<uint64_t> values;
  for (uint64_t v = 0; v < 256; ++v) {
    for (uint64_t k = 0; k <= v % 5; ++k) values.push_back(v);
  }
  LatencyHistogram h;
  for (uint64_t v : values) h.Record(v);
  for (double q : kQuantiles) {
    EXPECT_EQ(h.Quantile(q), ExactQuantile(values, q)) << "q=" << q;
  }
}

TEST(LatencyHistogramTest, UniformMatchesSortedReference) {
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<uint64_t> dist(0, 2'000'000);
  std::vector<uint64_t> values(100'000);
  for (uint64_t& v : values) v = dist(rng);
  ExpectMatchesReference(values);
}

TEST(LatencyHistogramTest, LogNormalMatchesSortedReference) {
  // Median e^9 ns ~ 8 us with a long tail: the shape of network latencies.
  std::mt19937_64 rng(2);
  std::lognormal_distribution<double> dist(9.0, 1.5);
  std::vector<uint64_t> values(100'000);
  for (uint64_t& v : values) v = static_cast<uint64_t>(dist(rng));
  ExpectMatchesReference(values);
}

TEST(LatencyHistogramTest, BimodalWithTinyAndHugeValuesMatchesReference) {
  // Most values below 128 ns (cache hits), the rest around 100 s, and a few
  // near the top of the uint64_t range.
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<uint64_t> tiny(1, 127);
  std::normal_distribution<double> slow(100e9, 5e9);
  std::uniform_int_distribution<uint64_t> huge(UINT64_MAX / 2, UINT64_MAX);
  std::vector<uint64_t> values;
  for (int i = 0; i < 60'000; ++i) values.push_back(tiny(rng));
  for (int i = 0; i < 39'900; ++i) {
    values.push_back(static_cast<uint64_t>(std::max(1.0, slow(rng))));
  }
  for (int i = 0; i < 100; ++i) values.push_back(huge(rng));
  std::shuffle(values.begin(), values.end(), rng);
  ExpectMatchesReference(values);
}

TEST(LatencyHistogramTest, SingleValue) {
  LatencyHistogram h;
  h.Record(123'456'789);
  for (double q : kQuantiles) EXPECT_EQ(h.Quantile(q), 123'456'789u);
  EXPECT_EQ(h.Mean(), 123'456'789.0);
}

TEST(LatencyHistogramTest, MeanDoesNotOverflow) {
  LatencyHistogram h;
  for (int i = 0; i < 4; ++i) h.Record(UINT64_MAX);
  EXPECT_DOUBLE_EQ(h.Mean(), static_cast<double>(UINT64_MAX));
}

TEST(LatencyHistogramTest, EmptyIsAllZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.Count(), 0u);
  EXPECT_EQ(h.Mean(), 0.0);
  EXPECT_EQ(h.Min(), 0u);
  EXPECT_EQ(h.Max(), 0u);
  for (double q : kQuantiles) EXPECT_EQ(h.Quantile(q), 0u);
}

TEST(LatencyHistogramTest, ResetEmpties) {
  LatencyHistogram h;
  h.Record(5);
  h.Record(5'000'000);
  h.Reset();
  EXPECT_EQ(h.Count(), 0u);
  EXPECT_EQ(h.Max(), 0u);
  EXPECT_EQ(h.Quantile(0.5), 0u);
  h.Record(7);
  EXPECT_EQ(h.Min(), 7u);
  EXPECT_EQ(h.Max(), 7u);
  EXPECT_EQ(h.Quantile(0.99), 7u);
}

void ExpectSameHistogram(const LatencyHistogram& a, const LatencyHistogram& b) {
  EXPECT_EQ(a.Count(), b.Count());
  EXPECT_EQ(a.Mean(), b.Mean());
  EXPECT_EQ(a.Min(), b.Min());
  EXPECT_EQ(a.Max(), b.Max());
  for (double q : kQuantiles) EXPECT_EQ(a.Quantile(q), b.Quantile(q)) << q;
}

TEST(LatencyHistogramTest, MergeEqualsRecordingBoth) {
  std::mt19937_64 rng(4);
  std::lognormal_distribution<double> fast(8.0, 1.0);
  std::lognormal_distribution<double> slow(14.0, 2.0);
  LatencyHistogram a, b, both;
  for (int i = 0; i < 20'000; ++i) {
    const auto x = static_cast<uint64_t>(fast(rng));
    const auto y = static_cast<uint64_t>(slow(rng));
    a.Record(x);
    b.Record(y);
    both.Record(x);
    both.Record(y);
  }
  a.Merge(b);
  ExpectSameHistogram(a, both);
}

TEST(LatencyHistogramTest, MergeWithEmpty) {
  LatencyHistogram full, empty;
  full.Record(10);
  full.Record(1'000'000);
  LatencyHistogram copy = full;
  copy.Merge(empty);
  ExpectSameHistogram(copy, full);
  empty.Merge(full);
  ExpectSameHistogram(empty, full);
}

}  // namespace
}  // namespace netbench
