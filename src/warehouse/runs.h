// Finding and listing stored runs (`inferbench runs list|show`, and every command that takes a
// RUN argument).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "warehouse/database.h"

namespace inferbench::warehouse {

// A RUN argument: an exact run_id, a unique prefix of one (at least 6 characters), or the path
// of a run directory (its run.json's run_id). Errors say which: unknown (with how to list runs),
// ambiguous (with the candidates), or not ingested yet (with `warehouse ingest DIR`).
Result<std::string> ResolveRunId(Database& db, std::string_view text);

struct ListFilter {
  int64_t limit = 50;
  std::string name;                  // "" = any
  std::string workload_spec_digest;  // "" = any
};

// Newest first: run_id, name, started_at, status, tier, gate_status, points, requests,
// workload_spec_digest (short), signed.
Result<Table> ListRuns(Database& db, const ListFilter& filter);

// One run: the benchmark_run_fact row, its dimensions, lineage row, and per point the KPI
// outcomes (every metric of serving_outcome_fact with mean and CI).
Result<nlohmann::json> ShowRun(Database& db, const std::string& run_id);

}  // namespace inferbench::warehouse
