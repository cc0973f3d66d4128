#include "results/run_result.h"

#include <cmath>

#include <gtest/gtest.h>

namespace inferbench::results {
namespace {

RunResult Sample() {
  RunResult run;
  run.run_id = "20261125T120000Z-abcd";
  run.name = "quickstart";
  run.status = "partial";
  run.tier = "DRAFT";
  run.reasons = {"concurrency=4: 2 replicates < 3"};
  run.workload_spec_digest = std::string(64, 'a');
  run.mode = "realism";
  PointResult point;
  point.point = "concurrency=4";
  point.benchmark_case_id = std::string(64, 'b');
  point.tier = "DRAFT";
  point.reasons = {"2 replicates < 3"};
  point.replicates = 2;
  point.outlier_policy = "not applied, n < 5";
  MetricAggregate m;
  m.mean = 10.5;
  m.stddev = 0.7;
  m.ci_low = 4.2;
  m.ci_high = 16.8;
  m.ci_method = "t";
  m.n = 2;
  m.relative_ci_half_width = 0.6;
  m.replicates = {10.0, MetricAggregate::kUndefined, 11.0};
  m.outliers.push_back({2, 11.0, 4.1, "flag"});
  point.metrics["ttft_ms.p50"] = m;
  run.points.push_back(point);
  GateOutcome g;
  g.name = "ttft_ms.p50 <= 20 @ concurrency=4";
  g.metric = "ttft_ms.p50";
  g.point = "concurrency=4";
  g.op = "<=";
  g.value = 20;
  g.status = "passed";
  g.measured = 10.5;
  g.n = 2;
  g.tier = "DRAFT";
  g.draft_reasons = {"2 replicates < 3"};
  run.gate.push_back(g);
  run.gate_status = "passed";
  run.outputs["summary"] = "out/summary.json";
  return run;
}

TEST(RunResultTest, RoundTripsThroughJson) {
  RunResult run = Sample();
  nlohmann::json json = run.ToJson();
  EXPECT_EQ(json["schema"], "inferbench.run/v1");
  EXPECT_TRUE(json["points"][0]["metrics"]["ttft_ms.p50"]["replicates"][1].is_null());
  auto back = RunResult::FromJson(json);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->ToJson(), json);
  const MetricAggregate* m = back->points[0].Find("ttft_ms.p50");
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(std::isnan(m->replicates[1]));
  EXPECT_EQ(m->outliers[0].replicate, 2);
  EXPECT_NE(back->Find("concurrency=4"), nullptr);
  EXPECT_EQ(back->Find("concurrency=8"), nullptr);
}

TEST(RunResultTest, UndefinedNumbersAreNull) {
  PointResult point;
  point.point = "rate=2";
  point.metrics["error_rate"] = MetricAggregate{};
  nlohmann::json json = point.ToJson();
  EXPECT_TRUE(json["metrics"]["error_rate"]["mean"].is_null());
  EXPECT_TRUE(json["metrics"]["error_rate"]["ci_low"].is_null());
}

TEST(RunResultTest, RejectsAnotherSchema) {
  nlohmann::json json = Sample().ToJson();
  json["schema"] = "inferbench.summary/v1";
  auto back = RunResult::FromJson(json);
  ASSERT_FALSE(back.ok());
  EXPECT_NE(back.status().message().find("inferbench.run/v1"), std::string::npos);
}

TEST(RunResultTest, NamesTheBadField) {
  nlohmann::json json = Sample().ToJson();
  json["points"][0]["metrics"]["ttft_ms.p50"]["n"] = "three";
  auto back = RunResult::FromJson(json);
  ASSERT_FALSE(back.ok());
  EXPECT_NE(back.status().message().find("n"), std::string::npos);
  EXPECT_NE(back.status().message().find("ttft_ms.p50"), std::string::npos);
}

}  // namespace
}  // namespace inferbench::results
