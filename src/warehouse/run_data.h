// RunData: what compare needs of one stored run (DESIGN.md §7 "Compare"): the run's
// benchmark_run_fact row with its dimension rows and configuration JSON, and per point every
// metric's per-replicate values and its outcome row (mean with CI across replicates).
//
// Loading costs a fixed handful of queries for any number of runs (each filtered by run_id), so
// compare stays well inside its budget on a warehouse with 10,000 runs.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace inferbench::warehouse {

class Database;

// One serving_outcome_fact row: a metric's summary across replicates.
struct MetricOutcome {
  double mean = 0;  // NaN when NULL in the warehouse
  double std = 0;
  double ci_low = 0;
  double ci_high = 0;
  double confidence = 0;
  std::string ci_method;
  int64_t n = 0;
  bool low_n = false;  // a quantile with too few requests per replicate (DESIGN.md §4)
};

struct MetricSamples {
  // serving_replicate_fact values in replicate order; NULL values and values whose
  // outlier_action is 'exclude' are left out.
  std::vector<double> values;
  bool has_outcome = false;
  MetricOutcome outcome;
};

struct PointData {
  std::string benchmark_case_id;
  std::string point;
  std::map<std::string, MetricSamples> metrics;  // by metric path ("ttft_ms.p99")
};

struct RunData {
  std::string run_id;
  std::string name;
  std::string started_at;  // ISO timestamp as the warehouse returns it
  std::string status;      // ok | partial | failed
  std::string tier;        // VERDICT | DRAFT
  std::string workload_spec_digest;
  std::string software_key;
  std::string hardware_key;
  std::string cluster_key;
  // The dimension rows as {column: value} without their key column; null when the key is NULL
  // or has no row.
  nlohmann::json software;
  nlohmann::json hardware;
  nlohmann::json cluster;
  // Parsed canonical JSON of the run fact's columns; null when NULL or not JSON.
  nlohmann::json serving_config;
  nlohmann::json target_version;
  nlohmann::json labels;
  std::vector<std::string> intent_kpis;  // metric paths, the run's declared KPIs in order
  std::vector<PointData> points;         // in the order of point, then benchmark_case_id

  const PointData* FindPoint(const std::string& benchmark_case_id) const;
};

// The runs in the order of run_ids. An id with no benchmark_run_fact row is an error naming it.
// REQUIRES: the run ids are exact (resolved with ResolveRunId).
Result<std::vector<RunData>> LoadRunData(Database& db, const std::vector<std::string>& run_ids);

}  // namespace inferbench::warehouse
