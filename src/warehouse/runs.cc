#include "warehouse/runs.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "results/point.h"

namespace inferbench::warehouse {

namespace {

constexpr size_t kMinPrefix = 6;

// The run_id recorded in <dir>/run.json, or nullopt when `text` is not a run directory.
Result<std::optional<std::string>> RunIdOfDirectory(std::string_view text) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path path{std::string(text)};
  if (fs::is_regular_file(path, ec) && path.filename() == "run.json") path = path.parent_path();
  if (!fs::is_directory(path, ec)) return std::optional<std::string>();
  const fs::path run_json = path / "run.json";
  std::ifstream in(run_json, std::ios::binary);
  if (!in) {
    return Status::Error("the run directory " + path.string() +
                         " has no run.json: the run did not finish, so it was never ingested");
  }
  std::stringstream bytes;
  bytes << in.rdbuf();
  nlohmann::json json = nlohmann::json::parse(bytes.str(), nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("run_id") ||
      !json["run_id"].is_string()) {
    return Status::Error(run_json.string() + " is not a valid run.json (no run_id)");
  }
  return std::optional<std::string>(json["run_id"].get<std::string>());
}

bool Exists(Database& db, const std::string& run_id, Status& error) {
  auto found = db.Query("SELECT 1 FROM benchmark_run_fact WHERE run_id = ?", {run_id});
  if (!found.ok()) {
    error = found.status();
    return false;
  }
  return !found->rows.empty();
}

// Cells of JSON-text columns parsed into JSON (they are stored as VARCHAR).
void ParseJsonColumns(nlohmann::json& row, std::initializer_list<const char*> columns) {
  for (const char* column : columns) {
    if (!row.contains(column) || !row[column].is_string()) continue;
    nlohmann::json parsed = nlohmann::json::parse(row[column].get<std::string>(), nullptr, false);
    if (!parsed.is_discarded()) row[column] = std::move(parsed);
  }
}

Result<nlohmann::json> OneRow(Database& db, const std::string& sql, const std::string& key) {
  auto table = db.Query(sql, {key});
  if (!table.ok()) return table.status();
  if (table->rows.empty()) return nlohmann::json(nullptr);
  return table->ToJson()[0];
}

}  // namespace

Result<std::string> ResolveRunId(Database& db, std::string_view text) {
  if (text.empty())
    return Status::Error("no run given: pass a run id (see `inferbench runs list`)");
  Status error = Status::Ok();
  const std::string exact(text);
  if (Exists(db, exact, error)) return exact;
  if (!error.ok()) return error;

  auto from_directory = RunIdOfDirectory(text);
  if (!from_directory.ok()) return from_directory.status();
  if (from_directory->has_value()) {
    const std::string& run_id = **from_directory;
    if (Exists(db, run_id, error)) return run_id;
    if (!error.ok()) return error;
    return Status::Error(fmt::format(
        "run {} (from {}) is not in the warehouse {} yet: ingest it with `inferbench warehouse "
        "ingest {}`",
        run_id, exact, db.path(), exact));
  }

  if (text.size() >= kMinPrefix) {
    auto matches = db.Query(
        "SELECT run_id FROM benchmark_run_fact WHERE starts_with(run_id, ?) ORDER BY run_id LIMIT "
        "11",
        {exact});
    if (!matches.ok()) return matches.status();
    if (matches->rows.size() == 1) return matches->rows[0][0].get<std::string>();
    if (matches->rows.size() > 1) {
      std::string candidates;
      for (size_t i = 0; i < matches->rows.size() && i < 10; ++i) {
        candidates += (i ? ", " : "") + matches->rows[i][0].get<std::string>();
      }
      if (matches->rows.size() > 10) candidates += ", …";
      return Status::Error(fmt::format(
          "run \"{}\" is ambiguous: it starts {} ({}); give more characters", exact,
          matches->rows.size() > 10 ? "more than 10 runs" : "several runs", candidates));
    }
  }
  std::string hint = text.size() < kMinPrefix
                         ? fmt::format(" (a prefix needs at least {} characters)", kMinPrefix)
                         : std::string();
  return Status::Error(
      fmt::format("unknown run \"{}\" in the warehouse {}{}: list the stored runs with "
                  "`inferbench runs list`",
                  exact, db.path(), hint));
}

Result<Table> ListRuns(Database& db, const ListFilter& filter) {
  const int64_t limit = filter.limit > 0 ? filter.limit : 50;
  return db.Query(
      "SELECT b.run_id, b.name, b.started_at, b.status, b.tier, b.gate_status, "
      "b.point_count AS points, b.request_count AS requests, "
      "left(b.workload_spec_digest, 12) AS workload_spec_digest, coalesce(l.signed, false) AS "
      "signed "
      "FROM benchmark_run_fact b LEFT JOIN artifact_lineage_dim l ON l.run_id = b.run_id "
      "WHERE (? = '' OR b.name = ?) AND (? = '' OR b.workload_spec_digest = ?) "
      "ORDER BY b.started_at DESC NULLS LAST, b.ingested_at DESC, b.run_id DESC LIMIT ?",
      {filter.name, filter.name, filter.workload_spec_digest, filter.workload_spec_digest, limit});
}

Result<nlohmann::json> ShowRun(Database& db, const std::string& run_id) {
  auto run = OneRow(db, "SELECT * FROM benchmark_run_fact WHERE run_id = ?", run_id);
  if (!run.ok()) return run.status();
  if (run->is_null()) {
    return Status::Error("unknown run \"" + run_id +
                         "\": list the stored runs with `inferbench runs list`");
  }
  ParseJsonColumns(*run, {"intent_kpis", "reasons", "serving_config", "target_version", "labels"});
  nlohmann::json out = {{"run", *run}};

  struct DimensionQuery {
    const char* name;
    const char* table;
    const char* key;
  };
  for (const DimensionQuery& d :
       {DimensionQuery{"software", "software_version_dim", "software_key"},
        DimensionQuery{"hardware", "hardware_topology_dim", "hardware_key"},
        DimensionQuery{"cluster", "cluster_region_dim", "cluster_key"},
        DimensionQuery{"workload", "workload_dim", "workload_spec_digest"}}) {
    const nlohmann::json& key = (*run)[d.key];
    if (!key.is_string()) {
      out[d.name] = nullptr;
      continue;
    }
    auto row = OneRow(db, fmt::format("SELECT * FROM {} WHERE {} = ?", d.table, d.key),
                      key.get<std::string>());
    if (!row.ok()) return row.status();
    if (std::string_view(d.name) == "workload") ParseJsonColumns(*row, {"canonical_spec"});
    out[d.name] = *row;
  }

  auto lineage = OneRow(db, "SELECT * FROM artifact_lineage_dim WHERE run_id = ?", run_id);
  if (!lineage.ok()) return lineage.status();
  ParseJsonColumns(*lineage, {"manifest", "report_refs"});
  out["lineage"] = *lineage;

  auto outcomes = db.Query(
      "SELECT point, benchmark_case_id, tier, metric, mean, std, ci_low, ci_high, confidence, "
      "ci_method, n, relative_ci_half_width, low_n FROM serving_outcome_fact WHERE run_id = ? "
      "ORDER BY point, metric",
      {run_id});
  if (!outcomes.ok()) return outcomes.status();
  std::vector<std::string> order;
  std::map<std::string, nlohmann::json> points;
  for (const nlohmann::json& row : outcomes->ToJson()) {
    const std::string point = row["point"].get<std::string>();
    auto [it, added] =
        points.try_emplace(point, nlohmann::json{{"point", point},
                                                 {"benchmark_case_id", row["benchmark_case_id"]},
                                                 {"tier", row["tier"]},
                                                 {"metrics", nlohmann::json::object()}});
    if (added) order.push_back(point);
    nlohmann::json metric = row;
    for (const char* key : {"point", "benchmark_case_id", "tier", "metric"}) metric.erase(key);
    it->second["metrics"][row["metric"].get<std::string>()] = std::move(metric);
  }
  // Points from light to heavy load (results::Point ordering), unparseable ones last by text.
  std::stable_sort(order.begin(), order.end(), [](const std::string& a, const std::string& b) {
    auto pa = results::Point::Parse(a);
    auto pb = results::Point::Parse(b);
    if (pa.ok() && pb.ok()) return *pa < *pb;
    return pa.ok() && !pb.ok();
  });
  nlohmann::json list = nlohmann::json::array();
  for (const std::string& point : order) list.push_back(std::move(points[point]));
  out["points"] = std::move(list);
  return out;
}

}  // namespace inferbench::warehouse
