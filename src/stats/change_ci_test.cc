#include "stats/change_ci.h"

#include <cmath>
#include <vector>

#include <boost/math/distributions/students_t.hpp>
#include <gtest/gtest.h>

#include "core/distributions.h"
#include "core/prng.h"

namespace inferbench::stats {
namespace {

constexpr uint64_t kSeed = 7;

TEST(RelativeChangeTest, EqualVariancesGiveIntegerDegreesOfFreedom) {
  // a: mean 10, variance 1; b: mean 11, variance 1; n = 3 each.
  // se = √(1/3 + 1/3) = 0.816497; df = (2/3)² / (2 · (1/3)² / 2) = 4; t(0.975, 4) = 2.776445.
  const std::vector<double> a = {9, 10, 11};
  const std::vector<double> b = {10, 11, 12};
  const RelativeChange c = RelativeChangeOfMeans(a, b, 0.95, kSeed);
  EXPECT_EQ(c.method, "welch");
  EXPECT_DOUBLE_EQ(c.mean_a, 10);
  EXPECT_DOUBLE_EQ(c.mean_b, 11);
  EXPECT_NEAR(c.change, 0.1, 1e-12);
  EXPECT_NEAR(c.df, 4, 1e-12);
  const double half_width = 2.776445 * std::sqrt(2.0 / 3.0) / 10;
  EXPECT_NEAR(c.low, 0.1 - half_width, 1e-6);
  EXPECT_NEAR(c.high, 0.1 + half_width, 1e-6);
  // t = 1.224745 on 4 df: two-sided p = 0.287864 (numerical integration of the t density).
  EXPECT_NEAR(c.p_value, 0.287864, 1e-5);
}

TEST(RelativeChangeTest, UnequalVariancesUseWelchSatterthwaite) {
  // a = {10, 11, 12}: mean 11, s² = 1; b = {12, …, 15}: mean 13.5, s² = 5/3.
  // s²/n: 1/3 and 5/12; se² = 3/4; df = (3/4)² / ((1/3)²/2 + (5/12)²/3) = 4.959184.
  const std::vector<double> a = {10, 11, 12};
  const std::vector<double> b = {12, 13, 14, 15};
  const RelativeChange c = RelativeChangeOfMeans(a, b, 0.90, kSeed);
  EXPECT_EQ(c.method, "welch");
  EXPECT_NEAR(c.df, 4.959184, 1e-6);
  const boost::math::students_t t(4.959184);
  const double half_width = boost::math::quantile(t, 0.95) * std::sqrt(0.75) / 11;
  EXPECT_NEAR(c.change, 2.5 / 11, 1e-12);
  EXPECT_NEAR(c.low, 2.5 / 11 - half_width, 1e-6);
  EXPECT_NEAR(c.high, 2.5 / 11 + half_width, 1e-6);
  // t = 2.886751 on 4.959 df: p = 0.034648.
  EXPECT_NEAR(c.p_value, 0.034648, 1e-5);
  EXPECT_NEAR(WelchPValue(a, b), c.p_value, 1e-15);
  EXPECT_NEAR(WelchPValue(b, a), c.p_value, 1e-15);
}

TEST(RelativeChangeTest, HigherConfidenceWidensTheInterval) {
  const std::vector<double> a = {10, 11, 12};
  const std::vector<double> b = {12, 13, 14, 15};
  const RelativeChange narrow = RelativeChangeOfMeans(a, b, 0.95, kSeed);
  const RelativeChange wide = RelativeChangeOfMeans(a, b, 0.999, kSeed);
  EXPECT_LT(wide.low, narrow.low);
  EXPECT_GT(wide.high, narrow.high);
  EXPECT_DOUBLE_EQ(wide.change, narrow.change);
}

TEST(RelativeChangeTest, IdenticalConstantSamplesAreExactlyNoChange) {
  const std::vector<double> a = {5, 5, 5};
  const RelativeChange c = RelativeChangeOfMeans(a, a, 0.95, kSeed);
  EXPECT_EQ(c.method, "welch");
  EXPECT_EQ(c.change, 0);
  EXPECT_EQ(c.low, 0);
  EXPECT_EQ(c.high, 0);
  EXPECT_EQ(c.p_value, 1);
}

TEST(RelativeChangeTest, ConstantButDifferentSamplesAreCertain) {
  const std::vector<double> a = {4, 4};
  const std::vector<double> b = {5, 5};
  const RelativeChange c = RelativeChangeOfMeans(a, b, 0.95, kSeed);
  EXPECT_DOUBLE_EQ(c.change, 0.25);
  EXPECT_DOUBLE_EQ(c.low, 0.25);
  EXPECT_DOUBLE_EQ(c.high, 0.25);
  EXPECT_EQ(c.p_value, 0);
}

TEST(RelativeChangeTest, TooFewValuesAreUndefined) {
  const std::vector<double> one = {3};
  const std::vector<double> two = {3, 4};
  const RelativeChange c = RelativeChangeOfMeans(one, two, 0.95, kSeed);
  EXPECT_EQ(c.method, "none");
  EXPECT_TRUE(std::isnan(c.low));
  EXPECT_TRUE(std::isnan(c.high));
  EXPECT_TRUE(std::isnan(c.p_value));
  EXPECT_DOUBLE_EQ(c.change, 3.5 / 3 - 1);
  EXPECT_TRUE(std::isnan(WelchPValue(one, two)));
}

TEST(RelativeChangeTest, ZeroBaselineMeanHasNoRelativeChange) {
  const std::vector<double> zeros = {0, 0, 0};
  const std::vector<double> some = {0, 0.1, 0.2};
  const RelativeChange c = RelativeChangeOfMeans(zeros, some, 0.95, kSeed);
  EXPECT_EQ(c.method, "none");
  EXPECT_TRUE(std::isnan(c.change));
  EXPECT_FALSE(std::isnan(c.p_value));  // the test of equal means still exists
  const RelativeChange both = RelativeChangeOfMeans(zeros, zeros, 0.95, kSeed);
  EXPECT_EQ(both.change, 0);
  EXPECT_EQ(both.low, 0);
  EXPECT_EQ(both.high, 0);
}

std::vector<double> Normal(uint64_t seed, size_t n, double mean, double stddev) {
  Prng prng(seed);
  std::vector<double> values;
  for (size_t i = 0; i < n; ++i) values.push_back(SampleNormal(prng, mean, stddev));
  return values;
}

TEST(RelativeChangeTest, TenValuesPerSideUseTheSeededBootstrap) {
  const std::vector<double> a = Normal(1, 12, 100, 2);
  const std::vector<double> b = Normal(2, 10, 110, 2);
  const RelativeChange c = RelativeChangeOfMeans(a, b, 0.95, kSeed);
  EXPECT_EQ(c.method, "bootstrap");
  EXPECT_LT(c.low, c.change);
  EXPECT_GT(c.high, c.change);
  EXPECT_GT(c.low, 0.05);  // a 10 % step with 2 % noise: the interval excludes small changes
  EXPECT_LT(c.high, 0.15);
  // Deterministic given the seed; another seed moves the bounds a little.
  const RelativeChange again = RelativeChangeOfMeans(a, b, 0.95, kSeed);
  EXPECT_EQ(again.low, c.low);
  EXPECT_EQ(again.high, c.high);
  const RelativeChange other = RelativeChangeOfMeans(a, b, 0.95, kSeed + 1);
  EXPECT_NE(other.low, c.low);
  EXPECT_NEAR(other.low, c.low, 0.01);
  // The bootstrap interval agrees roughly with Welch's on the same data.
  const RelativeChange welch = RelativeChangeOfMeans(std::span(a).first(9), b, 0.95, kSeed);
  EXPECT_EQ(welch.method, "welch");
  EXPECT_NEAR(welch.low, c.low, 0.01);
}

TEST(RelativeChangeTest, NegativeBaselineKeepsTheBoundsOrdered) {
  const std::vector<double> a = {-10, -11, -12};
  const std::vector<double> b = {-12, -13, -14};
  const RelativeChange c = RelativeChangeOfMeans(a, b, 0.95, kSeed);
  EXPECT_NEAR(c.change, 13.0 / 11 - 1, 1e-12);
  EXPECT_LT(c.low, c.change);
  EXPECT_GT(c.high, c.change);
}

}  // namespace
}  // namespace inferbench::stats
