#include "stats/confidence.h"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "core/distributions.h"
#include "core/prng.h"

namespace inferbench::stats {
namespace {

TEST(TIntervalTest, FiveValuesAtNinetyFivePercent) {
  // mean 3, sample variance 2.5; t(0.975, 4) = 2.776445 (published tables).
  const std::vector<double> values = {1, 2, 3, 4, 5};
  const Interval ci = TInterval(values, 0.95);
  const double half_width = 2.776445 * std::sqrt(2.5) / std::sqrt(5.0);
  EXPECT_EQ(ci.method, "t");
  EXPECT_NEAR(ci.low, 3 - half_width, 1e-5);
  EXPECT_NEAR(ci.high, 3 + half_width, 1e-5);
}

TEST(TIntervalTest, TwoValuesAtNinetyPercent) {
  // mean 1, s = √2, s/√n = 1; t(0.95, 1) = 6.313752.
  const std::vector<double> values = {0, 2};
  const Interval ci = TInterval(values, 0.90);
  EXPECT_NEAR(ci.low, 1 - 6.313752, 1e-5);
  EXPECT_NEAR(ci.high, 1 + 6.313752, 1e-5);
}

TEST(TIntervalTest, LargeSampleApproachesTheNormalQuantile) {
  // 1000 values alternating 0 and 2: mean 1, s = √(1000/999); t(0.975, 999) ≈ 1.962341.
  std::vector<double> values;
  for (int i = 0; i < 1000; ++i) values.push_back(i % 2 == 0 ? 0 : 2);
  const Interval ci = TInterval(values, 0.95);
  const double half_width = 1.962341 * std::sqrt(1000.0 / 999.0) / std::sqrt(1000.0);
  EXPECT_NEAR(ci.high - 1, half_width, 1e-5);
  EXPECT_NEAR(1 - ci.low, half_width, 1e-5);
}

TEST(TIntervalTest, IdenticalValuesGiveAZeroWidthInterval) {
  const std::vector<double> values = {7, 7, 7};
  const Interval ci = TInterval(values, 0.95);
  EXPECT_EQ(ci.method, "t");
  EXPECT_EQ(ci.low, 7);
  EXPECT_EQ(ci.high, 7);
}

TEST(TIntervalTest, FewerThanTwoValuesHaveNoInterval) {
  for (const std::vector<double>& values : {std::vector<double>{}, std::vector<double>{4}}) {
    const Interval ci = TInterval(values, 0.95);
    EXPECT_EQ(ci.method, "none");
    EXPECT_TRUE(std::isnan(ci.low));
    EXPECT_TRUE(std::isnan(ci.high));
  }
}

TEST(BootstrapIntervalTest, TwoValuesHaveThreePossibleMeans) {
  // Resampled means of {0, 10} are 0, 5 or 10 with probabilities 1/4, 1/2, 1/4, so the 2.5 % and
  // 97.5 % quantiles of 10000 resamples are the extremes.
  const std::vector<double> values = {0, 10};
  const Interval ci = BootstrapInterval(values, 0.95, 1);
  EXPECT_EQ(ci.method, "bootstrap");
  EXPECT_EQ(ci.low, 0);
  EXPECT_EQ(ci.high, 10);
}

TEST(BootstrapIntervalTest, LargeNormalSampleAgreesWithTheTInterval) {
  Prng prng(2024);
  std::vector<double> values;
  for (int i = 0; i < 400; ++i) values.push_back(SampleNormal(prng, 100, 10));
  const Interval t = TInterval(values, 0.95);
  const Interval boot = BootstrapInterval(values, 0.95, 7);
  const double half_width = (t.high - t.low) / 2;
  // The percentile bootstrap is slightly narrower (it divides by n, not n − 1) and has
  // resampling noise; both are far below 10 % of the half-width at n = 400.
  EXPECT_NEAR(boot.low, t.low, 0.1 * half_width);
  EXPECT_NEAR(boot.high, t.high, 0.1 * half_width);
  EXPECT_LT(boot.low, boot.high);
}

TEST(BootstrapIntervalTest, DeterministicBySeed) {
  const std::vector<double> values = {3.1, 2.7, 3.9, 3.3, 2.2, 4.0, 3.5, 2.9, 3.0, 3.6};
  const Interval a = BootstrapInterval(values, 0.95, 47);
  const Interval b = BootstrapInterval(values, 0.95, 47);
  EXPECT_EQ(a.low, b.low);
  EXPECT_EQ(a.high, b.high);
  const Interval c = BootstrapInterval(values, 0.95, 48);
  EXPECT_TRUE(a.low != c.low || a.high != c.high);
}

TEST(BootstrapIntervalTest, IdenticalValuesAndTooFewValues) {
  const std::vector<double> same = {5, 5, 5, 5};
  const Interval ci = BootstrapInterval(same, 0.9, 3, 100);
  EXPECT_EQ(ci.low, 5);
  EXPECT_EQ(ci.high, 5);
  const std::vector<double> one = {5};
  EXPECT_EQ(BootstrapInterval(one, 0.9, 3).method, "none");
}

}  // namespace
}  // namespace inferbench::stats
