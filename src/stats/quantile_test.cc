#include "stats/quantile.h"

#include <gtest/gtest.h>

#include <vector>

namespace inferbench::stats {
namespace {

// Expected values are R's quantile(x, q) (type = 7, the default).
TEST(QuantileTest, OneToTenMatchesR) {
  const std::vector<double> x = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  EXPECT_DOUBLE_EQ(QuantileSorted(x, 0.5), 5.5);
  EXPECT_DOUBLE_EQ(QuantileSorted(x, 0.9), 9.1);
  EXPECT_DOUBLE_EQ(QuantileSorted(x, 0.95), 9.55);
  EXPECT_DOUBLE_EQ(QuantileSorted(x, 0.99), 9.91);
  EXPECT_DOUBLE_EQ(QuantileSorted(x, 0.999), 9.991);
  EXPECT_DOUBLE_EQ(QuantileSorted(x, 0.25), 3.25);
}

TEST(QuantileTest, EndsAreMinAndMax) {
  const std::vector<double> x = {-2, 0.5, 7};
  EXPECT_DOUBLE_EQ(QuantileSorted(x, 0.0), -2);
  EXPECT_DOUBLE_EQ(QuantileSorted(x, 1.0), 7);
}

TEST(QuantileTest, InterpolatesBetweenNeighboursWithTies) {
  // R: quantile(c(1, 1, 3, 4, 5), c(.5, .9, .95, .99, .1)) = 3, 4.6, 4.8, 4.96, 1
  const std::vector<double> x = {1, 1, 3, 4, 5};
  EXPECT_DOUBLE_EQ(QuantileSorted(x, 0.5), 3);
  EXPECT_DOUBLE_EQ(QuantileSorted(x, 0.9), 4.6);
  EXPECT_DOUBLE_EQ(QuantileSorted(x, 0.95), 4.8);
  EXPECT_DOUBLE_EQ(QuantileSorted(x, 0.99), 4.96);
  EXPECT_DOUBLE_EQ(QuantileSorted(x, 0.1), 1);
}

TEST(QuantileTest, TwoValuesAreLinear) {
  const std::vector<double> x = {10, 20};
  EXPECT_DOUBLE_EQ(QuantileSorted(x, 0.5), 15);
  EXPECT_DOUBLE_EQ(QuantileSorted(x, 0.9), 19);
}

TEST(QuantileTest, SingleValueIsEveryQuantile) {
  const std::vector<double> x = {42};
  EXPECT_DOUBLE_EQ(QuantileSorted(x, 0.0), 42);
  EXPECT_DOUBLE_EQ(QuantileSorted(x, 0.5), 42);
  EXPECT_DOUBLE_EQ(QuantileSorted(x, 0.999), 42);
  EXPECT_DOUBLE_EQ(QuantileSorted(x, 1.0), 42);
}

TEST(QuantileTest, IsNotNearestRank) {
  // Type 7 interpolates; nearest-rank (type 1) would give 2 for the median of {1, 2, 3, 4}.
  const std::vector<double> x = {1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(QuantileSorted(x, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(QuantileSorted(x, 0.99), 3.97);
}

}  // namespace
}  // namespace inferbench::stats
