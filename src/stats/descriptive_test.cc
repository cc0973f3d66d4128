#include "stats/descriptive.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace inferbench::stats {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(DescribeTest, SmallSampleHandComputed) {
  // Sorted: 1 1 3 4 5. Mean 2.8; squared deviations 3.24 3.24 0.04 1.44 4.84 sum to 12.8,
  // so the sample variance is 3.2.
  const Distribution d = Describe({3, 1, 4, 1, 5});
  EXPECT_EQ(d.n, 5);
  EXPECT_DOUBLE_EQ(d.mean, 2.8);
  EXPECT_DOUBLE_EQ(d.stddev, std::sqrt(3.2));
  EXPECT_DOUBLE_EQ(d.min, 1);
  EXPECT_DOUBLE_EQ(d.max, 5);
  EXPECT_DOUBLE_EQ(d.p50, 3);
  EXPECT_DOUBLE_EQ(d.p90, 4.6);
  EXPECT_DOUBLE_EQ(d.p95, 4.8);
  EXPECT_DOUBLE_EQ(d.p99, 4.96);
  EXPECT_DOUBLE_EQ(d.p999, 4.996);
  // 5 · (1 − 0.5) = 2.5 < 5: even the median is low_n.
  EXPECT_THAT(d.low_n, ElementsAre("p50", "p90", "p95", "p99", "p999"));
}

TEST(DescribeTest, OneToTenMatchesR) {
  const Distribution d = Describe({10, 9, 8, 7, 6, 5, 4, 3, 2, 1});
  EXPECT_DOUBLE_EQ(d.mean, 5.5);
  EXPECT_DOUBLE_EQ(d.stddev, 3.0276503540974917);  // R: sd(1:10)
  EXPECT_DOUBLE_EQ(d.p50, 5.5);
  EXPECT_DOUBLE_EQ(d.p90, 9.1);
  EXPECT_DOUBLE_EQ(d.p99, 9.91);
  // 10 · 0.5 = 5 is not < 5.
  EXPECT_THAT(d.low_n, ElementsAre("p90", "p95", "p99", "p999"));
}

TEST(DescribeTest, SingleValueHasZeroStd) {
  const Distribution d = Describe({7.5});
  EXPECT_EQ(d.n, 1);
  EXPECT_DOUBLE_EQ(d.mean, 7.5);
  EXPECT_DOUBLE_EQ(d.stddev, 0);
  EXPECT_DOUBLE_EQ(d.min, 7.5);
  EXPECT_DOUBLE_EQ(d.p999, 7.5);
  EXPECT_DOUBLE_EQ(d.max, 7.5);
}

TEST(DescribeTest, EmptyIsAllNaN) {
  const Distribution d = Describe({});
  EXPECT_EQ(d.n, 0);
  EXPECT_TRUE(std::isnan(d.mean));
  EXPECT_TRUE(std::isnan(d.stddev));
  EXPECT_TRUE(std::isnan(d.p50));
  EXPECT_TRUE(std::isnan(d.max));
}

TEST(DescribeTest, ConstantSampleHasZeroStd) {
  const Distribution d = Describe(std::vector<double>(100, 0.25));
  EXPECT_DOUBLE_EQ(d.stddev, 0);
  EXPECT_DOUBLE_EQ(d.p99, 0.25);
}

TEST(LowNTest, ThresholdsFollowTheFiveSampleRule) {
  EXPECT_TRUE(IsLowN(9, 0.5));
  EXPECT_FALSE(IsLowN(10, 0.5));
  EXPECT_TRUE(IsLowN(49, 0.9));
  EXPECT_FALSE(IsLowN(50, 0.9));  // 50 · (1 − 0.9) is 4.999… in binary floating point
  EXPECT_TRUE(IsLowN(99, 0.95));
  EXPECT_FALSE(IsLowN(100, 0.95));
  EXPECT_TRUE(IsLowN(499, 0.99));
  EXPECT_FALSE(IsLowN(500, 0.99));
  EXPECT_TRUE(IsLowN(4999, 0.999));
  EXPECT_FALSE(IsLowN(5000, 0.999));
}

TEST(LowNTest, DescribeFlagsOnlyTheTails) {
  std::vector<double> values;
  for (int i = 0; i < 500; ++i) values.push_back(i);
  const Distribution d = Describe(values);
  EXPECT_THAT(d.low_n, ElementsAre("p999"));
  values.resize(5000, 1.0);
  EXPECT_THAT(Describe(values).low_n, IsEmpty());
}

}  // namespace
}  // namespace inferbench::stats
