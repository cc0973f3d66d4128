#include "warehouse/regressions.h"

#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/distributions.h"
#include "core/prng.h"
#include "warehouse/baseline.h"
#include "warehouse/database.h"
#include "warehouse/test_warehouse.h"

namespace inferbench::warehouse {
namespace {

using ::testing::HasSubstr;

class RegressionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = &testing::EmptyTestWarehouse();
  }

  // Run i of the history (started i minutes after midnight) with its mean for each metric.
  // Rows are buffered and written by Flush() in two statements.
  void AddRun(int i, const std::vector<std::pair<std::string, double>>& means,
              const std::string& status = "ok", const std::string& digest = "wd1",
              const std::string& point = "c=8") {
    const std::string id = fmt::format("run-{:03d}", i);
    run_rows_ += run_rows_.empty() ? "" : ", ";
    run_rows_ += "(?, CAST(? AS TIMESTAMP), ?, ?)";
    for (Value v : std::vector<Value>{id, fmt::format("2026-01-01 {:02d}:{:02d}:00", i / 60, i % 60),
                                      status, digest}) {
      run_params_.push_back(std::move(v));
    }
    for (const auto& [metric, mean] : means) {
      outcome_rows_ += outcome_rows_.empty() ? "" : ", ";
      outcome_rows_ += "(?, ?, ?, ?, ?)";
      for (Value v : std::vector<Value>{id, point, digest + "/" + point, metric, mean}) {
        outcome_params_.push_back(std::move(v));
      }
    }
  }

  void Flush() {
    if (!run_rows_.empty()) {
      Status s = db_->ExecuteParams("INSERT INTO benchmark_run_fact (run_id, started_at, status, "
                                    "workload_spec_digest) VALUES " + run_rows_,
                                    run_params_);
      ASSERT_TRUE(s.ok()) << s.message();
    }
    if (!outcome_rows_.empty()) {
      Status s = db_->ExecuteParams("INSERT INTO serving_outcome_fact (run_id, point, "
                                    "benchmark_case_id, metric, mean) VALUES " + outcome_rows_,
                                    outcome_params_);
      ASSERT_TRUE(s.ok()) << s.message();
    }
    run_rows_.clear();
    outcome_rows_.clear();
    run_params_.clear();
    outcome_params_.clear();
  }

  Result<RegressionReport> Find(const RegressionOptions& options = {}) {
    Flush();
    return FindRegressions(*db_, options);
  }

  // n runs of tpot_ms.p50 around `level` (±1 % noise, seeded), starting at run index `first`.
  void AddTpot(int first, int n, double level, uint64_t seed) {
    Prng prng(seed);
    for (int i = 0; i < n; ++i) {
      AddRun(first + i, {{"tpot_ms.p50", SampleNormal(prng, level, 0.01 * level)}});
    }
  }

  const MetricHistory* Series(const RegressionReport& report, const std::string& metric) {
    for (const MetricHistory& h : report.series) {
      if (h.metric == metric) return &h;
    }
    return nullptr;
  }

  Database* db_ = nullptr;
  std::string run_rows_;
  std::string outcome_rows_;
  std::vector<Value> run_params_;
  std::vector<Value> outcome_params_;
};

TEST_F(RegressionsTest, ANewestRunOutsideThePredictionIntervalRegressed) {
  AddTpot(0, 12, 10.0, 1);
  AddRun(12, {{"tpot_ms.p50", 11.0}});
  auto report = Find();
  ASSERT_TRUE(report.ok()) << report.status().message();
  ASSERT_EQ(report->series.size(), 1u);
  const MetricHistory& h = report->series[0];
  EXPECT_EQ(h.metric, "tpot_ms.p50");
  EXPECT_EQ(h.benchmark_case_id, "wd1/c=8");
  EXPECT_EQ(h.series.size(), 13u);
  EXPECT_EQ(h.newest().run_id, "run-012");
  EXPECT_EQ(h.window_n, 10);  // the previous 10 runs
  EXPECT_EQ(h.window_source, "previous 10 runs");
  ASSERT_TRUE(h.interval.has_value());
  EXPECT_LT(h.interval->high, 11.0);
  EXPECT_GT(h.z_score, 3);
  EXPECT_EQ(h.verdict, HistoryVerdict::kRegressed);
  EXPECT_TRUE(report->any_regressed());
  EXPECT_EQ(report->runs, 13);
  EXPECT_THAT(report->FormatText(), HasSubstr("1 regressed"));
  EXPECT_EQ(report->ToJson()["series"][0]["verdict"], "regressed");
}

TEST_F(RegressionsTest, DirectionDecidesImprovedAndInsideIsOk) {
  Prng prng(2);
  for (int i = 0; i < 10; ++i) {
    AddRun(i, {{"output_throughput_tok_s", SampleNormal(prng, 1000, 10)},
               {"tpot_ms.p50", SampleNormal(prng, 10, 0.1)}});
  }
  AddRun(10, {{"output_throughput_tok_s", 1200}, {"tpot_ms.p50", 10.0}});
  auto report = Find();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(Series(*report, "output_throughput_tok_s")->verdict, HistoryVerdict::kImproved);
  EXPECT_EQ(Series(*report, "tpot_ms.p50")->verdict, HistoryVerdict::kOk);
  EXPECT_FALSE(report->any_regressed());
}

TEST_F(RegressionsTest, ShortHistoryIsInsufficient) {
  AddTpot(0, 4, 10.0, 3);
  AddRun(4, {{"tpot_ms.p50", 20.0}});
  auto report = Find();
  ASSERT_TRUE(report.ok());
  const MetricHistory& h = report->series.at(0);
  EXPECT_EQ(h.verdict, HistoryVerdict::kInsufficient);
  EXPECT_THAT(h.note, HasSubstr("insufficient history (n=4"));
  EXPECT_FALSE(report->any_regressed());
  EXPECT_THAT(report->FormatText(), HasSubstr("insufficient history (n=4"));
}

TEST_F(RegressionsTest, OnlyOkRunsCount) {
  AddTpot(0, 10, 10.0, 4);
  AddRun(10, {{"tpot_ms.p50", 50.0}}, "failed");
  auto report = Find();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->series.at(0).series.size(), 10u);
  EXPECT_EQ(report->series.at(0).newest().run_id, "run-009");
}

TEST_F(RegressionsTest, TheWindowStartsAtTheBaseline) {
  AddTpot(0, 10, 12.0, 5);  // old level
  AddTpot(10, 8, 10.0, 6);  // new level since run-010
  AddRun(18, {{"tpot_ms.p50", 10.05}});
  // Without a baseline the previous 10 runs mix both levels; with one at run-010 only the new.
  Flush();
  ASSERT_TRUE(SetBaseline(*db_, "main", "run-010").ok());
  auto report = Find();
  ASSERT_TRUE(report.ok());
  const MetricHistory& h = report->series.at(0);
  EXPECT_EQ(h.window_n, 8);
  EXPECT_THAT(h.window_source, HasSubstr("baseline main (run run-010)"));
  ASSERT_TRUE(h.interval.has_value());
  EXPECT_NEAR(h.interval->mean, 10.0, 0.1);
  EXPECT_EQ(h.verdict, HistoryVerdict::kOk);

  RegressionOptions other;
  other.baseline_name = "release";  // no such baseline: the previous-runs window
  report = Find(other);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->series.at(0).window_n, 10);
}

TEST_F(RegressionsTest, ChangePointsNameTheRunWhereTheStepBegins) {
  AddTpot(0, 12, 10.0, 7);
  AddTpot(12, 10, 12.0, 8);
  auto report = Find();
  ASSERT_TRUE(report.ok());
  const MetricHistory& h = report->series.at(0);
  ASSERT_EQ(h.steps.size(), 1u);
  EXPECT_EQ(h.steps[0].run_id, "run-012");
  EXPECT_NEAR(h.steps[0].mean_before, 10.0, 0.1);
  EXPECT_NEAR(h.steps[0].mean_after, 12.0, 0.1);
  EXPECT_LE(h.steps[0].p_value, 0.05);
  EXPECT_THAT(report->FormatText(), HasSubstr("step at run run-012"));
  EXPECT_EQ(report->ToJson()["series"][0]["change_points"][0]["run_id"], "run-012");
}

TEST_F(RegressionsTest, CaseAndMetricFiltersSelectTheSeries) {
  for (int i = 0; i < 6; ++i) {
    AddRun(i, {{"tpot_ms.p50", 10}, {"ttft_ms.p99", 50}, {"ttst_ms.p50", 3}});
  }
  for (int i = 0; i < 6; ++i) {
    AddRun(100 + i, {{"tpot_ms.p50", 10}}, "ok", "wd2", "c=1");
  }
  auto all = Find();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->series.size(), 3u);  // headline metrics only: not ttst_ms.p50

  RegressionOptions options;
  options.case_prefix = "wd2";
  auto by_case = Find(options);
  ASSERT_TRUE(by_case.ok());
  ASSERT_EQ(by_case->series.size(), 1u);
  EXPECT_EQ(by_case->series[0].point, "c=1");

  options = {};
  options.metrics = {"ttst_ms.p50"};
  auto by_metric = Find(options);
  ASSERT_TRUE(by_metric.ok());
  ASSERT_EQ(by_metric->series.size(), 1u);
  EXPECT_EQ(by_metric->series[0].metric, "ttst_ms.p50");
  EXPECT_EQ(by_metric->series[0].verdict, HistoryVerdict::kOk);  // constant history, same value

  options = {};
  options.window = 0;
  EXPECT_FALSE(Find(options).ok());
}

TEST(AnalyzeHistoryTest, AMetricWithoutDirectionIsOutsideNotRegressed) {
  MetricHistory h;
  h.metric = "input_tokens.mean";
  for (int i = 0; i < 6; ++i) h.series.push_back({fmt::format("r{}", i), "", 100.0 + (i % 2)});
  h.series.push_back({"r6", "", 200});
  const MetricHistory out = AnalyzeHistory(h, std::nullopt, {});
  EXPECT_EQ(out.verdict, HistoryVerdict::kOutside);
}

}  // namespace
}  // namespace inferbench::warehouse
