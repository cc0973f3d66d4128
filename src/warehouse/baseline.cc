#include "warehouse/baseline.h"

#include <chrono>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "warehouse/database.h"

namespace inferbench::warehouse {
namespace {

std::string Text(const nlohmann::json& cell) { return cell.is_string() ? cell.get<std::string>() : ""; }

// Now in UTC as "YYYY-MM-DD HH:MM:SS" (computed here: time-zone functions need DuckDB's ICU
// extension, which inferbench never loads).
std::string UtcNow() {
  const auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  return fmt::format("{:%Y-%m-%d %H:%M:%S}", now);
}

}  // namespace

Result<Baseline> SetBaseline(Database& db, const std::string& name, const std::string& run_id) {
  using Out = Result<Baseline>;
  if (name.empty()) return Out::Error("baseline NAME is empty; give it a name such as `main`");
  auto run = db.Query("SELECT workload_spec_digest, CAST(started_at AS VARCHAR) FROM "
                      "benchmark_run_fact WHERE run_id = ?",
                      {run_id});
  if (!run.ok()) return run.status().WithContext("reading benchmark_run_fact");
  if (run->rows.empty()) {
    return Out::Error("run " + run_id + " is not in the warehouse; `inferbench runs list` shows "
                      "the stored runs");
  }
  Baseline b{name, Text(run->rows[0][0]), run_id, "", Text(run->rows[0][1])};
  if (b.workload_spec_digest.empty()) {
    return Out::Error("run " + run_id + " has no workload_spec_digest, so a baseline for it "
                      "would match no workload; re-ingest it with `inferbench warehouse ingest`");
  }
  if (Status s = db.Begin(); !s.ok()) return s;
  Status s = db.ExecuteParams(
      "DELETE FROM baseline WHERE name = ? AND workload_spec_digest = ?",
      {name, b.workload_spec_digest});
  if (s.ok()) {
    s = db.ExecuteParams(
        "INSERT INTO baseline (name, workload_spec_digest, run_id, created_at) "
        "VALUES (?, ?, ?, CAST(? AS TIMESTAMP))",
        {name, b.workload_spec_digest, run_id, UtcNow()});
  }
  if (!s.ok()) {
    (void)db.Rollback();
    return s.WithContext("writing baseline " + name);
  }
  if (Status c = db.Commit(); !c.ok()) return c.WithContext("writing baseline " + name);
  auto created = db.Query(
      "SELECT CAST(created_at AS VARCHAR) FROM baseline WHERE name = ? AND workload_spec_digest = ?",
      {name, b.workload_spec_digest});
  if (created.ok() && !created->rows.empty()) b.created_at = Text(created->rows[0][0]);
  return b;
}

Result<std::vector<Baseline>> ListBaselines(Database& db) {
  auto rows = db.Query(
      "SELECT b.name, b.workload_spec_digest, b.run_id, CAST(b.created_at AS VARCHAR), "
      "CAST(r.started_at AS VARCHAR) FROM baseline b LEFT JOIN benchmark_run_fact r "
      "ON r.run_id = b.run_id ORDER BY b.name, b.workload_spec_digest");
  if (!rows.ok()) return rows.status().WithContext("reading baseline");
  std::vector<Baseline> out;
  for (const auto& row : rows->rows) {
    out.push_back(Baseline{Text(row[0]), Text(row[1]), Text(row[2]), Text(row[3]), Text(row[4])});
  }
  return out;
}

nlohmann::json BaselinesToJson(const std::vector<Baseline>& baselines) {
  nlohmann::json out = nlohmann::json::array();
  for (const Baseline& b : baselines) {
    out.push_back({{"name", b.name},
                   {"workload_spec_digest", b.workload_spec_digest},
                   {"run_id", b.run_id},
                   {"created_at", b.created_at},
                   {"run_started_at", b.run_started_at.empty() ? nlohmann::json(nullptr)
                                                               : nlohmann::json(b.run_started_at)}});
  }
  return out;
}

std::string FormatBaselines(const std::vector<Baseline>& baselines) {
  if (baselines.empty()) {
    return "no baselines yet; `inferbench baseline set NAME RUN` names one\n";
  }
  std::string out = fmt::format("{:<16} {:<14} {:<28} {}\n", "name", "workload", "run_id", "set at");
  for (const Baseline& b : baselines) {
    out += fmt::format("{:<16} {:<14} {:<28} {}{}\n", b.name, b.workload_spec_digest.substr(0, 12),
                       b.run_id, b.created_at, b.run_started_at.empty() ? "  (run no longer stored)" : "");
  }
  return out;
}

}  // namespace inferbench::warehouse
