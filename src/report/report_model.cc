#include "report/report_model.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include <fmt/format.h>

#include "evidence/manifest.h"
#include "results/point.h"
#include "spec/requests_expr.h"
#include "warehouse/database.h"
#include "warehouse/ingest.h"
#include "warehouse/runs.h"

namespace inferbench::report {
namespace {

using nlohmann::json;

double Number(const json& object, std::string_view key) {
  if (!object.is_object()) return kNaN;
  auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return kNaN;
  return it->get<double>();
}

int64_t Integer(const json& value) {
  if (value.is_number_integer()) return value.get<int64_t>();
  if (value.is_number()) return static_cast<int64_t>(value.get<double>());
  if (value.is_string()) {
    try {
      return std::stoll(value.get<std::string>());
    } catch (...) {
      return 0;
    }
  }
  return 0;
}

std::string Text(const json& object, std::string_view key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

double CellNumber(const json& cell) { return cell.is_number() ? cell.get<double>() : kNaN; }

// "point: reason" run-level reasons, split back per point.
std::vector<std::string> ReasonsOfPoint(const std::vector<std::string>& run_reasons,
                                        const std::string& point) {
  std::vector<std::string> out;
  const std::string prefix = point + ": ";
  for (const std::string& reason : run_reasons) {
    if (reason.rfind(prefix, 0) == 0) out.push_back(reason.substr(prefix.size()));
  }
  return out;
}

void LoadContext(const json& shown, RunContext& c) {
  const json& run = shown["run"];
  c.run_id = Text(run, "run_id");
  c.name = Text(run, "name");
  c.started_at = Text(run, "started_at");
  c.status = Text(run, "status");
  c.tier = Text(run, "tier");
  c.mode = Text(run, "mode");
  c.variable_under_test = Text(run, "variable_under_test");
  c.workload_spec_digest = Text(run, "workload_spec_digest");
  c.artifact_manifest_digest = Text(run, "artifact_manifest_digest");
  c.harness_version = Text(run, "harness_version");
  c.gate_status = Text(run, "gate_status");
  c.cold_start_s = Number(run, "cold_start_s");
  c.replicate_count = run.contains("replicate_count") ? Integer(run["replicate_count"]) : 0;
  c.request_count = run.contains("request_count") ? Integer(run["request_count"]) : 0;
  if (run.contains("reasons") && run["reasons"].is_array()) {
    for (const json& r : run["reasons"]) {
      if (r.is_string()) c.reasons.push_back(r.get<std::string>());
    }
  }
  if (run.contains("intent_kpis") && run["intent_kpis"].is_array()) {
    for (const json& k : run["intent_kpis"]) {
      if (k.is_string()) c.intent_kpis.push_back(k.get<std::string>());
    }
  }
  c.serving_config = run.value("serving_config", json());
  c.target_version = run.value("target_version", json());

  const json& workload = shown["workload"];
  c.model = Text(workload, "model");
  c.precision = Text(workload, "precision");
  c.protocol = Text(workload, "protocol");
  c.dataset = Text(workload, "dataset");
  c.load_model = Text(workload, "load_model");
  c.isl_mean = Number(workload, "isl_mean");
  c.isl_stddev = Number(workload, "isl_stddev");
  c.osl_mean = Number(workload, "osl_mean");
  c.osl_stddev = Number(workload, "osl_stddev");
  if (workload.is_object() && workload.contains("canonical_spec")) {
    const json& spec = workload["canonical_spec"];
    if (spec.is_object() && spec.contains("workload") && spec["workload"].is_object()) {
      const json& w = spec["workload"];
      c.cache_bust = Text(w, "cacheBust");
      if (w.contains("sampling") && w["sampling"].is_object() &&
          w["sampling"].contains("ignoreEos") && w["sampling"]["ignoreEos"].is_boolean()) {
        c.ignore_eos = w["sampling"]["ignoreEos"].get<bool>();
      }
    }
  }
  const json& hardware = shown["hardware"];
  c.gpu_model = Text(hardware, "gpu_model");
  c.gpu_count = hardware.is_object() && hardware.contains("gpu_count")
                    ? Integer(hardware["gpu_count"])
                    : 0;
  const json& software = shown["software"];
  c.engine = Text(software, "engine");
  c.engine_version = Text(software, "engine_version");
  c.cluster = Text(shown["cluster"], "cluster");
  const json& lineage = shown["lineage"];
  c.evidence_uri = Text(lineage, "evidence_uri");
  c.is_signed = lineage.is_object() && lineage.value("signed", json(false)).is_boolean() &&
                lineage.value("signed", false);
}

Estimate EstimateFromJson(const json& m) {
  Estimate e;
  e.mean = Number(m, "mean");
  e.stddev = Number(m, "std");
  e.ci_low = Number(m, "ci_low");
  e.ci_high = Number(m, "ci_high");
  e.confidence = Number(m, "confidence");
  e.ci_method = Text(m, "ci_method");
  e.n = m.contains("n") ? Integer(m["n"]) : 0;
  e.low_n = m.contains("low_n") && m["low_n"].is_boolean() && m["low_n"].get<bool>();
  return e;
}

Status LoadRequestStats(warehouse::Database& db, ReportModel& model) {
  auto table = db.Query(
      "SELECT point, count(*) AS total, "
      "count(*) FILTER (WHERE error_class IS NULL OR error_class = 'none') AS completed, "
      "count(*) FILTER (WHERE error_class IS NOT NULL AND error_class NOT IN ('none', "
      "'cancelled')) AS errored, "
      "count(*) FILTER (WHERE http_status = 429) AS http_429, "
      "count(*) FILTER (WHERE lower(coalesce(error_message, '')) LIKE '%queue%full%' OR "
      "lower(coalesce(error_message, '')) LIKE '%too many requests%') AS queue_full "
      "FROM request_fact WHERE run_id = ? AND NOT coalesce(warmup, false) GROUP BY point",
      {model.run.run_id});
  if (!table.ok()) return table.status();
  for (const auto& row : table->rows) {
    if (!row[0].is_string()) continue;
    for (PointModel& p : model.points) {
      if (p.point != row[0].get<std::string>()) continue;
      p.requests.total = Integer(row[1]);
      p.requests.completed = Integer(row[2]);
      p.requests.errored = Integer(row[3]);
      p.requests.http_429 = Integer(row[4]);
      p.requests.queue_full = Integer(row[5]);
    }
  }
  return Status::Ok();
}

Status LoadTtft(warehouse::Database& db, ReportModel& model) {
  auto table = db.Query(
      "SELECT point, ttft_ms FROM request_fact WHERE run_id = ? AND NOT coalesce(warmup, false) "
      "AND ttft_ms IS NOT NULL AND (error_class IS NULL OR error_class = 'none') "
      "ORDER BY point, ttft_ms",
      {model.run.run_id});
  if (!table.ok()) return table.status();
  std::map<std::string, std::vector<double>> by_point;
  for (const auto& row : table->rows) {
    if (row[0].is_string() && row[1].is_number()) {
      by_point[row[0].get<std::string>()].push_back(row[1].get<double>());
    }
  }
  for (const PointModel& p : model.points) {
    auto it = by_point.find(p.point);
    if (it != by_point.end()) model.ttft_ms.push_back({p.point, std::move(it->second)});
  }
  return Status::Ok();
}

Status LoadTimeline(warehouse::Database& db, const LoadOptions& options, ReportModel& model) {
  if (model.points.empty()) return Status::Ok();
  // The heaviest point's first replicate: where queueing, if any, shows.
  const std::string point = model.points.back().point;
  auto first = db.Query(
      "SELECT min(replicate) FROM request_fact WHERE run_id = ? AND point = ? AND NOT "
      "coalesce(warmup, false)",
      {model.run.run_id, point});
  if (!first.ok()) return first.status();
  if (first->rows.empty() || !first->rows[0][0].is_number()) return Status::Ok();
  const int64_t replicate = Integer(first->rows[0][0]);
  auto table = db.Query(
      "SELECT t_sched_ns, t_send_ns, t_first_ns, t_last_ns, error_class FROM request_fact "
      "WHERE run_id = ? AND point = ? AND replicate = ? AND NOT coalesce(warmup, false) "
      "ORDER BY t_send_ns, request_id",
      {model.run.run_id, point, replicate});
  if (!table.ok()) return table.status();
  ReplicateTimeline& t = model.timeline;
  t.point = point;
  t.replicate = replicate;
  int64_t origin = 0;
  bool have_origin = false;
  for (const auto& row : table->rows) {
    const json& sched = row[0].is_number() ? row[0] : row[1];
    if (sched.is_number() && (!have_origin || Integer(sched) < origin)) {
      origin = Integer(sched);
      have_origin = true;
    }
  }
  auto seconds = [origin](const json& cell) {
    return cell.is_number() ? static_cast<double>(Integer(cell) - origin) / 1e9 : kNaN;
  };
  for (const auto& row : table->rows) {
    if (static_cast<int64_t>(t.requests.size()) >= options.timeline_max_requests) {
      ++t.omitted;
      continue;
    }
    TimelineRequest r;
    r.send_s = seconds(row[1]);
    r.sched_s = row[0].is_number() ? seconds(row[0]) : r.send_s;
    r.first_s = seconds(row[2]);
    r.last_s = seconds(row[3]);
    r.error = row[4].is_string() && row[4].get<std::string>() != "none";
    t.requests.push_back(r);
  }
  return Status::Ok();
}

struct TelemetryFamily {
  const char* name;
  const char* unit;
  std::vector<const char*> metrics;  // the first one the server exports is used
  double scale;                      // e.g. 100 for a 0..1 usage shown in %
};

Status LoadTelemetry(warehouse::Database& db, ReportModel& model) {
  const std::vector<TelemetryFamily> gauges = {
      {"running requests", "requests", {"vllm:num_requests_running", "sglang:num_running_reqs"}, 1},
      {"waiting requests", "requests", {"vllm:num_requests_waiting", "sglang:num_queue_reqs"}, 1},
      {"KV-cache usage", "%",
       {"vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc", "sglang:token_usage"}, 100},
      {"prefix-cache hit rate", "%", {"sglang:cache_hit_rate"}, 100},
  };
  auto table = db.Query(
      "SELECT source_url, t_s, metric, sum(value) FROM telemetry_slice_fact WHERE run_id = ? "
      "AND t_s IS NOT NULL AND value IS NOT NULL AND metric IN ('vllm:num_requests_running', "
      "'sglang:num_running_reqs', 'vllm:num_requests_waiting', 'sglang:num_queue_reqs', "
      "'vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc', 'sglang:token_usage', "
      "'sglang:cache_hit_rate', 'vllm:prefix_cache_hits_total', "
      "'vllm:prefix_cache_queries_total') GROUP BY source_url, t_s, metric "
      "ORDER BY source_url, t_s, metric",
      {model.run.run_id});
  if (!table.ok()) return table.status();
  if (table->rows.empty()) {
    model.notes.push_back(
        "no server telemetry in the warehouse (the run scraped no /metrics): telemetry charts "
        "and queue-based triage are unavailable");
  }
  // One source (the first URL): series of different scrapers do not share time stamps.
  std::set<std::string> sources;
  for (const auto& row : table->rows) {
    if (row[0].is_string()) sources.insert(row[0].get<std::string>());
  }
  const std::string source = sources.empty() ? "" : *sources.begin();
  if (sources.size() > 1) {
    model.notes.push_back(fmt::format("telemetry over time shows {} of {} scraped sources",
                                      source, sources.size()));
  }
  std::map<std::string, std::vector<std::pair<double, double>>> by_metric;
  for (const auto& row : table->rows) {
    if (!row[0].is_string() || row[0].get<std::string>() != source) continue;
    if (!row[2].is_string() || !row[1].is_number() || !row[3].is_number()) continue;
    by_metric[row[2].get<std::string>()].push_back({row[1].get<double>(), row[3].get<double>()});
  }
  for (const TelemetryFamily& f : gauges) {
    for (const char* metric : f.metrics) {
      auto it = by_metric.find(metric);
      if (it == by_metric.end()) continue;
      TimeSeries s;
      s.name = fmt::format("{} ({})", f.name, metric);
      s.unit = f.unit;
      for (auto [t, v] : it->second) s.points.push_back({t, v * f.scale});
      model.telemetry.push_back(std::move(s));
      break;
    }
  }
  // vLLM's prefix hit rate over time: Δhits / Δqueries between consecutive scrapes.
  auto hits = by_metric.find("vllm:prefix_cache_hits_total");
  auto queries = by_metric.find("vllm:prefix_cache_queries_total");
  if (hits != by_metric.end() && queries != by_metric.end() &&
      hits->second.size() == queries->second.size()) {
    TimeSeries s;
    s.name = "prefix-cache hit rate (Δvllm:prefix_cache_hits_total / Δqueries)";
    s.unit = "%";
    for (size_t i = 1; i < hits->second.size(); ++i) {
      const double dq = queries->second[i].second - queries->second[i - 1].second;
      const double dh = hits->second[i].second - hits->second[i - 1].second;
      if (dq > 0 && dh >= 0) s.points.push_back({hits->second[i].first, 100.0 * dh / dq});
    }
    if (!s.points.empty()) model.telemetry.push_back(std::move(s));
  }

  // Mean queue time per point: increases of the histogram's sum and count per series.
  auto queue = db.Query(
      "SELECT point, metric, sum(delta) FROM (SELECT point, replicate, source_url, labels, "
      "metric, max(value) - min(value) AS delta FROM telemetry_slice_fact WHERE run_id = ? AND "
      "point IS NOT NULL AND metric IN ('vllm:request_queue_time_seconds_sum', "
      "'vllm:request_queue_time_seconds_count') GROUP BY point, replicate, source_url, labels, "
      "metric) GROUP BY point, metric",
      {model.run.run_id});
  if (!queue.ok()) return queue.status();
  std::map<std::string, std::pair<double, double>> sum_count;
  for (const auto& row : queue->rows) {
    if (!row[0].is_string() || !row[1].is_string()) continue;
    auto& sc = sum_count[row[0].get<std::string>()];
    (row[1].get<std::string>().ends_with("_sum") ? sc.first : sc.second) = CellNumber(row[2]);
  }
  for (PointModel& p : model.points) {
    auto it = sum_count.find(p.point);
    if (it != sum_count.end() && it->second.second > 0 && std::isfinite(it->second.first)) {
      p.queue_time_ms = 1000.0 * it->second.first / it->second.second;
    }
  }
  return Status::Ok();
}

// Chunk gaps per point from the token_times artifact ({"request_id","first_ns","delta_us"}).
void LoadChunkGaps(warehouse::Database& db, const std::string& bytes, ReportModel& model) {
  auto ids = db.Query(
      "SELECT request_id, point FROM request_fact WHERE run_id = ? AND NOT coalesce(warmup, "
      "false) AND (error_class IS NULL OR error_class = 'none')",
      {model.run.run_id});
  if (!ids.ok()) {
    model.notes.push_back("token times: " + ids.status().message());
    return;
  }
  std::map<std::string, std::string> point_of;
  for (const auto& row : ids->rows) {
    if (row[0].is_string() && row[1].is_string()) {
      point_of[row[0].get<std::string>()] = row[1].get<std::string>();
    }
  }
  std::map<std::string, std::vector<double>> gaps;
  std::istringstream lines(bytes);
  std::string line;
  int64_t bad = 0;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    json entry = json::parse(line, nullptr, false);
    if (entry.is_discarded() || !entry.is_object() || !entry.contains("delta_us") ||
        !entry["delta_us"].is_array()) {
      ++bad;
      continue;
    }
    auto it = point_of.find(Text(entry, "request_id"));
    if (it == point_of.end()) continue;  // warmup or errored
    std::vector<double>& out = gaps[it->second];
    for (const json& d : entry["delta_us"]) {
      if (d.is_number()) out.push_back(d.get<double>() / 1000.0);
    }
  }
  if (bad > 0) model.notes.push_back(fmt::format("token_times: {} unreadable lines skipped", bad));
  for (const PointModel& p : model.points) {
    auto it = gaps.find(p.point);
    if (it == gaps.end()) continue;
    std::sort(it->second.begin(), it->second.end());
    model.chunk_gap_ms.push_back({p.point, std::move(it->second)});
  }
  model.token_times_available = true;
}

std::string Quote(const std::string& text) {
  if (!text.empty() && text.find_first_of(" \t'\"$`\\;&|<>()*?!#") == std::string::npos) {
    return text;
  }
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string Shortest(double value) {
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 1e15) {
    return fmt::format("{}", static_cast<int64_t>(value));
  }
  return fmt::format("{}", value);
}

// The reproduction commands from the effective spec (effective_spec.json) and run.json outputs.
void BuildRepro(const json& effective, const json& run_json, const evidence::Manifest& manifest,
                ReportModel& model) {
  Repro& r = model.repro;
  std::string spec_path = "spec.yaml";
  if (run_json.is_object() && run_json.contains("outputs") && run_json["outputs"].is_object()) {
    const std::string recorded = Text(run_json["outputs"], "spec");
    if (!recorded.empty()) spec_path = recorded;
  }
  const json spec = effective.is_object() ? effective.value("spec", json()) : json();
  const json target = spec.is_object() ? spec.value("target", json()) : json();
  const bool simulated = target.is_object() && target.contains("sim") &&
                         Text(model.run.target_version, "engine") == "inferbench-sim";
  r.run_command = "inferbench run " + Quote(spec_path) + (simulated ? " --sim" : "");
  std::vector<std::string> source;
  if (spec_path != "spec.yaml") source.push_back("run directory copy " + spec_path);
  if (const evidence::Artifact* a = manifest.Find("spec.yaml")) {
    source.push_back("evidence artifact spec.yaml sha256:" + a->digest);
  }
  r.spec_source = fmt::format("{}", fmt::join(source, "; "));

  const json workload = spec.is_object() ? spec.value("workload", json()) : json();
  if (!workload.is_object() || model.points.empty()) return;
  const json dataset = workload.value("dataset", json());
  const json load = workload.value("load", json());
  if (Text(dataset, "type") != "synthetic" || !load.is_object()) return;
  const PointModel& point = model.points.back();
  auto parsed = results::Point::Parse(point.point);
  if (!parsed.ok()) return;
  std::vector<std::string> args = {"inferbench", "bench"};
  auto add = [&args](std::string flag, std::string value) {
    args.push_back(std::move(flag));
    args.push_back(Quote(value));
  };
  std::string url = Text(target, "url");
  if (simulated) {
    url = "http://127.0.0.1:8000";
    std::string sim = "inferbench sim --port 8000";
    const json sim_spec = target["sim"];
    if (!Text(sim_spec, "profile").empty()) sim += " --profile " + Quote(Text(sim_spec, "profile"));
    if (sim_spec.contains("args") && sim_spec["args"].is_object()) {
      for (const auto& [key, value] : sim_spec["args"].items()) {
        sim += " --" + key + " " + Quote(value.is_string() ? value.get<std::string>() : value.dump());
      }
    }
    r.sim_command = sim;
  }
  add("--url", url.empty() ? "URL" : url);
  add("--model", Text(target, "model"));
  if (!Text(target, "endpoint").empty()) add("--endpoint", Text(target, "endpoint"));
  double level = 0;
  if (parsed->kind() == results::PointKind::kConcurrency) {
    level = static_cast<double>(parsed->count());
    add("--concurrency", Shortest(level));
  } else if (parsed->kind() == results::PointKind::kRate) {
    level = parsed->rate();
    add("--rate", Shortest(level));
  } else {
    return;  // trace and sessions need their dataset files: the run command reproduces them
  }
  const json isl = dataset.value("inputTokens", json());
  const json osl = dataset.value("outputTokens", json());
  if (std::isfinite(Number(isl, "mean"))) add("--isl", Shortest(Number(isl, "mean")));
  if (Number(isl, "stddev") > 0) add("--isl-stddev", Shortest(Number(isl, "stddev")));
  if (std::isfinite(Number(osl, "mean"))) add("--osl", Shortest(Number(osl, "mean")));
  if (Number(osl, "stddev") > 0) add("--osl-stddev", Shortest(Number(osl, "stddev")));
  const std::string duration = Text(load, "duration");
  const std::string requests = Text(load, "requestsPerLevel");
  if (!duration.empty() && duration != "0s") {
    add("--duration", duration);
  } else if (!requests.empty()) {
    auto n = spec::EvaluateRequestsPerLevel(requests, level);
    if (n.ok()) add("--requests", std::to_string(*n));
  }
  if (workload.contains("warmup") && workload["warmup"].is_object()) {
    add("--warmup", Shortest(Number(workload["warmup"], "requests")));
  }
  const json measurement = spec.value("measurement", json());
  if (std::isfinite(Number(measurement, "replicates"))) {
    add("--replicates", Shortest(Number(measurement, "replicates")));
  }
  if (std::isfinite(Number(workload, "seed"))) add("--seed", Shortest(Number(workload, "seed")));
  if (!Text(workload, "cacheBust").empty()) add("--cache-bust", Text(workload, "cacheBust"));
  const json sampling = workload.value("sampling", json());
  if (sampling.is_object() && sampling.value("ignoreEos", true) == false) {
    args.push_back("--no-ignore-eos");
  }
  r.bench_command = fmt::format("{}", fmt::join(args, " "));
  r.bench_point = point.point;
}

void LoadEvidence(warehouse::Database& db, const json& lineage, const LoadOptions& options,
                  ReportModel& model) {
  const std::string root = options.evidence_root_override.empty() ? model.run.evidence_uri
                                                                  : options.evidence_root_override;
  const std::string missing_chunk_gaps =
      "token times unreachable ({}): the chunk-gap CDF is omitted (chunk_gap_ms statistics "
      "from the warehouse are still shown)";
  if (!options.read_evidence || root.empty() || !lineage.is_object() ||
      !lineage.contains("manifest") || !lineage["manifest"].is_object()) {
    model.notes.push_back(fmt::format(fmt::runtime(missing_chunk_gaps),
                                      "no evidence store recorded for the run"));
    BuildRepro(json(), json(), evidence::Manifest(), model);
    return;
  }
  auto manifest = evidence::Manifest::FromJson(lineage["manifest"], "artifact_lineage_dim");
  if (!manifest.ok()) {
    model.notes.push_back(fmt::format(fmt::runtime(missing_chunk_gaps), manifest.status().message()));
    BuildRepro(json(), json(), evidence::Manifest(), model);
    return;
  }
  warehouse::ArtifactReader read = warehouse::EvidenceReader(root, *manifest);
  auto read_json = [&](const std::string& name) -> json {
    auto bytes = read(name);
    if (!bytes.ok() || !bytes->has_value()) return json();
    json parsed = json::parse(**bytes, nullptr, false);
    return parsed.is_discarded() ? json() : parsed;
  };

  const json run_json = read_json("run.json");
  if (run_json.is_object()) {
    if (run_json.contains("capacity") && !run_json["capacity"].is_null()) {
      model.capacity = run_json["capacity"];
    }
    if (run_json.contains("points") && run_json["points"].is_array()) {
      for (const json& rp : run_json["points"]) {
        for (PointModel& p : model.points) {
          if (p.point != Text(rp, "point")) continue;
          p.outlier_policy = Text(rp, "outlier_policy");
          if (rp.contains("reasons") && rp["reasons"].is_array()) {
            p.reasons.clear();
            for (const json& r : rp["reasons"]) {
              if (r.is_string()) p.reasons.push_back(r.get<std::string>());
            }
          }
          if (rp.contains("replicates") && rp["replicates"].is_number()) {
            p.replicates = Integer(rp["replicates"]);
          }
        }
      }
    }
  } else {
    model.notes.push_back("run.json unreadable in the evidence store at " + root +
                          ": per-point reasons come from the warehouse");
  }
  BuildRepro(read_json("effective_spec.json"), run_json, *manifest, model);

  if (manifest->Find("token_times") == nullptr) {
    model.notes.push_back(fmt::format(fmt::runtime(missing_chunk_gaps),
                                      "the run recorded no token_times artifact"));
    return;
  }
  auto bytes = read("token_times");
  if (!bytes.ok() || !bytes->has_value()) {
    model.notes.push_back(fmt::format(
        fmt::runtime(missing_chunk_gaps),
        bytes.ok() ? "artifact missing" : bytes.status().message() +
                                              "; pass --evidence DIR when the store moved"));
    return;
  }
  LoadChunkGaps(db, **bytes, model);
}

Status LoadComparison(warehouse::Database& db, const LoadOptions& options, ReportModel& model) {
  if (options.vs_run_ids.empty()) return Status::Ok();
  std::vector<std::string> ids = options.vs_run_ids;
  ids.push_back(model.run.run_id);
  auto runs = warehouse::LoadRunData(db, ids);
  if (!runs.ok()) return runs.status();
  ComparisonModel c;
  warehouse::CompareOptions compare_options;
  for (const warehouse::RunData& r : *runs) {
    if (r.workload_spec_digest != runs->front().workload_spec_digest) {
      compare_options.exploratory = true;
      c.note = "the runs measured different workloads (workload_spec_digest differs): the "
               "comparison is exploratory, not publication-grade";
    }
  }
  auto comparison = warehouse::CompareRuns(*runs, compare_options);
  if (!comparison.ok()) return comparison.status();
  c.comparison = std::move(*comparison);
  c.runs = std::move(*runs);
  model.comparison = std::move(c);
  return Status::Ok();
}

}  // namespace

bool Estimate::has_mean() const { return std::isfinite(mean); }
bool Estimate::has_ci() const { return std::isfinite(ci_low) && std::isfinite(ci_high); }

const Estimate* PointModel::Find(std::string_view path) const {
  auto it = metrics.find(std::string(path));
  return it == metrics.end() ? nullptr : &it->second;
}

double PointModel::Mean(std::string_view path) const {
  const Estimate* e = Find(path);
  return e ? e->mean : kNaN;
}

const PointModel* ReportModel::FindPoint(std::string_view point) const {
  for (const PointModel& p : points) {
    if (p.point == point) return &p;
  }
  return nullptr;
}

double PointLoad(std::string_view point) {
  auto parsed = results::Point::Parse(point);
  if (!parsed.ok()) return kNaN;
  switch (parsed->kind()) {
    case results::PointKind::kConcurrency:
    case results::PointKind::kSessions:
      return static_cast<double>(parsed->count());
    case results::PointKind::kRate:
      return parsed->rate();
    case results::PointKind::kTrace:
      return kNaN;
  }
  return kNaN;
}

std::string LoadAxisLabel(const std::vector<PointModel>& points) {
  std::set<results::PointKind> kinds;
  for (const PointModel& p : points) {
    auto parsed = results::Point::Parse(p.point);
    if (parsed.ok()) kinds.insert(parsed->kind());
  }
  if (kinds.size() != 1) return "load level";
  switch (*kinds.begin()) {
    case results::PointKind::kConcurrency:
      return "concurrency (requests in flight)";
    case results::PointKind::kRate:
      return "offered rate (req/s)";
    case results::PointKind::kSessions:
      return "concurrent sessions";
    case results::PointKind::kTrace:
      return "trace";
  }
  return "load level";
}

Result<ReportModel> LoadReportModel(warehouse::Database& db, const std::string& run_id,
                                    const LoadOptions& options) {
  auto shown = warehouse::ShowRun(db, run_id);
  if (!shown.ok()) return shown.status();
  ReportModel model;
  LoadContext(*shown, model.run);

  auto data = warehouse::LoadRunData(db, {run_id});
  if (!data.ok()) return data.status();
  const warehouse::RunData& run_data = data->front();

  for (const json& sp : (*shown)["points"]) {
    PointModel p;
    p.point = Text(sp, "point");
    p.benchmark_case_id = Text(sp, "benchmark_case_id");
    p.tier = Text(sp, "tier");
    p.load = PointLoad(p.point);
    p.reasons = ReasonsOfPoint(model.run.reasons, p.point);
    const warehouse::PointData* pd = run_data.FindPoint(p.benchmark_case_id);
    if (sp.contains("metrics") && sp["metrics"].is_object()) {
      for (const auto& [path, m] : sp["metrics"].items()) {
        Estimate e = EstimateFromJson(m);
        if (pd) {
          auto it = pd->metrics.find(path);
          if (it != pd->metrics.end()) e.replicates = it->second.values;
        }
        if (!std::isfinite(model.run.confidence) && std::isfinite(e.confidence)) {
          model.run.confidence = e.confidence;
        }
        p.metrics.emplace(path, std::move(e));
      }
    }
    p.replicates = model.run.replicate_count;
    for (const auto& [path, e] : p.metrics) p.replicates = std::max(p.replicates, e.n);
    model.points.push_back(std::move(p));
  }

  if (Status s = LoadRequestStats(db, model); !s.ok()) return s;
  if (Status s = LoadTtft(db, model); !s.ok()) return s;
  if (Status s = LoadTimeline(db, options, model); !s.ok()) return s;
  if (Status s = LoadTelemetry(db, model); !s.ok()) return s;
  LoadEvidence(db, (*shown)["lineage"], options, model);
  for (PointModel& p : model.points) {
    for (const std::string& reason : p.reasons) {
      if (reason.find("client saturated") != std::string::npos) p.client_saturated = true;
    }
  }
  if (Status s = LoadComparison(db, options, model); !s.ok()) return s;
  return model;
}

}  // namespace inferbench::report
