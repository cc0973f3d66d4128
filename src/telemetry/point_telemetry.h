// PointTelemetry: what the server and GPU metrics say about one load point, summarised from the
// scrapes taken before, during and after it (ScrapeSampler, sampler.h). Pure computation: no I/O,
// callable from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "telemetry/prometheus_text.h"

namespace inferbench::telemetry {

// One scrape of one /metrics URL. A failed scrape (fetch error or a status other than 200) has
// `error` set and an empty `scrape`; it is counted and otherwise ignored.
struct TimedScrape {
  int64_t steady_ns = 0;  // steady clock when the response arrived
  std::string url;
  PrometheusScrape scrape;
  std::string error;  // empty when the scrape succeeded
};

// Every field is nullopt when no scrape carried its source. Gauges and power are combined across
// URLs the way engine_mapping.h combines series within a scrape (sums of counts, memory and
// power; means of utilisation and KV usage).
struct PointTelemetry {
  std::optional<double> server_running_mean;  // requests in the running batch
  std::optional<double> server_running_max;
  std::optional<double> server_waiting_mean;  // requests queued
  std::optional<double> server_waiting_max;
  std::optional<double> kv_cache_usage_mean;  // 0..1
  std::optional<double> kv_cache_usage_max;
  std::optional<double> preemptions;  // Δ counter over the point
  std::optional<double> prefix_cache_hit_rate;
  std::string prefix_cache_hit_rate_source;        // the metric it came from (PrefixCacheHitRate)
  std::optional<double> server_prompt_tokens;      // Δ counter over the point
  std::optional<double> server_generation_tokens;  // Δ counter over the point
  std::optional<double> gpu_util_mean_pct;
  std::optional<double> gpu_mem_used_max_mib;
  std::optional<double> gpu_power_mean_w;
  std::optional<double> energy_j;
  std::string energy_source;  // "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION" or "DCGM_FI_DEV_POWER_USAGE"
  std::optional<double> tokens_per_joule;  // output tokens / energy_j
  int scrape_count = 0;                    // scrapes given, failed ones included
  int scrape_errors = 0;                   // failed scrapes
};

// Summarises the scrapes of one point. `scrapes` holds every scrape around the point — the
// one-off scrapes before and after it and the periodic ones during it, of several URLs
// interleaved — in time order. The point's measurement window is [window_start_ns,
// window_end_ns]; `output_tokens` are the output tokens the client counted in that window.
//
// Gauges (running, waiting, KV usage, GPU utilisation, memory, power) use only the successful
// scrapes inside the window. Each URL's gauge is taken as linear between its consecutive samples
// and flat before its first and after its last sample in the window; URLs are combined pointwise;
// the mean is the time integral of that curve over the window divided by the window length (a
// time-weighted mean: an irregular gap, such as a failed scrape, weighs by its length). With a
// zero-length window the mean is the plain mean of the samples. Maxima are the largest combined
// value at any sample time.
//
// Counters (preemptions, prompt and generation tokens) are the increase from each URL's last
// successful scrape at or before the window start (its first scrape when none is) to its first
// at or after the window end (its last when none is), summed over consecutive scrapes with
// Delta (engine_metrics.h), so a counter reset at any scrape is handled, and summed over URLs.
// A URL needs two successful scrapes in that span to count.
//
// prefix_cache_hit_rate: PrefixCacheHitRate over the same first and last scrapes of every URL
// (series of different URLs kept apart).
//
// energy_j: the increase of DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION (mJ, summed over GPUs) over the
// window, with the counter linearly interpolated at both window ends between the scrapes around
// them; else, when only power is available, the integral of the gpu power curve described above
// over the window. tokens_per_joule = output_tokens / energy_j when energy_j > 0.
PointTelemetry SummarizePoint(const std::vector<TimedScrape>& scrapes, int64_t window_start_ns,
                              int64_t window_end_ns, double output_tokens);

// Writes each present value into `scalars` under the metric names server_running_mean,
// server_running_max, server_waiting_mean, server_waiting_max, kv_cache_usage_mean,
// kv_cache_usage_max, preemptions, prefix_cache_hit_rate, server_prompt_tokens,
// server_generation_tokens, gpu_util_mean_pct, gpu_mem_used_max_mib, gpu_power_mean_w,
// energy_j, tokens_per_joule, and scrape_count and scrape_errors when any scrape was given.
// Existing entries of the same names are replaced; other entries are left alone.
void AddToScalars(const PointTelemetry& telemetry, std::map<std::string, double>& scalars);

}  // namespace inferbench::telemetry
