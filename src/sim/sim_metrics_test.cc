#include "sim/sim_metrics.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "telemetry/prometheus_text.h"

namespace inferbench::sim {
namespace {

using telemetry::Labels;
using telemetry::MetricType;
using telemetry::ParsePrometheusText;
using telemetry::PrometheusSample;
using telemetry::PrometheusScrape;

constexpr double kInf = std::numeric_limits<double>::infinity();

// vLLM's lists, copied from vllm/v1/metrics/loggers.py independently of sim_metrics.cc.
const std::vector<double> kVllmTtft = {0.001, 0.005, 0.01, 0.02,  0.04,  0.06,  0.08, 0.1,
                                       0.25,  0.5,   0.75, 1.0,   2.5,   5.0,   7.5,  10.0,
                                       20.0,  40.0,  80.0, 160.0, 640.0, 2560.0};
const std::vector<double> kVllmItl = {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2,  0.3,  0.4, 0.5,
                                      0.75, 1.0,   2.5,  5.0,   7.5, 10.0, 20.0, 40.0, 80.0};
const std::vector<double> kVllmRequestLatency = {0.3,  0.5,   0.8,   1.0,   1.5,   2.0,    2.5,
                                                 5.0,  10.0,  15.0,  20.0,  30.0,  40.0,   50.0,
                                                 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0};
const std::vector<double> kOneTwoFive8192 = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000};

const PrometheusSample* Find(const PrometheusScrape& scrape, std::string_view name,
                             const Labels& match = {}) {
  for (const PrometheusSample& sample : scrape.samples) {
    if (sample.name == name && telemetry::LabelsInclude(sample.labels, match)) return &sample;
  }
  return nullptr;
}

double ParseLe(std::string_view le) {
  return ParsePrometheusText("x " + std::string(le)).samples.at(0).value;
}

struct Buckets {
  std::vector<double> bounds;      // without +Inf
  std::vector<double> cumulative;  // with +Inf
};

Buckets BucketsOf(const PrometheusScrape& scrape, const std::string& family) {
  Buckets buckets;
  for (const PrometheusSample& sample : scrape.samples) {
    if (sample.name != family + "_bucket") continue;
    const double le = ParseLe(sample.Label("le"));
    if (le != kInf) buckets.bounds.push_back(le);
    buckets.cumulative.push_back(sample.value);
  }
  return buckets;
}

TEST(OneTwoFiveBucketsTest, MatchesVllmBuild125Buckets) {
  EXPECT_EQ(OneTwoFiveBuckets(100), (std::vector<double>{1, 2, 5, 10, 20, 50, 100}));
  EXPECT_EQ(OneTwoFiveBuckets(8192), kOneTwoFive8192);
  EXPECT_EQ(OneTwoFiveBuckets(1), (std::vector<double>{1}));
  EXPECT_TRUE(OneTwoFiveBuckets(0).empty());
}

TEST(SimMetricsTest, HistogramsUseVllmBuckets) {
  const SimMetrics metrics;
  EXPECT_EQ(metrics.time_to_first_token.bounds(), kVllmTtft);
  EXPECT_EQ(metrics.inter_token_latency.bounds(), kVllmItl);
  EXPECT_EQ(metrics.e2e_request_latency.bounds(), kVllmRequestLatency);
  EXPECT_EQ(metrics.request_queue_time.bounds(), kVllmRequestLatency);
  EXPECT_EQ(metrics.request_prompt_tokens.bounds(), kOneTwoFive8192);
  EXPECT_EQ(metrics.request_generation_tokens.bounds(), kOneTwoFive8192);

  const SimMetrics long_context(131072);
  EXPECT_EQ(long_context.request_prompt_tokens.bounds().back(), 100000.0);
  EXPECT_EQ(long_context.request_generation_tokens.bounds().size(), 16u);
}

class SimMetricsRenderTest : public ::testing::Test {
 protected:
  SimMetricsRenderTest() {
    metrics_.prompt_tokens_total = 12345;
    metrics_.generation_tokens_total = 67890;
    metrics_.num_preemptions_total = 3;
    metrics_.prefix_cache_queries_total = 4096;
    metrics_.prefix_cache_hits_total = 1024;
    metrics_.request_success_stop = 40;
    metrics_.request_success_length = 9;
    metrics_.request_success_abort = 1;
    for (double ttft : {0.0005, 0.03, 0.03, 1.0, 3000.0})
      metrics_.time_to_first_token.Observe(ttft);
    for (double itl : {0.012, 0.012, 0.02}) metrics_.inter_token_latency.Observe(itl);
    metrics_.e2e_request_latency.Observe(2.25);
    metrics_.request_queue_time.Observe(0.0);
    metrics_.request_prompt_tokens.Observe(1000);
    metrics_.request_prompt_tokens.Observe(9000);  // beyond the last bound: +Inf only
    metrics_.request_generation_tokens.Observe(128);
    gauges_.num_requests_running = 7;
    gauges_.num_requests_waiting = 2;
    gauges_.kv_cache_usage_perc = 0.375;
    text_ = metrics_.Render(kModel, gauges_);
    scrape_ = ParsePrometheusText(text_);
  }

  static constexpr const char* kModel = "org/llama \"sim\"";
  SimMetrics metrics_;
  SimMetrics::Gauges gauges_;
  std::string text_;
  PrometheusScrape scrape_;
};

TEST_F(SimMetricsRenderTest, ParsesCleanlyWithEveryFamilyTyped) {
  ASSERT_TRUE(scrape_.errors.empty()) << scrape_.errors[0].line << ": " << scrape_.errors[0].reason;
  const std::vector<std::pair<std::string, MetricType>> expected = {
      {"vllm:num_requests_running", MetricType::kGauge},
      {"vllm:num_requests_waiting", MetricType::kGauge},
      {"vllm:kv_cache_usage_perc", MetricType::kGauge},
      {"vllm:prefix_cache_queries_total", MetricType::kCounter},
      {"vllm:prefix_cache_hits_total", MetricType::kCounter},
      {"vllm:num_preemptions_total", MetricType::kCounter},
      {"vllm:prompt_tokens_total", MetricType::kCounter},
      {"vllm:generation_tokens_total", MetricType::kCounter},
      {"vllm:request_success_total", MetricType::kCounter},
      {"vllm:request_prompt_tokens", MetricType::kHistogram},
      {"vllm:request_generation_tokens", MetricType::kHistogram},
      {"vllm:time_to_first_token_seconds", MetricType::kHistogram},
      {"vllm:inter_token_latency_seconds", MetricType::kHistogram},
      {"vllm:e2e_request_latency_seconds", MetricType::kHistogram},
      {"vllm:request_queue_time_seconds", MetricType::kHistogram},
  };
  EXPECT_EQ(scrape_.types, expected);
  EXPECT_EQ(scrape_.helps.size(), expected.size());
  for (const auto& [name, help] : scrape_.helps) EXPECT_FALSE(help.empty()) << name;
}

TEST_F(SimMetricsRenderTest, EverySampleCarriesModelAndEngineLabels) {
  ASSERT_FALSE(scrape_.samples.empty());
  for (const PrometheusSample& sample : scrape_.samples) {
    EXPECT_EQ(sample.Label("model_name"), kModel) << sample.name;
    EXPECT_EQ(sample.Label("engine"), "0") << sample.name;
  }
  // The quote in the model name is escaped on the wire.
  EXPECT_NE(text_.find("model_name=\"org/llama \\\"sim\\\"\""), std::string::npos);
}

TEST_F(SimMetricsRenderTest, GaugesAndCountersHaveTheSetValues) {
  EXPECT_EQ(scrape_.Sum("vllm:num_requests_running"), 7.0);
  EXPECT_EQ(scrape_.Sum("vllm:num_requests_waiting"), 2.0);
  EXPECT_EQ(scrape_.Sum("vllm:kv_cache_usage_perc"), 0.375);
  EXPECT_EQ(scrape_.Sum("vllm:prefix_cache_queries_total"), 4096.0);
  EXPECT_EQ(scrape_.Sum("vllm:prefix_cache_hits_total"), 1024.0);
  EXPECT_EQ(scrape_.Sum("vllm:num_preemptions_total"), 3.0);
  EXPECT_EQ(scrape_.Sum("vllm:prompt_tokens_total"), 12345.0);
  EXPECT_EQ(scrape_.Sum("vllm:generation_tokens_total"), 67890.0);
  EXPECT_EQ(scrape_.Sum("vllm:request_success_total", {{"finished_reason", "stop"}}), 40.0);
  EXPECT_EQ(scrape_.Sum("vllm:request_success_total", {{"finished_reason", "length"}}), 9.0);
  EXPECT_EQ(scrape_.Sum("vllm:request_success_total", {{"finished_reason", "abort"}}), 1.0);
  EXPECT_EQ(scrape_.Sum("vllm:request_success_total"), 50.0);
  // Written the way vLLM's prometheus_client writes them.
  EXPECT_NE(text_.find("vllm:prompt_tokens_total{engine=\"0\",model_name="), std::string::npos);
  EXPECT_NE(text_.find("} 12345.0\n"), std::string::npos);
  EXPECT_NE(text_.find("# TYPE vllm:prompt_tokens_total counter\n"), std::string::npos);
  EXPECT_EQ(text_.find("_created"), std::string::npos);
}

TEST_F(SimMetricsRenderTest, HistogramsCarryVllmBoundsAndObservedCounts) {
  const struct {
    std::string family;
    const std::vector<double>* bounds;
    std::vector<double> cumulative_at_inf;  // {count}
    double sum;
  } cases[] = {
      {"vllm:time_to_first_token_seconds", &kVllmTtft, {5}, 0.0005 + 0.03 + 0.03 + 1.0 + 3000.0},
      {"vllm:inter_token_latency_seconds", &kVllmItl, {3}, 0.012 + 0.012 + 0.02},
      {"vllm:e2e_request_latency_seconds", &kVllmRequestLatency, {1}, 2.25},
      {"vllm:request_queue_time_seconds", &kVllmRequestLatency, {1}, 0.0},
      {"vllm:request_prompt_tokens", &kOneTwoFive8192, {2}, 10000.0},
      {"vllm:request_generation_tokens", &kOneTwoFive8192, {1}, 128.0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.family);
    const Buckets buckets = BucketsOf(scrape_, c.family);
    EXPECT_EQ(buckets.bounds, *c.bounds);
    ASSERT_EQ(buckets.cumulative.size(), c.bounds->size() + 1);
    for (size_t i = 1; i < buckets.cumulative.size(); ++i) {
      EXPECT_LE(buckets.cumulative[i - 1], buckets.cumulative[i]);
    }
    EXPECT_EQ(buckets.cumulative.back(), c.cumulative_at_inf[0]);
    EXPECT_EQ(scrape_.Sum(c.family + "_count"), c.cumulative_at_inf[0]);
    EXPECT_DOUBLE_EQ(scrape_.Sum(c.family + "_sum"), c.sum);
  }
}

TEST_F(SimMetricsRenderTest, TtftBucketsCountExactlyTheObservations) {
  const Buckets ttft = BucketsOf(scrape_, "vllm:time_to_first_token_seconds");
  // Observed 0.0005, 0.03, 0.03, 1.0, 3000.0.
  const std::vector<double> expected = {1, 1, 1, 1, 3, 3, 3, 3, 3, 3, 3, 4,
                                        4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5};
  EXPECT_EQ(ttft.cumulative, expected);
  const PrometheusSample* le_one =
      Find(scrape_, "vllm:time_to_first_token_seconds_bucket", {{"le", "1.0"}});
  ASSERT_NE(le_one, nullptr);
  EXPECT_EQ(le_one->value, 4.0);
  const PrometheusSample* prompt_le =
      Find(scrape_, "vllm:request_prompt_tokens_bucket", {{"le", "1000.0"}});
  ASSERT_NE(prompt_le, nullptr);  // integer bounds print as floats, like vLLM's
  EXPECT_EQ(prompt_le->value, 1.0);
  EXPECT_NE(text_.find("vllm:time_to_first_token_seconds_bucket{engine=\"0\",le=\"0.001\","
                       "model_name="),
            std::string::npos);
}

TEST(SimMetricsTest, FreshMetricsRenderZeros) {
  const SimMetrics metrics;
  const PrometheusScrape scrape = ParsePrometheusText(metrics.Render("sim", {}));
  ASSERT_TRUE(scrape.errors.empty());
  bool found = false;
  EXPECT_EQ(scrape.Sum("vllm:request_success_total", {}, &found), 0.0);
  EXPECT_TRUE(found);
  EXPECT_EQ(scrape.Sum("vllm:time_to_first_token_seconds_count", {}, &found), 0.0);
  EXPECT_TRUE(found);
  EXPECT_EQ(scrape.Sum("vllm:num_requests_running", {{"model_name", "sim"}}, &found), 0.0);
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace inferbench::sim
