// Engine mapping: one scrape of an inference server (or of a GPU exporter) read as engine-neutral
// quantities, each taken from the first of its source metrics present in the scrape; the name
// of the metric used is recorded beside the value.
//
// Source names, checked against the projects' own documentation and code:
//   vLLM (docs.vllm.ai "Production Metrics"; vllm/v1/metrics/loggers.py):
//     vllm:num_requests_running, vllm:num_requests_waiting      gauges, every version;
//     vllm:kv_cache_usage_perc   gauge 0..1, the V1 name;
//     vllm:gpu_cache_usage_perc  gauge 0..1, V0's name, kept by V1 as "DEPRECATED: use
//                                vllm:kv_cache_usage_perc" and later hidden;
//     vllm:num_preemptions_total counter (prometheus_client renders the family
//                                `vllm:num_preemptions` with `_total`; a bare
//                                `vllm:num_preemptions` sample is accepted as the fallback);
//     vllm:prompt_tokens_total, vllm:generation_tokens_total  counters.
//   SGLang (docs.sglang.io "Production Metrics"; sglang/srt/metrics/collector.py):
//     sglang:num_running_reqs, sglang:num_queue_reqs  gauges;
//     sglang:token_usage         gauge 0..1, share of the KV token pool in use;
//     sglang:prompt_tokens_total, sglang:generation_tokens_total  counters.
//     (SGLang exports no preemption counter under a vLLM-like name; retractions are not mapped.)
//   NVIDIA dcgm-exporter, etc/default-counters.csv (one series per GPU, labels gpu, UUID, device,
//   modelName, Hostname):
//     DCGM_FI_DEV_GPU_UTIL       gauge, percent;
//     DCGM_FI_DEV_FB_USED, DCGM_FI_DEV_FB_FREE  gauges, MiB;
//     DCGM_FI_DEV_POWER_USAGE    gauge, W;
//     DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION  counter, mJ since boot.
//
// Several series of one metric (engines, data-parallel ranks, GPUs): counts, memory and power
// are summed; utilisation and KV usage are averaged. NaN samples are ignored. An optional label
// match restricts every quantity to the series whose labels include it (e.g. one model_name).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "telemetry/prometheus_text.h"

namespace inferbench::telemetry {

// Instantaneous values of one scrape. A quantity is nullopt when none of its sources is in the
// scrape; its `*_source` then stays empty.
struct EngineGauges {
  std::optional<double> running;           // requests in the running batch (sum)
  std::optional<double> waiting;           // requests queued, not yet scheduled (sum)
  std::optional<double> kv_usage;          // KV cache in use, 0..1 (mean)
  std::optional<double> gpu_util_pct;      // GPU utilisation, percent (mean over GPUs)
  std::optional<double> gpu_mem_used_mib;  // framebuffer used, MiB (sum over GPUs)
  std::optional<double> gpu_mem_free_mib;  // framebuffer free, MiB (sum over GPUs)
  std::optional<double> gpu_power_w;       // power draw, W (sum over GPUs)

  std::string running_source;
  std::string waiting_source;
  std::string kv_usage_source;
  std::string gpu_util_source;
  std::string gpu_mem_used_source;
  std::string gpu_mem_free_source;
  std::string gpu_power_source;
};

EngineGauges ReadGauges(const PrometheusScrape& scrape, const Labels& match = {});

// Cumulative counters; their increase over a point comes from Delta (engine_metrics.h) applied
// to the source name CounterSource returns.
enum class EngineCounter {
  kPreemptions,       // requests preempted
  kPromptTokens,      // prompt tokens prefilled
  kGenerationTokens,  // output tokens generated
  kGpuEnergyMj,       // GPU energy, millijoules (summed over GPUs)
};

// The first source metric of `counter` with at least one sample in `scrape` that matches
// `match`, or an empty view. The view points at a static string.
std::string_view CounterSource(const PrometheusScrape& scrape, EngineCounter counter,
                               const Labels& match = {});

// The counter's current value: the sum of its first present source's series, or nullopt.
// `source` (optional) receives that source's name.
std::optional<double> ReadCounter(const PrometheusScrape& scrape, EngineCounter counter,
                                  const Labels& match = {}, std::string* source = nullptr);

// True for every metric name ReadGauges, CounterSource/ReadCounter and PrefixCacheHitRate
// (engine_metrics.h) read: a scrape trimmed to these samples summarises exactly like the whole.
bool IsMappedMetric(std::string_view name);

}  // namespace inferbench::telemetry
