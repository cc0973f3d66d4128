#include "results/metric_names.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace inferbench::results {
namespace {

TEST(MetricNamesTest, VocabularyCoversDesignSection4) {
  for (const char* name : {"ttft_ms",
                           "ttft_sched_ms",
                           "ttst_ms",
                           "tpot_ms",
                           "chunk_gap_ms",
                           "same_read_gap_share",
                           "e2e_latency_ms",
                           "per_user_tok_s",
                           "output_throughput_tok_s",
                           "steady_output_throughput_tok_s",
                           "achieved_rate_req_s",
                           "request_throughput_req_s",
                           "goodput_req_s",
                           "slo_attainment",
                           "error_rate",
                           "jitter_ms",
                           "schedule_lag_ms",
                           "cost_per_mtok_usd",
                           "cost_per_mtok_at_slo_usd",
                           "sol_pct",
                           "prefix_cache_hit_rate"}) {
    EXPECT_NE(FindMetric(name), nullptr) << name;
  }
  EXPECT_EQ(FindMetric("ttft"), nullptr);
}

TEST(MetricNamesTest, TableIsWellFormed) {
  std::set<std::string_view> names;
  for (const MetricInfo& info : AllMetrics()) {
    EXPECT_TRUE(names.insert(info.name).second) << "duplicate " << info.name;
    EXPECT_FALSE(info.unit.empty()) << info.name;
    EXPECT_FALSE(info.definition.empty()) << info.name;
    // Only scalars may carry a dot (error_count.http_5xx): a distribution's dot starts its stat.
    if (info.kind == MetricKind::kDistribution) {
      EXPECT_EQ(info.name.find('.'), std::string_view::npos) << info.name;
    }
  }
}

TEST(MetricNamesTest, KindsAndDirections) {
  EXPECT_EQ(FindMetric("ttft_ms")->kind, MetricKind::kDistribution);
  EXPECT_EQ(FindMetric("ttft_ms")->direction, Direction::kLowerIsBetter);
  EXPECT_EQ(FindMetric("output_throughput_tok_s")->kind, MetricKind::kScalar);
  EXPECT_EQ(FindMetric("output_throughput_tok_s")->direction, Direction::kHigherIsBetter);
  EXPECT_EQ(FindMetric("error_rate")->direction, Direction::kLowerIsBetter);
  EXPECT_EQ(FindMetric("jitter_ms")->kind, MetricKind::kScalar);
}

TEST(MetricNamesTest, Stats) {
  std::string all;
  for (Stat stat : AllStats()) {
    all += std::string(StatName(stat)) + " ";
    EXPECT_EQ(FindStat(StatName(stat)), stat);
  }
  EXPECT_EQ(all, "mean std min p50 p90 p95 p99 p999 max ");
  EXPECT_EQ(StatQuantile(Stat::kP99), 0.99);
  EXPECT_EQ(StatQuantile(Stat::kP999), 0.999);
  EXPECT_EQ(StatQuantile(Stat::kMean), std::nullopt);
  EXPECT_EQ(StatQuantile(Stat::kMax), std::nullopt);
  EXPECT_EQ(FindStat("p100"), std::nullopt);
}

TEST(MetricNamesTest, ParsesPaths) {
  Result<MetricPath> p99 = ParseMetricPath("ttft_ms.p99");
  ASSERT_TRUE(p99.ok()) << p99.status().message();
  EXPECT_EQ(p99->name, "ttft_ms");
  EXPECT_EQ(p99->stat, Stat::kP99);
  EXPECT_EQ(p99->Format(), "ttft_ms.p99");
  EXPECT_EQ(p99->direction(), Direction::kLowerIsBetter);
  EXPECT_EQ(p99->info().unit, "ms");

  Result<MetricPath> scalar = ParseMetricPath("output_throughput_tok_s");
  ASSERT_TRUE(scalar.ok());
  EXPECT_EQ(scalar->stat, std::nullopt);
  EXPECT_EQ(scalar->Format(), "output_throughput_tok_s");

  Result<MetricPath> spread = ParseMetricPath("tpot_ms.std");
  ASSERT_TRUE(spread.ok());
  EXPECT_EQ(spread->direction(), Direction::kNone);
}

TEST(MetricNamesTest, UnknownNameSuggestsTheClosest) {
  Result<MetricPath> typo = ParseMetricPath("ttft_sm.p99");
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.status().message(),
            "invalid metric path \"ttft_sm.p99\": unknown metric \"ttft_sm\"; did you mean "
            "ttft_ms.p99?");
  Result<MetricPath> throughput = ParseMetricPath("output_throughput");
  ASSERT_FALSE(throughput.ok());
  EXPECT_NE(throughput.status().message().find("did you mean output_throughput_tok_s?"),
            std::string::npos);
  EXPECT_EQ(ClosestMetricName("tpot"), "tpot_ms");
  EXPECT_EQ(ClosestMetricName("ttft"), "ttft_ms");
  EXPECT_EQ(ClosestMetricName("tt"), "");
  EXPECT_EQ(ClosestMetricName("tpot_ns"), "tpot_ms");
  EXPECT_EQ(ClosestMetricName("eror_rate"), "error_rate");
  Result<MetricPath> far = ParseMetricPath("banana");
  ASSERT_FALSE(far.ok());
  EXPECT_EQ(far.status().message().find("did you mean"), std::string::npos);
  EXPECT_NE(far.status().message().find("benchmark-contracts"), std::string::npos);
}

TEST(MetricNamesTest, StatMismatchesSayWhatToWrite) {
  Result<MetricPath> missing = ParseMetricPath("ttft_ms");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("ttft_ms.p99"), std::string::npos);
  Result<MetricPath> extra = ParseMetricPath("error_rate.p99");
  ASSERT_FALSE(extra.ok());
  EXPECT_NE(extra.status().message().find("single number"), std::string::npos);
  Result<MetricPath> bad_stat = ParseMetricPath("ttft_ms.p98");
  ASSERT_FALSE(bad_stat.ok());
  EXPECT_NE(bad_stat.status().message().find("unknown statistic \"p98\""), std::string::npos);
  EXPECT_NE(bad_stat.status().message().find("p999"), std::string::npos);
  EXPECT_FALSE(ParseMetricPath("").ok());
  EXPECT_FALSE(ParseMetricPath("ttft_ms.").ok());
  EXPECT_FALSE(ParseMetricPath("ttft_ms.p99.x").ok());
}

TEST(MetricPathTest, ScalarNamesWithADotParseWhole) {
  auto path = ParseMetricPath("error_count.http_5xx");
  ASSERT_TRUE(path.ok()) << path.status().message();
  EXPECT_EQ(path->name, "error_count.http_5xx");
  EXPECT_FALSE(path->stat.has_value());
}

}  // namespace
}  // namespace inferbench::results

namespace inferbench::results {
namespace {

TEST(MetricNamesTest, TurnMetricsAreNamedByOneBasedTurnNumberAndCapped) {
  EXPECT_EQ(TurnTtftMetricName(0), "ttft_turn_1_ms");
  EXPECT_EQ(TurnTtftMetricName(7), "ttft_turn_8_ms");
  EXPECT_EQ(TurnTtftMetricName(8), "ttft_turn_9plus_ms");
  EXPECT_EQ(TurnTtftMetricName(40), "ttft_turn_9plus_ms");
  EXPECT_EQ(TurnRequestsMetricName(2), "requests_turn_3");
  EXPECT_EQ(TurnRequestsMetricName(12), "requests_turn_9plus");
  for (int64_t turn = 0; turn < 12; ++turn) {
    const MetricInfo* ttft = FindMetric(TurnTtftMetricName(turn));
    ASSERT_NE(ttft, nullptr) << turn;
    EXPECT_EQ(ttft->kind, MetricKind::kDistribution);
    ASSERT_NE(FindMetric(TurnRequestsMetricName(turn)), nullptr) << turn;
  }
  EXPECT_TRUE(ParseMetricPath("ttft_turn_3_ms.p99").ok());
  EXPECT_TRUE(ParseMetricPath("ttft_turn_9plus_ms.p50").ok());
  EXPECT_TRUE(ParseMetricPath("requests_turn_2").ok());
  EXPECT_TRUE(ParseMetricPath("sessions_aborted").ok());
  EXPECT_TRUE(ParseMetricPath("schedule_lag_ms.p99").ok());
}

}  // namespace
}  // namespace inferbench::results
