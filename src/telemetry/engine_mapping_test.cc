#include "telemetry/engine_mapping.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

#include "telemetry/engine_metrics.h"

namespace inferbench::telemetry {
namespace {

PrometheusScrape Parse(std::string_view text) {
  PrometheusScrape scrape = ParsePrometheusText(text);
  EXPECT_TRUE(scrape.errors.empty()) << text;
  return scrape;
}

// Laid out as vLLM V1 (0.10+) prints it: the current names only.
constexpr std::string_view kVllmCurrent =
    "# TYPE vllm:num_requests_running gauge\n"
    "vllm:num_requests_running{engine=\"0\",model_name=\"m\"} 12.0\n"
    "vllm:num_requests_running{engine=\"1\",model_name=\"m\"} 4.0\n"
    "# TYPE vllm:num_requests_waiting gauge\n"
    "vllm:num_requests_waiting{engine=\"0\",model_name=\"m\"} 3.0\n"
    "vllm:num_requests_waiting{engine=\"1\",model_name=\"m\"} 0.0\n"
    "# TYPE vllm:kv_cache_usage_perc gauge\n"
    "vllm:kv_cache_usage_perc{engine=\"0\",model_name=\"m\"} 0.5\n"
    "vllm:kv_cache_usage_perc{engine=\"1\",model_name=\"m\"} 0.25\n"
    "# TYPE vllm:num_preemptions_total counter\n"
    "vllm:num_preemptions_total{engine=\"0\",model_name=\"m\"} 2.0\n"
    "vllm:num_preemptions_total{engine=\"1\",model_name=\"m\"} 1.0\n"
    "# TYPE vllm:prompt_tokens_total counter\n"
    "vllm:prompt_tokens_total{engine=\"0\",model_name=\"m\"} 1000.0\n"
    "# TYPE vllm:generation_tokens_total counter\n"
    "vllm:generation_tokens_total{engine=\"0\",model_name=\"m\"} 5000.0\n";

// vLLM 0.9: the deprecated KV gauge beside the current one (which must win), and a V0 server
// that has only the legacy one.
constexpr std::string_view kVllmBothKvNames =
    "vllm:gpu_cache_usage_perc{engine=\"0\",model_name=\"m\"} 0.9\n"
    "vllm:kv_cache_usage_perc{engine=\"0\",model_name=\"m\"} 0.3\n";
constexpr std::string_view kVllmLegacy =
    "vllm:num_requests_running{model_name=\"m\"} 7.0\n"
    "vllm:num_requests_waiting{model_name=\"m\"} 1.0\n"
    "vllm:num_requests_swapped{model_name=\"m\"} 0.0\n"
    "vllm:gpu_cache_usage_perc{model_name=\"m\"} 0.8\n"
    "vllm:cpu_cache_usage_perc{model_name=\"m\"} 0.0\n"
    "vllm:num_preemptions_total{model_name=\"m\"} 9.0\n";

constexpr std::string_view kSglang =
    "# TYPE sglang:num_running_reqs gauge\n"
    "sglang:num_running_reqs{model_name=\"m\"} 30.0\n"
    "# TYPE sglang:num_queue_reqs gauge\n"
    "sglang:num_queue_reqs{model_name=\"m\"} 5.0\n"
    "# TYPE sglang:token_usage gauge\n"
    "sglang:token_usage{model_name=\"m\"} 0.28\n"
    "# TYPE sglang:prompt_tokens_total counter\n"
    "sglang:prompt_tokens_total{model_name=\"m\"} 8.128902e+06\n"
    "# TYPE sglang:generation_tokens_total counter\n"
    "sglang:generation_tokens_total{model_name=\"m\"} 7.557572e+06\n";

// dcgm-exporter's default counters for two GPUs.
constexpr std::string_view kDcgm =
    "# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).\n"
    "# TYPE DCGM_FI_DEV_GPU_UTIL gauge\n"
    "DCGM_FI_DEV_GPU_UTIL{gpu=\"0\",UUID=\"GPU-a\",device=\"nvidia0\",modelName=\"H100\"} 90\n"
    "DCGM_FI_DEV_GPU_UTIL{gpu=\"1\",UUID=\"GPU-b\",device=\"nvidia1\",modelName=\"H100\"} 70\n"
    "# TYPE DCGM_FI_DEV_FB_USED gauge\n"
    "DCGM_FI_DEV_FB_USED{gpu=\"0\",UUID=\"GPU-a\",device=\"nvidia0\",modelName=\"H100\"} 70000\n"
    "DCGM_FI_DEV_FB_USED{gpu=\"1\",UUID=\"GPU-b\",device=\"nvidia1\",modelName=\"H100\"} 60000\n"
    "# TYPE DCGM_FI_DEV_FB_FREE gauge\n"
    "DCGM_FI_DEV_FB_FREE{gpu=\"0\",UUID=\"GPU-a\",device=\"nvidia0\",modelName=\"H100\"} 11000\n"
    "DCGM_FI_DEV_FB_FREE{gpu=\"1\",UUID=\"GPU-b\",device=\"nvidia1\",modelName=\"H100\"} 21000\n"
    "# TYPE DCGM_FI_DEV_POWER_USAGE gauge\n"
    "DCGM_FI_DEV_POWER_USAGE{gpu=\"0\",UUID=\"GPU-a\",device=\"nvidia0\",modelName=\"H100\"} "
    "650.5\n"
    "DCGM_FI_DEV_POWER_USAGE{gpu=\"1\",UUID=\"GPU-b\",device=\"nvidia1\",modelName=\"H100\"} "
    "349.5\n"
    "# TYPE DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION counter\n"
    "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu=\"0\",UUID=\"GPU-a\",device=\"nvidia0\","
    "modelName=\"H100\"} 1000000\n"
    "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu=\"1\",UUID=\"GPU-b\",device=\"nvidia1\","
    "modelName=\"H100\"} 2000000\n";

TEST(ReadGaugesTest, VllmCurrentNamesSumCountsAndAverageUsage) {
  const EngineGauges gauges = ReadGauges(Parse(kVllmCurrent));
  ASSERT_TRUE(gauges.running && gauges.waiting && gauges.kv_usage);
  EXPECT_DOUBLE_EQ(*gauges.running, 16.0);
  EXPECT_DOUBLE_EQ(*gauges.waiting, 3.0);
  EXPECT_DOUBLE_EQ(*gauges.kv_usage, 0.375);
  EXPECT_EQ(gauges.running_source, "vllm:num_requests_running");
  EXPECT_EQ(gauges.waiting_source, "vllm:num_requests_waiting");
  EXPECT_EQ(gauges.kv_usage_source, "vllm:kv_cache_usage_perc");
  EXPECT_FALSE(gauges.gpu_util_pct.has_value());
  EXPECT_FALSE(gauges.gpu_power_w.has_value());
  EXPECT_TRUE(gauges.gpu_power_source.empty());
}

TEST(ReadGaugesTest, CurrentKvNameWinsOverTheDeprecatedOne) {
  const EngineGauges gauges = ReadGauges(Parse(kVllmBothKvNames));
  ASSERT_TRUE(gauges.kv_usage.has_value());
  EXPECT_DOUBLE_EQ(*gauges.kv_usage, 0.3);
  EXPECT_EQ(gauges.kv_usage_source, "vllm:kv_cache_usage_perc");
}

TEST(ReadGaugesTest, VllmLegacyNames) {
  const EngineGauges gauges = ReadGauges(Parse(kVllmLegacy));
  ASSERT_TRUE(gauges.running && gauges.waiting && gauges.kv_usage);
  EXPECT_DOUBLE_EQ(*gauges.running, 7.0);
  EXPECT_DOUBLE_EQ(*gauges.waiting, 1.0);
  EXPECT_DOUBLE_EQ(*gauges.kv_usage, 0.8);
  EXPECT_EQ(gauges.kv_usage_source, "vllm:gpu_cache_usage_perc");
}

TEST(ReadGaugesTest, Sglang) {
  const EngineGauges gauges = ReadGauges(Parse(kSglang));
  ASSERT_TRUE(gauges.running && gauges.waiting && gauges.kv_usage);
  EXPECT_DOUBLE_EQ(*gauges.running, 30.0);
  EXPECT_DOUBLE_EQ(*gauges.waiting, 5.0);
  EXPECT_DOUBLE_EQ(*gauges.kv_usage, 0.28);
  EXPECT_EQ(gauges.running_source, "sglang:num_running_reqs");
  EXPECT_EQ(gauges.waiting_source, "sglang:num_queue_reqs");
  EXPECT_EQ(gauges.kv_usage_source, "sglang:token_usage");
}

TEST(ReadGaugesTest, DcgmSumsMemoryAndPowerAndAveragesUtilisation) {
  const EngineGauges gauges = ReadGauges(Parse(kDcgm));
  ASSERT_TRUE(gauges.gpu_util_pct && gauges.gpu_mem_used_mib && gauges.gpu_mem_free_mib &&
              gauges.gpu_power_w);
  EXPECT_DOUBLE_EQ(*gauges.gpu_util_pct, 80.0);
  EXPECT_DOUBLE_EQ(*gauges.gpu_mem_used_mib, 130000.0);
  EXPECT_DOUBLE_EQ(*gauges.gpu_mem_free_mib, 32000.0);
  EXPECT_DOUBLE_EQ(*gauges.gpu_power_w, 1000.0);
  EXPECT_EQ(gauges.gpu_util_source, "DCGM_FI_DEV_GPU_UTIL");
  EXPECT_EQ(gauges.gpu_mem_used_source, "DCGM_FI_DEV_FB_USED");
  EXPECT_EQ(gauges.gpu_mem_free_source, "DCGM_FI_DEV_FB_FREE");
  EXPECT_EQ(gauges.gpu_power_source, "DCGM_FI_DEV_POWER_USAGE");
  EXPECT_FALSE(gauges.running.has_value());
  EXPECT_TRUE(gauges.running_source.empty());
}

TEST(ReadGaugesTest, LabelMatchSelectsOneGpu) {
  const EngineGauges gauges = ReadGauges(Parse(kDcgm), {{"gpu", "1"}});
  ASSERT_TRUE(gauges.gpu_util_pct && gauges.gpu_power_w);
  EXPECT_DOUBLE_EQ(*gauges.gpu_util_pct, 70.0);
  EXPECT_DOUBLE_EQ(*gauges.gpu_power_w, 349.5);
  EXPECT_FALSE(ReadGauges(Parse(kDcgm), {{"gpu", "7"}}).gpu_util_pct.has_value());
}

TEST(ReadGaugesTest, NanSamplesAreIgnored) {
  const EngineGauges gauges = ReadGauges(Parse(
      "vllm:kv_cache_usage_perc{engine=\"0\"} NaN\nvllm:kv_cache_usage_perc{engine=\"1\"} 0.4\n"));
  ASSERT_TRUE(gauges.kv_usage.has_value());
  EXPECT_DOUBLE_EQ(*gauges.kv_usage, 0.4);
  // A metric whose only sample is NaN counts as absent, so the next source is used.
  const EngineGauges fallback =
      ReadGauges(Parse("vllm:kv_cache_usage_perc NaN\nvllm:gpu_cache_usage_perc 0.6\n"));
  ASSERT_TRUE(fallback.kv_usage.has_value());
  EXPECT_EQ(fallback.kv_usage_source, "vllm:gpu_cache_usage_perc");
}

TEST(ReadCounterTest, EveryEngineAndDcgm) {
  std::string source;
  EXPECT_EQ(ReadCounter(Parse(kVllmCurrent), EngineCounter::kPreemptions, {}, &source), 3.0);
  EXPECT_EQ(source, "vllm:num_preemptions_total");
  EXPECT_EQ(ReadCounter(Parse(kVllmCurrent), EngineCounter::kPromptTokens, {}, &source), 1000.0);
  EXPECT_EQ(source, "vllm:prompt_tokens_total");
  EXPECT_EQ(ReadCounter(Parse(kVllmCurrent), EngineCounter::kGenerationTokens), 5000.0);
  EXPECT_EQ(ReadCounter(Parse(kVllmLegacy), EngineCounter::kPreemptions), 9.0);
  EXPECT_EQ(ReadCounter(Parse(kSglang), EngineCounter::kPromptTokens, {}, &source), 8128902.0);
  EXPECT_EQ(source, "sglang:prompt_tokens_total");
  EXPECT_EQ(ReadCounter(Parse(kSglang), EngineCounter::kGenerationTokens), 7557572.0);
  EXPECT_EQ(ReadCounter(Parse(kDcgm), EngineCounter::kGpuEnergyMj, {}, &source), 3000000.0);
  EXPECT_EQ(source, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION");
}

TEST(ReadCounterTest, BarePreemptionNameIsTheFallback) {
  EXPECT_EQ(
      CounterSource(Parse("vllm:num_preemptions{engine=\"0\"} 4\n"), EngineCounter::kPreemptions),
      "vllm:num_preemptions");
  EXPECT_EQ(CounterSource(Parse("vllm:num_preemptions 4\nvllm:num_preemptions_total 5\n"),
                          EngineCounter::kPreemptions),
            "vllm:num_preemptions_total");
}

TEST(ReadCounterTest, AbsentCounter) {
  std::string source = "untouched";
  EXPECT_FALSE(ReadCounter(Parse(kSglang), EngineCounter::kPreemptions, {}, &source).has_value());
  EXPECT_EQ(source, "untouched");
  EXPECT_TRUE(CounterSource(Parse(kDcgm), EngineCounter::kPromptTokens).empty());
}

TEST(IsMappedMetricTest, CoversEverySourceAndNothingElse) {
  for (std::string_view name :
       {"vllm:num_requests_running", "sglang:num_queue_reqs", "vllm:gpu_cache_usage_perc",
        "sglang:token_usage", "vllm:num_preemptions_total", "sglang:generation_tokens_total",
        "DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_DEV_FB_FREE", "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION",
        "vllm:prefix_cache_hits_total", "vllm:gpu_prefix_cache_queries_total",
        "sglang:cache_hit_rate", "vllm:gpu_prefix_cache_hit_rate"}) {
    EXPECT_TRUE(IsMappedMetric(name)) << name;
  }
  for (std::string_view name : {"vllm:time_to_first_token_seconds_bucket",
                                "vllm:num_requests_swapped", "DCGM_FI_DEV_SM_CLOCK", ""}) {
    EXPECT_FALSE(IsMappedMetric(name)) << name;
  }
}

// PrefixCacheHitRate reads only mapped names: dropping everything else changes nothing.
TEST(IsMappedMetricTest, TrimmingKeepsPrefixCacheHitRate) {
  const auto trimmed = [](std::string_view text) {
    PrometheusScrape whole = Parse(text);
    PrometheusScrape kept;
    for (const PrometheusSample& sample : whole.samples) {
      if (IsMappedMetric(sample.name)) kept.samples.push_back(sample);
    }
    return kept;
  };
  const std::string_view sources[][2] = {
      {"vllm:prefix_cache_queries_total 10\nvllm:prefix_cache_hits_total 1\n",
       "vllm:prefix_cache_queries_total 30\nvllm:prefix_cache_hits_total 11\n"},
      {"vllm:gpu_prefix_cache_queries_total 10\nvllm:gpu_prefix_cache_hits_total 1\n",
       "vllm:gpu_prefix_cache_queries_total 30\nvllm:gpu_prefix_cache_hits_total 3\n"},
      {"", "sglang:cache_hit_rate 0.3\n"},
      {"", "vllm:gpu_prefix_cache_hit_rate 0.7\n"},
  };
  for (const auto& [before, after] : sources) {
    const std::optional<double> whole = PrefixCacheHitRate(Parse(before), Parse(after));
    ASSERT_TRUE(whole.has_value()) << after;
    EXPECT_EQ(PrefixCacheHitRate(trimmed(before), trimmed(after)), whole) << after;
  }
}

}  // namespace
}  // namespace inferbench::telemetry
