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


BenchmarkRun WithLoad(const std::string& type) {
  BenchmarkRun run;
  run.workload.load.type = type;
  run.workload.warmup.requests = 2;
  run.measurement.order = "sequential";
  return run;
}

TEST(PlanTest, TraceIsOnePointOfTheWholeTraceUnlessRequestsIsSet) {
  BenchmarkRun run = WithLoad("trace");
  run.workload.dataset.type = "trace";
  EXPECT_EQ(PointStrings(run), (std::vector<std::string>{"trace"}));
  Result<std::vector<PlannedRun>> plan = BuildPlan(run, 2);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  ASSERT_EQ(plan->size(), 2u);
  EXPECT_EQ((*plan)[0].requests, -1);  // not read yet: every entry
  run.workload.dataset_items = 40;
  EXPECT_EQ(BuildPlan(run, 1)->at(0).requests, 40);
  run.workload.load.requests = 12;
  EXPECT_EQ(BuildPlan(run, 1)->at(0).requests, 12);
}

TEST(PlanTest, SessionsLevelsDefaultToTheDatasetsSessions) {
  BenchmarkRun run = WithLoad("sessions");
  run.workload.dataset.type = "conversations";
  EXPECT_EQ(PointStrings(run), (std::vector<std::string>{"sessions=1"}));
  run.workload.dataset.sessions = 4;
  EXPECT_EQ(PointStrings(run), (std::vector<std::string>{"sessions=4"}));
  run.workload.load.levels = {2, 8};
  EXPECT_EQ(PointStrings(run), (std::vector<std::string>{"sessions=2", "sessions=8"}));
  run.workload.dataset_items = 16;
  Result<std::vector<PlannedRun>> plan = BuildPlan(run, 1);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->at(1).requests, 16);
  EXPECT_EQ(plan->at(1).level, 8);
}

TEST(PlanTest, SweepPlansItsTwoAnchorsAndSearchNothing) {
  BenchmarkRun run = WithLoad("sweep");
  run.workload.load.requests_per_level = "48";
  EXPECT_EQ(SweepThroughputConcurrency(run.workload.load), 48);  // every request in flight
  EXPECT_EQ(PointStrings(run), (std::vector<std::string>{"concurrency=1", "concurrency=48"}));
  run.workload.load.requests_per_level = "max(64, 4x)";
  run.workload.load.max_concurrency = 100;
  EXPECT_EQ(SweepThroughputConcurrency(run.workload.load), 100);  // 400 requests, capped at 100
  Result<std::vector<PlannedRun>> plan = BuildPlan(run, 1);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->size(), 2u);
  EXPECT_EQ(plan->at(0).requests, 64);
  EXPECT_EQ(plan->at(1).requests, 400);
  EXPECT_FALSE(EstimateDuration(run, *plan).ns.has_value());

  BenchmarkRun search = WithLoad("search");
  search.workload.load.slo = "ttft_ms.p99<=100";
  EXPECT_TRUE(PointStrings(search).empty());
  Result<std::vector<PlannedRun>> none = BuildPlan(search, 3);
  ASSERT_TRUE(none.ok()) << none.status().message();
  EXPECT_TRUE(none->empty());
}

TEST(PlanTest, SearchSloParsesFormatsAndRejects) {
  Result<std::vector<SearchBound>> bounds =
      ParseSearchSlo("ttft_ms.p99<=2000, tpot_ms.p95 <= 100.5,per_user_tok_s>=20");
  ASSERT_TRUE(bounds.ok()) << bounds.status().message();
  ASSERT_EQ(bounds->size(), 3u);
  EXPECT_EQ((*bounds)[0].metric, "ttft_ms");
  EXPECT_EQ((*bounds)[0].stat, "p99");
  EXPECT_EQ((*bounds)[0].op, "<=");
  EXPECT_EQ((*bounds)[1].value, 100.5);
  EXPECT_EQ((*bounds)[2].stat, "");
  EXPECT_EQ(FormatSearchSlo(*bounds), "ttft_ms.p99<=2000,tpot_ms.p95<=100.5,per_user_tok_s>=20");
  EXPECT_EQ(ParseSearchSlo(FormatSearchSlo(*bounds))->size(), 3u);

  for (const char* bad : {"", "ttft_ms.p99", "ttft_ms.p99<2000", "ttft_ms.p99>=2000",
                          "per_user_tok_s<=3", "ttft_ms.mean<=5", "ttft_ms.p99<=0",
                          "ttft_ms.p99<=abc", "ttft_ms<=1,ttft_ms.p99<=2", "output_tokens<=4"}) {
    EXPECT_FALSE(ParseSearchSlo(bad).ok()) << bad;
  }
  EXPECT_NE(ParseSearchSlo("ttft.p99<=5").status().message().find("did you mean ttft_ms"),
            std::string::npos);
  EXPECT_EQ(SearchSloFromMap({{"ttft_ms.p99", 2000}, {"per_user_tok_s", 20}}),
            "per_user_tok_s>=20,ttft_ms.p99<=2000");
}

TEST(PlanTest, AttainmentTargetDefaultsToTheBoundsQuantile) {
  auto bounds = [](const char* text) { return ParseSearchSlo(text).value(); };
  EXPECT_DOUBLE_EQ(SearchAttainmentTarget(std::nullopt, bounds("ttft_ms.p99<=1")), 0.99);
  EXPECT_DOUBLE_EQ(SearchAttainmentTarget(std::nullopt, bounds("ttft_ms.p90<=1,tpot_ms.p95<=2")),
                   0.95);
  EXPECT_DOUBLE_EQ(SearchAttainmentTarget(std::nullopt, bounds("ttft_ms<=1")), 0.95);
  EXPECT_DOUBLE_EQ(SearchAttainmentTarget(0.9, bounds("ttft_ms.p999<=1")), 0.9);
}

}  // namespace
}  // namespace inferbench::spec
