// Named baselines (DESIGN.md §7, `inferbench baseline set NAME RUN` / `baseline list`): a name
// points at one run per workload digest, so "main" can mean a different run for each workload.
// `regressions` starts its window at the newest baseline of a case's workload.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace inferbench::warehouse {

class Database;

struct Baseline {
  std::string name;
  std::string workload_spec_digest;
  std::string run_id;
  std::string created_at;  // ISO timestamp (UTC)
  std::string run_started_at;  // "" when the run is no longer in the warehouse
};

// Points `name` at run_id for that run's workload digest, replacing an earlier run of the same
// name and digest. Returns the row written. Errors: empty name, unknown run, a run without a
// workload digest.
// REQUIRES: db is read-write; run_id is exact (resolved with ResolveRunId).
Result<Baseline> SetBaseline(Database& db, const std::string& name, const std::string& run_id);

// Every baseline, by name then digest.
Result<std::vector<Baseline>> ListBaselines(Database& db);

nlohmann::json BaselinesToJson(const std::vector<Baseline>& baselines);
std::string FormatBaselines(const std::vector<Baseline>& baselines);

}  // namespace inferbench::warehouse
