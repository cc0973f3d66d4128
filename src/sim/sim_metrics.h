// SimMetrics: what the simulator exposes on GET /metrics, under vLLM's current metric names,
// types, labels (model_name, engine) and histogram buckets. Counters are bumped by the Engine;
// latency histograms are observed by the server from the real times it emitted tokens at, so
// /metrics is true to what clients saw leave the server.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "telemetry/histogram.h"

namespace inferbench::sim {

// vLLM's build_1_2_5_buckets(max_value): 1, 2, 5, 10, 20, 50, … up to and including max_value.
std::vector<double> OneTwoFiveBuckets(int max_value);

struct SimMetrics {
  // The token-count histograms use vLLM's 1-2-5 buckets up to max_model_len (default 8192).
  SimMetrics();
  explicit SimMetrics(int max_model_len);

  // Counters.
  uint64_t prompt_tokens_total = 0;        // vllm:prompt_tokens_total (prefill tokens of admitted requests)
  uint64_t generation_tokens_total = 0;    // vllm:generation_tokens_total
  uint64_t num_preemptions_total = 0;      // vllm:num_preemptions_total
  uint64_t prefix_cache_queries_total = 0; // vllm:prefix_cache_queries_total (tokens queried)
  uint64_t prefix_cache_hits_total = 0;    // vllm:prefix_cache_hits_total (tokens hit)
  uint64_t request_success_stop = 0;       // vllm:request_success_total{finished_reason="stop"}
  uint64_t request_success_length = 0;     // …{finished_reason="length"}
  uint64_t request_success_abort = 0;      // …{finished_reason="abort"}

  // Histograms (seconds), vLLM's bucket bounds.
  telemetry::Histogram time_to_first_token;   // vllm:time_to_first_token_seconds
  telemetry::Histogram inter_token_latency;   // vllm:inter_token_latency_seconds
  telemetry::Histogram e2e_request_latency;   // vllm:e2e_request_latency_seconds
  telemetry::Histogram request_queue_time;    // vllm:request_queue_time_seconds
  telemetry::Histogram request_prompt_tokens;      // vllm:request_prompt_tokens
  telemetry::Histogram request_generation_tokens;  // vllm:request_generation_tokens

  struct Gauges {
    int num_requests_running = 0;    // vllm:num_requests_running
    int num_requests_waiting = 0;    // vllm:num_requests_waiting
    double kv_cache_usage_perc = 0;  // vllm:kv_cache_usage_perc (0..1, as vLLM reports it)
  };

  // The full Prometheus text exposition, as vLLM V1 writes it for engine 0: every family with
  // HELP and TYPE, labels {engine="0",model_name=<model_name>} (plus finished_reason on
  // vllm:request_success_total), no `_created` families.
  std::string Render(const std::string& model_name, const Gauges& gauges) const;
};

}  // namespace inferbench::sim
