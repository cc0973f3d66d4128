// HotMetrics: live Prometheus metrics while `inferbench run --metrics-port P` is in progress
// (DESIGN.md §7 "Hot metrics"). Request records are folded into a few counters and histograms
// per (benchmark_case_id, concurrency_bucket), served as text format 0.0.4 on GET /metrics from
// an EventLoop thread of its own, and optionally PUT to a Prometheus Pushgateway.
//
// Cardinality is bounded twice: labels come from a fixed allowlist (ValidateLabels), so request
// ids, trace ids and prompt hashes can never become labels, and a series budget caps the number
// of time series; label sets beyond it are dropped and counted in
// inferbench_hot_series_dropped_total, never crashing and never growing memory.
//
// Families (every series carries the run's constant labels, sorted by name):
//   inferbench_run_info                          gauge, 1, constant labels only
//   inferbench_requests_total{…,outcome}         counter, outcome "ok" | "error"
//   inferbench_input_tokens_total{…}             counter, achieved input tokens
//   inferbench_output_tokens_total{…}            counter, achieved output tokens
//   inferbench_ttft_seconds{…}                   histogram, TTFT of ok requests
//   inferbench_tpot_seconds{…}                   histogram, TPOT of ok requests with >= 2 tokens
//   inferbench_point_replicates_completed{…}     gauge, finished replicates of the point
//   inferbench_hot_series_dropped_total          counter, label sets refused by the budget
// where {…} = constant labels + benchmark_case_id + concurrency_bucket. Warmup records and
// requests cancelled at the end of a point are not counted (they are not measurements, §4).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "results/request_record.h"
#include "results/summary.h"

namespace inferbench::telemetry {

// The only label keys hot metrics ever carry (DESIGN.md §7).
inline constexpr std::array<std::string_view, 8> kHotMetricLabelAllowlist = {
    "run_id",    "benchmark_case_id", "cluster",        "region",
    "node_pool", "gpu_model",         "scheduler_path", "concurrency_bucket"};

// Checks the constant labels of a run. Refused, with an error naming the key: a key outside the
// allowlist (the message lists the allowed keys; keys that look like per-request ids — request,
// trace, span, session, user or prompt ids, hashes, uuids — get a message saying they belong in
// the warehouse's request_fact); benchmark_case_id and concurrency_bucket (set per series by
// HotMetrics, not constant); an empty value.
Status ValidateLabels(const std::map<std::string, std::string>& labels);

// The concurrency_bucket label of a point string: concurrency=N and sessions=N fall into
// power-of-two buckets "1", "2-3", "4-7", "8-15", … (bucket k holds [2^k, 2^(k+1)-1]), so a sweep
// yields at most ~log2(N) values; every rate=X point is "rate" and trace replay is "trace"
// (their concurrency is not fixed); a string that is not a point is "unknown".
std::string ConcurrencyBucket(std::string_view point);

struct HotMetricsOptions {
  // TCP port for GET /metrics: 0 = a free port the kernel picks; -1 = do not serve (push only).
  int port = 0;
  std::string bind = "127.0.0.1";
  // Constant labels of this run (validated by ValidateLabels in Start).
  std::map<std::string, std::string> labels;
  // Maximum time series held, counted as Prometheus stores them: one per counter or gauge label
  // set, and buckets + 3 (+Inf, _sum, _count) per histogram label set.
  int64_t series_budget = 1000;
  // "http://host:port" of a Pushgateway; "" = no pushing. PUT to
  // <url>/metrics/job/<job>[/run_id/<run_id>] every push_interval_ns and once in Stop().
  std::string pushgateway_url;
  int64_t push_interval_ns = 5'000'000'000;
  std::string job = "inferbench";
  // benchmark_case_id of a point string for points not given by SetPoint; called at most once
  // per point (the result is kept), under HotMetrics' lock: must be cheap and must not call
  // back into HotMetrics. Null: such points get benchmark_case_id "".
  std::function<std::string(std::string_view point)> case_id_for_point;
  // Notes for the user (push failures and recoveries); called from the push thread or Stop().
  std::function<void(const std::string&)> on_note;
};

class HotMetrics {
 public:
  HotMetrics();
  // Stops (see Stop).
  ~HotMetrics();
  HotMetrics(const HotMetrics&) = delete;
  HotMetrics& operator=(const HotMetrics&) = delete;

  // Validates the options, binds the port and starts serving (and pushing). Errors name the
  // label, the bind address and port, or the Pushgateway URL. REQUIRES: called once.
  Status Start(HotMetricsOptions options);
  // The bound port (0 before Start or when not serving).
  uint16_t port() const;
  // "http://127.0.0.1:PORT/metrics" ("" when not serving).
  std::string url() const;

  // The following four may be called from any thread, concurrently.

  // Declares the benchmark_case_id of a point string (overrides case_id_for_point).
  void SetPoint(std::string_view point, std::string_view benchmark_case_id);
  // Folds one finished request into its point's series. Cheap: one lock held for a lookup and a
  // few additions.
  void OnRecord(const results::RequestRecord& record);
  // One replicate of `point.point` finished.
  void OnPoint(const results::PointSummary& point);
  // The current exposition text (what GET /metrics returns).
  std::string Render() const;

  // Time series held now, and label sets refused by the budget so far.
  int64_t series_count() const;
  int64_t dropped_series() const;

  // Stops pushing (one last push first when a Pushgateway is set; failures become notes),
  // closes the server and joins every thread. Idempotent; call from any thread but the ones
  // HotMetrics runs callbacks on.
  void Stop();

 private:
  struct State;
  struct Server;
  std::unique_ptr<State> state_;
  std::unique_ptr<Server> server_;
};

}  // namespace inferbench::telemetry
