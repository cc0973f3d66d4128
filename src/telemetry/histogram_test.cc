#include "telemetry/histogram.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace inferbench::telemetry {
namespace {

TEST(HistogramTest, BoundsAreInclusiveUpperEdges) {
  Histogram h({0.1, 1.0, 10.0});
  h.Observe(0.1);  // exactly on a bound: that bucket (le is <=)
  h.Observe(0.05);
  h.Observe(0.5);
  h.Observe(10.0);
  h.Observe(11.0);  // overflow
  EXPECT_EQ(h.bucket_counts(), (std::vector<uint64_t>{2, 1, 1, 1}));
  EXPECT_EQ(h.count(), 5u);
  EXPECT_DOUBLE_EQ(h.sum(), 0.1 + 0.05 + 0.5 + 10.0 + 11.0);
}

TEST(HistogramTest, EmptyHistogramHasOnlyTheOverflowBucket) {
  Histogram h({});
  h.Observe(-3.0);
  EXPECT_EQ(h.bucket_counts(), (std::vector<uint64_t>{1}));
  EXPECT_EQ(h.count(), 1u);
}

TEST(HistogramTest, NanGoesToOverflowBucket) {
  Histogram h({1.0, 2.0});
  h.Observe(std::nan(""));
  EXPECT_EQ(h.bucket_counts(), (std::vector<uint64_t>{0, 0, 1}));
  EXPECT_TRUE(std::isnan(h.sum()));
}

TEST(HistogramTest, NegativeValuesLandInFirstBucket) {
  Histogram h({0.0, 1.0});
  h.Observe(-1.0);
  h.Observe(0.0);
  EXPECT_EQ(h.bucket_counts(), (std::vector<uint64_t>{2, 0, 0}));
}

}  // namespace
}  // namespace inferbench::telemetry
