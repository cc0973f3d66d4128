#include "warehouse/retention.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/sha256.h"
#include "evidence/manifest.h"
#include "evidence/object_store.h"
#include "warehouse/database.h"

namespace inferbench::warehouse {
namespace {

namespace fs = std::filesystem;

constexpr double kMicrosPerDay = 86'400.0 * 1'000'000.0;

// Tables that lose a run's rows when it reaches each tier (cumulative down the list).
constexpr std::string_view kWarmTables[] = {"request_fact", "telemetry_slice_fact"};
constexpr std::string_view kColdTables[] = {"serving_replicate_fact"};
constexpr std::string_view kExpiredTables[] = {"serving_outcome_fact", "training_outcome_fact",
                                               "artifact_lineage_dim", "benchmark_run_fact"};

std::vector<std::string_view> TablesFor(RetentionTier tier) {
  std::vector<std::string_view> tables;
  if (tier >= RetentionTier::kWarm)
    tables.insert(tables.end(), std::begin(kWarmTables), std::end(kWarmTables));
  if (tier >= RetentionTier::kCold)
    tables.insert(tables.end(), std::begin(kColdTables), std::end(kColdTables));
  if (tier >= RetentionTier::kExpired) {
    tables.insert(tables.end(), std::begin(kExpiredTables), std::end(kExpiredTables));
  }
  return tables;
}

std::string Str(const nlohmann::json& cell) {
  if (cell.is_null()) return "";
  if (cell.is_string()) return cell.get<std::string>();
  return cell.dump();
}

// run_id → row count of one table, in one grouped scan.
Result<std::map<std::string, int64_t>> CountByRun(Database& db, std::string_view table) {
  Result<Table> counts =
      db.Query("SELECT run_id, count(*) FROM " + std::string(table) + " GROUP BY run_id");
  if (!counts.ok()) return counts.status();
  std::map<std::string, int64_t> out;
  for (const auto& row : counts->rows) out[Str(row[0])] = row[1].get<int64_t>();
  return out;
}

// run_id → why it must be kept (baselines and published numbers).
Result<std::map<std::string, std::string>> ProtectedRuns(Database& db) {
  std::map<std::string, std::string> out;
  Result<Table> baselines = db.Query("SELECT name, run_id FROM baseline ORDER BY name");
  if (!baselines.ok()) return baselines.status();
  for (const auto& row : baselines->rows) {
    std::string& reason = out[Str(row[1])];
    if (reason.empty()) reason = "referenced by baseline '" + Str(row[0]) + "'";
  }
  Result<Table> rollups = db.Query("SELECT name, run_ids FROM published_rollup ORDER BY name");
  if (!rollups.ok()) return rollups.status();
  for (const auto& row : rollups->rows) {
    nlohmann::json ids = nlohmann::json::parse(Str(row[1]), nullptr, false);
    if (!ids.is_array()) continue;
    for (const auto& id : ids) {
      if (!id.is_string()) continue;
      std::string& reason = out[id.get<std::string>()];
      if (reason.empty()) reason = "referenced by published number '" + Str(row[0]) + "'";
    }
  }
  return out;
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error("cannot read " + path);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Plans the evidence removal of the expired runs of one evidence root: their manifests and the
// objects no remaining manifest references.
void PlanEvidence(const std::string& root, std::vector<RunRetention*>& expired,
                  std::vector<std::string>* notes) {
  std::set<std::string> expired_ids;
  for (RunRetention* run : expired) expired_ids.insert(run->run_id);

  std::set<std::string> referenced;
  bool complete = true;
  std::error_code ec;
  fs::path dir = fs::path(root) / "manifests";
  if (fs::is_directory(dir, ec)) {
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.path().extension() != ".json") continue;
      std::string id = entry.path().stem().string();
      if (expired_ids.count(id)) continue;
      Result<evidence::Manifest> manifest = evidence::LoadManifest(root, id);
      if (!manifest.ok()) {
        notes->push_back("evidence objects under " + root +
                         " are kept: " + manifest.status().message());
        complete = false;
        continue;
      }
      for (const auto& artifact : manifest->artifacts) referenced.insert(artifact.digest);
      if (Result<std::string> bytes = ReadFile(entry.path().string()); bytes.ok()) {
        referenced.insert(Sha256Hex(*bytes));
      }
    }
  }
  evidence::ObjectStore store(root);
  std::set<std::string> claimed;  // an object shared by two expired runs is counted once
  for (RunRetention* run : expired) {
    std::string path = evidence::ManifestPath(root, run->run_id);
    if (!fs::exists(path, ec)) continue;
    run->manifest_path = path;
    if (!complete) continue;
    Result<evidence::Manifest> manifest = evidence::LoadManifest(root, run->run_id);
    std::vector<std::string> candidates;
    if (manifest.ok()) {
      for (const auto& artifact : manifest->artifacts) candidates.push_back(artifact.digest);
    } else {
      notes->push_back("run " + run->run_id +
                       ": its objects are kept: " + manifest.status().message());
    }
    // The manifest is also stored as an object of its own (its file bytes).
    if (Result<std::string> bytes = ReadFile(path); bytes.ok()) {
      candidates.push_back(Sha256Hex(*bytes));
    }
    for (const std::string& digest : candidates) {
      if (referenced.count(digest) || claimed.count(digest) || !store.Has(digest)) continue;
      claimed.insert(digest);
      run->objects.push_back(digest);
    }
  }
}

std::string JoinLines(const std::vector<std::string>& ids) {
  std::string out;
  for (const std::string& id : ids) out += id + "\n";
  return out;
}

}  // namespace

Status RetentionPolicy::Validate() const {
  if (hot_days <= 0 || warm_days < hot_days || cold_days < warm_days) {
    return Status::Error("retention: need 0 < --hot-days <= --warm-days <= --cold-days (got " +
                         std::to_string(hot_days) + ", " + std::to_string(warm_days) + ", " +
                         std::to_string(cold_days) + ")");
  }
  return Status::Ok();
}

std::string_view RetentionTierName(RetentionTier tier) {
  switch (tier) {
    case RetentionTier::kHot:
      return "hot";
    case RetentionTier::kWarm:
      return "warm";
    case RetentionTier::kCold:
      return "cold";
    case RetentionTier::kExpired:
      return "expired";
  }
  return "hot";
}

Result<RetentionPlan> Retention(Database& db, const RetentionOptions& options) {
  if (Status s = options.policy.Validate(); !s.ok()) return s;
  RetentionPlan plan;
  plan.policy = options.policy;
  plan.now_us =
      std::chrono::duration_cast<std::chrono::microseconds>(options.now.time_since_epoch()).count();

  Result<Table> runs = db.Query(
      "SELECT r.run_id, CAST(r.started_at AS VARCHAR), "
      "epoch_us(COALESCE(r.started_at, r.ingested_at)), l.evidence_uri "
      "FROM benchmark_run_fact r LEFT JOIN artifact_lineage_dim l ON l.run_id = r.run_id "
      "ORDER BY r.run_id");
  if (!runs.ok()) return runs.status().WithContext("retention");
  Result<std::map<std::string, std::string>> protected_runs = ProtectedRuns(db);
  if (!protected_runs.ok()) return protected_runs.status().WithContext("retention");

  std::map<std::string, std::map<std::string, int64_t>> counts;  // table → run → rows
  for (std::string_view table : TablesFor(RetentionTier::kExpired)) {
    if (table == "benchmark_run_fact") continue;  // one row per run
    Result<std::map<std::string, int64_t>> c = CountByRun(db, table);
    if (!c.ok()) return c.status().WithContext("retention");
    counts[std::string(table)] = std::move(*c);
  }
  auto rows_of = [&](std::string_view table, const std::string& run_id) -> int64_t {
    if (table == "benchmark_run_fact") return 1;
    const auto& by_run = counts[std::string(table)];
    auto it = by_run.find(run_id);
    return it == by_run.end() ? 0 : it->second;
  };

  std::vector<std::string> roots;  // the evidence root of plan.runs[i]
  plan.runs.reserve(runs->rows.size());
  for (const auto& row : runs->rows) {
    RunRetention run;
    run.run_id = Str(row[0]);
    run.started_at = Str(row[1]);
    if (!row[2].is_number()) {
      plan.notes.push_back("run " + run.run_id + " is kept: it has no start or ingest time");
      continue;
    }
    run.age_days = static_cast<double>(plan.now_us - row[2].get<int64_t>()) / kMicrosPerDay;
    const RetentionPolicy& p = options.policy;
    run.to = run.age_days <= static_cast<double>(p.hot_days)    ? RetentionTier::kHot
             : run.age_days <= static_cast<double>(p.warm_days) ? RetentionTier::kWarm
             : run.age_days <= static_cast<double>(p.cold_days) ? RetentionTier::kCold
                                                                : RetentionTier::kExpired;
    plan.runs_by_tier[std::string(RetentionTierName(run.to))] += 1;
    run.from = rows_of("request_fact", run.run_id) + rows_of("telemetry_slice_fact", run.run_id) > 0
                   ? RetentionTier::kHot
               : rows_of("serving_replicate_fact", run.run_id) > 0 ? RetentionTier::kWarm
                                                                   : RetentionTier::kCold;
    for (std::string_view table : TablesFor(run.to)) {
      int64_t n = rows_of(table, run.run_id);
      if (n > 0) run.rows[std::string(table)] = n;
    }
    if (run.rows.empty()) continue;  // nothing would go
    auto prot = protected_runs->find(run.run_id);
    if (prot != protected_runs->end()) {
      run.kept_because = prot->second;
      run.rows.clear();
    }
    for (const auto& [table, n] : run.rows) plan.total_rows[table] += n;
    roots.push_back(options.evidence_root_override.empty() ? Str(row[3])
                                                           : options.evidence_root_override);
    plan.runs.push_back(std::move(run));
  }
  // plan.runs no longer grows, so pointers into it stay valid.
  std::map<std::string, std::vector<RunRetention*>> expired_by_root;
  for (size_t i = 0; i < plan.runs.size(); ++i) {
    RunRetention& run = plan.runs[i];
    if (run.to == RetentionTier::kExpired && run.kept_because.empty() && !roots[i].empty()) {
      expired_by_root[roots[i]].push_back(&run);
    }
  }
  for (auto& [root, expired] : expired_by_root) {
    PlanEvidence(root, expired, &plan.notes);
    for (RunRetention* run : expired) {
      if (!run->manifest_path.empty()) plan.manifests += 1;
      plan.objects += static_cast<int64_t>(run->objects.size());
    }
  }
  if (!options.apply) return plan;

  // Apply: all row deletions in one transaction, grouped by tier so each table takes one
  // statement per tier.
  std::map<RetentionTier, std::vector<std::string>> ids_by_tier;
  for (const RunRetention& run : plan.runs) {
    if (run.kept_because.empty()) ids_by_tier[run.to].push_back(run.run_id);
  }
  if (Status s = db.Begin(); !s.ok()) return s.WithContext("retention --apply");
  for (const auto& [tier, ids] : ids_by_tier) {
    for (std::string_view table : TablesFor(tier)) {
      Status s = db.ExecuteParams("DELETE FROM " + std::string(table) +
                                      " WHERE run_id IN (SELECT unnest(string_split(?, chr(10))))",
                                  {JoinLines(ids)});
      if (!s.ok()) {
        (void)db.Rollback();
        return s.WithContext("retention --apply: deleting from " + std::string(table) +
                             " (nothing was changed)");
      }
    }
  }
  if (Status s = db.Commit(); !s.ok()) {
    (void)db.Rollback();
    return s.WithContext("retention --apply (nothing was changed)");
  }
  plan.applied = true;
  (void)db.Execute("CHECKPOINT");  // give the freed space back to the file; best effort

  for (auto& [root, expired] : expired_by_root) {
    evidence::ObjectStore store(root);
    for (RunRetention* run : expired) {
      for (const std::string& digest : run->objects) {
        if (Status s = store.Remove(digest); !s.ok()) plan.notes.push_back(s.message());
      }
      if (!run->manifest_path.empty()) {
        std::error_code ec;
        fs::remove(run->manifest_path, ec);
        if (ec) plan.notes.push_back("cannot remove " + run->manifest_path + ": " + ec.message());
      }
    }
  }
  return plan;
}

nlohmann::json RetentionPlan::ToJson() const {
  nlohmann::json runs_json = nlohmann::json::array();
  for (const RunRetention& run : runs) {
    nlohmann::json j = {{"run_id", run.run_id},
                        {"started_at", run.started_at},
                        {"age_days", run.age_days},
                        {"from", RetentionTierName(run.from)},
                        {"to", RetentionTierName(run.to)},
                        {"rows", run.rows}};
    if (!run.kept_because.empty()) j["kept_because"] = run.kept_because;
    if (!run.manifest_path.empty()) j["manifest"] = run.manifest_path;
    if (!run.objects.empty()) j["objects"] = run.objects;
    runs_json.push_back(std::move(j));
  }
  return {{"policy",
           {{"hot_days", policy.hot_days},
            {"warm_days", policy.warm_days},
            {"cold_days", policy.cold_days}}},
          {"applied", applied},
          {"runs_by_tier", runs_by_tier},
          {"total_rows", total_rows},
          {"manifests", manifests},
          {"objects", objects},
          {"runs", std::move(runs_json)},
          {"notes", notes}};
}

std::string RetentionPlan::FormatText() const {
  std::ostringstream out;
  out << (applied ? "retention applied" : "retention plan (dry run; --apply to execute)")
      << ": hot <= " << policy.hot_days << " d, warm <= " << policy.warm_days
      << " d, cold <= " << policy.cold_days << " d, older expires\n";
  out << "runs by age:";
  for (std::string_view tier : {"hot", "warm", "cold", "expired"}) {
    auto it = runs_by_tier.find(std::string(tier));
    out << " " << tier << " " << (it == runs_by_tier.end() ? 0 : it->second);
  }
  out << "\n";
  if (runs.empty()) out << "nothing to remove\n";
  for (const RunRetention& run : runs) {
    out << "  " << run.run_id << "  " << static_cast<int64_t>(run.age_days) << " d  "
        << RetentionTierName(run.from) << " -> " << RetentionTierName(run.to);
    if (!run.kept_because.empty()) {
      out << "  kept: " << run.kept_because << " (never pruned)\n";
      continue;
    }
    out << "  " << (applied ? "removed" : "would remove");
    bool first = true;
    for (const auto& [table, n] : run.rows) {
      out << (first ? " " : ", ") << table << " " << n;
      first = false;
    }
    if (!run.manifest_path.empty()) out << "; manifest and " << run.objects.size() << " object(s)";
    out << "\n";
  }
  if (!total_rows.empty()) {
    out << "total:";
    for (const auto& [table, n] : total_rows) out << " " << table << " " << n;
    out << "; " << manifests << " manifest(s), " << objects << " object(s)\n";
  }
  for (const std::string& note : notes) out << "note: " << note << "\n";
  return out.str();
}

}  // namespace inferbench::warehouse
