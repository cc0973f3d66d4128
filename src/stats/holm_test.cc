#include "stats/holm.h"

#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

namespace inferbench::stats {
namespace {

TEST(HolmTest, TextbookFourHypotheses) {
  // Holm's method as usually taught: p = 0.01, 0.04, 0.03, 0.005 at α = 0.05. Sorted: 0.005 <=
  // 0.05/4 and 0.01 <= 0.05/3 are rejected; 0.03 > 0.05/2 stops the walk, so 0.04 is kept too.
  const std::vector<double> p = {0.01, 0.04, 0.03, 0.005};
  const std::vector<HolmDecision> d = Holm(p, 0.05);
  ASSERT_EQ(d.size(), 4u);
  EXPECT_TRUE(d[0].rejected);
  EXPECT_FALSE(d[1].rejected);
  EXPECT_FALSE(d[2].rejected);
  EXPECT_TRUE(d[3].rejected);
  EXPECT_EQ(d[3].rank, 0);
  EXPECT_EQ(d[0].rank, 1);
  EXPECT_EQ(d[2].rank, 2);
  EXPECT_EQ(d[1].rank, 3);
  EXPECT_DOUBLE_EQ(d[3].level, 0.05 / 4);
  EXPECT_DOUBLE_EQ(d[0].level, 0.05 / 3);
  EXPECT_DOUBLE_EQ(d[2].level, 0.05 / 2);
  EXPECT_DOUBLE_EQ(d[1].level, 0.05);
  // Adjusted p-values: 4·0.005, 3·0.01, 2·0.03, max(0.06, 1·0.04).
  EXPECT_DOUBLE_EQ(d[3].adjusted_p, 0.02);
  EXPECT_DOUBLE_EQ(d[0].adjusted_p, 0.03);
  EXPECT_DOUBLE_EQ(d[2].adjusted_p, 0.06);
  EXPECT_DOUBLE_EQ(d[1].adjusted_p, 0.06);
}

TEST(HolmTest, TheStepDownStopsAtTheFirstKeptHypothesis) {
  // Every p-value is below α on its own, but the smallest is above α/3: nothing is rejected.
  const std::vector<double> p = {0.02, 0.021, 0.022};
  for (const HolmDecision& d : Holm(p, 0.05)) EXPECT_FALSE(d.rejected);
}

TEST(HolmTest, AllRejectedWhenEachPassesItsLevel) {
  const std::vector<double> p = {0.001, 0.2, 0.011};
  const std::vector<HolmDecision> d = Holm(p, 0.05);
  EXPECT_TRUE(d[0].rejected);   // 0.001 <= 0.05/3
  EXPECT_TRUE(d[2].rejected);   // 0.011 <= 0.05/2
  EXPECT_FALSE(d[1].rejected);  // 0.2 > 0.05
}

TEST(HolmTest, ASingleTestIsTheUncorrectedTest) {
  const std::vector<double> p = {0.049};
  const std::vector<HolmDecision> d = Holm(p, 0.05);
  EXPECT_TRUE(d[0].rejected);
  EXPECT_DOUBLE_EQ(d[0].level, 0.05);
  EXPECT_DOUBLE_EQ(d[0].adjusted_p, 0.049);
}

TEST(HolmTest, ABorderlineTestIsNotSignificantAmongMany) {
  std::vector<double> p(20, 0.8);
  p[7] = 0.01;  // significant alone, not at 0.05/20
  const std::vector<HolmDecision> d = Holm(p, 0.05);
  for (const HolmDecision& x : d) EXPECT_FALSE(x.rejected);
  EXPECT_DOUBLE_EQ(d[7].level, 0.05 / 20);
  EXPECT_DOUBLE_EQ(d[7].adjusted_p, 0.2);
}

TEST(HolmTest, NaNCountsInTheFamilyButIsNeverRejected) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> p = {nan, 0.02};
  const std::vector<HolmDecision> d = Holm(p, 0.05);
  EXPECT_FALSE(d[0].rejected);
  EXPECT_TRUE(std::isnan(d[0].adjusted_p));
  EXPECT_EQ(d[0].rank, 1);
  EXPECT_TRUE(d[1].rejected);  // 0.02 <= 0.05/2
  EXPECT_DOUBLE_EQ(d[1].level, 0.025);
}

TEST(HolmTest, EmptyFamily) { EXPECT_TRUE(Holm({}, 0.05).empty()); }

}  // namespace
}  // namespace inferbench::stats
