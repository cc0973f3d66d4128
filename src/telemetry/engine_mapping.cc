#include "telemetry/engine_mapping.h"

#include <algorithm>
#include <cmath>
#include <span>

namespace inferbench::telemetry {
namespace {

enum class Combine { kSum, kMean };

struct Reading {
  std::optional<double> value;
  std::string_view source;
};

// Combines every non-NaN sample of `name` matching `match`; nullopt when there is none.
std::optional<double> Aggregate(const PrometheusScrape& scrape, std::string_view name,
                                const Labels& match, Combine combine) {
  double total = 0.0;
  int count = 0;
  for (const PrometheusSample& sample : scrape.samples) {
    if (sample.name != name || std::isnan(sample.value) || !LabelsInclude(sample.labels, match)) {
      continue;
    }
    total += sample.value;
    ++count;
  }
  if (count == 0) return std::nullopt;
  return combine == Combine::kSum ? total : total / count;
}

Reading FirstPresent(const PrometheusScrape& scrape, std::span<const std::string_view> names,
                     const Labels& match, Combine combine) {
  for (std::string_view name : names) {
    std::optional<double> value = Aggregate(scrape, name, match, combine);
    if (value) return {value, name};
  }
  return {};
}

void Assign(const Reading& reading, std::optional<double>& value, std::string& source) {
  value = reading.value;
  source = std::string(reading.source);
}

// Sources in order of preference: the current name first, then older or other engines' names.
constexpr std::string_view kRunningNames[] = {"vllm:num_requests_running",
                                              "sglang:num_running_reqs"};
constexpr std::string_view kWaitingNames[] = {"vllm:num_requests_waiting", "sglang:num_queue_reqs"};
constexpr std::string_view kKvUsageNames[] = {"vllm:kv_cache_usage_perc",
                                              "vllm:gpu_cache_usage_perc", "sglang:token_usage"};
constexpr std::string_view kGpuUtilNames[] = {"DCGM_FI_DEV_GPU_UTIL"};
constexpr std::string_view kGpuMemUsedNames[] = {"DCGM_FI_DEV_FB_USED"};
constexpr std::string_view kGpuMemFreeNames[] = {"DCGM_FI_DEV_FB_FREE"};
constexpr std::string_view kGpuPowerNames[] = {"DCGM_FI_DEV_POWER_USAGE"};
constexpr std::string_view kPreemptionNames[] = {"vllm:num_preemptions_total",
                                                 "vllm:num_preemptions"};
constexpr std::string_view kPromptTokenNames[] = {"vllm:prompt_tokens_total",
                                                  "sglang:prompt_tokens_total"};
constexpr std::string_view kGenerationTokenNames[] = {"vllm:generation_tokens_total",
                                                      "sglang:generation_tokens_total"};
constexpr std::string_view kGpuEnergyNames[] = {"DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION"};

std::span<const std::string_view> CounterNames(EngineCounter counter) {
  switch (counter) {
    case EngineCounter::kPreemptions:
      return kPreemptionNames;
    case EngineCounter::kPromptTokens:
      return kPromptTokenNames;
    case EngineCounter::kGenerationTokens:
      return kGenerationTokenNames;
    case EngineCounter::kGpuEnergyMj:
      return kGpuEnergyNames;
  }
  return {};
}

// PrefixCacheHitRate's sources (engine_metrics.cc); kept in step by engine_mapping_test.
constexpr std::string_view kPrefixCacheNames[] = {
    "vllm:prefix_cache_queries_total",
    "vllm:prefix_cache_hits_total",
    "vllm:gpu_prefix_cache_queries_total",
    "vllm:gpu_prefix_cache_hits_total",
    "sglang:cache_hit_rate",
    "vllm:gpu_prefix_cache_hit_rate",
};

constexpr std::span<const std::string_view> kAllMappedNames[] = {
    kRunningNames,     kWaitingNames,         kKvUsageNames,   kGpuUtilNames,
    kGpuMemUsedNames,  kGpuMemFreeNames,      kGpuPowerNames,  kPreemptionNames,
    kPromptTokenNames, kGenerationTokenNames, kGpuEnergyNames, kPrefixCacheNames,
};

}  // namespace

EngineGauges ReadGauges(const PrometheusScrape& scrape, const Labels& match) {
  EngineGauges gauges;
  Assign(FirstPresent(scrape, kRunningNames, match, Combine::kSum), gauges.running,
         gauges.running_source);
  Assign(FirstPresent(scrape, kWaitingNames, match, Combine::kSum), gauges.waiting,
         gauges.waiting_source);
  Assign(FirstPresent(scrape, kKvUsageNames, match, Combine::kMean), gauges.kv_usage,
         gauges.kv_usage_source);
  Assign(FirstPresent(scrape, kGpuUtilNames, match, Combine::kMean), gauges.gpu_util_pct,
         gauges.gpu_util_source);
  Assign(FirstPresent(scrape, kGpuMemUsedNames, match, Combine::kSum), gauges.gpu_mem_used_mib,
         gauges.gpu_mem_used_source);
  Assign(FirstPresent(scrape, kGpuMemFreeNames, match, Combine::kSum), gauges.gpu_mem_free_mib,
         gauges.gpu_mem_free_source);
  Assign(FirstPresent(scrape, kGpuPowerNames, match, Combine::kSum), gauges.gpu_power_w,
         gauges.gpu_power_source);
  return gauges;
}

std::string_view CounterSource(const PrometheusScrape& scrape, EngineCounter counter,
                               const Labels& match) {
  return FirstPresent(scrape, CounterNames(counter), match, Combine::kSum).source;
}

std::optional<double> ReadCounter(const PrometheusScrape& scrape, EngineCounter counter,
                                  const Labels& match, std::string* source) {
  const Reading reading = FirstPresent(scrape, CounterNames(counter), match, Combine::kSum);
  if (reading.value && source != nullptr) *source = std::string(reading.source);
  return reading.value;
}

bool IsMappedMetric(std::string_view name) {
  for (std::span<const std::string_view> names : kAllMappedNames) {
    if (std::find(names.begin(), names.end(), name) != names.end()) return true;
  }
  return false;
}

}  // namespace inferbench::telemetry
