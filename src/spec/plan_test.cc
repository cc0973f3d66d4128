#include "spec/plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

namespace inferbench::spec {
namespace {

BenchmarkRun ThreeLevels(const std::string& order) {
  BenchmarkRun run;
  run.workload.load.levels = {1, 4, 16};
  run.workload.load.requests_per_level = "max(32, 4x)";
  run.workload.warmup.requests = 4;
  run.workload.seeds.order = 46;
  run.measurement.order = order;
  return run;
}

std::vector<std::string> Sequence(const std::vector<PlannedRun>& plan) {
  std::vector<std::string> out;
  for (const PlannedRun& r : plan) out.push_back(r.point + "#" + std::to_string(r.replicate));
  return out;
}

TEST(PlanTest, PointStringsUseTheCanonicalSpelling) {
  BenchmarkRun run = ThreeLevels("sequential");
  EXPECT_EQ(PointStrings(run),
            (std::vector<std::string>{"concurrency=1", "concurrency=4", "concurrency=16"}));
  run.workload.load.type = "rate";
  run.workload.load.levels = {2.5, 10.0};
  EXPECT_EQ(PointStrings(run), (std::vector<std::string>{"rate=2.5", "rate=10"}));
}

TEST(PlanTest, SequentialIsPointMajor) {
  Result<std::vector<PlannedRun>> plan = BuildPlan(ThreeLevels("sequential"), 2);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(Sequence(*plan),
            (std::vector<std::string>{"concurrency=1#0", "concurrency=1#1", "concurrency=4#0",
                                      "concurrency=4#1", "concurrency=16#0", "concurrency=16#1"}));
  EXPECT_EQ((*plan)[4].requests, 64);
  EXPECT_EQ((*plan)[0].requests, 32);
  EXPECT_EQ((*plan)[0].warmup_requests, 4);
  EXPECT_EQ((*plan)[3].round, 1);
}

TEST(PlanTest, InterleavedRunsEveryPointOncePerRound) {
  Result<std::vector<PlannedRun>> plan = BuildPlan(ThreeLevels("interleaved"), 2);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(Sequence(*plan),
            (std::vector<std::string>{"concurrency=1#0", "concurrency=4#0", "concurrency=16#0",
                                      "concurrency=1#1", "concurrency=4#1", "concurrency=16#1"}));
  EXPECT_EQ((*plan)[3].round, 1);
}

TEST(PlanTest, ShuffledIsDeterministicBySeedAndAPermutationPerRound) {
  BenchmarkRun run = ThreeLevels("shuffled");
  run.workload.load.levels = {1, 2, 4, 8, 16, 32};
  Result<std::vector<PlannedRun>> a = BuildPlan(run, 4);
  Result<std::vector<PlannedRun>> b = BuildPlan(run, 4);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(Sequence(*a), Sequence(*b));
  for (int round = 0; round < 4; ++round) {
    std::set<std::string> points;
    for (size_t i = 0; i < 6; ++i) {
      const PlannedRun& r = (*a)[round * 6 + i];
      EXPECT_EQ(r.round, round);
      EXPECT_EQ(r.replicate, round);
      points.insert(r.point);
    }
    EXPECT_EQ(points.size(), 6u);
  }
  // Not simply the declared order, and rounds differ from each other.
  std::vector<std::string> seq = Sequence(*a);
  EXPECT_NE(Sequence(*BuildPlan(ThreeLevels("interleaved"), 1)), seq);
  EXPECT_NE(std::vector<std::string>(seq.begin(), seq.begin() + 6),
            std::vector<std::string>(seq.begin() + 6, seq.begin() + 12));
  // Another seed, another order.
  run.workload.seeds.order = 47;
  EXPECT_NE(Sequence(*BuildPlan(run, 4)), seq);
  // Extra replicates continue the same sequence.
  run.workload.seeds.order = 46;
  std::vector<std::string> longer = Sequence(*BuildPlan(run, 5));
  EXPECT_EQ(std::vector<std::string>(longer.begin(), longer.begin() + 24), seq);
}

TEST(PlanTest, Errors) {
  BenchmarkRun run = ThreeLevels("sideways");
  EXPECT_FALSE(BuildPlan(run, 3).ok());
  run = ThreeLevels("interleaved");
  EXPECT_FALSE(BuildPlan(run, 0).ok());
  run.workload.load.requests_per_level = "max(";
  EXPECT_FALSE(BuildPlan(run, 3).ok());
  run.workload.load.levels.clear();
  EXPECT_FALSE(BuildPlan(run, 3).ok());
}

TEST(PlanTest, DurationEstimate) {
  BenchmarkRun run = ThreeLevels("interleaved");
  std::vector<PlannedRun> plan = *BuildPlan(run, 3);
  DurationEstimate closed = EstimateDuration(run, plan);
  EXPECT_FALSE(closed.ns.has_value());
  EXPECT_THAT(closed.basis, ::testing::HasSubstr("unknown"));

  run.workload.load.duration_ns = 10'000'000'000;
  DurationEstimate bounded = EstimateDuration(run, plan);
  ASSERT_TRUE(bounded.ns.has_value());
  EXPECT_EQ(*bounded.ns, 9 * 10'000'000'000LL);

  run.workload.load.duration_ns = 0;
  run.workload.load.type = "rate";
  run.workload.load.levels = {2, 4};
  run.workload.load.requests_per_level = "40";
  plan = *BuildPlan(run, 1);
  DurationEstimate open = EstimateDuration(run, plan);
  ASSERT_TRUE(open.ns.has_value());
  EXPECT_EQ(*open.ns, 30'000'000'000LL);  // 40/2 + 40/4 seconds
  EXPECT_THAT(open.basis, ::testing::HasSubstr("lower bound"));
}

}  // namespace
}  // namespace inferbench::spec
