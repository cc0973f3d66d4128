// Bucket bounds, names and label layout follow vLLM V1's PrometheusStatLogger
// (vllm/v1/metrics/loggers.py); the text layout follows prometheus_client (see
// telemetry/prometheus_text.h). HELP texts are our own.
#include "sim/sim_metrics.h"

#include <utility>

#include "telemetry/prometheus_text.h"

namespace inferbench::sim {
namespace {

using telemetry::Histogram;
using telemetry::Labels;
using telemetry::MetricType;
using telemetry::PrometheusWriter;

constexpr int kDefaultMaxModelLen = 8192;

std::vector<double> TimeToFirstTokenBuckets() {
  return {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1,  0.25,  0.5,   0.75,
          1.0,   2.5,   5.0,  7.5,  10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0};
}

// Shared by vllm:inter_token_latency_seconds and its predecessor time_per_output_token.
std::vector<double> InterTokenLatencyBuckets() {
  return {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2,  0.3,  0.4, 0.5,
          0.75, 1.0,   2.5,  5.0,   7.5, 10.0, 20.0, 40.0, 80.0};
}

// vLLM's request_latency_buckets: e2e latency, queue time and the other per-phase histograms.
std::vector<double> RequestLatencyBuckets() {
  return {0.3,  0.5,  0.8,  1.0,  1.5,   2.0,   2.5,   5.0,   10.0,   15.0,  20.0,
          30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0};
}

}  // namespace

std::vector<double> OneTwoFiveBuckets(int max_value) {
  std::vector<double> buckets;
  for (double scale = 1.0;; scale *= 10.0) {
    for (double mantissa : {1.0, 2.0, 5.0}) {
      const double value = mantissa * scale;
      if (value > max_value) return buckets;
      buckets.push_back(value);
    }
  }
}

SimMetrics::SimMetrics() : SimMetrics(kDefaultMaxModelLen) {}

SimMetrics::SimMetrics(int max_model_len)
    : time_to_first_token(TimeToFirstTokenBuckets()),
      inter_token_latency(InterTokenLatencyBuckets()),
      e2e_request_latency(RequestLatencyBuckets()),
      request_queue_time(RequestLatencyBuckets()),
      request_prompt_tokens(OneTwoFiveBuckets(max_model_len)),
      request_generation_tokens(OneTwoFiveBuckets(max_model_len)) {}

std::string SimMetrics::Render(const std::string& model_name, const Gauges& gauges) const {
  // Labels sorted by name, as prometheus_client prints them; vLLM V1 labels each series with
  // the served model name and the engine index (the simulator is one engine, index 0).
  const Labels labels = {{"engine", "0"}, {"model_name", model_name}};
  PrometheusWriter out;
  const auto gauge = [&](std::string_view name, std::string_view help, double value) {
    out.Family(name, MetricType::kGauge, help);
    out.Sample(name, labels, value);
  };
  const auto counter = [&](std::string_view name, std::string_view help, uint64_t value) {
    out.Family(name, MetricType::kCounter, help);
    out.Sample(name, labels, static_cast<double>(value));
  };
  const auto histogram = [&](std::string_view name, std::string_view help, const Histogram& h) {
    out.Family(name, MetricType::kHistogram, help);
    out.HistogramSamples(name, labels, h.bounds(), h.bucket_counts(), h.sum());
  };

  gauge("vllm:num_requests_running", "Requests in the running batch right now.",
        gauges.num_requests_running);
  gauge("vllm:num_requests_waiting", "Requests queued and not yet scheduled.",
        gauges.num_requests_waiting);
  gauge("vllm:kv_cache_usage_perc", "Fraction of KV-cache blocks in use (1 = full).",
        gauges.kv_cache_usage_perc);
  counter("vllm:prefix_cache_queries_total", "Prompt tokens looked up in the prefix cache.",
          prefix_cache_queries_total);
  counter("vllm:prefix_cache_hits_total", "Prompt tokens found in the prefix cache.",
          prefix_cache_hits_total);
  counter("vllm:num_preemptions_total", "Requests preempted (to be recomputed) so far.",
          num_preemptions_total);
  counter("vllm:prompt_tokens_total", "Prompt tokens prefilled so far.", prompt_tokens_total);
  counter("vllm:generation_tokens_total", "Output tokens generated so far.",
          generation_tokens_total);

  out.Family("vllm:request_success_total", MetricType::kCounter,
             "Requests finished, by finish reason.");
  const std::pair<const char*, uint64_t> finished[] = {
      {"stop", request_success_stop},
      {"length", request_success_length},
      {"abort", request_success_abort},
  };
  for (const auto& [reason, count] : finished) {
    out.Sample("vllm:request_success_total",
               {{"engine", "0"}, {"finished_reason", reason}, {"model_name", model_name}},
               static_cast<double>(count));
  }

  histogram("vllm:request_prompt_tokens", "Prompt length of each finished request, in tokens.",
            request_prompt_tokens);
  histogram("vllm:request_generation_tokens", "Output length of each finished request, in tokens.",
            request_generation_tokens);
  histogram("vllm:time_to_first_token_seconds",
            "Seconds from a request's arrival to its first output token.", time_to_first_token);
  histogram("vllm:inter_token_latency_seconds",
            "Seconds between consecutive output tokens of a request.", inter_token_latency);
  histogram("vllm:e2e_request_latency_seconds",
            "Seconds from a request's arrival to its last output token.", e2e_request_latency);
  histogram("vllm:request_queue_time_seconds",
            "Seconds a request waited in the queue before it was first scheduled.",
            request_queue_time);
  return out.Take();
}

}  // namespace inferbench::sim
