#include "stats/cost.h"

#include <cmath>

#include <gtest/gtest.h>

namespace inferbench::stats {
namespace {

TEST(CostTest, HandComputed) {
  // 2.5 $/h / (1000 tok/s · 3600 s/h) · 1e6 = 0.69444 $/Mtok.
  EXPECT_NEAR(CostPerMtokUsd(2.5, 1, 1000), 2.5 / 3.6, 1e-12);
  // 8 GPUs at 2.5 $/h each producing 5000 tok/s: 20 / 18e6 · 1e6 = 1.1111 $/Mtok.
  EXPECT_NEAR(CostPerMtokUsd(2.5, 8, 5000), 20.0 / 18.0, 1e-12);
}

TEST(CostTest, NoThroughputHasNoPrice) {
  EXPECT_TRUE(std::isnan(CostPerMtokUsd(2.5, 1, 0)));
  EXPECT_TRUE(std::isnan(CostPerMtokUsd(2.5, 1, -3)));
}

}  // namespace
}  // namespace inferbench::stats
