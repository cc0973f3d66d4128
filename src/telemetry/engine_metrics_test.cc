#include "telemetry/engine_metrics.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace inferbench::telemetry {
namespace {

PrometheusScrape Parse(std::string_view text) {
  PrometheusScrape scrape = ParsePrometheusText(text);
  EXPECT_TRUE(scrape.errors.empty()) << text;
  return scrape;
}

TEST(DeltaTest, DifferenceOfCounters) {
  const PrometheusScrape before = Parse("c_total{engine=\"0\"} 100\n");
  const PrometheusScrape after = Parse("c_total{engine=\"0\"} 250\n");
  bool found = false;
  EXPECT_EQ(Delta(before, after, "c_total", {}, &found), 150.0);
  EXPECT_TRUE(found);
}

TEST(DeltaTest, CounterResetCountsTheWholeAfterValue) {
  const PrometheusScrape before = Parse("c_total{engine=\"0\"} 1000\n");
  const PrometheusScrape after = Parse("c_total{engine=\"0\"} 40\n");
  EXPECT_EQ(Delta(before, after, "c_total"), 40.0);
}

TEST(DeltaTest, ResetIsJudgedPerSeries) {
  // Engine 1 restarted; engine 0 kept counting. Summing first would hide the reset.
  const PrometheusScrape before = Parse("c_total{engine=\"0\"} 100\nc_total{engine=\"1\"} 500\n");
  const PrometheusScrape after = Parse("c_total{engine=\"0\"} 700\nc_total{engine=\"1\"} 20\n");
  EXPECT_EQ(Delta(before, after, "c_total"), 600.0 + 20.0);
}

TEST(DeltaTest, PairsSeriesWhateverTheLabelOrder) {
  const PrometheusScrape before = Parse("c_total{a=\"1\",b=\"2\"} 10\n");
  const PrometheusScrape after = Parse("c_total{b=\"2\",a=\"1\"} 15\n");
  EXPECT_EQ(Delta(before, after, "c_total"), 5.0);
}

TEST(DeltaTest, NewSeriesCountsFromZeroAndVanishedSeriesAreIgnored) {
  const PrometheusScrape before = Parse("c_total{engine=\"0\"} 10\n");
  const PrometheusScrape after = Parse("c_total{engine=\"1\"} 3\n");
  EXPECT_EQ(Delta(before, after, "c_total"), 3.0);
  EXPECT_EQ(Delta(Parse(""), Parse("c_total 9\n"), "c_total"), 9.0);
}

TEST(DeltaTest, LabelMatchSelectsSeries) {
  const PrometheusScrape before =
      Parse("c_total{model_name=\"a\"} 1\nc_total{model_name=\"b\"} 1\n");
  const PrometheusScrape after =
      Parse("c_total{model_name=\"a\"} 11\nc_total{model_name=\"b\"} 101\n");
  EXPECT_EQ(Delta(before, after, "c_total", {{"model_name", "b"}}), 100.0);
  bool found = true;
  EXPECT_EQ(Delta(before, after, "c_total", {{"model_name", "z"}}, &found), 0.0);
  EXPECT_FALSE(found);
}

TEST(DeltaTest, AbsentMetricIsZeroAndNotFound) {
  bool found = true;
  EXPECT_EQ(Delta(Parse("x 1\n"), Parse("x 2\n"), "y", {}, &found), 0.0);
  EXPECT_FALSE(found);
}

TEST(DeltaTest, NanSamplesAreIgnored) {
  const PrometheusScrape after = Parse("c_total{e=\"0\"} NaN\nc_total{e=\"1\"} 4\n");
  bool found = false;
  EXPECT_EQ(Delta(Parse(""), after, "c_total", {}, &found), 4.0);
  EXPECT_TRUE(found);
}

constexpr std::string_view kCurrentBefore =
    "vllm:prefix_cache_queries_total{engine=\"0\",model_name=\"m\"} 1000.0\n"
    "vllm:prefix_cache_hits_total{engine=\"0\",model_name=\"m\"} 200.0\n";
constexpr std::string_view kCurrentAfter =
    "vllm:prefix_cache_queries_total{engine=\"0\",model_name=\"m\"} 5000.0\n"
    "vllm:prefix_cache_hits_total{engine=\"0\",model_name=\"m\"} 3200.0\n";

TEST(PrefixCacheHitRateTest, CurrentVllmCounters) {
  std::string source;
  const std::optional<double> rate =
      PrefixCacheHitRate(Parse(kCurrentBefore), Parse(kCurrentAfter), {}, &source);
  ASSERT_TRUE(rate.has_value());
  EXPECT_DOUBLE_EQ(*rate, 3000.0 / 4000.0);
  EXPECT_EQ(source, "vllm:prefix_cache_queries_total");
}

TEST(PrefixCacheHitRateTest, CurrentNamesWinOverLegacyOnes) {
  // vLLM 0.9/0.10 exported both; the legacy pair here disagrees so precedence is visible.
  const std::string legacy_after =
      "vllm:gpu_prefix_cache_queries_total{engine=\"0\",model_name=\"m\"} 10.0\n"
      "vllm:gpu_prefix_cache_hits_total{engine=\"0\",model_name=\"m\"} 10.0\n";
  const std::optional<double> rate =
      PrefixCacheHitRate(Parse(kCurrentBefore), Parse(std::string(kCurrentAfter) + legacy_after));
  ASSERT_TRUE(rate.has_value());
  EXPECT_DOUBLE_EQ(*rate, 0.75);
}

TEST(PrefixCacheHitRateTest, LegacyVllmCounters) {
  const PrometheusScrape before = Parse(
      "vllm:gpu_prefix_cache_queries_total{model_name=\"m\"} 100.0\n"
      "vllm:gpu_prefix_cache_hits_total{model_name=\"m\"} 0.0\n");
  const PrometheusScrape after = Parse(
      "vllm:gpu_prefix_cache_queries_total{model_name=\"m\"} 300.0\n"
      "vllm:gpu_prefix_cache_hits_total{model_name=\"m\"} 50.0\n");
  std::string source;
  const std::optional<double> rate = PrefixCacheHitRate(before, after, {}, &source);
  ASSERT_TRUE(rate.has_value());
  EXPECT_DOUBLE_EQ(*rate, 0.25);
  EXPECT_EQ(source, "vllm:gpu_prefix_cache_queries_total");
}

TEST(PrefixCacheHitRateTest, SglangGaugeTakesTheAfterValue) {
  const PrometheusScrape before = Parse("sglang:cache_hit_rate{model_name=\"m\"} 0.1\n");
  const PrometheusScrape after = Parse("sglang:cache_hit_rate{model_name=\"m\"} 0.93\n");
  std::string source;
  const std::optional<double> rate = PrefixCacheHitRate(before, after, {}, &source);
  ASSERT_TRUE(rate.has_value());
  EXPECT_DOUBLE_EQ(*rate, 0.93);
  EXPECT_EQ(source, "sglang:cache_hit_rate");
}

TEST(PrefixCacheHitRateTest, SglangGaugeAveragesRanks) {
  const PrometheusScrape after = Parse(
      "sglang:cache_hit_rate{model_name=\"m\",dp_rank=\"0\"} 0.5\n"
      "sglang:cache_hit_rate{model_name=\"m\",dp_rank=\"1\"} 0.7\n");
  const std::optional<double> rate = PrefixCacheHitRate(Parse(""), after);
  ASSERT_TRUE(rate.has_value());
  EXPECT_DOUBLE_EQ(*rate, 0.6);
}

TEST(PrefixCacheHitRateTest, VllmV0Gauge) {
  const std::optional<double> rate = PrefixCacheHitRate(
      Parse(""), Parse("vllm:gpu_prefix_cache_hit_rate{model_name=\"m\"} 0.4\n"));
  ASSERT_TRUE(rate.has_value());
  EXPECT_DOUBLE_EQ(*rate, 0.4);
}

TEST(PrefixCacheHitRateTest, AbsentWhenNoSource) {
  std::string source = "untouched";
  EXPECT_FALSE(PrefixCacheHitRate(Parse("vllm:num_requests_running 1\n"),
                                  Parse("vllm:num_requests_running 2\n"), {}, &source)
                   .has_value());
  EXPECT_EQ(source, "untouched");
  EXPECT_FALSE(PrefixCacheHitRate(Parse(""), Parse("")).has_value());
}

TEST(PrefixCacheHitRateTest, AbsentWhenNoQueriesDuringThePoint) {
  EXPECT_FALSE(PrefixCacheHitRate(Parse(kCurrentBefore), Parse(kCurrentBefore)).has_value());
}

TEST(PrefixCacheHitRateTest, AbsentWhenOnlyOneCounterOfThePairExists) {
  EXPECT_FALSE(
      PrefixCacheHitRate(Parse(""), Parse("vllm:prefix_cache_queries_total 10\n")).has_value());
}

TEST(PrefixCacheHitRateTest, LabelMatchRestrictsToOneModel) {
  const PrometheusScrape after = Parse(
      "vllm:prefix_cache_queries_total{model_name=\"a\"} 100\n"
      "vllm:prefix_cache_hits_total{model_name=\"a\"} 10\n"
      "vllm:prefix_cache_queries_total{model_name=\"b\"} 100\n"
      "vllm:prefix_cache_hits_total{model_name=\"b\"} 90\n");
  EXPECT_DOUBLE_EQ(*PrefixCacheHitRate(Parse(""), after, {{"model_name", "b"}}), 0.9);
  EXPECT_DOUBLE_EQ(*PrefixCacheHitRate(Parse(""), after), 0.5);
}

TEST(PrefixCacheHitRateTest, CounterResetDuringThePoint) {
  // Server restarted: both counters start again from zero, so the after values are the deltas.
  const std::optional<double> rate = PrefixCacheHitRate(
      Parse(kCurrentAfter),
      Parse("vllm:prefix_cache_queries_total{engine=\"0\",model_name=\"m\"} 400.0\n"
            "vllm:prefix_cache_hits_total{engine=\"0\",model_name=\"m\"} 100.0\n"));
  ASSERT_TRUE(rate.has_value());
  EXPECT_DOUBLE_EQ(*rate, 0.25);
}

}  // namespace
}  // namespace inferbench::telemetry
