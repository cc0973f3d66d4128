#include "telemetry/point_telemetry.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace inferbench::telemetry {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr std::string_view kEngine = "http://engine:8000/metrics";
constexpr std::string_view kEngine2 = "http://engine2:8000/metrics";
constexpr std::string_view kDcgm = "http://gpu-host:9400/metrics";

TimedScrape At(double seconds, std::string_view url, std::string_view text) {
  TimedScrape scrape;
  scrape.steady_ns = static_cast<int64_t>(seconds * kSecond);
  scrape.url = std::string(url);
  scrape.scrape = ParsePrometheusText(text);
  EXPECT_TRUE(scrape.scrape.errors.empty()) << text;
  return scrape;
}

TimedScrape FailedAt(double seconds, std::string_view url) {
  TimedScrape scrape;
  scrape.steady_ns = static_cast<int64_t>(seconds * kSecond);
  scrape.url = std::string(url);
  scrape.error = "GET " + scrape.url + ": connection refused";
  return scrape;
}

std::string Running(double value) {
  return "vllm:num_requests_running{engine=\"0\",model_name=\"m\"} " + std::to_string(value) + "\n";
}

TEST(SummarizePointTest, GaugeMeanIsTimeWeightedOverTheWindow) {
  // Window [10 s, 20 s]. The scrapes at 9 s and 21 s (idle server) lie outside and are ignored.
  // Linear between samples: area 15 over [10,11], 80 over [11,15] (a long gap), 150 over
  // [15,20] = 245 for 10 s, while the plain sample mean would be 22.5.
  const std::vector<TimedScrape> scrapes = {
      At(9, kEngine, Running(0)),   At(10, kEngine, Running(10)), At(11, kEngine, Running(20)),
      At(15, kEngine, Running(20)), At(20, kEngine, Running(40)), At(21, kEngine, Running(0)),
  };
  const PointTelemetry t = SummarizePoint(scrapes, 10 * kSecond, 20 * kSecond, 0);
  ASSERT_TRUE(t.server_running_mean && t.server_running_max);
  EXPECT_DOUBLE_EQ(*t.server_running_mean, 24.5);
  EXPECT_DOUBLE_EQ(*t.server_running_max, 40.0);
  EXPECT_FALSE(t.server_waiting_mean.has_value());
  EXPECT_FALSE(t.gpu_power_mean_w.has_value());
  EXPECT_EQ(t.scrape_count, 6);
  EXPECT_EQ(t.scrape_errors, 0);
}

TEST(SummarizePointTest, GaugeIsHeldFlatToTheWindowEdges) {
  // Samples at 12 s (10) and 18 s (30): 10 × 2 s + 20 × 6 s + 30 × 2 s = 200 over 10 s.
  const std::vector<TimedScrape> scrapes = {At(12, kEngine, Running(10)),
                                            At(18, kEngine, Running(30))};
  const PointTelemetry t = SummarizePoint(scrapes, 10 * kSecond, 20 * kSecond, 0);
  ASSERT_TRUE(t.server_running_mean.has_value());
  EXPECT_DOUBLE_EQ(*t.server_running_mean, 20.0);
}

TEST(SummarizePointTest, ZeroLengthWindowTakesThePlainMean) {
  const std::vector<TimedScrape> scrapes = {At(10, kEngine, Running(4)),
                                            At(10, kEngine2, Running(6))};
  const PointTelemetry t = SummarizePoint(scrapes, 10 * kSecond, 10 * kSecond, 0);
  ASSERT_TRUE(t.server_running_mean.has_value());
  EXPECT_DOUBLE_EQ(*t.server_running_mean, 10.0);
}

TEST(SummarizePointTest, NoScrapeInsideTheWindowLeavesGaugesAbsent) {
  const std::vector<TimedScrape> scrapes = {At(9, kEngine, Running(5)),
                                            At(21, kEngine, Running(5))};
  const PointTelemetry t = SummarizePoint(scrapes, 10 * kSecond, 20 * kSecond, 0);
  EXPECT_FALSE(t.server_running_mean.has_value());
  EXPECT_FALSE(t.server_running_max.has_value());
}

TEST(SummarizePointTest, UrlsAreCombinedPointwise) {
  // Two engines scraped at alternating times: running sums (4 + 6), KV usage averages.
  std::vector<TimedScrape> scrapes;
  for (int s = 10; s <= 20; s += 2) {
    scrapes.push_back(At(s, kEngine,
                         "vllm:num_requests_running 4\nvllm:num_requests_waiting 1\n"
                         "vllm:kv_cache_usage_perc 0.2\n"));
    scrapes.push_back(At(s + 1, kEngine2,
                         "sglang:num_running_reqs 6\nsglang:num_queue_reqs 0\n"
                         "sglang:token_usage 0.6\n"));
  }
  const PointTelemetry t = SummarizePoint(scrapes, 10 * kSecond, 20 * kSecond, 0);
  ASSERT_TRUE(t.server_running_mean && t.server_waiting_max && t.kv_cache_usage_mean);
  EXPECT_DOUBLE_EQ(*t.server_running_mean, 10.0);
  EXPECT_DOUBLE_EQ(*t.server_running_max, 10.0);
  EXPECT_DOUBLE_EQ(*t.server_waiting_max, 1.0);
  EXPECT_DOUBLE_EQ(*t.kv_cache_usage_mean, 0.4);
  EXPECT_DOUBLE_EQ(*t.kv_cache_usage_max, 0.4);
}

TEST(SummarizePointTest, CountersAreDeltasFromTheScrapesAroundTheWindow) {
  const auto engine = [](double preemptions, double prompt, double generation) {
    return "vllm:num_preemptions_total " + std::to_string(preemptions) +
           "\nvllm:prompt_tokens_total " + std::to_string(prompt) +
           "\nvllm:generation_tokens_total " + std::to_string(generation) + "\n";
  };
  const std::vector<TimedScrape> scrapes = {
      At(5, kEngine, engine(1, 0, 0)),     // older than the last scrape before the window
      At(9, kEngine, engine(5, 100, 10)),  // the "before" scrape
      At(12, kEngine, engine(6, 600, 210)),
      At(21, kEngine, engine(10, 1100, 510)),   // the "after" scrape
      At(25, kEngine, engine(50, 9000, 9000)),  // later: ignored
  };
  const PointTelemetry t = SummarizePoint(scrapes, 10 * kSecond, 20 * kSecond, 0);
  ASSERT_TRUE(t.preemptions && t.server_prompt_tokens && t.server_generation_tokens);
  EXPECT_DOUBLE_EQ(*t.preemptions, 5.0);
  EXPECT_DOUBLE_EQ(*t.server_prompt_tokens, 1000.0);
  EXPECT_DOUBLE_EQ(*t.server_generation_tokens, 500.0);
}

TEST(SummarizePointTest, CounterResetDuringThePointIsCountedAcrossEveryScrape) {
  // The server restarted between 12 s and 15 s. Judged only from the first and last scrapes the
  // increase would look like 20; following every scrape gives 50 + 3 + 17.
  const std::vector<TimedScrape> scrapes = {
      At(9, kEngine, "vllm:prompt_tokens_total 100\n"),
      At(12, kEngine, "vllm:prompt_tokens_total 150\n"),
      At(15, kEngine, "vllm:prompt_tokens_total 3\n"),
      At(21, kEngine, "vllm:prompt_tokens_total 20\n"),
  };
  const PointTelemetry t = SummarizePoint(scrapes, 10 * kSecond, 20 * kSecond, 0);
  ASSERT_TRUE(t.server_prompt_tokens.has_value());
  EXPECT_DOUBLE_EQ(*t.server_prompt_tokens, 70.0);
}

TEST(SummarizePointTest, FailedScrapesAreCountedAndSkipped) {
  // A failed scrape has no samples; treating it as a scrape would make the counter restart
  // from zero and count 1000 twice.
  const std::vector<TimedScrape> scrapes = {
      At(9, kEngine, "vllm:prompt_tokens_total 1000\n"),
      FailedAt(12, kEngine),
      At(21, kEngine, "vllm:prompt_tokens_total 1300\n"),
      FailedAt(21.5, kDcgm),
  };
  const PointTelemetry t = SummarizePoint(scrapes, 10 * kSecond, 20 * kSecond, 0);
  ASSERT_TRUE(t.server_prompt_tokens.has_value());
  EXPECT_DOUBLE_EQ(*t.server_prompt_tokens, 300.0);
  EXPECT_EQ(t.scrape_count, 4);
  EXPECT_EQ(t.scrape_errors, 2);
}

TEST(SummarizePointTest, CountersOfSeveralUrlsAddUp) {
  const std::vector<TimedScrape> scrapes = {
      At(9, kEngine, "vllm:generation_tokens_total 100\n"),
      At(9.5, kEngine2, "sglang:generation_tokens_total 1000\n"),
      At(20.5, kEngine, "vllm:generation_tokens_total 400\n"),
      At(21, kEngine2, "sglang:generation_tokens_total 1200\n"),
  };
  const PointTelemetry t = SummarizePoint(scrapes, 10 * kSecond, 20 * kSecond, 0);
  ASSERT_TRUE(t.server_generation_tokens.has_value());
  EXPECT_DOUBLE_EQ(*t.server_generation_tokens, 500.0);
  EXPECT_FALSE(t.preemptions.has_value());
}

TEST(SummarizePointTest, SingleScrapeGivesNoCounterDelta) {
  const std::vector<TimedScrape> scrapes = {At(15, kEngine, "vllm:prompt_tokens_total 10\n")};
  EXPECT_FALSE(SummarizePoint(scrapes, 10 * kSecond, 20 * kSecond, 0).server_prompt_tokens);
}

TEST(SummarizePointTest, PrefixCacheHitRateKeepsUrlsApart) {
  // Engine 2 restarted during the point. Its counters must be judged on their own: merged with
  // engine 1's series of the same labels the reset would hide engine 1's increase.
  const std::vector<TimedScrape> scrapes = {
      At(9, kEngine, "vllm:prefix_cache_queries_total 1000\nvllm:prefix_cache_hits_total 0\n"),
      At(9, kEngine2, "vllm:prefix_cache_queries_total 5000\nvllm:prefix_cache_hits_total 0\n"),
      At(21, kEngine, "vllm:prefix_cache_queries_total 2000\nvllm:prefix_cache_hits_total 550\n"),
      At(21, kEngine2, "vllm:prefix_cache_queries_total 100\nvllm:prefix_cache_hits_total 0\n"),
  };
  const PointTelemetry t = SummarizePoint(scrapes, 10 * kSecond, 20 * kSecond, 0);
  ASSERT_TRUE(t.prefix_cache_hit_rate.has_value());
  EXPECT_DOUBLE_EQ(*t.prefix_cache_hit_rate, 550.0 / 1100.0);
  EXPECT_EQ(t.prefix_cache_hit_rate_source, "vllm:prefix_cache_queries_total");
}

TEST(SummarizePointTest, EnergyFromThePowerIntegral) {
  // Two GPUs: total power rises linearly from 100 W to 300 W over the 10 s window.
  const auto power = [](double gpu0, double gpu1) {
    return "DCGM_FI_DEV_POWER_USAGE{gpu=\"0\"} " + std::to_string(gpu0) +
           "\nDCGM_FI_DEV_POWER_USAGE{gpu=\"1\"} " + std::to_string(gpu1) +
           "\nDCGM_FI_DEV_GPU_UTIL{gpu=\"0\"} 100\nDCGM_FI_DEV_GPU_UTIL{gpu=\"1\"} 50\n"
           "DCGM_FI_DEV_FB_USED{gpu=\"0\"} 1000\nDCGM_FI_DEV_FB_USED{gpu=\"1\"} 2000\n";
  };
  const std::vector<TimedScrape> scrapes = {
      At(5, kDcgm, power(1000, 1000)),  // outside the window
      At(10, kDcgm, power(50, 50)),
      At(15, kDcgm, power(100, 100)),
      At(20, kDcgm, power(150, 150)),
  };
  const PointTelemetry t = SummarizePoint(scrapes, 10 * kSecond, 20 * kSecond, 1000);
  ASSERT_TRUE(t.energy_j && t.gpu_power_mean_w && t.tokens_per_joule);
  EXPECT_DOUBLE_EQ(*t.gpu_power_mean_w, 200.0);
  EXPECT_DOUBLE_EQ(*t.energy_j, 2000.0);
  EXPECT_EQ(t.energy_source, "DCGM_FI_DEV_POWER_USAGE");
  EXPECT_DOUBLE_EQ(*t.tokens_per_joule, 0.5);
  ASSERT_TRUE(t.gpu_util_mean_pct && t.gpu_mem_used_max_mib);
  EXPECT_DOUBLE_EQ(*t.gpu_util_mean_pct, 75.0);
  EXPECT_DOUBLE_EQ(*t.gpu_mem_used_max_mib, 3000.0);
}

TEST(SummarizePointTest, EnergyCounterIsPreferredAndInterpolatedAtTheWindowEnds) {
  // The counter climbs 1000 W × time (1e6 mJ per second) summed over two GPUs of 500 W each;
  // the scrapes around the window are 2 s away from its ends. The power gauge disagrees on
  // purpose (it reads 10 W) to show which source won.
  const auto dcgm = [](double mj_per_gpu) {
    return "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu=\"0\"} " + std::to_string(mj_per_gpu) +
           "\nDCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu=\"1\"} " + std::to_string(mj_per_gpu) +
           "\nDCGM_FI_DEV_POWER_USAGE{gpu=\"0\"} 5\nDCGM_FI_DEV_POWER_USAGE{gpu=\"1\"} 5\n";
  };
  const std::vector<TimedScrape> scrapes = {
      At(8, kDcgm, dcgm(0)),
      At(14, kDcgm, dcgm(3'000'000)),
      At(22, kDcgm, dcgm(7'000'000)),
  };
  const PointTelemetry t = SummarizePoint(scrapes, 10 * kSecond, 20 * kSecond, 5000);
  ASSERT_TRUE(t.energy_j && t.tokens_per_joule && t.gpu_power_mean_w);
  EXPECT_DOUBLE_EQ(*t.energy_j, 10'000.0);
  EXPECT_EQ(t.energy_source, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION");
  EXPECT_DOUBLE_EQ(*t.tokens_per_joule, 0.5);
  EXPECT_DOUBLE_EQ(*t.gpu_power_mean_w, 10.0);
}

TEST(SummarizePointTest, EnergyCounterResetDuringThePoint) {
  // The exporter restarted between 12 s and 16 s, so its counter began again from zero: the
  // increase is 2e6 mJ before the reset, 4e6 up to 16 s and 4e6 after.
  const std::vector<TimedScrape> scrapes = {
      At(10, kDcgm, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION 9000000\n"),
      At(12, kDcgm, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION 11000000\n"),
      At(16, kDcgm, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION 4000000\n"),
      At(20, kDcgm, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION 8000000\n"),
  };
  const PointTelemetry t = SummarizePoint(scrapes, 10 * kSecond, 20 * kSecond, 0);
  ASSERT_TRUE(t.energy_j.has_value());
  EXPECT_DOUBLE_EQ(*t.energy_j, 10'000.0);
  ASSERT_TRUE(t.tokens_per_joule.has_value());
  EXPECT_DOUBLE_EQ(*t.tokens_per_joule, 0.0);
}

TEST(SummarizePointTest, NothingScrapedNothingReported) {
  const PointTelemetry t = SummarizePoint({}, 10 * kSecond, 20 * kSecond, 100);
  EXPECT_FALSE(t.server_running_mean || t.preemptions || t.prefix_cache_hit_rate || t.energy_j ||
               t.tokens_per_joule || t.gpu_util_mean_pct);
  EXPECT_EQ(t.scrape_count, 0);
  std::map<std::string, double> scalars = {{"ttft_ms.p99", 12.0}};
  AddToScalars(t, scalars);
  EXPECT_EQ(scalars, (std::map<std::string, double>{{"ttft_ms.p99", 12.0}}));
}

TEST(AddToScalarsTest, WritesOnlyPresentValues) {
  PointTelemetry t;
  t.server_running_mean = 3.5;
  t.energy_j = 100.0;
  t.tokens_per_joule = 2.0;
  t.scrape_count = 12;
  t.scrape_errors = 1;
  std::map<std::string, double> scalars = {{"energy_j", -1.0}, {"error_rate", 0.0}};
  AddToScalars(t, scalars);
  const std::map<std::string, double> expected = {
      {"server_running_mean", 3.5}, {"energy_j", 100.0},    {"tokens_per_joule", 2.0},
      {"scrape_count", 12.0},       {"scrape_errors", 1.0}, {"error_rate", 0.0},
  };
  EXPECT_EQ(scalars, expected);
}

}  // namespace
}  // namespace inferbench::telemetry
