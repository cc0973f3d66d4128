#include "stats/outliers.h"

#include <vector>

#include <gtest/gtest.h>

namespace inferbench::stats {
namespace {

TEST(OutliersTest, MadFlagsTheFarValue) {
  // median 12; |x − 12| = 2 1 0 1 38 → MAD 1; M(50) = 0.6745 · 38 = 25.631, M(10) = −1.349.
  const std::vector<double> values = {10, 11, 12, 13, 50};
  const std::vector<OutlierFlag> flags = FindOutliers(values, OutlierMethod::kMad, 3.5);
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(flags[0].index, 4u);
  EXPECT_EQ(flags[0].value, 50);
  EXPECT_NEAR(flags[0].score, 25.631, 1e-9);
}

TEST(OutliersTest, MadScoreIsSignedForLowValues) {
  // median 12; |x − 12| = 12 1 0 1 2 → MAD 1; M(0) = 0.6745 · (−12) = −8.094.
  const std::vector<double> values = {0, 11, 12, 13, 14};
  const std::vector<OutlierFlag> flags = FindOutliers(values, OutlierMethod::kMad, 3.5);
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(flags[0].index, 0u);
  EXPECT_NEAR(flags[0].score, -8.094, 1e-9);
}

TEST(OutliersTest, MadOfZeroFallsBackToMeanAbsoluteDeviation) {
  // median 5, MAD 0; MeanAD = 4 / 5 = 0.8; M(9) = 4 / (1.253314 · 0.8) = 3.98942.
  const std::vector<double> values = {5, 5, 9, 5, 5};
  std::vector<OutlierFlag> flags = FindOutliers(values, OutlierMethod::kMad, 3.5);
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(flags[0].index, 2u);
  EXPECT_NEAR(flags[0].score, 4 / (1.253314 * 0.8), 1e-9);
  EXPECT_TRUE(FindOutliers(values, OutlierMethod::kMad, 4.0).empty());
}

TEST(OutliersTest, IdenticalValuesHaveNoOutliers) {
  const std::vector<double> values = {3, 3, 3, 3, 3};
  EXPECT_TRUE(FindOutliers(values, OutlierMethod::kMad, 3.5).empty());
  EXPECT_TRUE(FindOutliers(values, OutlierMethod::kIqr, 1.5).empty());
}

TEST(OutliersTest, IqrHighSide) {
  // Type-7 quartiles of 1..9, 100: Q1 = 3.25, Q3 = 7.75, IQR 4.5; upper fence 7.75 + 6.75 = 14.5;
  // 100 lies (100 − 14.5) / 4.5 = 19 IQRs beyond it.
  const std::vector<double> values = {1, 2, 3, 4, 100, 5, 6, 7, 8, 9};
  const std::vector<OutlierFlag> flags = FindOutliers(values, OutlierMethod::kIqr, 1.5);
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(flags[0].index, 4u);
  EXPECT_NEAR(flags[0].score, 19, 1e-12);
}

TEST(OutliersTest, IqrLowSide) {
  // Sorted −20, 1..9: Q1 = 2.25, Q3 = 6.75, IQR 4.5; lower fence 2.25 − 6.75 = −4.5;
  // −20 lies 15.5 / 4.5 IQRs below it.
  const std::vector<double> values = {1, 2, 3, 4, 5, 6, 7, 8, 9, -20};
  const std::vector<OutlierFlag> flags = FindOutliers(values, OutlierMethod::kIqr, 1.5);
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(flags[0].index, 9u);
  EXPECT_NEAR(flags[0].score, 15.5 / 4.5, 1e-12);
  // A fence at k = 4 (−15.75) still catches it; at k = 5 (−20.25) it does not.
  EXPECT_EQ(FindOutliers(values, OutlierMethod::kIqr, 4).size(), 1u);
  EXPECT_TRUE(FindOutliers(values, OutlierMethod::kIqr, 5).empty());
}

TEST(OutliersTest, NoneAndTooFewValues) {
  const std::vector<double> values = {10, 11, 12, 13, 50};
  EXPECT_TRUE(FindOutliers(values, OutlierMethod::kNone, 3.5).empty());
  const std::vector<double> two = {1, 1000};
  EXPECT_TRUE(FindOutliers(two, OutlierMethod::kIqr, 0.01).empty());
}

}  // namespace
}  // namespace inferbench::stats
