#include "warehouse/lineage.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "core/sha256.h"
#include "evidence/manifest.h"
#include "evidence/object_store.h"
#include "evidence/verify.h"
#include "results/metric_names.h"
#include "results/point.h"
#include "warehouse/database.h"
#include "warehouse/publish.h"

namespace inferbench::warehouse {
namespace {

constexpr std::string_view kFallbackHeadline = "output_throughput_tok_s";

// The exact statement that reads one number; its text and parameters are what query_spec_digest
// covers, so it must not change casually (published digests would no longer match).
constexpr std::string_view kNumberSql =
    "SELECT mean, ci_low, ci_high, n, tier, benchmark_case_id FROM serving_outcome_fact "
    "WHERE run_id = ? AND point = ? AND metric = ?";

std::string Str(const nlohmann::json& cell) {
  if (cell.is_null()) return "";
  if (cell.is_string()) return cell.get<std::string>();
  return cell.dump();
}

std::optional<double> Num(const nlohmann::json& cell) {
  if (cell.is_number()) return cell.get<double>();
  return std::nullopt;
}

std::string Short(const std::string& digest) {
  return digest.size() > 12 ? digest.substr(0, 12) + "…" : (digest.empty() ? "-" : digest);
}

std::string FormatNum(const std::optional<double>& v) {
  if (!v) return "null";
  std::ostringstream out;
  out.precision(6);
  out << *v;
  return out.str();
}

nlohmann::json OptJson(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

bool SameNumber(const std::optional<double>& a, const std::optional<double>& b) {
  if (!a || !b) return !a && !b;
  double scale = std::max({1.0, std::fabs(*a), std::fabs(*b)});
  return std::fabs(*a - *b) <= 1e-9 * scale;
}

// Points in load order (results::Point ordering); strings that do not parse go last, sorted.
std::vector<std::string> SortPoints(std::vector<std::string> points) {
  std::stable_sort(points.begin(), points.end(), [](const std::string& a, const std::string& b) {
    Result<results::Point> pa = results::Point::Parse(a);
    Result<results::Point> pb = results::Point::Parse(b);
    if (pa.ok() && pb.ok()) return *pa < *pb;
    if (pa.ok() != pb.ok()) return pa.ok();
    return a < b;
  });
  return points;
}

std::string JoinList(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out.empty() ? "(none)" : out;
}

// Chooses the (point, metric) to trace. Returns an error for bad input; found=false when the run
// has no outcome rows and no number was asked for.
Status ChooseNumber(Database& db, const std::string& run_id, const std::string& intent_kpis,
                    const LineageRequest& request, LineageNumber* number) {
  std::string want_metric;
  if (!request.metric.empty()) {
    Result<results::MetricPath> path = results::ParseMetricPath(request.metric);
    if (!path.ok()) return path.status().WithContext("--metric");
    want_metric = path->Format();
  }
  std::string want_point;
  if (!request.point.empty()) {
    Result<results::Point> point = results::Point::Parse(request.point);
    if (!point.ok()) return point.status().WithContext("--point");
    want_point = point->Format();
  }

  Result<Table> rows =
      db.Query("SELECT point, metric FROM serving_outcome_fact WHERE run_id = ?", {run_id});
  if (!rows.ok()) return rows.status().WithContext("lineage " + run_id);
  std::map<std::string, std::vector<std::string>> metrics_by_point;
  for (const auto& row : rows->rows) metrics_by_point[Str(row[0])].push_back(Str(row[1]));
  std::vector<std::string> points;
  for (const auto& [point, unused] : metrics_by_point) points.push_back(point);
  points = SortPoints(points);
  auto has = [&](const std::string& point, const std::string& metric) {
    const auto& list = metrics_by_point[point];
    return std::find(list.begin(), list.end(), metric) != list.end();
  };

  if (!want_point.empty() && !metrics_by_point.count(want_point)) {
    return Status::Error("--point " + want_point + ": run " + run_id +
                         " has no outcomes at that point; its points: " + JoinList(points));
  }
  if (points.empty()) {
    if (!want_metric.empty() || !want_point.empty()) {
      return Status::Error("run " + run_id + " has no outcome rows (status failed?), so " +
                           "there is no number to trace; run lineage without --metric/--point");
    }
    return Status::Ok();  // found stays false
  }
  std::vector<std::string> candidate_points =
      want_point.empty() ? points : std::vector<std::string>{want_point};

  if (!want_metric.empty()) {
    std::vector<std::string> with_metric;
    for (const std::string& p : candidate_points) {
      if (has(p, want_metric)) with_metric.push_back(p);
    }
    if (with_metric.empty()) {
      return Status::Error("--metric " + want_metric + ": run " + run_id + " has no such " +
                           "outcome" + (want_point.empty() ? "" : " at " + want_point) +
                           "; metrics there: " + JoinList(metrics_by_point[candidate_points[0]]));
    }
    if (with_metric.size() > 1) {
      return Status::Error("--metric " + want_metric + ": run " + run_id +
                           " has it at several points; add --point (one of " +
                           JoinList(with_metric) + ")");
    }
    number->point = with_metric[0];
    number->metric = want_metric;
    number->found = true;
    return Status::Ok();
  }

  // The headline: the run's first intent KPI present at a point, else the fallback metric.
  std::vector<std::string> candidates;
  nlohmann::json kpis = nlohmann::json::parse(intent_kpis, nullptr, false);
  if (kpis.is_array()) {
    for (const auto& kpi : kpis) {
      if (kpi.is_string()) candidates.push_back(kpi.get<std::string>());
    }
  }
  candidates.emplace_back(kFallbackHeadline);
  for (const std::string& metric : candidates) {
    for (const std::string& p : candidate_points) {
      if (has(p, metric)) {
        number->point = p;
        number->metric = metric;
        number->headline = true;
        number->found = true;
        return Status::Ok();
      }
    }
  }
  // Nothing from the candidate list: the first metric of the first point, so the walk still has
  // a number (and says it chose it).
  std::vector<std::string> metrics = metrics_by_point[candidate_points[0]];
  std::sort(metrics.begin(), metrics.end());
  number->point = candidate_points[0];
  number->metric = metrics.front();
  number->headline = true;
  number->found = true;
  return Status::Ok();
}

// Re-derives the number from run.json in the evidence and compares it with the warehouse row.
void CheckSource(const evidence::Manifest& manifest, const std::string& root,
                 const LineageNumber& number, LineageSource* source,
                 std::vector<std::string>* problems) {
  const evidence::Artifact* artifact = manifest.Find(source->artifact);
  if (artifact == nullptr) {
    source->message = "the manifest lists no run.json, so the number cannot be re-derived";
    problems->push_back("source: " + source->message);
    return;
  }
  source->digest = artifact->digest;
  evidence::ObjectStore store(root);
  Result<std::string> bytes = store.Get(artifact->digest);
  if (!bytes.ok()) {
    source->message = bytes.status().message();
    problems->push_back("source: run.json: " + source->message);
    return;
  }
  if (Sha256Hex(*bytes) != artifact->digest) {
    source->message = "run.json's bytes do not hash to its recorded digest " + artifact->digest;
    problems->push_back("source: " + source->message);
    return;
  }
  nlohmann::json doc = nlohmann::json::parse(*bytes, nullptr, false);
  const nlohmann::json* metric = nullptr;
  if (doc.is_object() && doc.contains("points") && doc["points"].is_array()) {
    for (const auto& point : doc["points"]) {
      if (point.is_object() && point.value("point", "") == number.point &&
          point.contains("metrics") && point["metrics"].is_object() &&
          point["metrics"].contains(number.metric)) {
        metric = &point["metrics"][number.metric];
        break;
      }
    }
  }
  if (metric == nullptr || !metric->is_object()) {
    source->message = "run.json has no " + number.metric + " at " + number.point;
    problems->push_back("source: " + source->message);
    return;
  }
  source->checked = true;
  std::vector<std::string> differ;
  auto field = [&](const char* key) {
    return metric->contains(key) ? Num((*metric)[key]) : std::nullopt;
  };
  if (!SameNumber(field("mean"), number.mean)) differ.push_back("mean");
  if (!SameNumber(field("ci_low"), number.ci_low)) differ.push_back("ci_low");
  if (!SameNumber(field("ci_high"), number.ci_high)) differ.push_back("ci_high");
  std::optional<double> n = field("n");
  if (!n || static_cast<int64_t>(*n) != number.n) differ.push_back("n");
  source->agrees = differ.empty();
  if (!source->agrees) {
    source->message = "run.json disagrees with the warehouse on " + JoinList(differ) +
                      " (run.json mean " + FormatNum(field("mean")) + ", warehouse " +
                      FormatNum(number.mean) + ")";
    problems->push_back("source: " + source->message);
  }
}

void CheckEvidence(Database& db, const std::string& override_root, LineageReport* report) {
  std::vector<std::string>& problems = report->problems;
  Result<Table> row = db.Query(
      "SELECT evidence_uri, artifact_manifest_digest FROM artifact_lineage_dim WHERE run_id = ?",
      {report->run.run_id});
  if (!row.ok()) {
    problems.push_back("manifest: " + row.status().message());
    return;
  }
  if (row->rows.empty()) {
    problems.push_back(
        "manifest: artifact_lineage_dim has no row for the run, so its evidence "
        "is unknown (re-ingest it: `inferbench warehouse ingest RUN_DIR`)");
    return;
  }
  LineageManifest& m = report->manifest;
  m.evidence_uri = Str(row->rows[0][0]);
  m.recorded_digest = Str(row->rows[0][1]);
  m.evidence_root = override_root.empty() ? m.evidence_uri : override_root;
  if (m.recorded_digest != report->run.artifact_manifest_digest) {
    problems.push_back("manifest: benchmark_run_fact records digest " +
                       report->run.artifact_manifest_digest + " but artifact_lineage_dim records " +
                       m.recorded_digest);
  }
  if (m.evidence_root.empty()) {
    problems.push_back("manifest: no evidence_uri recorded; pass --evidence DIR");
    return;
  }
  Result<evidence::Manifest> manifest = evidence::LoadManifest(m.evidence_root, report->run.run_id);
  if (!manifest.ok()) {
    problems.push_back("manifest: " + manifest.status().message());
    return;
  }
  m.loaded = true;
  m.is_signed = manifest->is_signed;
  m.computed_digest = manifest->Digest();
  bool manifest_problem = false;
  if (manifest->run_id != report->run.run_id) {
    problems.push_back("manifest: " + evidence::ManifestPath(m.evidence_root, report->run.run_id) +
                       " is for run " + manifest->run_id);
    manifest_problem = true;
  }
  if (m.computed_digest != m.recorded_digest) {
    problems.push_back("manifest: digest mismatch: the warehouse records " + m.recorded_digest +
                       " but " + evidence::ManifestPath(m.evidence_root, report->run.run_id) +
                       " hashes to " + m.computed_digest);
    manifest_problem = true;
  }

  evidence::VerifyOptions options;
  options.deep = report->deep;
  options.expected_manifest_digest = m.recorded_digest;
  evidence::VerifyReport verify = evidence::VerifyRun(m.evidence_root, report->run.run_id, options);
  m.signature = verify.signature;
  if (!verify.manifest_ok && !manifest_problem) {
    problems.push_back("manifest: " + verify.manifest_message);
  }
  if (m.signature != "unsigned" && m.signature != "verified") {
    problems.push_back("manifest: signature " + m.signature);
  }
  for (const evidence::ArtifactCheck& check : verify.artifacts) {
    LineageArtifact artifact;
    artifact.name = check.name;
    artifact.digest = check.digest;
    artifact.status = check.status;
    artifact.message = check.message;
    if (const evidence::Artifact* listed = manifest->Find(check.name)) {
      artifact.media_type = listed->media_type;
      artifact.size = listed->size;
    }
    if (check.status != "ok" && check.status != "present") {
      problems.push_back("artifact " + check.name + " (" + check.digest + "): " + check.status +
                         (check.message.empty() ? "" : ": " + check.message));
    }
    report->artifacts.push_back(std::move(artifact));
  }
  if (report->artifacts.empty()) problems.push_back("artifacts: the manifest lists none");

  if (report->number.found) {
    CheckSource(*manifest, m.evidence_root, report->number, &report->source, &problems);
  }
}

const char* Mark(bool ok) { return ok ? "[ok]" : "[FAIL]"; }

}  // namespace

Result<LineageReport> Lineage(Database& db, const std::string& evidence_root_override,
                              const std::string& run_id, const LineageRequest& request) {
  LineageReport report;
  report.deep = request.deep;
  report.run.run_id = run_id;

  Result<Table> run = db.Query(
      "SELECT name, started_at, status, tier, workload_spec_digest, artifact_manifest_digest, "
      "intent_kpis FROM benchmark_run_fact WHERE run_id = ?",
      {run_id});
  if (!run.ok()) return run.status().WithContext("lineage " + run_id);
  if (run->rows.empty()) {
    return Status::Error("lineage: run " + run_id +
                         " is not in the warehouse (`inferbench runs list` shows stored runs)");
  }
  const auto& r = run->rows[0];
  report.run.name = Str(r[0]);
  report.run.started_at = Str(r[1]);
  report.run.status = Str(r[2]);
  report.run.tier = Str(r[3]);
  report.run.workload_spec_digest = Str(r[4]);
  report.run.artifact_manifest_digest = Str(r[5]);

  if (Status s = ChooseNumber(db, run_id, Str(r[6]), request, &report.number); !s.ok()) return s;

  if (report.number.found) {
    report.query.sql = std::string(kNumberSql);
    report.query.params = {run_id, report.number.point, report.number.metric};
    report.query.query_spec_digest = QuerySpecDigest(report.query.sql, report.query.params);
    Result<Table> number =
        db.Query(report.query.sql, {run_id, report.number.point, report.number.metric});
    if (!number.ok()) return number.status().WithContext("lineage " + run_id);
    report.query.rows = static_cast<int64_t>(number->rows.size());
    if (number->rows.size() != 1) {
      report.problems.push_back("query: returned " + std::to_string(number->rows.size()) +
                                " rows, expected exactly 1");
    } else {
      const auto& n = number->rows[0];
      report.number.mean = Num(n[0]);
      report.number.ci_low = Num(n[1]);
      report.number.ci_high = Num(n[2]);
      report.number.n = n[3].is_number() ? n[3].get<int64_t>() : 0;
      report.number.tier = Str(n[4]);
      report.number.benchmark_case_id = Str(n[5]);
      if (!report.number.mean) {
        report.problems.push_back("number: " + report.number.metric + " at " + report.number.point +
                                  " has no value (NULL mean)");
      }
    }
  } else {
    report.problems.push_back(
        "number: the run has no outcome rows, so there is no number to "
        "trace (status " +
        report.run.status + ")");
  }

  CheckEvidence(db, evidence_root_override, &report);

  report.verified = report.problems.empty();
  report.publication_safe = report.verified && report.run.status == "ok";
  if (report.run.status != "ok") {
    report.problems.push_back("run: status is " +
                              (report.run.status.empty() ? "unknown" : report.run.status) +
                              "; only a run with status ok is publication-safe");
  }
  return report;
}

nlohmann::json LineageReport::ToJson() const {
  nlohmann::json out;
  out["run_id"] = run.run_id;
  out["publication_safe"] = publication_safe;
  out["verified"] = verified;
  out["status"] = run.status;
  out["tier"] = number.found && !number.tier.empty() ? number.tier : run.tier;
  out["deep"] = deep;
  out["problems"] = problems;
  if (number.found) {
    out["number"] = {{"metric", number.metric},
                     {"point", number.point},
                     {"benchmark_case_id", number.benchmark_case_id},
                     {"headline", number.headline},
                     {"mean", OptJson(number.mean)},
                     {"ci_low", OptJson(number.ci_low)},
                     {"ci_high", OptJson(number.ci_high)},
                     {"n", number.n},
                     {"tier", number.tier}};
    out["query"] = {{"sql", query.sql},
                    {"params", query.params},
                    {"query_spec_digest", query.query_spec_digest},
                    {"rows", query.rows}};
  } else {
    out["number"] = nullptr;
    out["query"] = nullptr;
  }
  out["run"] = {{"run_id", run.run_id},
                {"name", run.name},
                {"started_at", run.started_at},
                {"status", run.status},
                {"tier", run.tier},
                {"workload_spec_digest", run.workload_spec_digest},
                {"artifact_manifest_digest", run.artifact_manifest_digest}};
  out["manifest"] = {{"evidence_uri", manifest.evidence_uri},
                     {"evidence_root", manifest.evidence_root},
                     {"recorded_digest", manifest.recorded_digest},
                     {"computed_digest", manifest.computed_digest},
                     {"loaded", manifest.loaded},
                     {"signed", manifest.is_signed},
                     {"signature", manifest.signature}};
  out["source"] = {{"artifact", source.artifact},
                   {"digest", source.digest},
                   {"checked", source.checked},
                   {"agrees", source.agrees},
                   {"message", source.message}};
  nlohmann::json artifacts_json = nlohmann::json::array();
  for (const LineageArtifact& a : artifacts) {
    artifacts_json.push_back({{"name", a.name},
                              {"media_type", a.media_type},
                              {"size", a.size},
                              {"digest", a.digest},
                              {"status", a.status},
                              {"message", a.message}});
  }
  out["artifacts"] = std::move(artifacts_json);
  return out;
}

std::string LineageReport::FormatText() const {
  std::ostringstream out;
  std::string indent;
  if (number.found) {
    out << "number    " << number.metric << " @ " << number.point << " = " << FormatNum(number.mean)
        << "  CI [" << FormatNum(number.ci_low) << ", " << FormatNum(number.ci_high)
        << "]  n=" << number.n << "  tier " << (number.tier.empty() ? "-" : number.tier)
        << (number.headline ? "  (headline)" : "") << "\n";
    out << "  query   " << query.sql << "\n"
        << "          params " << query.params.dump() << " -> " << query.rows << " row(s) "
        << Mark(query.rows == 1) << "\n"
        << "          query_spec_digest " << query.query_spec_digest << "\n";
    indent = "    ";
  } else {
    out << "number    (none: the run has no outcome rows)\n";
    indent = "  ";
  }
  out << indent << "run       " << run.run_id << (run.name.empty() ? "" : "  " + run.name)
      << "  status " << (run.status.empty() ? "-" : run.status) << "  tier "
      << (run.tier.empty() ? "-" : run.tier) << "\n"
      << indent << "          workload " << Short(run.workload_spec_digest);
  if (number.found) out << "  case " << Short(number.benchmark_case_id);
  out << "  manifest " << Short(run.artifact_manifest_digest) << "\n";
  std::string inner = indent + "  ";
  out << inner << "manifest  " << (manifest.evidence_root.empty() ? "-" : manifest.evidence_root)
      << "\n"
      << inner << "          recorded " << Short(manifest.recorded_digest) << "  computed "
      << Short(manifest.computed_digest) << "  signed " << (manifest.is_signed ? "yes" : "no")
      << " (" << (manifest.signature.empty() ? "-" : manifest.signature) << ") "
      << Mark(manifest.loaded && manifest.computed_digest == manifest.recorded_digest &&
              !manifest.recorded_digest.empty())
      << "\n";
  if (number.found) {
    out << inner << "  source  " << source.artifact << " " << Short(source.digest) << "  "
        << (source.agrees ? "agrees with the warehouse (mean, CI, n)" : source.message) << " "
        << Mark(source.agrees) << "\n";
  }
  out << inner << "  artifacts (" << artifacts.size() << ", "
      << (deep ? "bytes re-hashed" : "existence checked; --deep re-hashes") << ")\n";
  size_t width = 0;
  for (const LineageArtifact& a : artifacts) width = std::max(width, a.name.size());
  for (const LineageArtifact& a : artifacts) {
    out << inner << "    " << a.name << std::string(width - a.name.size() + 2, ' ')
        << Short(a.digest) << "  " << a.size << " B  " << a.status
        << (a.message.empty() ? "" : ": " + a.message) << "\n";
  }
  out << "publication-safe: " << (publication_safe ? "yes" : "NO");
  out << "  (status " << (run.status.empty() ? "-" : run.status) << ", tier "
      << (number.found && !number.tier.empty() ? number.tier : (run.tier.empty() ? "-" : run.tier))
      << ")\n";
  for (const std::string& problem : problems) out << "  - " << problem << "\n";
  return out.str();
}

Result<PublishedLineage> LineagePublished(Database& db, const std::string& evidence_root_override,
                                          const std::string& name, bool deep) {
  Result<Table> row = db.Query(
      "SELECT query_text, query_spec_digest, value, run_ids, published_at FROM published_rollup "
      "WHERE name = ?",
      {name});
  if (!row.ok()) return row.status().WithContext("lineage --published " + name);
  if (row->rows.empty()) {
    return Status::Error("lineage --published " + name +
                         ": no published number of that name (`inferbench warehouse query "
                         "\"SELECT name FROM published_rollup\"` lists them)");
  }
  PublishedLineage out;
  out.name = name;
  const auto& r = row->rows[0];
  out.query_text = Str(r[0]);
  out.recorded_digest = Str(r[1]);
  out.computed_digest = QuerySpecDigest(out.query_text, nlohmann::json::array());
  out.value = nlohmann::json::parse(Str(r[2]), nullptr, false);
  out.published_at = Str(r[4]);
  nlohmann::json ids = nlohmann::json::parse(Str(r[3]), nullptr, false);
  if (ids.is_array()) {
    for (const auto& id : ids) {
      if (id.is_string()) out.run_ids.push_back(id.get<std::string>());
    }
  }
  if (out.computed_digest != out.recorded_digest) {
    out.problems.push_back("query: the stored query_spec_digest " + out.recorded_digest +
                           " does not match its query text (" + out.computed_digest + ")");
  }
  if (out.run_ids.empty()) out.problems.push_back("query: the published number names no runs");

  // Re-run the query read-only: the published value must still come out of the warehouse.
  if (Status s = CheckReadOnlyQuery(out.query_text, "published query"); !s.ok()) {
    out.reproduce_message = s.message();
  } else if (Status b = db.Begin(); !b.ok()) {
    out.reproduce_message = b.message();
  } else {
    Result<Table> again = db.Query(out.query_text);
    (void)db.Rollback();
    if (!again.ok()) {
      out.reproduce_message = "re-running the query failed: " + again.status().message();
    } else if (again->ToJson() != out.value) {
      out.reproduce_message =
          "re-running the query now gives a different result than the "
          "published value";
    } else {
      out.reproduces = true;
    }
  }
  if (!out.reproduces) out.problems.push_back("query: " + out.reproduce_message);

  LineageRequest request;
  request.deep = deep;
  for (const std::string& id : out.run_ids) {
    Result<LineageReport> walk = Lineage(db, evidence_root_override, id, request);
    if (!walk.ok()) {
      out.problems.push_back("run " + id + ": " + walk.status().message());
      continue;
    }
    if (!walk->publication_safe) {
      out.problems.push_back("run " + id + " is not publication-safe (" +
                             (walk->problems.empty() ? "" : walk->problems.front()) + ")");
    }
    out.runs.push_back(std::move(*walk));
  }
  out.publication_safe = out.problems.empty();
  return out;
}

nlohmann::json PublishedLineage::ToJson() const {
  nlohmann::json runs_json = nlohmann::json::array();
  for (const LineageReport& run : runs) runs_json.push_back(run.ToJson());
  return {{"name", name},
          {"publication_safe", publication_safe},
          {"query_text", query_text},
          {"recorded_digest", recorded_digest},
          {"computed_digest", computed_digest},
          {"published_at", published_at},
          {"value", value},
          {"run_ids", run_ids},
          {"reproduces", reproduces},
          {"problems", problems},
          {"runs", std::move(runs_json)}};
}

std::string PublishedLineage::FormatText() const {
  std::ostringstream out;
  out << "published " << name << "  (" << (published_at.empty() ? "-" : published_at) << ")\n"
      << "  query   " << query_text << "\n"
      << "          query_spec_digest " << recorded_digest << " "
      << Mark(recorded_digest == computed_digest) << "  re-run "
      << (reproduces ? "reproduces the value" : reproduce_message) << " " << Mark(reproduces)
      << "\n"
      << "  runs    " << JoinList(run_ids) << "\n";
  for (const LineageReport& run : runs) {
    std::istringstream lines(run.FormatText());
    std::string line;
    out << "\n";
    while (std::getline(lines, line)) out << "    " << line << "\n";
  }
  out << "\npublication-safe: " << (publication_safe ? "yes" : "NO") << "\n";
  for (const std::string& problem : problems) out << "  - " << problem << "\n";
  return out.str();
}

}  // namespace inferbench::warehouse
