#include "gate/evaluate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "gate/gate_test_util.h"

namespace inferbench::gate {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::Aggregate;
using testing::Make;
using testing::TwoPointRun;
using testing::VerdictPoint;

// A run with one VERDICT point carrying one metric.
results::RunResult OneMetricRun(const std::string& metric, results::MetricAggregate m) {
  results::RunResult run;
  run.run_id = "r1";
  results::PointResult p = VerdictPoint("concurrency=8");
  p.metrics[metric] = m;
  run.points = {p};
  return run;
}

GateReport EvaluateOne(const spec::Constraint& c, const results::RunResult& run) {
  std::vector<spec::Constraint> constraints = {c};
  return EvaluateConstraints(constraints, run);
}

std::string StatusOf(const spec::Constraint& c, double mean) {
  GateReport r = EvaluateOne(c, OneMetricRun(c.metric, Aggregate(mean, mean - 1, mean + 1, 3)));
  EXPECT_EQ(r.outcomes.size(), 1u);
  return r.outcomes.empty() ? "" : r.outcomes[0].status;
}

TEST(EvaluateTest, AtLeastPassesExactlyAtTheToleratedThreshold) {
  const auto c = Make("output_throughput_tok_s", ">=", 5000, 0.10);
  EXPECT_EQ(StatusOf(c, 4500), "passed");
  EXPECT_EQ(StatusOf(c, 4499.99), "failed");
  EXPECT_EQ(StatusOf(c, 6000), "passed");
}

TEST(EvaluateTest, AtMostPassesExactlyAtTheToleratedThreshold) {
  const auto c = Make("ttft_ms.p99", "<=", 2000, 0.10);
  EXPECT_EQ(StatusOf(c, 2200), "passed");
  EXPECT_EQ(StatusOf(c, 2200.01), "failed");
  EXPECT_EQ(StatusOf(c, 10), "passed");
}

TEST(EvaluateTest, BoundaryIsInclusiveDespiteBinaryRounding) {
  // 1.1 × 0.9 is 0.9900000000000001 in binary; the decimal 0.99 must still pass.
  EXPECT_EQ(StatusOf(Make("slo_attainment", ">=", 1.1, 0.1), 0.99), "passed");
  // 0.7 × 1.15 is 0.8049999999999999; 0.805 must still pass.
  EXPECT_EQ(StatusOf(Make("error_rate", "<=", 0.7, 0.15), 0.805), "passed");
  EXPECT_EQ(StatusOf(Make("error_rate", "<=", 0.7, 0.15), 0.80501), "failed");
}

TEST(EvaluateTest, ZeroToleranceComparesWithTheValueItself) {
  const auto c = Make("error_rate", "<=", 0.01, 0);
  EXPECT_EQ(StatusOf(c, 0.01), "passed");
  EXPECT_EQ(StatusOf(c, 0.0101), "failed");
}

TEST(EvaluateTest, NameAndMessageSayWhatWasCompared) {
  results::RunResult run = OneMetricRun("output_throughput_tok_s", Aggregate(5210.4, 5100.2, 5320.6, 3));
  run.points[0].point = "concurrency=64";
  GateReport r = EvaluateOne(Make("output_throughput_tok_s", ">=", 5000, 0.10, "concurrency=64"), run);
  ASSERT_EQ(r.outcomes.size(), 1u);
  const results::GateOutcome& o = r.outcomes[0];
  EXPECT_EQ(o.name, "output_throughput_tok_s >= 5000 (tol 10%) @ concurrency=64");
  EXPECT_EQ(o.message, "measured 5210.4 (95% CI 5100.2–5320.6, n=3) ≥ 4500 (5000 − 10%)");
  EXPECT_EQ(o.status, "passed");
  EXPECT_EQ(o.point, "concurrency=64");
  EXPECT_DOUBLE_EQ(o.measured, 5210.4);
  EXPECT_DOUBLE_EQ(o.ci_low, 5100.2);
  EXPECT_DOUBLE_EQ(o.ci_high, 5320.6);
  EXPECT_EQ(o.n, 3);
  EXPECT_EQ(o.tier, "VERDICT");
  EXPECT_TRUE(o.draft_reasons.empty());
  EXPECT_EQ(r.status, "passed");
}

TEST(EvaluateTest, FailureMessageShowsTheOppositeComparison) {
  GateReport r = EvaluateOne(Make("ttft_ms.p99", "<=", 2000, 0.10),
                             OneMetricRun("ttft_ms.p99", Aggregate(2500, 2400, 2600, 3)));
  ASSERT_EQ(r.outcomes.size(), 1u);
  EXPECT_EQ(r.outcomes[0].status, "failed");
  EXPECT_EQ(r.outcomes[0].message, "measured 2500.0 (95% CI 2400.0–2600.0, n=3) > 2200 (2000 + 10%)");
  EXPECT_EQ(r.status, "failed");
}

TEST(EvaluateTest, StrictNeedsTheWholeIntervalToPass) {
  // The mean 5200 clears 5000, but the CI reaches down to 4900.
  const auto run = OneMetricRun("output_throughput_tok_s", Aggregate(5200, 4900, 5500, 3));
  GateReport lenient = EvaluateOne(Make("output_throughput_tok_s", ">=", 5000, 0), run);
  EXPECT_EQ(lenient.outcomes[0].status, "passed");
  GateReport strict = EvaluateOne(Make("output_throughput_tok_s", ">=", 5000, 0, std::nullopt, true), run);
  ASSERT_EQ(strict.outcomes.size(), 1u);
  EXPECT_EQ(strict.outcomes[0].status, "failed");
  EXPECT_THAT(strict.outcomes[0].message, HasSubstr("CI low 4900.0 < 5000"));
  EXPECT_THAT(strict.outcomes[0].message, HasSubstr("the mean alone passes"));
  EXPECT_EQ(strict.outcomes[0].name, "output_throughput_tok_s >= 5000 (strict) @ concurrency=8");
  // Tolerance widens the strict threshold too: 4900 ≥ 5000 × 0.98.
  GateReport tolerant =
      EvaluateOne(Make("output_throughput_tok_s", ">=", 5000, 0.02, std::nullopt, true), run);
  EXPECT_EQ(tolerant.outcomes[0].status, "passed");
  EXPECT_EQ(tolerant.outcomes[0].name, "output_throughput_tok_s >= 5000 (tol 2%, strict) @ concurrency=8");
}

TEST(EvaluateTest, StrictAtMostJudgesTheUpperBound) {
  const auto run = OneMetricRun("ttft_ms.p99", Aggregate(1900, 1800, 2050, 3));
  EXPECT_EQ(EvaluateOne(Make("ttft_ms.p99", "<=", 2000, 0), run).outcomes[0].status, "passed");
  GateReport strict = EvaluateOne(Make("ttft_ms.p99", "<=", 2000, 0, std::nullopt, true), run);
  EXPECT_EQ(strict.outcomes[0].status, "failed");
  EXPECT_THAT(strict.outcomes[0].message, HasSubstr("CI high 2050.0 > 2000"));
  EXPECT_EQ(EvaluateOne(Make("ttft_ms.p99", "<=", 2100, 0, std::nullopt, true), run).outcomes[0].status,
            "passed");
}

TEST(EvaluateTest, StrictWithoutAnIntervalIsAnEvaluationError) {
  results::MetricAggregate single = Aggregate(5200, results::MetricAggregate::kUndefined,
                                              results::MetricAggregate::kUndefined, 1);
  const auto run = OneMetricRun("output_throughput_tok_s", single);
  GateReport r = EvaluateOne(Make("output_throughput_tok_s", ">=", 5000, 0, std::nullopt, true), run);
  ASSERT_EQ(r.outcomes.size(), 1u);
  EXPECT_EQ(r.outcomes[0].status, "other");
  EXPECT_THAT(r.outcomes[0].message, HasSubstr("needs a confidence interval"));
  EXPECT_THAT(r.outcomes[0].message, HasSubstr("n=1"));
  EXPECT_EQ(r.status, "error");
  EXPECT_EQ(GateExitCode(r, false), 2);
  // Without strict the same single replicate is judged on its mean, the CI reported as absent.
  GateReport lenient = EvaluateOne(Make("output_throughput_tok_s", ">=", 5000, 0), run);
  EXPECT_EQ(lenient.outcomes[0].status, "passed");
  EXPECT_THAT(lenient.outcomes[0].message, StartsWith("measured 5200.0 (no CI, n=1)"));
}

TEST(EvaluateTest, AtAPointTheRunDoesNotHaveIsSkippedWithAWarning) {
  GateReport r = EvaluateOne(Make("output_throughput_tok_s", ">=", 5000, 0.1, "concurrency=128"), TwoPointRun());
  ASSERT_EQ(r.outcomes.size(), 1u);
  EXPECT_EQ(r.outcomes[0].status, "skipped");
  EXPECT_EQ(r.outcomes[0].point, "concurrency=128");
  EXPECT_THAT(r.outcomes[0].message, HasSubstr("concurrency=1, concurrency=64"));
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_THAT(r.warnings[0], HasSubstr("concurrency=128"));
  EXPECT_EQ(r.status, "skipped");
  EXPECT_EQ(GateExitCode(r, false), 3);
}

TEST(EvaluateTest, SkippedConstraintDoesNotHideAPassingOne) {
  std::vector<spec::Constraint> cs = {Make("output_throughput_tok_s", ">=", 100, 0, "concurrency=128"),
                                      Make("output_throughput_tok_s", ">=", 100, 0, "concurrency=1")};
  GateReport r = EvaluateConstraints(cs, TwoPointRun());
  ASSERT_EQ(r.outcomes.size(), 2u);
  EXPECT_EQ(r.outcomes[0].status, "skipped");
  EXPECT_EQ(r.outcomes[1].status, "passed");
  EXPECT_EQ(r.status, "passed");
  EXPECT_EQ(r.message, "1 passed, 0 failed, 1 skipped, 0 evaluation errors");
}

TEST(EvaluateTest, AtIsMatchedByItsCanonicalSpelling) {
  results::RunResult run = OneMetricRun("output_throughput_tok_s", Aggregate(10, 9, 11, 3));
  run.points[0].point = "rate=10";
  GateReport r = EvaluateOne(Make("output_throughput_tok_s", ">=", 5, 0, "rate=10.0"), run);
  ASSERT_EQ(r.outcomes.size(), 1u);
  EXPECT_EQ(r.outcomes[0].status, "passed");
  EXPECT_EQ(r.outcomes[0].point, "rate=10");
}

TEST(EvaluateTest, WithoutAtEveryPointIsEvaluated) {
  GateReport r = EvaluateOne(Make("output_throughput_tok_s", ">=", 1000, 0), TwoPointRun());
  ASSERT_EQ(r.outcomes.size(), 2u);
  EXPECT_EQ(r.outcomes[0].name, "output_throughput_tok_s >= 1000 @ concurrency=1");
  EXPECT_EQ(r.outcomes[0].status, "failed");  // 900 at concurrency=1
  EXPECT_EQ(r.outcomes[1].name, "output_throughput_tok_s >= 1000 @ concurrency=64");
  EXPECT_EQ(r.outcomes[1].status, "passed");
  EXPECT_EQ(r.status, "failed");
  EXPECT_EQ(GateExitCode(r, false), 1);
}

TEST(EvaluateTest, DraftPointIsEvaluatedAndCarriesItsReasons) {
  GateReport r = EvaluateOne(Make("ttft_ms.p99", "<=", 2000, 0.1, "concurrency=64"), TwoPointRun());
  ASSERT_EQ(r.outcomes.size(), 1u);
  const results::GateOutcome& o = r.outcomes[0];
  EXPECT_EQ(o.status, "passed");  // 2100 ≤ 2200
  EXPECT_EQ(o.tier, "DRAFT");
  EXPECT_THAT(o.draft_reasons, ElementsAre("ttft_ms.p99 relative CI half-width 0.09 > 0.05", "client saturated"));
  EXPECT_THAT(o.message, HasSubstr("DRAFT point: ttft_ms.p99 relative CI half-width 0.09 > 0.05; client saturated"));
}

TEST(EvaluateTest, MissingMetricIsAnEvaluationError) {
  GateReport r = EvaluateOne(Make("tpot_ms.p99", "<=", 50, 0, "concurrency=1"), TwoPointRun());
  ASSERT_EQ(r.outcomes.size(), 1u);
  EXPECT_EQ(r.outcomes[0].status, "other");
  EXPECT_THAT(r.outcomes[0].message, HasSubstr("tpot_ms.p99 was not measured at concurrency=1 (it has: output_throughput_tok_s, ttft_ms.p99)"));
  EXPECT_EQ(r.status, "error");
  EXPECT_EQ(GateExitCode(r, false), 2);
}

TEST(EvaluateTest, UndefinedMeanIsAnEvaluationError) {
  results::MetricAggregate empty;  // every number NaN, n = 0
  GateReport r = EvaluateOne(Make("goodput_req_s", ">=", 1, 0), OneMetricRun("goodput_req_s", empty));
  ASSERT_EQ(r.outcomes.size(), 1u);
  EXPECT_EQ(r.outcomes[0].status, "other");
  EXPECT_THAT(r.outcomes[0].message, HasSubstr("mean undefined"));
  EXPECT_TRUE(std::isnan(r.outcomes[0].measured));
}

TEST(EvaluateTest, MalformedConstraintsAreEvaluationErrors) {
  const auto run = TwoPointRun();
  GateReport bad_op = EvaluateOne(Make("ttft_ms.p99", "<", 2000, 0, "concurrency=1"), run);
  EXPECT_EQ(bad_op.outcomes[0].status, "other");
  EXPECT_THAT(bad_op.outcomes[0].message, HasSubstr("use \">=\" or \"<=\""));
  GateReport bad_metric = EvaluateOne(Make("ttft_ms", "<=", 2000, 0, "concurrency=1"), run);
  EXPECT_EQ(bad_metric.outcomes[0].status, "other");
  GateReport bad_tolerance = EvaluateOne(Make("ttft_ms.p99", "<=", 2000, 1.5, "concurrency=1"), run);
  EXPECT_EQ(bad_tolerance.outcomes[0].status, "other");
  GateReport bad_point = EvaluateOne(Make("ttft_ms.p99", "<=", 2000, 0, "concurrency=lots"), run);
  EXPECT_EQ(bad_point.outcomes[0].status, "other");
}

TEST(EvaluateTest, NoConstraintsIsSkipped) {
  GateReport r = EvaluateConstraints({}, TwoPointRun());
  EXPECT_TRUE(r.outcomes.empty());
  EXPECT_EQ(r.status, "skipped");
  EXPECT_EQ(r.message, "no constraints declared");
  EXPECT_EQ(GateExitCode(r, false), 3);
  EXPECT_LE(r.start_ms, r.stop_ms);
}

TEST(EvaluateTest, FailureOutranksEvaluationErrors) {
  std::vector<spec::Constraint> cs = {Make("tpot_ms.p99", "<=", 50, 0, "concurrency=1"),      // other
                                      Make("ttft_ms.p99", "<=", 100, 0, "concurrency=1"),     // failed
                                      Make("output_throughput_tok_s", ">=", 1, 0, "concurrency=1")};  // passed
  GateReport r = EvaluateConstraints(cs, TwoPointRun());
  EXPECT_EQ(r.status, "failed");
  cs.erase(cs.begin() + 1);
  EXPECT_EQ(EvaluateConstraints(cs, TwoPointRun()).status, "error");
}

TEST(EvaluateTest, ExitCodesFollowTheTableAndPartialRunsAreErrors) {
  GateReport r;
  r.status = "passed";
  EXPECT_EQ(GateExitCode(r, false), 0);
  EXPECT_EQ(GateExitCode(r, true), 2);
  r.status = "failed";
  EXPECT_EQ(GateExitCode(r, false), 1);
  EXPECT_EQ(GateExitCode(r, true), 2);
  r.status = "error";
  EXPECT_EQ(GateExitCode(r, false), 2);
  r.status = "skipped";
  EXPECT_EQ(GateExitCode(r, false), 3);
  EXPECT_EQ(GateExitCode(r, true), 2);
}

TEST(EvaluateTest, RecordGateAndJsonCarryTheOutcomes) {
  results::RunResult run = TwoPointRun();
  GateReport r = EvaluateOne(Make("output_throughput_tok_s", ">=", 1000, 0), run);
  RecordGate(r, run);
  EXPECT_EQ(run.gate_status, "failed");
  ASSERT_EQ(run.gate.size(), 2u);
  nlohmann::json j = GateReportJson(r, run);
  EXPECT_EQ(j["schema"], "inferbench.gate/v1");
  EXPECT_EQ(j["run_id"], run.run_id);
  EXPECT_EQ(j["status"], "failed");
  ASSERT_EQ(j["outcomes"].size(), 2u);
  EXPECT_EQ(j["outcomes"][1]["point"], "concurrency=64");
  EXPECT_TRUE(j["warnings"].is_array());
}

}  // namespace
}  // namespace inferbench::gate
