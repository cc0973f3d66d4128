#include "warehouse/compare.h"

#include <cmath>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace inferbench::warehouse {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Values around `mean`: mean + spread · {−2, −1, 0, 1, 2} (sample variance 2.5 · spread²).
std::vector<double> Around(double mean, double spread) {
  return {mean - 2 * spread, mean - spread, mean, mean + spread, mean + 2 * spread};
}

MetricSamples Samples(std::vector<double> values) {
  MetricSamples s;
  double sum = 0;
  for (double v : values) sum += v;
  s.has_outcome = true;
  s.outcome.mean = sum / static_cast<double>(values.size());
  s.outcome.ci_low = s.outcome.mean - 1;
  s.outcome.ci_high = s.outcome.mean + 1;
  s.outcome.n = static_cast<int64_t>(values.size());
  s.outcome.ci_method = "t";
  s.values = std::move(values);
  return s;
}

RunData MakeRun(const std::string& id, const std::string& digest = "digest-a") {
  RunData run;
  run.run_id = id;
  run.name = "demo";
  run.started_at = "2025-01-01 00:00:00";
  run.status = "ok";
  run.tier = "VERDICT";
  run.workload_spec_digest = digest;
  run.software_key = "sw1";
  run.software = {{"engine", "inferbench-sim"}, {"engine_version", "1.0"}};
  run.hardware_key = "hw1";
  run.hardware = {{"gpu_model", "none"}};
  run.cluster_key = "cl1";
  run.cluster = {{"cluster", "local"}};
  run.serving_config = {{"max_num_seqs", 256}};
  run.target_version = {{"engine", "inferbench-sim"}, {"params", {{"itl_ms", 10}, {"ttft_ms", 50}}}};
  run.labels = {{"team", "perf"}};
  return run;
}

void SetMetric(RunData& run, const std::string& point, const std::string& metric,
               std::vector<double> values) {
  PointData* p = nullptr;
  for (PointData& existing : run.points) {
    if (existing.point == point) p = &existing;
  }
  if (p == nullptr) {
    run.points.push_back(PointData{"case-" + point, point, {}});
    p = &run.points.back();
  }
  p->metrics[metric] = Samples(std::move(values));
}

// A run with the usual headline metrics at one point, TPOT scaled by tpot_factor.
RunData Typical(const std::string& id, double tpot_factor = 1.0) {
  RunData run = MakeRun(id);
  SetMetric(run, "c=8", "output_throughput_tok_s", Around(1000, 2));
  SetMetric(run, "c=8", "ttft_ms.p99", Around(80, 0.2));
  SetMetric(run, "c=8", "tpot_ms.p50", Around(10 * tpot_factor, 0.02));
  SetMetric(run, "c=8", "tpot_ms.p99", Around(12 * tpot_factor, 0.03));
  SetMetric(run, "c=8", "error_rate", {0, 0, 0, 0, 0});
  return run;
}

const MetricComparison& Metric(const Comparison& c, const std::string& metric, size_t pair = 0,
                               size_t point = 0) {
  const MetricComparison* m = c.pairs.at(pair).points.at(point).Find(metric);
  EXPECT_NE(m, nullptr) << metric;
  return *m;
}

TEST(CompareTest, IdenticalSamplesAreNoChange) {
  auto c = CompareRuns({Typical("A"), Typical("B")}, {});
  ASSERT_TRUE(c.ok()) << c.status().message();
  const PairComparison& pair = c->pairs.at(0);
  EXPECT_TRUE(pair.changed.empty());
  EXPECT_FALSE(pair.exploratory);
  ASSERT_EQ(pair.points.size(), 1u);
  EXPECT_EQ(pair.points[0].metrics.size(), 5u);
  for (const MetricComparison& m : pair.points[0].metrics) {
    EXPECT_EQ(m.verdict, Verdict::kNoChange) << m.metric;
    EXPECT_EQ(m.change.change, 0) << m.metric;
  }
  EXPECT_EQ(pair.family_size, 5);
  EXPECT_FALSE(c->any_regressed());
}

TEST(CompareTest, TenPercentSlowerTpotRegresses) {
  auto c = CompareRuns({Typical("A"), Typical("B", 1.10)}, {});
  ASSERT_TRUE(c.ok());
  for (const char* metric : {"tpot_ms.p50", "tpot_ms.p99"}) {
    const MetricComparison& m = Metric(*c, metric);
    EXPECT_EQ(m.verdict, Verdict::kRegressed) << metric;
    EXPECT_TRUE(m.significant);
    EXPECT_NEAR(m.change.change, 0.10, 1e-9);
    EXPECT_GT(m.change.low, 0);  // the CI excludes zero
    EXPECT_GT(m.decision_low, 0.02);
    EXPECT_LE(m.decision_low, m.change.low);  // the Holm-level CI is wider
    EXPECT_EQ(m.change.method, "welch");
  }
  EXPECT_EQ(Metric(*c, "output_throughput_tok_s").verdict, Verdict::kNoChange);
  EXPECT_TRUE(c->any_regressed());
  EXPECT_EQ(c->pairs[0].Count(Verdict::kRegressed), 2);

  // The reverse direction is an improvement of a lower-is-better metric.
  auto reverse = CompareRuns({Typical("B", 1.10), Typical("A")}, {});
  ASSERT_TRUE(reverse.ok());
  EXPECT_EQ(Metric(*reverse, "tpot_ms.p50").verdict, Verdict::kImproved);
  EXPECT_FALSE(reverse->any_regressed());
}

// A 50 % change in a max (one request's extreme) or in a quantile with too few requests is shown,
// never judged: those estimates swing between identical runs (A/A false alarms otherwise).
TEST(CompareTest, ExtremesAndLowNQuantilesAreReportedButNotJudged) {
  RunData a = Typical("A");
  RunData b = Typical("B");
  SetMetric(a, "c=8", "e2e_latency_ms.max", Around(100, 0.1));
  SetMetric(b, "c=8", "e2e_latency_ms.max", Around(150, 0.1));
  SetMetric(a, "c=8", "ttft_ms.p999", Around(100, 0.1));
  SetMetric(b, "c=8", "ttft_ms.p999", Around(150, 0.1));
  b.points[0].metrics["ttft_ms.p999"].outcome.low_n = true;
  auto c = CompareRuns({a, b}, {});
  ASSERT_TRUE(c.ok()) << c.status().message();
  const MetricComparison& max = Metric(*c, "e2e_latency_ms.max");
  EXPECT_EQ(max.not_judged, "extreme of one request");
  EXPECT_FALSE(max.in_family);
  EXPECT_EQ(max.verdict, Verdict::kInconclusive);
  EXPECT_GT(max.change.change, 0.4);  // still reported
  const MetricComparison& p999 = Metric(*c, "ttft_ms.p999");
  EXPECT_EQ(p999.not_judged, "low_n");
  EXPECT_EQ(p999.verdict, Verdict::kInconclusive);
  EXPECT_EQ(c->pairs[0].family_size, 5);
  EXPECT_FALSE(c->any_regressed());
}

TEST(CompareTest, HigherThroughputIsAnImprovement) {
  RunData a = Typical("A");
  RunData b = Typical("B");
  SetMetric(b, "c=8", "output_throughput_tok_s", Around(1100, 2));
  auto c = CompareRuns({a, b}, {});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(Metric(*c, "output_throughput_tok_s").verdict, Verdict::kImproved);
  SetMetric(b, "c=8", "output_throughput_tok_s", Around(900, 2));
  c = CompareRuns({a, b}, {});
  EXPECT_EQ(Metric(*c, "output_throughput_tok_s").verdict, Verdict::kRegressed);
}

TEST(CompareTest, NoiseLevelChangeIsNotARegression) {
  RunData a = MakeRun("A");
  RunData b = MakeRun("B");
  // +0.5 % with a tight spread: significant, but inside ±2 % → no-change.
  SetMetric(a, "p", "tpot_ms.p50", Around(10, 0.005));
  SetMetric(b, "p", "tpot_ms.p50", Around(10.05, 0.005));
  // +1 % with a wide spread: the CI reaches past ±2 % → inconclusive.
  SetMetric(a, "p", "ttft_ms.p99", Around(100, 3));
  SetMetric(b, "p", "ttft_ms.p99", Around(101, 3));
  auto c = CompareRuns({a, b}, {});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(Metric(*c, "tpot_ms.p50").verdict, Verdict::kNoChange);
  EXPECT_TRUE(Metric(*c, "tpot_ms.p50").significant);
  EXPECT_EQ(Metric(*c, "ttft_ms.p99").verdict, Verdict::kInconclusive);
  EXPECT_FALSE(c->any_regressed());
  // A wider noise band makes the second one a no-change too.
  CompareOptions loose;
  loose.noise = 0.2;
  c = CompareRuns({a, b}, loose);
  EXPECT_EQ(Metric(*c, "ttft_ms.p99").verdict, Verdict::kNoChange);
}

TEST(CompareTest, DifferentWorkloadDigestsAreRefusedUnlessExploratory) {
  RunData a = Typical("A");
  RunData b = Typical("B");
  b.workload_spec_digest = "digest-b";
  auto refused = CompareRuns({a, b}, {});
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("digest-a"));
  EXPECT_THAT(refused.status().message(), HasSubstr("digest-b"));
  EXPECT_THAT(refused.status().message(), HasSubstr("--exploratory"));

  CompareOptions options;
  options.exploratory = true;
  auto forced = CompareRuns({a, b}, options);
  ASSERT_TRUE(forced.ok());
  EXPECT_TRUE(forced->exploratory);
  ASSERT_EQ(forced->pairs[0].changed.size(), 1u);
  EXPECT_EQ(forced->pairs[0].changed[0].dimension, "workload");
  EXPECT_THAT(forced->FormatText(), HasSubstr("EXPLORATORY"));
}

TEST(CompareTest, ATargetParameterIsExactlyOneDimension) {
  RunData a = Typical("A");
  RunData b = Typical("B", 1.1);
  b.target_version["params"]["itl_ms"] = 11;
  auto c = CompareRuns({a, b}, {});
  ASSERT_TRUE(c.ok());
  const PairComparison& pair = c->pairs[0];
  ASSERT_EQ(pair.changed.size(), 1u);
  EXPECT_EQ(pair.changed[0].dimension, "target");
  ASSERT_EQ(pair.changed[0].details.size(), 1u);
  EXPECT_EQ(pair.changed[0].details[0], "target.params.itl_ms: 10 → 11");
  EXPECT_FALSE(pair.exploratory);
  EXPECT_FALSE(c->exploratory);
  EXPECT_THAT(c->FormatText(), HasSubstr("target.params.itl_ms: 10 → 11"));
}

TEST(CompareTest, TheFetchRecordOfVersionComparesByItsBody) {
  RunData a = Typical("A");
  RunData b = Typical("B");
  a.target_version = {{"url", "http://127.0.0.1:4001/version"}, {"status", 200},
                      {"body", {{"params", {{"itl_ms", 10}}}}}};
  b.target_version = {{"url", "http://127.0.0.1:4002/version"}, {"status", 200},
                      {"body", {{"params", {{"itl_ms", 10}}}}}};
  EXPECT_TRUE(DiffRuns(a, b).empty());
}

TEST(CompareTest, TwoMovedDimensionsAreExploratory) {
  RunData a = Typical("A");
  RunData b = Typical("B");
  b.software_key = "sw2";
  b.software["engine_version"] = "1.1";
  b.labels["team"] = "infra";
  b.labels["ticket"] = "T-1";
  auto c = CompareRuns({a, b}, {});
  ASSERT_TRUE(c.ok());
  const PairComparison& pair = c->pairs[0];
  ASSERT_EQ(pair.changed.size(), 2u);
  EXPECT_EQ(pair.changed[0].dimension, "software");
  EXPECT_EQ(pair.changed[0].details, std::vector<std::string>{"software.engine_version: 1.0 → 1.1"});
  EXPECT_EQ(pair.changed[1].dimension, "labels");
  EXPECT_EQ(pair.changed[1].details,
            (std::vector<std::string>{"labels.team: perf → infra", "labels.ticket: (absent) → T-1"}));
  EXPECT_TRUE(pair.exploratory);
  EXPECT_TRUE(c->exploratory);
  EXPECT_THAT(c->FormatText(), HasSubstr("more than one dimension moved"));
}

TEST(CompareTest, HolmMakesABorderlineTestInsignificantAmongMany) {
  // d = 8 with se = 1.714 (spread 1.714 on five values per side): t = 4.67 on 8 df, p ≈ 0.0016.
  RunData a = MakeRun("A");
  RunData b = MakeRun("B");
  SetMetric(a, "p0", "ttft_ms.p50", Around(100, 1.714));
  SetMetric(b, "p0", "ttft_ms.p50", Around(108, 1.714));
  auto alone = CompareRuns({a, b}, {});
  ASSERT_TRUE(alone.ok());
  EXPECT_EQ(alone->pairs[0].family_size, 1);
  EXPECT_NEAR(Metric(*alone, "ttft_ms.p50").change.p_value, 0.0016, 0.0003);
  EXPECT_EQ(Metric(*alone, "ttft_ms.p50").verdict, Verdict::kRegressed);

  // The same test among 60 more points with nothing going on: α/61 < p, so not significant.
  for (int i = 1; i <= 60; ++i) {
    SetMetric(a, "p" + std::to_string(i), "ttft_ms.p50", Around(100, 1));
    SetMetric(b, "p" + std::to_string(i), "ttft_ms.p50", Around(100, 1));
  }
  auto many = CompareRuns({a, b}, {});
  ASSERT_TRUE(many.ok());
  EXPECT_EQ(many->pairs[0].family_size, 61);
  const MetricComparison& m = Metric(*many, "ttft_ms.p50");
  EXPECT_FALSE(m.significant);
  EXPECT_DOUBLE_EQ(m.holm_level, 0.05 / 61);
  EXPECT_EQ(m.verdict, Verdict::kInconclusive);
  EXPECT_FALSE(many->any_regressed());
}

TEST(CompareTest, MetricsWithoutDirectionAreNeverImprovedOrRegressed) {
  RunData a = MakeRun("A");
  RunData b = MakeRun("B");
  SetMetric(a, "p", "input_tokens.mean", Around(100, 0.1));
  SetMetric(b, "p", "input_tokens.mean", Around(150, 0.1));
  SetMetric(a, "p", "ttft_ms.std", Around(5, 0.01));
  SetMetric(b, "p", "ttft_ms.std", Around(5, 0.01));
  auto c = CompareRuns({a, b}, {});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(Metric(*c, "input_tokens.mean").verdict, Verdict::kInconclusive);
  EXPECT_FALSE(Metric(*c, "input_tokens.mean").in_family);
  EXPECT_EQ(Metric(*c, "ttft_ms.std").verdict, Verdict::kNoChange);
  EXPECT_EQ(c->pairs[0].family_size, 0);
}

TEST(CompareTest, TooFewReplicatesAreInconclusive) {
  RunData a = MakeRun("A");
  RunData b = MakeRun("B");
  SetMetric(a, "p", "tpot_ms.p50", {10});
  SetMetric(b, "p", "tpot_ms.p50", {20});
  auto c = CompareRuns({a, b}, {});
  ASSERT_TRUE(c.ok());
  const MetricComparison& m = Metric(*c, "tpot_ms.p50");
  EXPECT_EQ(m.verdict, Verdict::kInconclusive);
  EXPECT_EQ(m.change.method, "none");
  EXPECT_DOUBLE_EQ(m.change.change, 1.0);
  EXPECT_FALSE(m.in_family);
}

TEST(CompareTest, PointsMatchByCaseIdAndTheMetricFilterApplies) {
  RunData a = Typical("A");
  RunData b = Typical("B");
  SetMetric(a, "c=16", "tpot_ms.p50", Around(20, 0.1));
  SetMetric(b, "c=32", "tpot_ms.p50", Around(30, 0.1));
  CompareOptions options;
  options.metrics = {"tpot_ms.p50"};
  auto c = CompareRuns({a, b}, options);
  ASSERT_TRUE(c.ok());
  const PairComparison& pair = c->pairs[0];
  ASSERT_EQ(pair.points.size(), 1u);
  EXPECT_EQ(pair.points[0].point, "c=8");
  ASSERT_EQ(pair.points[0].metrics.size(), 1u);
  EXPECT_EQ(pair.points[0].metrics[0].metric, "tpot_ms.p50");
  EXPECT_EQ(pair.only_in_baseline, std::vector<std::string>{"c=16"});
  EXPECT_EQ(pair.only_in_candidate, std::vector<std::string>{"c=32"});
}

TEST(CompareTest, WinnerPerPointNeedsAnImprovementAgainstEveryOtherRun) {
  RunData a = MakeRun("A");
  RunData b = MakeRun("B");
  RunData c = MakeRun("C");
  // Point 1: B clearly best. Point 2: B and C tie at the top: no clear winner.
  SetMetric(a, "1", "output_throughput_tok_s", Around(100, 0.2));
  SetMetric(b, "1", "output_throughput_tok_s", Around(130, 0.2));
  SetMetric(c, "1", "output_throughput_tok_s", Around(115, 0.2));
  SetMetric(a, "2", "output_throughput_tok_s", Around(100, 0.2));
  SetMetric(b, "2", "output_throughput_tok_s", Around(120, 0.2));
  SetMetric(c, "2", "output_throughput_tok_s", Around(120, 0.2));
  auto result = CompareRuns({a, b, c}, {});
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->pairs.size(), 2u);
  ASSERT_EQ(result->winners.size(), 2u);
  EXPECT_EQ(result->winners[0].point, "1");
  EXPECT_EQ(result->winners[0].winner_run_id, "B");
  EXPECT_EQ(result->winners[0].kpi, "output_throughput_tok_s");
  EXPECT_EQ(result->winners[1].winner_run_id, "");
  EXPECT_THAT(result->winners[1].reason, HasSubstr("no clear winner"));

  // The baseline's first intent KPI decides: lower TPOT wins for C at point 1.
  a.intent_kpis = {"tpot_ms.p50"};
  SetMetric(a, "1", "tpot_ms.p50", Around(10, 0.01));
  SetMetric(b, "1", "tpot_ms.p50", Around(10, 0.01));
  SetMetric(c, "1", "tpot_ms.p50", Around(8, 0.01));
  result = CompareRuns({a, b, c}, {});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->winners[0].kpi, "tpot_ms.p50");
  EXPECT_EQ(result->winners[0].winner_run_id, "C");
  EXPECT_THAT(result->FormatText(), HasSubstr("winner per point"));
}

TEST(CompareTest, TextShowsHeadlinesAndChangesByDefault) {
  RunData a = Typical("A");
  RunData b = Typical("B", 1.1);
  SetMetric(a, "c=8", "ttst_ms.p90", Around(9, 0.5));     // not a headline, no change
  SetMetric(b, "c=8", "ttst_ms.p90", Around(9, 0.5));
  SetMetric(a, "c=8", "schedule_lag_ms.p50", Around(1, 0.001));  // not a headline, regressed
  SetMetric(b, "c=8", "schedule_lag_ms.p50", Around(2, 0.001));
  auto c = CompareRuns({a, b}, {});
  ASSERT_TRUE(c.ok());
  const std::string text = c->FormatText();
  EXPECT_THAT(text, HasSubstr("tpot_ms.p50"));
  EXPECT_THAT(text, HasSubstr("schedule_lag_ms.p50"));
  EXPECT_THAT(text, Not(HasSubstr("ttst_ms.p90")));
  EXPECT_THAT(text, HasSubstr("3 regressed, 0 improved"));
  EXPECT_THAT(text, HasSubstr("--all"));
  EXPECT_THAT(c->FormatText(/*show_all=*/true), HasSubstr("ttst_ms.p90"));
}

TEST(CompareTest, JsonCarriesEveryNumberAndTheVerdict) {
  auto c = CompareRuns({Typical("A"), Typical("B", 1.1)}, {});
  ASSERT_TRUE(c.ok());
  const nlohmann::json j = c->ToJson();
  EXPECT_EQ(j["schema"], "inferbench.compare/v1");
  EXPECT_EQ(j["runs"].size(), 2u);
  EXPECT_TRUE(j["any_regressed"].get<bool>());
  const nlohmann::json& pair = j["comparisons"][0];
  EXPECT_EQ(pair["summary"]["regressed"], 2);
  bool found = false;
  for (const auto& m : pair["points"][0]["metrics"]) {
    if (m["metric"] != "tpot_ms.p50") continue;
    found = true;
    EXPECT_EQ(m["verdict"], "regressed");
    EXPECT_EQ(m["direction"], "lower_is_better");
    EXPECT_GT(m["change"]["ci_low"].get<double>(), 0);
    EXPECT_TRUE(m["holm"]["significant"].get<bool>());
    EXPECT_DOUBLE_EQ(m["baseline"]["mean"].get<double>(), 10);
  }
  EXPECT_TRUE(found);
  // error_rate 0 → 0: a relative change of zero, not NaN.
  for (const auto& m : pair["points"][0]["metrics"]) {
    if (m["metric"] == "error_rate") {
      EXPECT_EQ(m["verdict"], "no-change");
    }
  }
}

TEST(CompareTest, BadOptionsAreErrors) {
  CompareOptions options;
  options.alpha = 1.5;
  EXPECT_FALSE(CompareRuns({Typical("A"), Typical("B")}, options).ok());
  EXPECT_FALSE(CompareRuns({Typical("A")}, {}).ok());
}

}  // namespace
}  // namespace inferbench::warehouse
