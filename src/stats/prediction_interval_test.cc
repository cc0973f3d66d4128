#include "stats/prediction_interval.h"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

namespace inferbench::stats {
namespace {

TEST(PredictNextTest, FiveValuesAtNinetyFivePercent) {
  // mean 3, s = √2.5; t(0.975, 4) = 2.776445; half width = t · s · √(1 + 1/5).
  const std::vector<double> history = {1, 2, 3, 4, 5};
  const auto pi = PredictNext(history, 0.95);
  ASSERT_TRUE(pi.has_value());
  const double half_width = 2.776445 * std::sqrt(2.5) * std::sqrt(1.2);
  EXPECT_EQ(pi->n, 5);
  EXPECT_DOUBLE_EQ(pi->mean, 3);
  EXPECT_DOUBLE_EQ(pi->stddev, std::sqrt(2.5));
  EXPECT_NEAR(pi->low, 3 - half_width, 1e-5);
  EXPECT_NEAR(pi->high, 3 + half_width, 1e-5);
  EXPECT_TRUE(pi->Contains(7.8));
  EXPECT_FALSE(pi->Contains(8.0));
  EXPECT_NEAR(pi->ZScore(6), 3 / std::sqrt(2.5), 1e-12);
  EXPECT_NEAR(pi->ZScore(0), -3 / std::sqrt(2.5), 1e-12);
}

TEST(PredictNextTest, WiderThanTheConfidenceIntervalOfTheMean) {
  // Ten values 0/2 alternating: s = √(10/9); t(0.95, 9) = 1.833113.
  std::vector<double> history;
  for (int i = 0; i < 10; ++i) history.push_back(i % 2 == 0 ? 0 : 2);
  const auto pi = PredictNext(history, 0.90);
  ASSERT_TRUE(pi.has_value());
  EXPECT_NEAR(pi->high - 1, 1.833113 * std::sqrt(10.0 / 9.0) * std::sqrt(1.1), 1e-5);
}

TEST(PredictNextTest, BelowTheMinimumSampleSizeThereIsNoInterval) {
  const std::vector<double> history = {1, 2, 3, 4};
  EXPECT_FALSE(PredictNext(history, 0.95).has_value());
  EXPECT_TRUE(PredictNext(history, 0.95, /*min_n=*/4).has_value());
  const std::vector<double> one = {1};
  EXPECT_FALSE(PredictNext(one, 0.95, /*min_n=*/1).has_value());  // never fewer than two
}

TEST(PredictNextTest, ConstantHistoryHasAPointInterval) {
  const std::vector<double> history = {4, 4, 4, 4, 4};
  const auto pi = PredictNext(history, 0.95);
  ASSERT_TRUE(pi.has_value());
  EXPECT_EQ(pi->low, 4);
  EXPECT_EQ(pi->high, 4);
  EXPECT_EQ(pi->ZScore(4), 0);
  EXPECT_TRUE(std::isinf(pi->ZScore(4.1)));
  EXPECT_GT(pi->ZScore(4.1), 0);
}

}  // namespace
}  // namespace inferbench::stats
