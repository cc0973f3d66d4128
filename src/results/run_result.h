// The judged result of a run (schema "inferbench.run/v1", DESIGN.md §9): per point, every metric
// across replicates with its confidence interval, the VERDICT/DRAFT tier with reasons, and the
// gate outcomes. Written as run.json in the run directory and printed by `run --json`. Plain
// data: stats/ and runner/ compute it, gate/ adds the gate outcomes, reports read it.
//
// run.json:
//   {"schema": "inferbench.run/v1", "run_id", "name", "status": "ok"|"partial"|"failed",
//    "tier": "VERDICT"|"DRAFT", "reasons": [...], "workload_spec_digest", "mode", "cold_start_s",
//    "points": [{"point", "benchmark_case_id", "tier", "reasons": [...], "replicates",
//                "metrics": {"<path>": {"mean", "std", "ci_low", "ci_high", "confidence",
//                                       "ci_method", "n", "relative_ci_half_width", "low_n",
//                                       "replicates": [v0, v1, …], "outliers": [{"replicate",
//                                       "value", "score", "action"}]}},
//                "outlier_policy": "applied (mad, threshold 3.5, flag)" | "not applied, n < 5"}],
//    "gate": [{"name", "metric", "point", "op", "value", "tolerance", "strict", "status",
//              "measured", "ci_low", "ci_high", "n", "message", "tier", "draft_reasons"}],
//    "gate_status": "passed"|"failed"|"skipped"|"error",
//    "outputs": {"run_dir", "summary", "requests", "ctrf", …}}
// Undefined numbers are written as null.
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

namespace inferbench::results {

inline constexpr std::string_view kRunSchema = "inferbench.run/v1";
inline constexpr std::string_view kTierVerdict = "VERDICT";
inline constexpr std::string_view kTierDraft = "DRAFT";

// One replicate the outlier policy flagged or excluded.
struct OutlierMark {
  int64_t replicate = 0;
  double value = 0;
  double score = 0;       // modified z-score (mad) or distance beyond the fence in IQRs (iqr)
  std::string action;     // "flag" | "exclude"
};

// One metric path at one point across replicates.
struct MetricAggregate {
  static constexpr double kUndefined = std::numeric_limits<double>::quiet_NaN();

  double mean = kUndefined;
  double stddev = kUndefined;  // "std" in JSON
  double ci_low = kUndefined;
  double ci_high = kUndefined;
  double confidence = 0.95;
  std::string ci_method = "none";  // "t" | "bootstrap" | "none" (n < 2)
  int64_t n = 0;                   // replicates used (after exclusions)
  double relative_ci_half_width = kUndefined;  // (ci_high − ci_low) / 2 / |mean|
  bool low_n = false;              // the stat is a quantile flagged low_n in some replicate
  std::vector<double> replicates;  // the value of each replicate in replicate order (NaN: missing)
  std::vector<OutlierMark> outliers;

  nlohmann::json ToJson() const;
  static Result<MetricAggregate> FromJson(const nlohmann::json& json, std::string context);
};

struct PointResult {
  std::string point;
  std::string benchmark_case_id;  // SHA-256 of the workload digest + point string
  std::string tier = std::string(kTierDraft);
  std::vector<std::string> reasons;  // why DRAFT (empty for VERDICT)
  int64_t replicates = 0;
  std::map<std::string, MetricAggregate> metrics;  // by metric path
  std::string outlier_policy;  // what was done: "applied (…)" or "not applied, n < 5"

  const MetricAggregate* Find(std::string_view path) const;
  nlohmann::json ToJson() const;
  static Result<PointResult> FromJson(const nlohmann::json& json, std::string context);
};

// One constraint evaluated at one point (a CTRF test).
struct GateOutcome {
  std::string name;    // "output_throughput_tok_s >= 5000 (tol 10%) @ concurrency=64"
  std::string metric;
  std::string point;   // "" when the constraint could not be tied to a point
  std::string op;
  double value = 0;
  double tolerance = 0;
  bool strict = false;
  std::string status;  // "passed" | "failed" | "skipped" | "other" (evaluation error)
  double measured = MetricAggregate::kUndefined;
  double ci_low = MetricAggregate::kUndefined;
  double ci_high = MetricAggregate::kUndefined;
  int64_t n = 0;
  std::string message;
  std::string tier;    // the point's tier
  std::vector<std::string> draft_reasons;

  nlohmann::json ToJson() const;
  static Result<GateOutcome> FromJson(const nlohmann::json& json, std::string context);
};

struct RunResult {
  std::string run_id;
  std::string name;             // metadata.name
  std::string status = "ok";    // ok | partial | failed
  std::string tier = std::string(kTierDraft);
  std::vector<std::string> reasons;  // run-level: the points' reasons, prefixed by point
  std::string workload_spec_digest;
  std::string mode;             // publication | realism
  double cold_start_s = MetricAggregate::kUndefined;  // readiness: first probe → first answer
  std::vector<PointResult> points;
  std::vector<GateOutcome> gate;
  std::string gate_status = "skipped";  // passed | failed | skipped | error
  std::map<std::string, std::string> outputs;  // artifact name → path

  const PointResult* Find(std::string_view point) const;
  nlohmann::json ToJson() const;
  static Result<RunResult> FromJson(const nlohmann::json& json);
};

}  // namespace inferbench::results
