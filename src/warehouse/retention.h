// Retention: `inferbench warehouse retention [--apply]` (DESIGN.md §7). A run's tier follows its
// age (started_at, else ingested_at, against `now`):
//
//   hot      age <= hot_days              keeps everything
//   warm     hot_days  < age <= warm_days  request_fact and telemetry_slice_fact rows go
//   cold     warm_days < age <= cold_days  serving_replicate_fact rows go as well
//   expired  age > cold_days               every row of the run goes (serving_outcome_fact,
//                                          training_outcome_fact, artifact_lineage_dim,
//                                          benchmark_run_fact too) and, with apply, its manifest
//                                          and the evidence objects no other manifest references
//
// Runs referenced by a baseline or a published_rollup are never pruned, whatever their age: the
// plan lists them with the reason. A run of unknown age (no timestamps) is kept and listed.
// Dimension rows (software/hardware/cluster/workload) are shared and stay.
//
// Dry run (the default) only plans. Apply deletes the rows in ONE transaction, then removes the
// evidence files (after the commit: files are not transactional; a failure there is reported and
// leaves only unreferenced files behind). Objects are removed only when every remaining manifest
// of that evidence root could be read.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace inferbench::warehouse {

class Database;

struct RetentionPolicy {
  int64_t hot_days = 30;
  int64_t warm_days = 180;
  int64_t cold_days = 730;

  // 0 < hot_days <= warm_days <= cold_days; the error names the flags.
  Status Validate() const;
};

enum class RetentionTier { kHot, kWarm, kCold, kExpired };
std::string_view RetentionTierName(RetentionTier tier);  // "hot" | "warm" | "cold" | "expired"

struct RunRetention {
  std::string run_id;
  std::string started_at;
  double age_days = 0;
  RetentionTier from = RetentionTier::kHot;  // what the warehouse still holds for the run
  RetentionTier to = RetentionTier::kHot;    // what its age calls for
  std::string kept_because;                  // non-empty: protected, nothing goes
  std::map<std::string, int64_t> rows;       // table → rows that go
  std::string manifest_path;                 // expired only: the manifest file that goes
  std::vector<std::string> objects;          // expired only: object digests that go
};

struct RetentionPlan {
  RetentionPolicy policy;
  int64_t now_us = 0;
  bool applied = false;
  std::map<std::string, int64_t> runs_by_tier;  // every run, by the tier its age calls for
  std::vector<RunRetention> runs;               // runs with something to remove, and protected runs
  std::map<std::string, int64_t> total_rows;    // table → rows that go
  int64_t manifests = 0;                        // manifest files that go
  int64_t objects = 0;                          // evidence objects that go
  std::vector<std::string> notes;               // unknown ages, unreadable manifests, file errors

  nlohmann::json ToJson() const;
  std::string FormatText() const;
};

struct RetentionOptions {
  RetentionPolicy policy;
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
  bool apply = false;                  // REQUIRES a read-write `db` when true
  std::string evidence_root_override;  // "" = each run's recorded evidence_uri
};

Result<RetentionPlan> Retention(Database& db, const RetentionOptions& options);

}  // namespace inferbench::warehouse
