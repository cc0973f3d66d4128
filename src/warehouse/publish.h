// Publish: `inferbench warehouse publish NAME --query SQL` (DESIGN.md §7). A published number is
// the result of a stored, digested query, and it must name the runs it came from so `lineage
// --published NAME` can walk each of them back to its evidence.
//
// published_rollup row: name, query_text (exactly as given), query_spec_digest
// (QuerySpecDigest(sql, [])), value (the result table as JSON, [{"col": v, …}, …]), run_ids
// (JSON array of the distinct run_id values, sorted), published_at (UTC).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace inferbench::warehouse {

class Database;

// SHA-256 hex of the RFC 8785 canonical JSON {"params": params, "sql": sql}: the stable key of a
// query (query_spec_digest). REQUIRES: params is a JSON array.
std::string QuerySpecDigest(std::string_view sql, const nlohmann::json& params);

// OK when `sql` is a single SELECT or WITH statement (comments and one trailing semicolon
// allowed); else an error naming `what` (e.g. "--query") and saying what is accepted.
Status CheckReadOnlyQuery(std::string_view sql, std::string_view what);

struct PublishResult {
  std::string name;
  std::string query_spec_digest;
  std::vector<std::string> run_ids;  // sorted, distinct
  int64_t rows = 0;
  nlohmann::json value;   // the result table as JSON
  bool replaced = false;  // a rollup of that name existed before
};

// Runs `sql` (checked with CheckReadOnlyQuery, executed inside a transaction that is rolled
// back) and stores its result as published_rollup `name`, replacing an earlier one of the same
// name. The result must have a `run_id` column whose values are all non-NULL ids of stored runs,
// and at least one row. REQUIRES: `db` is read-write.
Result<PublishResult> Publish(
    Database& db, const std::string& name, const std::string& sql,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

}  // namespace inferbench::warehouse
