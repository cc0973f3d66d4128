#include "report/audience.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "results/metric_names.h"

namespace inferbench::report {
namespace {

bool Finite(double v) { return std::isfinite(v); }

std::string Short(const std::string& digest) { return digest.substr(0, 12); }

std::string OrUnknown(const std::string& text) { return text.empty() ? "unknown" : text; }

std::string ConfidenceLabel(double confidence) {
  return Finite(confidence) ? fmt::format("{:g}%", 100 * confidence) : std::string("");
}

Block Paragraph(std::string text) {
  Block b;
  b.kind = Block::Kind::kParagraph;
  b.text = std::move(text);
  return b;
}

Block Bullets(std::vector<std::string> items) {
  Block b;
  b.kind = Block::Kind::kBullets;
  b.items = std::move(items);
  return b;
}

Block Chart(std::string id) {
  Block b;
  b.kind = Block::Kind::kChart;
  b.text = std::move(id);
  return b;
}

Block Code(std::string text) {
  Block b;
  b.kind = Block::Kind::kCode;
  b.text = std::move(text);
  return b;
}

Block TableBlock(TextTable table, std::string caption) {
  Block b;
  b.kind = Block::Kind::kTable;
  b.table = std::move(table);
  b.caption = std::move(caption);
  return b;
}

std::string Unit(std::string_view path) {
  const size_t dot = path.find('.');
  const results::MetricInfo* info = results::FindMetric(path.substr(0, dot));
  if (!info && dot != std::string_view::npos) info = results::FindMetric(path);
  return info ? std::string(info->unit) : std::string();
}

const PointModel* Heaviest(const ReportModel& m) {
  return m.points.empty() ? nullptr : &m.points.back();
}

// The point with the highest mean of `path` (ties: the lighter point).
const PointModel* BestPoint(const ReportModel& m, std::string_view path) {
  const PointModel* best = nullptr;
  for (const PointModel& p : m.points) {
    const double v = p.Mean(path);
    if (Finite(v) && (!best || v > best->Mean(path))) best = &p;
  }
  return best;
}

std::string Shape(const RunContext& c) {
  auto len = [](double mean, double stddev) {
    if (!Finite(mean)) return std::string("?");
    return Finite(stddev) && stddev > 0
               ? fmt::format("{}±{}", FormatNumber(mean), FormatNumber(stddev))
               : FormatNumber(mean);
  };
  return fmt::format("ISL {} / OSL {} tokens", len(c.isl_mean, c.isl_stddev),
                     len(c.osl_mean, c.osl_stddev));
}

std::string Hardware(const RunContext& c) {
  if (c.gpu_model.empty() || c.gpu_model == "unknown") return "hardware not declared";
  return fmt::format("{} × {}", c.gpu_count > 0 ? c.gpu_count : 1, c.gpu_model);
}

std::string Engine(const RunContext& c) {
  return c.engine.empty() ? "engine unknown"
                          : c.engine + (c.engine_version.empty() ? "" : " " + c.engine_version);
}

std::string PointList(const ReportModel& m) {
  std::vector<std::string> names;
  for (const PointModel& p : m.points) names.push_back(p.point);
  return fmt::format("{}", fmt::join(names, ", "));
}

// The one-line context every number of the report shares (DESIGN.md §2.3).
std::string ContextLine(const ReportModel& m) {
  const RunContext& c = m.run;
  return fmt::format("{} ({}) on {}, {}; {} {}, {}; points {}; {} replicates per point; {} mode",
                     OrUnknown(c.model), OrUnknown(c.precision), Hardware(c), Engine(c),
                     OrUnknown(c.protocol), OrUnknown(c.dataset), Shape(c), PointList(m),
                     c.replicate_count, OrUnknown(c.mode));
}

Section ContextSection(const ReportModel& m) {
  const RunContext& c = m.run;
  Section s{"context", "Context", {}};
  std::vector<std::string> items = {
      fmt::format("run {} \"{}\" started {}, status {}, gate {}", c.run_id, c.name, c.started_at,
                  OrUnknown(c.status), OrUnknown(c.gate_status)),
      fmt::format("model {} ({}), {}, {}", OrUnknown(c.model), OrUnknown(c.precision), Hardware(c),
                  Engine(c)),
      fmt::format("workload: {} over {}, {}, cache bust {}, ignore_eos {}", OrUnknown(c.dataset),
                  OrUnknown(c.protocol), Shape(c), OrUnknown(c.cache_bust),
                  c.ignore_eos ? (*c.ignore_eos ? "true" : "false") : "unknown"),
      fmt::format("load: {} at {}; {} replicates per point, {} confidence intervals; {} mode",
                  OrUnknown(c.load_model), PointList(m), c.replicate_count,
                  Finite(c.confidence) ? ConfidenceLabel(c.confidence) : "no",
                  OrUnknown(c.mode)),
      fmt::format("workload_spec_digest {}…, artifact_manifest_digest {}… ({}), harness {}",
                  Short(c.workload_spec_digest), Short(c.artifact_manifest_digest),
                  c.is_signed ? "signed" : "unsigned", OrUnknown(c.harness_version)),
  };
  if (!c.variable_under_test.empty()) items.push_back("variable under test: " + c.variable_under_test);
  if (!c.cluster.empty() && c.cluster != "unknown") items.push_back("cluster: " + c.cluster);
  if (Finite(c.cold_start_s)) {
    items.push_back(fmt::format("target cold start {} s (readiness probe)", FormatNumber(c.cold_start_s)));
  }
  s.blocks.push_back(Bullets(std::move(items)));
  return s;
}

Section TierSection(const ReportModel& m) {
  Section s{"tier", fmt::format("Tier: {}", OrUnknown(m.run.tier)), {}};
  if (m.run.tier == "VERDICT") {
    s.blocks.push_back(Paragraph(
        "Every point met the contract: enough replicates, CIs within the declared bound, no "
        "low_n KPI quantile, no client saturation (DESIGN.md §2.5)."));
  } else {
    s.blocks.push_back(Paragraph(
        "DRAFT: at least one point misses the contract (replicates, CI width, low_n KPI "
        "quantiles or client saturation); its numbers are exploratory, not claims."));
  }
  std::vector<std::string> items;
  for (const PointModel& p : m.points) {
    std::string line = fmt::format("{}: {}", p.point, OrUnknown(p.tier));
    if (!p.reasons.empty()) line += fmt::format(" — {}", fmt::join(p.reasons, "; "));
    if (!p.outlier_policy.empty()) line += fmt::format(" (outlier policy {})", p.outlier_policy);
    items.push_back(std::move(line));
  }
  if (!items.empty()) s.blocks.push_back(Bullets(std::move(items)));
  return s;
}

bool AnyMetric(const ReportModel& m, std::string_view path) {
  for (const PointModel& p : m.points) {
    if (p.Find(path) && p.Find(path)->has_mean()) return true;
  }
  return false;
}

TextTable MetricsTable(const ReportModel& m, const std::vector<std::string>& paths,
                       const std::vector<std::string>& headers) {
  TextTable t;
  t.header = {"point", "tier", "n"};
  t.right_aligned = {false, false, true};
  for (const std::string& h : headers) {
    t.header.push_back(h);
    t.right_aligned.push_back(true);
  }
  for (const PointModel& p : m.points) {
    std::vector<std::string> row = {p.point, p.tier, std::to_string(p.replicates)};
    for (const std::string& path : paths) row.push_back(FormatEstimateCell(p.Find(path)));
    t.rows.push_back(std::move(row));
  }
  return t;
}

std::string MetricsCaption(const ReportModel& m) {
  std::string caption = fmt::format(
      "mean [{} CI] across n replicates; * = low_n quantile (fewer than 5 tail samples per "
      "replicate, DESIGN.md §4)",
      Finite(m.run.confidence) ? ConfidenceLabel(m.run.confidence) : "95%");
  if (!AnyMetric(m, "sol_pct")) caption += "; %SoL: hardware and model not declared";
  if (!AnyMetric(m, "cost_per_mtok_usd")) caption += "; cost: no price declared";
  return caption;
}

Section MetricsSection(const ReportModel& m, bool charts) {
  Section s{"metrics", "Metrics per point", {}};
  s.blocks.push_back(Paragraph(ContextLine(m)));
  // Two tables (throughput and cost; latency) so each fits a terminal.
  s.blocks.push_back(TableBlock(
      MetricsTable(m,
                   {"output_throughput_tok_s", "request_throughput_req_s", "error_rate", "sol_pct",
                    "cost_per_mtok_usd"},
                   {"output tok/s", "req/s", "error rate", "%SoL", "USD/Mtok"}),
      MetricsCaption(m)));
  s.blocks.push_back(TableBlock(
      MetricsTable(m, {"ttft_ms.p50", "ttft_ms.p99", "tpot_ms.p50", "tpot_ms.p99"},
                   {"TTFT p50 ms", "TTFT p99 ms", "TPOT p50 ms", "TPOT p99 ms"}),
      ""));
  std::vector<std::string> kpis;
  for (const std::string& kpi : m.run.intent_kpis) {
    for (const PointModel& p : m.points) {
      if (const Estimate* e = p.Find(kpi)) {
        kpis.push_back(fmt::format("{} @ {}: {}", kpi, p.point, FormatEstimate(*e, Unit(kpi))));
      }
    }
  }
  if (!kpis.empty()) {
    s.blocks.push_back(Paragraph("Intent KPIs, each with its point and n:"));
    s.blocks.push_back(Bullets(std::move(kpis)));
  }
  if (charts) {
    for (const char* id : {"throughput-vs-load", "ttft-vs-load", "tpot-vs-load", "pareto"}) {
      s.blocks.push_back(Chart(id));
    }
  }
  return s;
}

Section DistributionsSection(const ReportModel& m) {
  Section s{"distributions", "Distributions", {}};
  TextTable t;
  t.header = {"point", "metric", "mean", "p50", "p90", "p99", "p999", "max"};
  t.right_aligned = {false, false, true, true, true, true, true, true};
  for (const PointModel& p : m.points) {
    for (const char* metric : {"ttft_ms", "tpot_ms", "chunk_gap_ms", "e2e_latency_ms"}) {
      std::vector<std::string> row = {p.point, std::string(metric) + " (ms)"};
      bool any = false;
      for (const char* stat : {"mean", "p50", "p90", "p99", "p999", "max"}) {
        const Estimate* e = p.Find(fmt::format("{}.{}", metric, stat));
        any = any || (e && e->has_mean());
        row.push_back(e && e->has_mean() ? FormatNumber(e->mean) + (e->low_n ? "*" : "")
                                         : std::string("–"));
      }
      if (any) t.rows.push_back(std::move(row));
    }
  }
  s.blocks.push_back(TableBlock(
      std::move(t),
      "per-replicate statistics averaged across replicates; * = low_n (DESIGN.md §4)"));
  s.blocks.push_back(Chart("ttft-cdf"));
  s.blocks.push_back(Chart("chunk-gap-cdf"));
  s.blocks.push_back(Chart("timeline"));
  return s;
}

Section TelemetrySection(const ReportModel& m) {
  Section s{"telemetry", "Server telemetry", {}};
  TextTable t;
  t.header = {"point",     "running mean", "waiting mean", "waiting max", "KV use mean %",
              "KV use max %", "preemptions", "prefix hit %", "queue time ms"};
  t.right_aligned = {false, true, true, true, true, true, true, true, true};
  bool any = false;
  auto pct = [](double v) { return Finite(v) ? FormatNumber(100 * v) : std::string("–"); };
  for (const PointModel& p : m.points) {
    std::vector<std::string> row = {
        p.point,
        FormatNumber(p.Mean("server_running_mean")),
        FormatNumber(p.Mean("server_waiting_mean")),
        FormatNumber(p.Mean("server_waiting_max")),
        pct(p.Mean("kv_cache_usage_mean")),
        pct(p.Mean("kv_cache_usage_max")),
        FormatNumber(p.Mean("preemptions")),
        pct(p.Mean("prefix_cache_hit_rate")),
        FormatNumber(p.queue_time_ms),
    };
    for (size_t i = 1; i < row.size(); ++i) any = any || row[i] != "–";
    t.rows.push_back(std::move(row));
  }
  if (any) {
    s.blocks.push_back(TableBlock(std::move(t),
                                  "means across replicates of each replicate's time-weighted "
                                  "value; queue time from vllm:request_queue_time_seconds"));
  } else {
    s.blocks.push_back(Paragraph("No server telemetry was recorded for this run."));
  }
  s.blocks.push_back(Chart("telemetry-batch"));
  s.blocks.push_back(Chart("telemetry-cache"));
  return s;
}

Section TriageSection(const std::vector<Finding>& findings, bool with_owner) {
  Section s{"triage", "Triage findings", {}};
  if (findings.empty()) {
    s.blocks.push_back(Paragraph(
        "No triage rule fired (client-bound, output length, admission, KV capacity, tail "
        "amplification, prefix-cache contamination)."));
    return s;
  }
  for (const Finding& f : findings) {
    std::string head = fmt::format("[{}] {} ({})", SeverityName(f.severity), f.title, f.rule_id);
    if (with_owner) head += fmt::format(" — owner: {}", OwnerName(f.owner));
    s.blocks.push_back(Paragraph(head));
    std::vector<std::string> items;
    for (const FindingEvidence& e : f.evidence) {
      items.push_back(e.point.empty() ? e.text : e.point + ": " + e.text);
    }
    items.push_back("suggestion: " + f.suggestion);
    s.blocks.push_back(Bullets(std::move(items)));
  }
  return s;
}

Section ReproSection(const ReportModel& m, const std::string& heading) {
  Section s{"repro", heading, {}};
  const Repro& r = m.repro;
  if (r.run_command.empty()) {
    s.blocks.push_back(Paragraph("The run's spec is not reachable; no repro command."));
    return s;
  }
  s.blocks.push_back(Paragraph("The whole run, from its spec:"));
  s.blocks.push_back(Code(r.run_command));
  if (!r.spec_source.empty()) s.blocks.push_back(Paragraph("spec: " + r.spec_source));
  if (!r.bench_command.empty()) {
    s.blocks.push_back(Paragraph(fmt::format("The smallest repro, one point ({}):", r.bench_point)));
    s.blocks.push_back(Code(r.sim_command.empty() ? r.bench_command
                                                  : r.sim_command + " &\n" + r.bench_command));
  }
  return s;
}

Section CapacitySection(const ReportModel& m) {
  Section s{"capacity", "Capacity search", {}};
  std::vector<std::string> items;
  const nlohmann::json& c = m.capacity;
  if (c.is_object()) {
    for (const auto& [key, value] : c.items()) {
      if (value.is_object() || value.is_array()) {
        items.push_back(fmt::format("{}: {}", key, value.dump()));
      } else {
        items.push_back(fmt::format("{}: {}", key, value.is_string() ? value.get<std::string>()
                                                                       : value.dump()));
      }
    }
  } else {
    items.push_back(c.dump());
  }
  s.blocks.push_back(Bullets(std::move(items)));
  return s;
}

std::string ChangeCell(const warehouse::MetricComparison& mc) {
  const stats::RelativeChange& c = mc.change;
  if (!Finite(c.change)) return "–";
  if (!Finite(c.low) || !Finite(c.high)) return fmt::format("{:+.1f}%", 100 * c.change);
  return fmt::format("{:+.1f}% [{:+.1f}, {:+.1f}]", 100 * c.change, 100 * c.low, 100 * c.high);
}

std::string MeanCell(const warehouse::MeanWithCi& m) {
  Estimate e;
  e.mean = m.mean;
  e.ci_low = m.ci_low;
  e.ci_high = m.ci_high;
  e.n = m.n;
  return FormatEstimateCell(&e);
}

bool Shown(const warehouse::Comparison& c, const warehouse::MetricComparison& mc) {
  if (mc.verdict == warehouse::Verdict::kImproved || mc.verdict == warehouse::Verdict::kRegressed) {
    return true;
  }
  if (std::find(c.intent_kpis.begin(), c.intent_kpis.end(), mc.metric) != c.intent_kpis.end()) {
    return true;
  }
  for (std::string_view h : warehouse::HeadlineMetrics()) {
    if (h == mc.metric) return true;
  }
  return false;
}

Section ComparisonSection(const ReportModel& m, bool plain) {
  const ComparisonModel& cm = *m.comparison;
  const warehouse::Comparison& c = cm.comparison;
  Section s{"comparison", "Comparison (--vs)", {}};
  std::vector<std::string> changed;
  for (const warehouse::PairComparison& pair : c.pairs) {
    if (pair.changed.empty()) {
      changed.push_back(fmt::format("{} vs {}: no recorded dimension differs",
                                    pair.candidate_run_id, pair.baseline_run_id));
    }
    for (const warehouse::DimensionChange& d : pair.changed) {
      changed.push_back(fmt::format("{} vs {}: {}: {}", pair.candidate_run_id, pair.baseline_run_id,
                                    d.dimension, fmt::join(d.details, "; ")));
    }
  }
  s.blocks.push_back(Paragraph("What changed:"));
  s.blocks.push_back(Bullets(std::move(changed)));
  s.blocks.push_back(Paragraph(
      c.exploratory ? "Exploratory: more than one dimension moved (or the workload differs), so "
                      "a change cannot be attributed to one cause."
                    : "One dimension moved: changes can be attributed to it."));
  if (!cm.note.empty()) s.blocks.push_back(Paragraph(cm.note));
  for (const warehouse::PairComparison& pair : c.pairs) {
    std::string summary = fmt::format(
        "{} (candidate) vs {} (baseline): {} improved, {} regressed, {} no change, {} "
        "inconclusive (Holm family of {}, noise ±{:g}%)",
        pair.candidate_run_id, pair.baseline_run_id, pair.Count(warehouse::Verdict::kImproved),
        pair.Count(warehouse::Verdict::kRegressed), pair.Count(warehouse::Verdict::kNoChange),
        pair.Count(warehouse::Verdict::kInconclusive), pair.family_size, 100 * c.options.noise);
    s.blocks.push_back(Paragraph(summary));
    if (plain) continue;
    for (const warehouse::PointComparison& p : pair.points) {
      TextTable t;
      t.header = {"metric", "baseline", "candidate", "change [CI]", "verdict"};
      t.right_aligned = {false, true, true, true, false};
      for (const warehouse::MetricComparison& mc : p.metrics) {
        if (!Shown(c, mc)) continue;
        std::string verdict(warehouse::VerdictName(mc.verdict));
        if (!mc.not_judged.empty()) verdict += " (not judged: " + mc.not_judged + ")";
        t.rows.push_back({mc.metric, MeanCell(mc.baseline), MeanCell(mc.candidate), ChangeCell(mc),
                          verdict});
      }
      if (!t.rows.empty()) {
        s.blocks.push_back(Paragraph(p.point + ":"));
        s.blocks.push_back(TableBlock(
            std::move(t), fmt::format("means [{:g}% CI]; change of the candidate's mean [{:g}% CI]",
                                      100 * (1 - c.options.alpha), 100 * (1 - c.options.alpha))));
      }
    }
    if (!pair.only_in_baseline.empty() || !pair.only_in_candidate.empty()) {
      s.blocks.push_back(Paragraph(fmt::format(
          "unmatched points: baseline only [{}], candidate only [{}]",
          fmt::join(pair.only_in_baseline, ", "), fmt::join(pair.only_in_candidate, ", "))));
    }
  }
  std::vector<std::string> winners;
  for (const warehouse::PointWinner& w : c.winners) {
    winners.push_back(fmt::format("{} ({}): {}", w.point, w.kpi,
                                  w.winner_run_id.empty() ? "no clear winner — " + w.reason
                                                          : w.winner_run_id));
  }
  if (!winners.empty()) {
    s.blocks.push_back(Paragraph("Winner per point (never one universal winner):"));
    s.blocks.push_back(Bullets(std::move(winners)));
  }
  s.blocks.push_back(Chart("compare-throughput"));
  return s;
}

Section NotesSection(const ReportModel& m) {
  Section s{"notes", "Notes", {}};
  s.blocks.push_back(Bullets(m.notes));
  return s;
}

Section LeverSection(const NextLever& lever) {
  Section s{"next-lever", "Next lever", {}};
  s.blocks.push_back(Paragraph(fmt::format("Next lever: {}, expected unlock {}, check that proves it {}",
                                           lever.lever, lever.expected_unlock, lever.check)));
  return s;
}

// ---- product ---------------------------------------------------------------------------------

Section ProductSummary(const ReportModel& m) {
  Section s{"summary", "What it means", {}};
  std::vector<std::string> items;
  const PointModel* best = BestPoint(m, "output_throughput_tok_s");
  if (best) {
    items.push_back(fmt::format(
        "Throughput: the deployment delivered at most {} at {} ({}).",
        FormatEstimate(*best->Find("output_throughput_tok_s"), "output tok/s"), best->point,
        Hardware(m.run)));
  }
  if (!m.points.empty()) {
    const PointModel& light = m.points.front();
    const PointModel& heavy = m.points.back();
    const Estimate* l = light.Find("ttft_ms.p50");
    const Estimate* h = heavy.Find("ttft_ms.p50");
    if (l && h) {
      items.push_back(fmt::format(
          "Responsiveness: a typical user waits {} for the first token at {}, and {} at {}.",
          FormatEstimate(*l, "ms"), light.point, FormatEstimate(*h, "ms"), heavy.point));
    }
    if (const Estimate* u = heavy.Find("per_user_tok_s.p50")) {
      items.push_back(fmt::format("Streaming speed: each user sees about {} at {} (median).",
                                  FormatEstimate(*u, "tok/s"), heavy.point));
    }
    if (const Estimate* e = heavy.Find("error_rate"); e && e->has_mean()) {
      items.push_back(fmt::format("Reliability: {} of requests failed at {} (n={} replicates).",
                                  Finite(e->mean) ? fmt::format("{:.2f} %", 100 * e->mean) : "–",
                                  heavy.point, e->n));
    }
  }
  const PointModel* cheapest = nullptr;
  for (const PointModel& p : m.points) {
    const double v = p.Mean("cost_per_mtok_usd");
    if (Finite(v) && (!cheapest || v < cheapest->Mean("cost_per_mtok_usd"))) cheapest = &p;
  }
  if (cheapest) {
    items.push_back(fmt::format("Cost: {} per million output tokens at {}.",
                                FormatEstimate(*cheapest->Find("cost_per_mtok_usd"), "USD"),
                                cheapest->point));
  } else {
    items.push_back("Cost: no GPU price declared (spec.system.cost.gpuHourUsd), so no cost per token.");
  }
  const PointModel* sol = BestPoint(m, "sol_pct");
  if (sol) {
    items.push_back(fmt::format("Headroom: {} of the hardware's decode speed of light at {}.",
                                FormatEstimate(*sol->Find("sol_pct"), "%"), sol->point));
  }
  s.blocks.push_back(Paragraph(ContextLine(m)));
  s.blocks.push_back(Bullets(std::move(items)));
  s.blocks.push_back(Chart("throughput-vs-load"));
  s.blocks.push_back(Chart("ttft-vs-load"));
  return s;
}

Section ProductConfidence(const ReportModel& m) {
  Section s{"confidence", "How sure we are", {}};
  std::string text;
  if (m.run.tier == "VERDICT") {
    text = fmt::format(
        "VERDICT: {} replicates per point, every KPI's {} confidence interval within the declared "
        "bound; these numbers can back a claim.",
        m.run.replicate_count, ConfidenceLabel(m.run.confidence));
  } else {
    text = "DRAFT: treat these numbers as directional, not as a claim. Why:";
  }
  s.blocks.push_back(Paragraph(text));
  if (m.run.tier != "VERDICT") {
    std::vector<std::string> reasons = m.run.reasons;
    if (reasons.empty()) reasons.push_back("the run did not meet the contract (see the engineering view)");
    s.blocks.push_back(Bullets(std::move(reasons)));
  }
  return s;
}

Section ProductImpact(const std::vector<Finding>& findings) {
  Section s{"impact", "Expected user impact", {}};
  std::vector<std::string> items;
  for (const Finding& f : findings) {
    const std::string where = fmt::format("{}", fmt::join(f.points, ", "));
    if (f.rule_id == "tail-amplification") {
      items.push_back("Some users wait much longer than the typical user for the first token at " +
                      where + ": the slowest 1 % see several times the median delay.");
    } else if (f.rule_id == "kv-capacity") {
      items.push_back("At " + where +
                      " the server runs out of memory for conversations in flight: new users "
                      "queue, and capacity per GPU is capped.");
    } else if (f.rule_id == "admission-pressure") {
      items.push_back("At " + where + " some users are turned away (the server refuses requests).");
    } else if (f.rule_id == "client-bound") {
      items.push_back("At " + where +
                      " the measurement tool, not the service, was the limit: real capacity may be "
                      "higher than shown.");
    } else if (f.rule_id == "output-length-ignored") {
      items.push_back("At " + where +
                      " answers were shorter than asked for: speed numbers look better than real "
                      "users with long answers would see.");
    } else if (f.rule_id == "prefix-cache-contamination") {
      items.push_back("At " + where +
                      " cached prompts made first tokens faster than for fresh conversations.");
    }
  }
  if (items.empty()) {
    items.push_back("No problem pattern found: users should see the latencies above at these loads.");
  }
  s.blocks.push_back(Bullets(std::move(items)));
  return s;
}

// ---- partner ---------------------------------------------------------------------------------

Section PartnerOwnership(const std::vector<Finding>& findings) {
  Section s{"ownership", "What is ours, what is upstream", {}};
  if (findings.empty()) {
    s.blocks.push_back(Paragraph(
        "No finding points at a component: neither the harness (client saturation, workload) nor "
        "the engine (length policy, queueing) shows a problem pattern in this run."));
    return s;
  }
  TextTable t;
  t.header = {"finding", "severity", "owner", "where"};
  t.right_aligned = {false, false, false, false};
  for (const Finding& f : findings) {
    t.rows.push_back({f.rule_id, std::string(SeverityName(f.severity)), std::string(OwnerName(f.owner)),
                      fmt::format("{}", fmt::join(f.points, ", "))});
  }
  s.blocks.push_back(TableBlock(std::move(t),
                                "ours = the benchmark client/harness or its workload spec; "
                                "upstream = the serving engine; deployment = its configuration"));
  return s;
}

Section PartnerChange(const std::vector<Finding>& findings) {
  Section s{"smallest-change", "Smallest actionable change", {}};
  if (findings.empty()) {
    s.blocks.push_back(Paragraph("None required by the evidence; see the next lever."));
    return s;
  }
  const Finding& f = findings.front();
  s.blocks.push_back(Paragraph(fmt::format("{} ({}): {}", f.title, OwnerName(f.owner), f.suggestion)));
  std::vector<std::string> evidence;
  for (const FindingEvidence& e : f.evidence) {
    evidence.push_back(e.point.empty() ? e.text : e.point + ": " + e.text);
  }
  s.blocks.push_back(Bullets(std::move(evidence)));
  return s;
}

}  // namespace

std::string FormatNumber(double value) {
  if (!Finite(value)) return "–";
  const double a = std::fabs(value);
  std::string out;
  if (a == 0) {
    out = "0";
  } else if (a >= 1000) {
    out = fmt::format("{:.0f}", value);
  } else if (a >= 100) {
    out = fmt::format("{:.1f}", value);
  } else if (a >= 10) {
    out = fmt::format("{:.2f}", value);
  } else if (a >= 1) {
    out = fmt::format("{:.3f}", value);
  } else {
    out = fmt::format("{:.3g}", value);
  }
  if (out == "-0" || out == "-0.0" || out == "-0.00" || out == "-0.000") out = out.substr(1);
  return out;
}

std::string FormatEstimate(const Estimate& e, std::string_view unit) {
  if (!e.has_mean()) return "–";
  const std::string u = unit.empty() ? "" : " " + std::string(unit);
  std::string out;
  if (e.has_ci()) {
    out = fmt::format("{}{} ({} CI {}–{}, n={})", FormatNumber(e.mean), u,
                      Finite(e.confidence) ? ConfidenceLabel(e.confidence) : "95%",
                      FormatNumber(e.ci_low), FormatNumber(e.ci_high), e.n);
  } else {
    out = fmt::format("{}{} (n={}, no CI)", FormatNumber(e.mean), u, e.n);
  }
  if (e.low_n) out.insert(out.size() - 1, ", low_n");
  return out;
}

std::string FormatEstimateCell(const Estimate* e) {
  if (!e || !e->has_mean()) return "–";
  std::string out = FormatNumber(e->mean);
  if (e->has_ci()) out += fmt::format(" [{}, {}]", FormatNumber(e->ci_low), FormatNumber(e->ci_high));
  if (e->low_n) out += "*";
  return out;
}

NextLever ChooseNextLever(const ReportModel& model, const std::vector<Finding>& findings) {
  NextLever l;
  const std::string heavy = Heaviest(model) ? Heaviest(model)->point : std::string("every point");
  if (!findings.empty()) {
    const Finding& f = findings.front();
    const std::string at = f.points.empty() ? heavy : f.points.front();
    l.rule_id = f.rule_id;
    if (f.rule_id == "client-bound") {
      l.lever = "scale the load generator (--workers N, or a client host apart from the server) "
                "and re-run " + at;
      l.expected_unlock = "the server's real throughput at " + at +
                          " (today's number is a lower bound) and a point that can become a VERDICT";
      l.check = "the re-run's client self-check stays below 90 % busy and 1 ms lag p99 at " + at +
                ", and `inferbench compare` shows output_throughput_tok_s beyond its CI";
    } else if (f.rule_id == "output-length-ignored") {
      l.lever = "enforce the output length (ignore_eos honoured, or min_tokens = max_tokens)";
      l.expected_unlock = "TPOT and throughput at the requested OSL, comparable across engines";
      l.check = "short_output_count = 0 and output_tokens.mean equal to requested at " + at;
    } else if (f.rule_id == "admission-pressure") {
      l.lever = "raise the server's admission limits (queue bound, max-num-seqs) or add a replica";
      l.expected_unlock = "error_rate toward 0 and goodput up to the offered load at " + at;
      l.check = "a re-run with the change: error_count.http_4xx = 0 and `inferbench compare` "
                "reports goodput_req_s improved at " + at;
    } else if (f.rule_id == "kv-capacity") {
      l.lever = "more KV-cache capacity (gpu-memory-utilization, FP8 KV cache, more tensor "
                "parallelism or a shorter max-model-len)";
      l.expected_unlock = "a larger running batch at " + at +
                          ": higher output throughput and a lower TTFT p99 (no waits, no preemptions)";
      l.check = "`inferbench compare` against a run with the change: server_waiting_mean and "
                "preemptions fall, output_throughput_tok_s improved at " + at;
    } else if (f.rule_id == "tail-amplification") {
      const PointModel* p = model.FindPoint(at);
      const double ratio = p ? p->Mean("ttft_ms.p99") / p->Mean("ttft_ms.p50") : kNaN;
      l.lever = "keep the load below the knee (cap concurrency or admission) or add serving "
                "capacity so requests stop queueing before prefill";
      l.expected_unlock = fmt::format("TTFT p99 back toward the median at {} (p99/p50 is ×{} now)",
                                      at, Finite(ratio) ? fmt::format("{:.1f}", ratio) : "?");
      l.check = fmt::format("a re-run shows ttft_ms.p99 / ttft_ms.p50 ≤ {} at {} with "
                            "server_waiting_mean near 0, and compare says ttft_ms.p99 improved",
                            kTailRatio, at);
    } else {  // prefix-cache-contamination
      l.lever = "make the cold run cold (salt in the prompt's first block, a dedicated server)";
      l.expected_unlock = "honest cold-cache TTFT, so comparisons with other runs are valid";
      l.check = "prefix_cache_hit_rate below the contamination threshold at every point of a re-run";
    }
    return l;
  }
  if (model.run.tier != "VERDICT" && !model.run.reasons.empty()) {
    l.lever = "turn the DRAFT into a VERDICT: " + model.run.reasons.front();
    l.expected_unlock = "a number that can back a claim (replicates, CI within bound, no low_n KPI)";
    l.check = "the next run's report says Tier: VERDICT";
    return l;
  }
  const PointModel* sol = BestPoint(model, "sol_pct");
  if (sol) {
    const double pct = sol->Mean("sol_pct");
    if (pct < 50) {
      l.lever = "raise the batch: extend the sweep beyond " + heavy +
                " until TTFT p99 breaks the SLO (the knee)";
      l.expected_unlock = fmt::format(
          "up to ×{:.1f} output throughput per GPU before the decode ceiling ({} % of speed of "
          "light at {} today)",
          100 / std::max(pct, 1.0), FormatNumber(pct), sol->point);
      l.check = "the sweep's output_throughput_tok_s per point with CI, and %SoL rising while "
                "ttft_ms.p99 stays within the SLO";
    } else {
      l.lever = "reduce bytes per generated token (FP8 weights or KV cache, speculative decoding)";
      l.expected_unlock = fmt::format(
          "a higher ceiling: the run already reaches {} % of the HBM/FLOP speed of light at {}",
          FormatNumber(pct), sol->point);
      l.check = "`inferbench compare` with the change: output_throughput_tok_s improved at " +
                sol->point + " beyond the noise threshold";
    }
    return l;
  }
  l.lever = "declare the hardware and model (spec.system.hardware/model) and extend the sweep "
            "to find the knee";
  l.expected_unlock = "a speed-of-light ceiling to measure headroom against";
  l.check = "the next report shows %SoL per point";
  return l;
}

ReportDocument BuildDocument(const ReportModel& m, const std::vector<Finding>& findings,
                             Audience audience) {
  ReportDocument d;
  d.title = fmt::format("inferbench report: {} ({})", m.run.name.empty() ? m.run.run_id : m.run.name,
                        m.run.run_id);
  d.subtitle = fmt::format("{} view · started {} · tier {} · status {}", AudienceName(audience),
                           m.run.started_at, OrUnknown(m.run.tier), OrUnknown(m.run.status));
  d.next_lever = ChooseNextLever(m, findings);
  switch (audience) {
    case Audience::kEngineering:
      d.sections.push_back(ContextSection(m));
      if (m.comparison) d.sections.push_back(ComparisonSection(m, false));
      d.sections.push_back(TierSection(m));
      d.sections.push_back(MetricsSection(m, true));
      d.sections.push_back(DistributionsSection(m));
      d.sections.push_back(TelemetrySection(m));
      d.sections.push_back(TriageSection(findings, false));
      if (!m.capacity.is_null()) d.sections.push_back(CapacitySection(m));
      d.sections.push_back(ReproSection(m, "Minimal repro"));
      break;
    case Audience::kProduct:
      d.sections.push_back(ProductSummary(m));
      if (m.comparison) d.sections.push_back(ComparisonSection(m, true));
      d.sections.push_back(ProductConfidence(m));
      d.sections.push_back(ProductImpact(findings));
      if (!m.capacity.is_null()) d.sections.push_back(CapacitySection(m));
      break;
    case Audience::kPartner:
      d.sections.push_back(ContextSection(m));
      if (m.comparison) d.sections.push_back(ComparisonSection(m, false));
      d.sections.push_back(PartnerOwnership(findings));
      d.sections.push_back(PartnerChange(findings));
      d.sections.push_back(TriageSection(findings, true));
      d.sections.push_back(MetricsSection(m, false));
      d.sections.push_back(ReproSection(m, "Minimal repro"));
      break;
  }
  if (!m.notes.empty()) d.sections.push_back(NotesSection(m));
  d.sections.push_back(LeverSection(d.next_lever));
  return d;
}

}  // namespace inferbench::report
