// ReportModel: everything a report shows about one stored run, loaded once from the warehouse
// (and the run's evidence for token times, per-point reasons and the spec), so the renderers
// only format. No bare numbers (DESIGN.md §2.3): every Estimate carries its confidence level,
// CI method, replicate count n and the low_n flag of §4; every point its exact shape and tier.
//
// Loading is read-only and tolerant of what a run lacks: no telemetry, no token times, an
// evidence store that moved — each missing piece becomes a note in `notes`, never an error.
// Errors are for an unknown run or a database failure.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "warehouse/compare.h"
#include "warehouse/run_data.h"

namespace inferbench::warehouse {
class Database;
}

namespace inferbench::report {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// One metric path at one point across replicates (a serving_outcome_fact row).
struct Estimate {
  double mean = kNaN;
  double stddev = kNaN;
  double ci_low = kNaN;
  double ci_high = kNaN;
  double confidence = kNaN;  // e.g. 0.95
  std::string ci_method;     // "t" | "bootstrap" | "none"
  int64_t n = 0;             // replicates used
  bool low_n = false;        // a quantile with too few samples per replicate (DESIGN.md §4)
  std::vector<double> replicates;  // per-replicate values (excluded outliers left out)

  bool has_mean() const;
  bool has_ci() const;
};

// Requests of one point as request_fact counts them (warmup excluded).
struct RequestStats {
  int64_t total = 0;
  int64_t completed = 0;
  int64_t errored = 0;
  int64_t http_429 = 0;
  int64_t queue_full = 0;  // an error message saying the server's queue is full
};

struct PointModel {
  std::string point;  // point string, e.g. "concurrency=16"
  std::string benchmark_case_id;
  double load = kNaN;  // N of concurrency/sessions, X of rate; NaN for trace
  std::string tier;    // VERDICT | DRAFT
  std::vector<std::string> reasons;  // why DRAFT
  int64_t replicates = 0;
  std::string outlier_policy;  // "applied (…)" | "not applied, n < 5" | "" (unknown)
  std::map<std::string, Estimate> metrics;  // by metric path
  RequestStats requests;
  bool client_saturated = false;  // a replicate's client was saturated (DESIGN.md §2.8)
  // Mean server queue time per request over the point, from vllm:request_queue_time_seconds
  // (sum and count increases); NaN when the server does not export it.
  double queue_time_ms = kNaN;

  const Estimate* Find(std::string_view path) const;
  // The mean of a metric path, NaN when absent.
  double Mean(std::string_view path) const;
};

struct TimeSeries {
  std::string name;   // legend text, e.g. "running (vllm:num_requests_running)"
  std::string unit;   // "requests", "%", "ratio"
  std::vector<std::pair<double, double>> points;  // (seconds since the run's anchor, value)
};

struct TimelineRequest {
  double sched_s = 0;
  double send_s = 0;
  double first_s = kNaN;
  double last_s = kNaN;
  bool error = false;
};

struct ReplicateTimeline {
  std::string point;  // "" = no requests recorded
  int64_t replicate = 0;
  std::vector<TimelineRequest> requests;  // by send time; times since the first intended send
  int64_t omitted = 0;                    // requests beyond the row limit
};

struct PointSamples {
  std::string point;
  std::vector<double> values;  // sorted ascending
};

// The exact command lines that reproduce the run.
struct Repro {
  std::string run_command;    // "inferbench run <spec> [--sim]"
  std::string spec_source;    // where the spec is: run directory path and/or artifact digest
  std::string bench_command;  // one point as `inferbench bench …` ("" when not derivable)
  std::string bench_point;    // the point bench_command measures
  std::string sim_command;    // the simulator to start first (simulated targets), else ""
};

struct RunContext {
  std::string run_id;
  std::string name;
  std::string started_at;
  std::string status;  // ok | partial | failed
  std::string tier;    // VERDICT | DRAFT
  std::vector<std::string> reasons;
  std::string mode;  // publication | realism
  std::string variable_under_test;
  std::vector<std::string> intent_kpis;
  std::string workload_spec_digest;
  std::string artifact_manifest_digest;
  std::string harness_version;
  std::string gate_status;
  double cold_start_s = kNaN;
  int64_t replicate_count = 0;
  int64_t request_count = 0;
  // Workload (workload_dim and its canonical spec).
  std::string model;
  std::string precision;
  std::string protocol;  // chat | completions
  std::string dataset;
  std::string load_model;  // concurrency | rate | trace | sessions
  double isl_mean = kNaN, isl_stddev = kNaN, osl_mean = kNaN, osl_stddev = kNaN;
  std::string cache_bust;  // none | per-replicate | per-request ("" = unknown)
  std::optional<bool> ignore_eos;
  // System (dimension rows).
  std::string gpu_model;
  int64_t gpu_count = 0;
  std::string engine;
  std::string engine_version;
  std::string cluster;
  nlohmann::json serving_config;  // spec.system.serving
  nlohmann::json target_version;  // the target's /version
  double confidence = kNaN;       // the confidence level of the run's intervals
  std::string evidence_uri;
  bool is_signed = false;
};

// A --vs comparison: compare's verdicts plus each run's points for overlaid charts.
struct ComparisonModel {
  warehouse::Comparison comparison;
  std::vector<warehouse::RunData> runs;  // in comparison.runs order (baseline first)
  std::string note;                      // e.g. why it is exploratory
};

struct ReportModel {
  RunContext run;
  std::vector<PointModel> points;  // from light to heavy load
  std::vector<TimeSeries> telemetry;
  ReplicateTimeline timeline;
  std::vector<PointSamples> ttft_ms;       // per point, completed requests
  std::vector<PointSamples> chunk_gap_ms;  // per point, from the token_times artifact
  bool token_times_available = false;
  Repro repro;
  nlohmann::json capacity;  // run.json "capacity" (a capacity search), null when absent
  std::optional<ComparisonModel> comparison;
  std::vector<std::string> notes;  // what could not be loaded and why

  const PointModel* FindPoint(std::string_view point) const;
};

struct LoadOptions {
  std::vector<std::string> vs_run_ids;  // baseline first; the report's run is the candidate
  std::string evidence_root_override;   // "" = the recorded evidence_uri
  int64_t timeline_max_requests = 2000;
  bool read_evidence = true;  // false: warehouse only (token times, reasons, spec unavailable)
};

// REQUIRES: run_id exact (warehouse::ResolveRunId). Errors: unknown run, database failure, an
// unknown --vs run.
Result<ReportModel> LoadReportModel(warehouse::Database& db, const std::string& run_id,
                                    const LoadOptions& options);

// The numeric load of a point string (N of concurrency=N / sessions=N, X of rate=X), NaN else.
double PointLoad(std::string_view point);
// "concurrency (requests in flight)", "offered rate (req/s)", … for the run's points.
std::string LoadAxisLabel(const std::vector<PointModel>& points);

}  // namespace inferbench::report
