#include "warehouse/regressions.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "warehouse/compare.h"
#include "warehouse/database.h"

namespace inferbench::warehouse {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string Text(const nlohmann::json& cell) { return cell.is_string() ? cell.get<std::string>() : ""; }
double Number(const nlohmann::json& cell) { return cell.is_number() ? cell.get<double>() : kNaN; }
nlohmann::json Num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

std::string Placeholders(size_t n) {
  std::string text;
  for (size_t i = 0; i < n; ++i) text += i == 0 ? "?" : ", ?";
  return text;
}

double MeanOf(const std::vector<HistoryPoint>& series, size_t begin, size_t end) {
  double sum = 0;
  for (size_t i = begin; i < end; ++i) sum += series[i].mean;
  return sum / static_cast<double>(end - begin);
}

std::string FormatValue(double v) {
  if (std::isnan(v)) return "—";
  if (std::isinf(v)) return v > 0 ? "+inf" : "-inf";
  if (std::abs(v) >= 10000) return fmt::format("{:.0f}", v);
  return fmt::format("{:.4g}", v);
}

std::string Short(const std::string& text) { return text.size() > 12 ? text.substr(0, 12) : text; }

}  // namespace

std::string_view HistoryVerdictName(HistoryVerdict verdict) {
  switch (verdict) {
    case HistoryVerdict::kRegressed:
      return "regressed";
    case HistoryVerdict::kImproved:
      return "improved";
    case HistoryVerdict::kOk:
      return "ok";
    case HistoryVerdict::kOutside:
      return "outside";
    case HistoryVerdict::kInsufficient:
      break;
  }
  return "insufficient";
}

MetricHistory AnalyzeHistory(MetricHistory h, const std::optional<BaselineRef>& baseline,
                             const RegressionOptions& options) {
  const size_t newest = h.series.size() - 1;
  // The window: [begin, newest).
  size_t begin = newest > static_cast<size_t>(std::max(options.window, 0))
                     ? newest - static_cast<size_t>(std::max(options.window, 0))
                     : 0;
  h.window_source = fmt::format("previous {} runs", options.window);
  if (baseline.has_value()) {
    size_t first = newest;
    for (size_t i = 0; i < newest; ++i) {
      const HistoryPoint& p = h.series[i];
      if (p.run_id == baseline->run_id ||
          std::make_pair(p.started_at, p.run_id) >= std::make_pair(baseline->started_at, baseline->run_id)) {
        first = i;
        break;
      }
    }
    begin = first;
    h.window_source = fmt::format("since baseline {} (run {})", baseline->name, baseline->run_id);
  }
  std::vector<double> window;
  for (size_t i = begin; i < newest; ++i) window.push_back(h.series[i].mean);
  h.window_n = static_cast<int64_t>(window.size());
  h.z_score = kNaN;
  h.interval = stats::PredictNext(window, options.confidence, options.min_history);
  if (!h.interval.has_value()) {
    h.verdict = HistoryVerdict::kInsufficient;
    h.note = fmt::format("insufficient history (n={}, needs {})", window.size(),
                         std::max(options.min_history, 2));
  } else {
    const double value = h.newest().mean;
    h.z_score = h.interval->ZScore(value);
    const bool above = value > h.interval->high;
    const bool below = value < h.interval->low;
    if (!above && !below) {
      h.verdict = HistoryVerdict::kOk;
    } else if (h.direction == results::Direction::kLowerIsBetter) {
      h.verdict = above ? HistoryVerdict::kRegressed : HistoryVerdict::kImproved;
    } else if (h.direction == results::Direction::kHigherIsBetter) {
      h.verdict = below ? HistoryVerdict::kRegressed : HistoryVerdict::kImproved;
    } else {
      h.verdict = HistoryVerdict::kOutside;
    }
  }

  const size_t history = static_cast<size_t>(std::max(options.change_point_history, 0));
  const size_t offset = h.series.size() > history ? h.series.size() - history : 0;
  std::vector<double> values;
  for (size_t i = offset; i < h.series.size(); ++i) values.push_back(h.series[i].mean);
  const std::vector<stats::ChangePoint> found = stats::FindChangePoints(values, options.change_points);
  for (size_t k = 0; k < found.size(); ++k) {
    const size_t at = offset + found[k].index;
    const size_t before = k == 0 ? offset : offset + found[k - 1].index;
    const size_t after = k + 1 < found.size() ? offset + found[k + 1].index : h.series.size();
    h.steps.push_back(Step{h.series[at].run_id, h.series[at].started_at,
                           MeanOf(h.series, before, at), MeanOf(h.series, at, after),
                           found[k].p_value});
  }
  return h;
}

int RegressionReport::Count(HistoryVerdict verdict) const {
  int count = 0;
  for (const MetricHistory& h : series) count += h.verdict == verdict ? 1 : 0;
  return count;
}

Result<RegressionReport> FindRegressions(Database& db, const RegressionOptions& options) {
  using Out = Result<RegressionReport>;
  if (options.window < 1) return Out::Error(fmt::format("--window {} must be at least 1", options.window));
  if (!(options.confidence > 0 && options.confidence < 1)) {
    return Out::Error(fmt::format("confidence {} is not between 0 and 1", options.confidence));
  }
  RegressionReport report;
  report.options = options;
  std::vector<std::string> metrics = options.metrics;
  if (metrics.empty()) {
    for (std::string_view m : HeadlineMetrics()) metrics.emplace_back(m);
  }

  std::vector<Value> params(metrics.begin(), metrics.end());
  std::string sql =
      "SELECT o.benchmark_case_id, o.point, o.metric, o.run_id, CAST(r.started_at AS VARCHAR), "
      "o.mean, r.workload_spec_digest FROM serving_outcome_fact o JOIN benchmark_run_fact r "
      "ON r.run_id = o.run_id WHERE r.status = 'ok' AND o.mean IS NOT NULL AND o.metric IN (" +
      Placeholders(metrics.size()) + ")";
  if (!options.case_prefix.empty()) {
    sql += " AND starts_with(o.benchmark_case_id, ?)";
    params.emplace_back(options.case_prefix);
  }
  sql += " ORDER BY o.benchmark_case_id, o.metric, r.started_at NULLS FIRST, o.run_id";
  auto rows = db.Query(sql, params);
  if (!rows.ok()) return rows.status().WithContext("reading the run history");

  std::string baseline_sql =
      "SELECT b.name, b.workload_spec_digest, b.run_id, CAST(r.started_at AS VARCHAR) FROM "
      "baseline b JOIN benchmark_run_fact r ON r.run_id = b.run_id";
  std::vector<Value> baseline_params;
  if (!options.baseline_name.empty()) {
    baseline_sql += " WHERE b.name = ?";
    baseline_params.emplace_back(options.baseline_name);
  }
  baseline_sql += " ORDER BY b.created_at NULLS FIRST, b.name";
  auto baselines = db.Query(baseline_sql, baseline_params);
  if (!baselines.ok()) return baselines.status().WithContext("reading baseline");
  std::map<std::string, BaselineRef> baseline_of;  // digest → the most recently set
  for (const auto& row : baselines->rows) {
    baseline_of[Text(row[1])] = BaselineRef{Text(row[0]), Text(row[2]), Text(row[3])};
  }

  std::set<std::string> runs;
  MetricHistory current;
  auto flush = [&]() {
    if (current.series.empty()) return;
    std::optional<BaselineRef> baseline;
    if (auto it = baseline_of.find(current.workload_spec_digest); it != baseline_of.end()) {
      baseline = it->second;
    }
    report.series.push_back(AnalyzeHistory(std::move(current), baseline, options));
    current = MetricHistory{};
  };
  for (const auto& row : rows->rows) {
    const std::string case_id = Text(row[0]);
    const std::string metric = Text(row[2]);
    if (case_id != current.benchmark_case_id || metric != current.metric) {
      flush();
      current.benchmark_case_id = case_id;
      current.metric = metric;
      auto path = results::ParseMetricPath(metric);
      current.direction = path.ok() ? path->direction() : results::Direction::kNone;
    }
    current.point = Text(row[1]);
    current.workload_spec_digest = Text(row[6]);
    current.series.push_back(HistoryPoint{Text(row[3]), Text(row[4]), Number(row[5])});
    runs.insert(Text(row[3]));
  }
  flush();
  report.runs = static_cast<int64_t>(runs.size());
  return report;
}

nlohmann::json RegressionReport::ToJson() const {
  nlohmann::json j;
  j["schema"] = "inferbench.regressions/v1";
  j["parameters"] = {{"window", options.window},
                     {"min_history", options.min_history},
                     {"confidence", options.confidence},
                     {"baseline", options.baseline_name},
                     {"case_prefix", options.case_prefix},
                     {"metrics", options.metrics},
                     {"change_points",
                      {{"method", "e-divisive means (energy distance, alpha = 1)"},
                       {"min_segment", options.change_points.min_segment},
                       {"permutations", options.change_points.permutations},
                       {"significance", options.change_points.significance},
                       {"seed", options.change_points.seed},
                       {"history", options.change_point_history}}}};
  j["runs"] = runs;
  j["summary"] = {{"regressed", Count(HistoryVerdict::kRegressed)},
                  {"improved", Count(HistoryVerdict::kImproved)},
                  {"ok", Count(HistoryVerdict::kOk)},
                  {"outside", Count(HistoryVerdict::kOutside)},
                  {"insufficient", Count(HistoryVerdict::kInsufficient)}};
  j["any_regressed"] = any_regressed();
  j["series"] = nlohmann::json::array();
  for (const MetricHistory& h : series) {
    nlohmann::json s = {{"benchmark_case_id", h.benchmark_case_id},
                        {"point", h.point},
                        {"workload_spec_digest", h.workload_spec_digest},
                        {"metric", h.metric},
                        {"n_runs", h.series.size()},
                        {"newest", {{"run_id", h.newest().run_id},
                                    {"started_at", h.newest().started_at},
                                    {"mean", Num(h.newest().mean)}}},
                        {"window", {{"source", h.window_source}, {"n", h.window_n}}},
                        {"z_score", Num(h.z_score)},
                        {"verdict", HistoryVerdictName(h.verdict)},
                        {"note", h.note}};
    if (h.interval.has_value()) {
      s["window"]["mean"] = h.interval->mean;
      s["window"]["stddev"] = h.interval->stddev;
      s["prediction_interval"] = {{"low", h.interval->low},
                                  {"high", h.interval->high},
                                  {"confidence", h.interval->confidence}};
    } else {
      s["prediction_interval"] = nullptr;
    }
    s["change_points"] = nlohmann::json::array();
    for (const Step& step : h.steps) {
      s["change_points"].push_back({{"run_id", step.run_id},
                                    {"started_at", step.started_at},
                                    {"mean_before", Num(step.mean_before)},
                                    {"mean_after", Num(step.mean_after)},
                                    {"p_value", step.p_value}});
    }
    j["series"].push_back(std::move(s));
  }
  return j;
}

std::string RegressionReport::FormatText() const {
  if (series.empty()) {
    return "regressions: no history for the selected cases and metrics (only runs with status "
           "ok count; `inferbench runs list` shows what is stored)\n";
  }
  const int pct = static_cast<int>(std::lround(100 * options.confidence));
  std::string out = fmt::format(
      "regressions: {} series (case × metric) over {} ok runs; the newest run of each vs its "
      "window, {}% prediction interval\n",
      series.size(), runs, pct);
  std::string last_case;
  for (const MetricHistory& h : series) {
    if (h.benchmark_case_id != last_case) {
      last_case = h.benchmark_case_id;
      out += fmt::format("\ncase {} (point {}, workload {})\n", Short(h.benchmark_case_id), h.point,
                         Short(h.workload_spec_digest));
      out += fmt::format("  {:<26} {:<10} {:<28} {:<24} {:>7}  {}\n", "metric", "newest",
                         "window mean ± sd (n)", fmt::format("{}% PI", pct), "z", "verdict");
    }
    std::string window = "—";
    std::string interval = "—";
    if (h.interval.has_value()) {
      window = fmt::format("{} ± {} ({})", FormatValue(h.interval->mean),
                           FormatValue(h.interval->stddev), h.window_n);
      interval = fmt::format("[{}, {}]", FormatValue(h.interval->low), FormatValue(h.interval->high));
    }
    const std::string z = std::isnan(h.z_score) ? "—" : fmt::format("{:+.2f}", h.z_score);
    out += fmt::format("  {:<26} {:<10} {:<28} {:<24} {:>7}  {}\n", h.metric,
                       FormatValue(h.newest().mean), window, interval, z,
                       h.verdict == HistoryVerdict::kInsufficient ? h.note
                                                                  : std::string(HistoryVerdictName(h.verdict)));
    for (const Step& step : h.steps) {
      const double change = step.mean_before != 0 ? step.mean_after / step.mean_before - 1 : kNaN;
      out += fmt::format("    step at run {} ({}): {} → {}{}\n", step.run_id, step.started_at,
                         FormatValue(step.mean_before), FormatValue(step.mean_after),
                         std::isfinite(change) ? fmt::format(" ({:+.1f}%)", 100 * change) : "");
    }
  }
  out += fmt::format(
      "\nsummary: {} regressed, {} improved, {} ok, {} insufficient history{} (window: {}; "
      "change points: E-divisive, min segment {}, {} permutations, p <= {})\n",
      Count(HistoryVerdict::kRegressed), Count(HistoryVerdict::kImproved),
      Count(HistoryVerdict::kOk), Count(HistoryVerdict::kInsufficient),
      Count(HistoryVerdict::kOutside) > 0
          ? fmt::format(", {} outside (no direction)", Count(HistoryVerdict::kOutside))
          : "",
      options.baseline_name.empty()
          ? fmt::format("runs since the newest baseline of the workload, else previous {}", options.window)
          : fmt::format("runs since baseline {}, else previous {}", options.baseline_name, options.window),
      options.change_points.min_segment, options.change_points.permutations,
      options.change_points.significance);
  return out;
}

}  // namespace inferbench::warehouse
