// The JSON report (schema inferbench.report/v1). nlohmann::json objects keep their keys sorted,
// so the output is stable; NaN is written as null.
#include <cmath>

#include "report/render.h"
#include "results/metric_names.h"
#include "stats/quantile.h"

namespace inferbench::report {
namespace {

using nlohmann::json;

json Num(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

std::string UnitOf(const std::string& path) {
  const size_t dot = path.find('.');
  const results::MetricInfo* info = results::FindMetric(path.substr(0, dot));
  if (!info) info = results::FindMetric(path);
  return info ? std::string(info->unit) : std::string();
}

json EstimateJson(const std::string& path, const Estimate& e) {
  json replicates = json::array();
  for (double v : e.replicates) replicates.push_back(Num(v));
  return {{"mean", Num(e.mean)},         {"std", Num(e.stddev)},
          {"ci_low", Num(e.ci_low)},     {"ci_high", Num(e.ci_high)},
          {"confidence", Num(e.confidence)}, {"ci_method", e.ci_method},
          {"n", e.n},                    {"low_n", e.low_n},
          {"unit", UnitOf(path)},        {"replicates", std::move(replicates)}};
}

json RunJson(const RunContext& c) {
  json out = {
      {"run_id", c.run_id},
      {"name", c.name},
      {"started_at", c.started_at},
      {"status", c.status},
      {"tier", c.tier},
      {"reasons", c.reasons},
      {"mode", c.mode},
      {"variable_under_test", c.variable_under_test},
      {"intent_kpis", c.intent_kpis},
      {"workload_spec_digest", c.workload_spec_digest},
      {"artifact_manifest_digest", c.artifact_manifest_digest},
      {"signed", c.is_signed},
      {"harness_version", c.harness_version},
      {"gate_status", c.gate_status},
      {"cold_start_s", Num(c.cold_start_s)},
      {"replicates", c.replicate_count},
      {"requests", c.request_count},
      {"confidence", Num(c.confidence)},
  };
  out["context"] = {
      {"model", c.model},
      {"precision", c.precision},
      {"protocol", c.protocol},
      {"dataset", c.dataset},
      {"load_model", c.load_model},
      {"isl_mean", Num(c.isl_mean)},
      {"isl_stddev", Num(c.isl_stddev)},
      {"osl_mean", Num(c.osl_mean)},
      {"osl_stddev", Num(c.osl_stddev)},
      {"cache_bust", c.cache_bust},
      {"ignore_eos", c.ignore_eos ? json(*c.ignore_eos) : json(nullptr)},
      {"gpu_model", c.gpu_model},
      {"gpu_count", c.gpu_count},
      {"engine", c.engine},
      {"engine_version", c.engine_version},
      {"cluster", c.cluster},
      {"serving_config", c.serving_config},
      {"target_version", c.target_version},
  };
  return out;
}

json PointJson(const PointModel& p) {
  json metrics = json::object();
  for (const auto& [path, e] : p.metrics) metrics[path] = EstimateJson(path, e);
  return {{"point", p.point},
          {"benchmark_case_id", p.benchmark_case_id},
          {"load", Num(p.load)},
          {"tier", p.tier},
          {"reasons", p.reasons},
          {"replicates", p.replicates},
          {"outlier_policy", p.outlier_policy},
          {"requests",
           {{"total", p.requests.total},
            {"completed", p.requests.completed},
            {"errored", p.requests.errored},
            {"http_429", p.requests.http_429},
            {"queue_full", p.requests.queue_full}}},
          {"client_saturated", p.client_saturated},
          {"queue_time_ms", Num(p.queue_time_ms)},
          {"metrics", std::move(metrics)}};
}

// Pooled request-level quantiles of one point (not across-replicate estimates: the CDF's data).
json SamplesJson(const std::vector<PointSamples>& samples) {
  json out = json::array();
  for (const PointSamples& s : samples) {
    json q = {{"point", s.point}, {"n", s.values.size()}};
    for (auto [name, level] : {std::pair<const char*, double>{"p50", 0.5}, {"p90", 0.9},
                               {"p99", 0.99}, {"max", 1.0}}) {
      q[name] = s.values.empty() ? json(nullptr) : Num(stats::QuantileSorted(s.values, level));
    }
    out.push_back(std::move(q));
  }
  return out;
}

json BlockJson(const Block& b) {
  switch (b.kind) {
    case Block::Kind::kParagraph:
      return {{"kind", "paragraph"}, {"text", b.text}};
    case Block::Kind::kBullets:
      return {{"kind", "bullets"}, {"items", b.items}};
    case Block::Kind::kTable:
      return {{"kind", "table"},
              {"header", b.table.header},
              {"rows", b.table.rows},
              {"caption", b.caption}};
    case Block::Kind::kChart:
      return {{"kind", "chart"}, {"id", b.text}};
    case Block::Kind::kCode:
      return {{"kind", "code"}, {"text", b.text}};
  }
  return json();
}

}  // namespace

json RenderJson(const ReportModel& m, const std::vector<Finding>& findings,
                const ReportDocument& d, Audience audience) {
  json out;
  out["schema"] = std::string(kReportSchema);
  out["audience"] = std::string(AudienceName(audience));
  out["run"] = RunJson(m.run);
  json points = json::array();
  for (const PointModel& p : m.points) points.push_back(PointJson(p));
  out["points"] = std::move(points);

  json found = json::array();
  for (const Finding& f : findings) {
    json evidence = json::array();
    for (const FindingEvidence& e : f.evidence) {
      evidence.push_back({{"point", e.point}, {"text", e.text}});
    }
    found.push_back({{"rule_id", f.rule_id},
                     {"severity", std::string(SeverityName(f.severity))},
                     {"owner", std::string(OwnerName(f.owner))},
                     {"title", f.title},
                     {"points", f.points},
                     {"evidence", std::move(evidence)},
                     {"suggestion", f.suggestion}});
  }
  out["findings"] = std::move(found);
  out["next_lever"] = {{"rule_id", d.next_lever.rule_id},
                       {"lever", d.next_lever.lever},
                       {"expected_unlock", d.next_lever.expected_unlock},
                       {"check", d.next_lever.check}};
  out["distributions"] = {{"ttft_ms", SamplesJson(m.ttft_ms)},
                          {"chunk_gap_ms", SamplesJson(m.chunk_gap_ms)},
                          {"token_times_available", m.token_times_available}};
  json telemetry = json::array();
  for (const TimeSeries& s : m.telemetry) {
    json samples = json::array();
    for (auto [t, v] : s.points) samples.push_back(json::array({Num(t), Num(v)}));
    telemetry.push_back({{"name", s.name}, {"unit", s.unit}, {"samples", std::move(samples)}});
  }
  out["telemetry"] = std::move(telemetry);
  out["timeline"] = {{"point", m.timeline.point},
                     {"replicate", m.timeline.replicate},
                     {"requests", m.timeline.requests.size()},
                     {"omitted", m.timeline.omitted}};
  out["repro"] = {{"run_command", m.repro.run_command},
                  {"spec_source", m.repro.spec_source},
                  {"bench_command", m.repro.bench_command},
                  {"bench_point", m.repro.bench_point},
                  {"sim_command", m.repro.sim_command}};
  out["capacity"] = m.capacity;
  out["comparison"] = m.comparison ? m.comparison->comparison.ToJson() : json(nullptr);
  if (m.comparison && !m.comparison->note.empty()) out["comparison"]["note"] = m.comparison->note;
  out["notes"] = m.notes;
  json sections = json::array();
  for (const Section& s : d.sections) {
    json blocks = json::array();
    for (const Block& b : s.blocks) blocks.push_back(BlockJson(b));
    sections.push_back({{"id", s.id}, {"heading", s.heading}, {"blocks", std::move(blocks)}});
  }
  out["view"] = {{"title", d.title}, {"subtitle", d.subtitle}, {"sections", std::move(sections)}};
  return out;
}

}  // namespace inferbench::report
