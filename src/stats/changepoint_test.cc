#include "stats/changepoint.h"

#include <vector>

#include <gtest/gtest.h>

#include "core/distributions.h"
#include "core/prng.h"

namespace inferbench::stats {
namespace {

// Levels in order, each repeated `length` times, plus Normal(0, noise) noise from seed.
std::vector<double> Steps(const std::vector<double>& levels, int length, double noise,
                          uint64_t seed) {
  Prng prng(seed);
  std::vector<double> series;
  for (double level : levels) {
    for (int i = 0; i < length; ++i) series.push_back(SampleNormal(prng, level, noise));
  }
  return series;
}

TEST(ChangePointTest, FindsOneClearStep) {
  const std::vector<double> series = Steps({10, 12}, 20, 0.3, 1);
  const std::vector<ChangePoint> found = FindChangePoints(series);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NEAR(static_cast<double>(found[0].index), 20, 1);
  EXPECT_LE(found[0].p_value, 0.05);
  EXPECT_GT(found[0].statistic, 0);
}

TEST(ChangePointTest, ExactStepWithoutNoiseIsAtItsIndex) {
  std::vector<double> series(12, 1.0);
  for (size_t i = 7; i < series.size(); ++i) series[i] = 2.0;
  const std::vector<ChangePoint> found = FindChangePoints(series);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].index, 7u);
}

TEST(ChangePointTest, FlatNoisySeriesHasNone) {
  const std::vector<double> series = Steps({10}, 40, 0.5, 2);
  EXPECT_TRUE(FindChangePoints(series).empty());
}

TEST(ChangePointTest, FindsTwoSteps) {
  const std::vector<double> series = Steps({10, 13, 10}, 15, 0.4, 3);
  const std::vector<ChangePoint> found = FindChangePoints(series);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_NEAR(static_cast<double>(found[0].index), 15, 1);
  EXPECT_NEAR(static_cast<double>(found[1].index), 30, 1);
}

TEST(ChangePointTest, DeterministicGivenTheSeed) {
  const std::vector<double> series = Steps({10, 10.6}, 12, 0.5, 4);
  ChangePointOptions options;
  const auto first = FindChangePoints(series, options);
  const auto second = FindChangePoints(series, options);
  ASSERT_EQ(first.size(), second.size());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].index, second[i].index);
    EXPECT_EQ(first[i].p_value, second[i].p_value);
  }
}

TEST(ChangePointTest, RespectsTheMinimumSegmentAndShortSeries) {
  // A single outlier at the end is not a segment of three.
  std::vector<double> series(10, 1.0);
  series.back() = 50;
  ChangePointOptions options;
  for (const ChangePoint& c : FindChangePoints(series, options)) {
    EXPECT_GE(c.index, 3u);
    EXPECT_LE(c.index, series.size() - 3);
  }
  const std::vector<double> tiny = {1, 2, 3, 4, 5};
  EXPECT_TRUE(FindChangePoints(tiny, options).empty());
}

TEST(ChangePointTest, MaxChangePointsLimitsTheSearch) {
  const std::vector<double> series = Steps({10, 13, 10}, 15, 0.4, 3);
  ChangePointOptions options;
  options.max_change_points = 1;
  EXPECT_EQ(FindChangePoints(series, options).size(), 1u);
}

}  // namespace
}  // namespace inferbench::stats
