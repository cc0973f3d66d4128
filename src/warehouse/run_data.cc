#include "warehouse/run_data.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <tuple>
#include <utility>

#include "warehouse/database.h"

namespace inferbench::warehouse {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double AsDouble(const nlohmann::json& cell) { return cell.is_number() ? cell.get<double>() : kNaN; }

std::string AsString(const nlohmann::json& cell) {
  if (cell.is_string()) return cell.get<std::string>();
  if (cell.is_null()) return "";
  return cell.dump();
}

int64_t AsInt(const nlohmann::json& cell) {
  if (cell.is_number_integer() || cell.is_number_unsigned()) return cell.get<int64_t>();
  if (cell.is_number_float()) return static_cast<int64_t>(cell.get<double>());
  return 0;
}

nlohmann::json ParseJsonCell(const nlohmann::json& cell) {
  if (!cell.is_string()) return nullptr;
  nlohmann::json parsed = nlohmann::json::parse(cell.get<std::string>(), nullptr, false);
  return parsed.is_discarded() ? nlohmann::json(nullptr) : parsed;
}

// "?, ?, ?" for n placeholders.
std::string Placeholders(size_t n) {
  std::string text;
  for (size_t i = 0; i < n; ++i) text += i == 0 ? "?" : ", ?";
  return text;
}

// 'a', 'b' as SQL string literals. The fact queries inline the (resolved) run ids: with constant
// filters DuckDB can skip row groups by their min/max statistics; bound parameters measured about
// twice as slow on a 10,000-run warehouse, where scanning these tables is most of compare's time.
std::string Literals(const std::vector<std::string>& texts) {
  std::string sql;
  for (const std::string& text : texts) {
    if (!sql.empty()) sql += ", ";
    sql += '\'';
    for (char c : text) {
      if (c == '\'') sql += '\'';
      sql += c;
    }
    sql += '\'';
  }
  return sql;
}

// A column index that must exist (the queries below name every column they read).
size_t Col(const Table& table, std::string_view name) { return table.Column(name).value(); }

// The dimension rows of `keys` in `table`, by key, each as {column: value} without the key.
Result<std::map<std::string, nlohmann::json>> LoadDimension(Database& db, const std::string& table,
                                                             const std::string& key_column,
                                                             const std::set<std::string>& keys) {
  std::map<std::string, nlohmann::json> rows;
  if (keys.empty()) return rows;
  std::vector<Value> params(keys.begin(), keys.end());
  auto result = db.Query("SELECT * FROM " + table + " WHERE " + key_column + " IN (" +
                             Placeholders(params.size()) + ")",
                         params);
  if (!result.ok()) return result.status().WithContext("reading " + table);
  const size_t key = Col(*result, key_column);
  for (const auto& row : result->rows) {
    nlohmann::json attributes = nlohmann::json::object();
    for (size_t c = 0; c < row.size(); ++c) {
      if (c != key) attributes[result->columns[c]] = row[c];
    }
    rows[AsString(row[key])] = std::move(attributes);
  }
  return rows;
}

}  // namespace

const PointData* RunData::FindPoint(const std::string& benchmark_case_id) const {
  for (const PointData& p : points) {
    if (p.benchmark_case_id == benchmark_case_id) return &p;
  }
  return nullptr;
}

Result<std::vector<RunData>> LoadRunData(Database& db, const std::vector<std::string>& run_ids) {
  using Out = Result<std::vector<RunData>>;
  std::vector<RunData> runs(run_ids.size());
  if (run_ids.empty()) return runs;
  std::map<std::string, std::vector<size_t>> slots;  // run_id → positions in `runs`
  for (size_t i = 0; i < run_ids.size(); ++i) slots[run_ids[i]].push_back(i);
  std::vector<std::string> ids;
  for (const auto& [id, unused] : slots) ids.push_back(id);
  const std::string in_ids = "run_id IN (" + Literals(ids) + ")";
  // The big facts are read one run at a time with `run_id = '…'`: an equality on the indexed
  // run_id column is an index lookup (schema.h), where an IN list scans every row group (DuckDB's
  // string zone maps keep an 8-byte prefix, which run ids of one day share).
  auto per_run = [&](const std::string& columns, const std::string& table) {
    std::string sql;
    for (const std::string& id : ids) {
      if (!sql.empty()) sql += " UNION ALL ";
      sql += "SELECT " + columns + " FROM " + table + " WHERE run_id = " + Literals({id});
    }
    return sql;
  };

  auto facts = db.Query(
      "SELECT run_id, name, CAST(started_at AS VARCHAR) AS started_at, status, tier, "
      "workload_spec_digest, software_key, hardware_key, cluster_key, serving_config, "
      "target_version, labels, intent_kpis FROM benchmark_run_fact WHERE " + in_ids);
  if (!facts.ok()) return facts.status().WithContext("reading benchmark_run_fact");
  std::set<std::string> found;
  std::set<std::string> software_keys, hardware_keys, cluster_keys;
  for (const auto& row : facts->rows) {
    RunData run;
    run.run_id = AsString(row[Col(*facts, "run_id")]);
    run.name = AsString(row[Col(*facts, "name")]);
    run.started_at = AsString(row[Col(*facts, "started_at")]);
    run.status = AsString(row[Col(*facts, "status")]);
    run.tier = AsString(row[Col(*facts, "tier")]);
    run.workload_spec_digest = AsString(row[Col(*facts, "workload_spec_digest")]);
    run.software_key = AsString(row[Col(*facts, "software_key")]);
    run.hardware_key = AsString(row[Col(*facts, "hardware_key")]);
    run.cluster_key = AsString(row[Col(*facts, "cluster_key")]);
    run.serving_config = ParseJsonCell(row[Col(*facts, "serving_config")]);
    run.target_version = ParseJsonCell(row[Col(*facts, "target_version")]);
    run.labels = ParseJsonCell(row[Col(*facts, "labels")]);
    const nlohmann::json kpis = ParseJsonCell(row[Col(*facts, "intent_kpis")]);
    if (kpis.is_array()) {
      for (const auto& k : kpis) {
        if (k.is_string()) run.intent_kpis.push_back(k.get<std::string>());
      }
    }
    if (!run.software_key.empty()) software_keys.insert(run.software_key);
    if (!run.hardware_key.empty()) hardware_keys.insert(run.hardware_key);
    if (!run.cluster_key.empty()) cluster_keys.insert(run.cluster_key);
    found.insert(run.run_id);
    auto it = slots.find(run.run_id);
    if (it == slots.end()) continue;
    for (size_t slot : it->second) runs[slot] = run;
  }
  for (const auto& [id, unused] : slots) {
    if (!found.count(id)) {
      return Out::Error("run " + id + " is not in the warehouse; `inferbench runs list` shows the "
                        "stored runs");
    }
  }

  auto software = LoadDimension(db, "software_version_dim", "software_key", software_keys);
  if (!software.ok()) return software.status();
  auto hardware = LoadDimension(db, "hardware_topology_dim", "hardware_key", hardware_keys);
  if (!hardware.ok()) return hardware.status();
  auto cluster = LoadDimension(db, "cluster_region_dim", "cluster_key", cluster_keys);
  if (!cluster.ok()) return cluster.status();
  auto dimension = [](const std::map<std::string, nlohmann::json>& rows, const std::string& key) {
    auto it = rows.find(key);
    return it == rows.end() ? nlohmann::json(nullptr) : it->second;
  };
  for (RunData& run : runs) {
    run.software = dimension(*software, run.software_key);
    run.hardware = dimension(*hardware, run.hardware_key);
    run.cluster = dimension(*cluster, run.cluster_key);
  }

  // Per run, the points by (point, benchmark_case_id), filled from both fact tables.
  std::map<std::string, std::map<std::pair<std::string, std::string>, PointData>> points;
  auto point_of = [&](const std::string& run_id, const std::string& point,
                      const std::string& case_id) -> PointData& {
    PointData& p = points[run_id][{point, case_id}];
    p.point = point;
    p.benchmark_case_id = case_id;
    return p;
  };

  auto outcomes = db.Query(per_run(
      "run_id, point, benchmark_case_id, metric, mean, std, ci_low, ci_high, confidence, "
      "ci_method, n, low_n", "serving_outcome_fact"));
  if (!outcomes.ok()) return outcomes.status().WithContext("reading serving_outcome_fact");
  for (const auto& row : outcomes->rows) {
    PointData& p = point_of(AsString(row[0]), AsString(row[1]), AsString(row[2]));
    MetricSamples& m = p.metrics[AsString(row[3])];
    m.has_outcome = true;
    m.outcome = MetricOutcome{AsDouble(row[4]), AsDouble(row[5]), AsDouble(row[6]),
                              AsDouble(row[7]), AsDouble(row[8]), AsString(row[9]),
                              AsInt(row[10]), row[11].is_boolean() && row[11].get<bool>()};
  }

  // Filtering and ordering happen here: an extra predicate or an ORDER BY costs DuckDB more
  // than it saves on a few hundred rows.
  auto replicates = db.Query(per_run(
      "run_id, point, benchmark_case_id, metric, replicate, value, outlier_action",
      "serving_replicate_fact"));
  if (!replicates.ok()) return replicates.status().WithContext("reading serving_replicate_fact");
  struct Replicate {
    int64_t replicate;
    double value;
  };
  std::map<std::tuple<std::string, std::string, std::string, std::string>, std::vector<Replicate>>
      values;
  for (const auto& row : replicates->rows) {
    const double value = AsDouble(row[5]);
    if (std::isnan(value) || AsString(row[6]) == "exclude") continue;
    values[{AsString(row[0]), AsString(row[1]), AsString(row[2]), AsString(row[3])}].push_back(
        Replicate{AsInt(row[4]), value});
  }
  for (auto& [key, list] : values) {
    std::sort(list.begin(), list.end(),
              [](const Replicate& x, const Replicate& y) { return x.replicate < y.replicate; });
    const auto& [run_id, point, case_id, metric] = key;
    std::vector<double>& out = point_of(run_id, point, case_id).metrics[metric].values;
    for (const Replicate& r : list) out.push_back(r.value);
  }

  for (RunData& run : runs) {
    auto it = points.find(run.run_id);
    if (it == points.end()) continue;
    for (const auto& [key, point] : it->second) run.points.push_back(point);
  }
  return runs;
}

}  // namespace inferbench::warehouse
