#include "report/report_model.h"

#include <cmath>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "report/report_test_fixture.h"

namespace inferbench::report {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ReportModelTest : public testing::ReportFixture {};

TEST_F(ReportModelTest, LoadsContextPointsAndEstimatesWithTheirN) {
  MakeRuns();
  auto model = LoadReportModel(*db_, "run-a", LoadOptions());
  ASSERT_TRUE(model.ok()) << model.status().message();
  const RunContext& c = model->run;
  EXPECT_EQ(c.name, "golden");
  EXPECT_EQ(c.tier, "DRAFT");
  EXPECT_EQ(c.model, "llama-3.1-8b");
  EXPECT_EQ(c.gpu_model, "H100-SXM");
  EXPECT_EQ(c.engine_version, "0.11.0");
  EXPECT_EQ(c.cluster, "lab");
  EXPECT_EQ(c.cache_bust, "per-replicate");
  ASSERT_TRUE(c.ignore_eos.has_value());
  EXPECT_TRUE(*c.ignore_eos);
  EXPECT_DOUBLE_EQ(c.confidence, 0.95);
  EXPECT_THAT(c.intent_kpis, ElementsAre("output_throughput_tok_s", "ttft_ms.p50"));

  ASSERT_EQ(model->points.size(), 2u);
  const PointModel& light = model->points[0];
  const PointModel& heavy = model->points[1];
  EXPECT_EQ(light.point, "concurrency=1");
  EXPECT_EQ(heavy.point, "concurrency=8");
  EXPECT_DOUBLE_EQ(heavy.load, 8);
  const Estimate* tput = heavy.Find("output_throughput_tok_s");
  ASSERT_NE(tput, nullptr);
  EXPECT_DOUBLE_EQ(tput->mean, 800);
  EXPECT_DOUBLE_EQ(tput->ci_low, 780);
  EXPECT_EQ(tput->n, 3);
  EXPECT_EQ(tput->replicates.size(), 3u);
  EXPECT_TRUE(heavy.Find("ttft_ms.p99")->low_n);
  // Per-point reasons and the outlier policy come from run.json in the evidence.
  EXPECT_THAT(heavy.reasons, ElementsAre(HasSubstr("client saturated")));
  EXPECT_TRUE(heavy.client_saturated);
  EXPECT_FALSE(light.client_saturated);
  EXPECT_EQ(light.outlier_policy, "not applied, n < 5");
}

TEST_F(ReportModelTest, CountsRequestsRefusalsAndQueueTime) {
  MakeRuns();
  auto model = LoadReportModel(*db_, "run-a", LoadOptions());
  ASSERT_TRUE(model.ok()) << model.status().message();
  const PointModel& heavy = model->points[1];
  EXPECT_EQ(heavy.requests.total, 12);  // warmup excluded
  EXPECT_EQ(heavy.requests.errored, 1);
  EXPECT_EQ(heavy.requests.http_429, 1);
  EXPECT_EQ(heavy.requests.queue_full, 1);
  // c=1: sum 0.0016 s over 4 requests; c=8: 0.08 s over 4.
  EXPECT_NEAR(model->points[0].queue_time_ms, 0.4, 1e-9);
  EXPECT_NEAR(heavy.queue_time_ms, 20, 1e-9);
}

TEST_F(ReportModelTest, LoadsDistributionsTimelineAndTelemetry) {
  MakeRuns();
  auto model = LoadReportModel(*db_, "run-a", LoadOptions());
  ASSERT_TRUE(model.ok()) << model.status().message();
  ASSERT_EQ(model->ttft_ms.size(), 2u);
  EXPECT_EQ(model->ttft_ms[1].point, "concurrency=8");
  EXPECT_EQ(model->ttft_ms[1].values.size(), 11u);  // the refused request has no TTFT
  EXPECT_TRUE(std::is_sorted(model->ttft_ms[1].values.begin(), model->ttft_ms[1].values.end()));

  ASSERT_TRUE(model->token_times_available);
  ASSERT_EQ(model->chunk_gap_ms.size(), 2u);
  EXPECT_EQ(model->chunk_gap_ms[0].values.size(), 27u);  // 9 requests × 3 gaps
  EXPECT_DOUBLE_EQ(model->chunk_gap_ms[0].values.front(), 0);
  EXPECT_DOUBLE_EQ(model->chunk_gap_ms[0].values.back(), 9);

  EXPECT_EQ(model->timeline.point, "concurrency=8");
  EXPECT_EQ(model->timeline.replicate, 0);
  ASSERT_EQ(model->timeline.requests.size(), 4u);
  EXPECT_DOUBLE_EQ(model->timeline.requests[0].send_s, 0);
  EXPECT_NEAR(model->timeline.requests[1].send_s, 0.1, 1e-9);
  EXPECT_TRUE(model->timeline.requests[3].error);
  EXPECT_TRUE(std::isnan(model->timeline.requests[3].first_s));

  std::vector<std::string> names;
  for (const TimeSeries& s : model->telemetry) names.push_back(s.name);
  EXPECT_THAT(names, ElementsAre(HasSubstr("running"), HasSubstr("waiting"), HasSubstr("KV-cache"),
                                 HasSubstr("prefix-cache hit rate")));
  EXPECT_EQ(model->telemetry[2].unit, "%");
  EXPECT_NEAR(model->telemetry[2].points.back().second, 100 * (0.9 + 0.1), 1e-9);
  EXPECT_NEAR(model->telemetry[3].points.front().second, 2.0, 1e-9);  // Δhits/Δqueries = 2 %
}

TEST_F(ReportModelTest, BuildsTheReproCommandsFromTheEffectiveSpec) {
  MakeRuns();
  auto model = LoadReportModel(*db_, "run-a", LoadOptions());
  ASSERT_TRUE(model.ok()) << model.status().message();
  const Repro& r = model->repro;
  EXPECT_EQ(r.run_command, "inferbench run runs/run-a/spec.yaml");
  EXPECT_THAT(r.spec_source, HasSubstr("evidence artifact spec.yaml sha256:"));
  EXPECT_EQ(r.bench_point, "concurrency=8");
  EXPECT_EQ(r.bench_command,
            "inferbench bench --url http://10.0.0.5:8000 --model llama-3.1-8b --endpoint chat "
            "--concurrency 8 --isl 512 --osl 128 --requests 16 --warmup 1 --replicates 3 --seed 42 "
            "--cache-bust per-replicate");
  EXPECT_EQ(r.sim_command, "");
}

TEST_F(ReportModelTest, UnreachableTokenTimesBecomeANoteNotAnError) {
  MakeRuns();
  LoadOptions options;
  options.evidence_root_override = evidence_root_ + "/nowhere";
  auto model = LoadReportModel(*db_, "run-a", options);
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_FALSE(model->token_times_available);
  EXPECT_TRUE(model->chunk_gap_ms.empty());
  EXPECT_THAT(model->notes, ::testing::Contains(HasSubstr("token times unreachable")));
  // Reasons fall back to the run-level ones, split by point.
  EXPECT_THAT(model->points[1].reasons, ElementsAre(HasSubstr("client saturated")));
}

TEST_F(ReportModelTest, ARunWithoutTokenTimesSaysSo) {
  MakeRuns(/*second=*/true);
  auto model = LoadReportModel(*db_, "run-b", LoadOptions());
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_FALSE(model->token_times_available);
  EXPECT_THAT(model->notes, ::testing::Contains(HasSubstr("no token_times artifact")));
  EXPECT_THAT(model->notes, ::testing::Contains(HasSubstr("no server telemetry")));
}

TEST_F(ReportModelTest, AnUnknownRunIsAnError) {
  MakeRuns();
  auto model = LoadReportModel(*db_, "run-zzz", LoadOptions());
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(), HasSubstr("run-zzz"));
}

TEST_F(ReportModelTest, VsComparesWithTheBaselineFirst) {
  MakeRuns(/*second=*/true);
  LoadOptions options;
  options.vs_run_ids = {"run-b"};
  auto model = LoadReportModel(*db_, "run-a", options);
  ASSERT_TRUE(model.ok()) << model.status().message();
  ASSERT_TRUE(model->comparison.has_value());
  const warehouse::Comparison& c = model->comparison->comparison;
  ASSERT_EQ(c.pairs.size(), 1u);
  EXPECT_EQ(c.pairs[0].baseline_run_id, "run-b");
  EXPECT_EQ(c.pairs[0].candidate_run_id, "run-a");
  ASSERT_FALSE(c.pairs[0].changed.empty());
  EXPECT_EQ(c.pairs[0].changed[0].dimension, "software");
  const warehouse::MetricComparison* tput = c.pairs[0].points[1].Find("output_throughput_tok_s");
  ASSERT_NE(tput, nullptr);
  EXPECT_EQ(tput->verdict, warehouse::Verdict::kRegressed);  // 800 vs 1000

  options.vs_run_ids = {"run-nope"};
  EXPECT_FALSE(LoadReportModel(*db_, "run-a", options).ok());
}

TEST(PointLoadTest, ReadsTheLevelOfEachPointKind) {
  EXPECT_DOUBLE_EQ(PointLoad("concurrency=16"), 16);
  EXPECT_DOUBLE_EQ(PointLoad("rate=2.5"), 2.5);
  EXPECT_DOUBLE_EQ(PointLoad("sessions=4"), 4);
  EXPECT_TRUE(std::isnan(PointLoad("trace")));
  EXPECT_TRUE(std::isnan(PointLoad("bogus")));
}

}  // namespace
}  // namespace inferbench::report
