#include "warehouse/compare.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "core/prng.h"
#include "stats/confidence.h"
#include "stats/holm.h"

namespace inferbench::warehouse {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

constexpr std::array<std::string_view, 10> kHeadline = {
    "output_throughput_tok_s", "request_throughput_req_s", "ttft_ms.p50",  "ttft_ms.p99",
    "tpot_ms.p50",             "tpot_ms.p99",              "chunk_gap_ms.p99",
    "e2e_latency_ms.p99",      "error_rate",               "goodput_req_s",
};

nlohmann::json Num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

std::string Short(const std::string& digest) {
  return digest.size() > 12 ? digest.substr(0, 12) : digest;
}

// ---- what changed ------------------------------------------------------------------------------

std::string LeafText(const nlohmann::json* value) {
  if (value == nullptr) return "(absent)";
  if (value->is_string()) return value->get<std::string>();
  return value->dump();
}

bool Absent(const nlohmann::json* v) { return v == nullptr || v->is_null(); }

const nlohmann::json* Member(const nlohmann::json* object, const std::string& key) {
  if (object == nullptr || !object->is_object()) return nullptr;
  auto it = object->find(key);
  return it == object->end() ? nullptr : &*it;
}

// Every leaf path whose value differs between a and b ("prefix.key.sub: a → b"). Objects are
// walked (an absent side counts as an empty object); arrays and scalars are leaves.
void DiffJson(const std::string& path, const nlohmann::json* a, const nlohmann::json* b,
              std::vector<std::string>& out) {
  const bool a_object = a != nullptr && a->is_object();
  const bool b_object = b != nullptr && b->is_object();
  if ((a_object && (b_object || Absent(b))) || (b_object && Absent(a))) {
    std::set<std::string> keys;
    if (a_object) for (const auto& item : a->items()) keys.insert(item.key());
    if (b_object) for (const auto& item : b->items()) keys.insert(item.key());
    for (const std::string& k : keys) DiffJson(path + "." + k, Member(a, k), Member(b, k), out);
    return;
  }
  if (Absent(a) && Absent(b)) return;
  if (Absent(a) || Absent(b) || *a != *b) {
    out.push_back(path + ": " + LeafText(Absent(a) ? nullptr : a) + " → " +
                  LeafText(Absent(b) ? nullptr : b));
  }
}

// The /version fetch record {url, status, body} compares by its body: the URL's port changes
// between runs of the very same server.
const nlohmann::json& TargetParameters(const nlohmann::json& target_version) {
  if (target_version.is_object() && target_version.contains("body") &&
      target_version.contains("url")) {
    return target_version["body"];
  }
  return target_version;
}

void DiffDimension(const std::string& dimension, const std::string& key_a, const std::string& key_b,
                   const nlohmann::json& row_a, const nlohmann::json& row_b,
                   std::vector<DimensionChange>& out) {
  if (key_a == key_b) return;
  DimensionChange change{dimension, {}};
  DiffJson(dimension, &row_a, &row_b, change.details);
  if (change.details.empty()) {
    change.details.push_back(dimension + "_key: " + (key_a.empty() ? "(absent)" : Short(key_a)) +
                             " → " + (key_b.empty() ? "(absent)" : Short(key_b)));
  }
  out.push_back(std::move(change));
}

void DiffConfiguration(const std::string& dimension, const std::string& prefix,
                       const nlohmann::json& a, const nlohmann::json& b,
                       std::vector<DimensionChange>& out) {
  DimensionChange change{dimension, {}};
  DiffJson(prefix, &a, &b, change.details);
  if (!change.details.empty()) out.push_back(std::move(change));
}

// ---- per metric ----------------------------------------------------------------------------------

results::Direction DirectionOf(const std::string& metric) {
  auto path = results::ParseMetricPath(metric);
  return path.ok() ? path->direction() : results::Direction::kNone;
}

MeanWithCi Summary(const MetricSamples& samples, double confidence) {
  if (samples.has_outcome) {
    const MetricOutcome& o = samples.outcome;
    return MeanWithCi{o.mean, o.ci_low, o.ci_high, o.n, o.ci_method};
  }
  MeanWithCi s{kNaN, kNaN, kNaN, static_cast<int64_t>(samples.values.size()), "none"};
  if (samples.values.empty()) return s;
  double sum = 0;
  for (double v : samples.values) sum += v;
  s.mean = sum / static_cast<double>(samples.values.size());
  const stats::Interval ci = stats::TInterval(samples.values, confidence);
  s.ci_low = ci.low;
  s.ci_high = ci.high;
  s.ci_method = ci.method;
  return s;
}

bool Inside(double low, double high, double noise) {
  return std::isfinite(low) && std::isfinite(high) && low >= -noise && high <= noise;
}

Verdict Decide(const MetricComparison& m, double noise) {
  if (m.significant && std::isfinite(m.decision_low) && std::isfinite(m.decision_high)) {
    const bool above = m.decision_low > noise;
    const bool below = m.decision_high < -noise;
    if (m.direction == results::Direction::kLowerIsBetter) {
      if (above) return Verdict::kRegressed;
      if (below) return Verdict::kImproved;
    } else if (m.direction == results::Direction::kHigherIsBetter) {
      if (above) return Verdict::kImproved;
      if (below) return Verdict::kRegressed;
    }
  }
  if (Inside(m.change.low, m.change.high, noise)) return Verdict::kNoChange;
  return Verdict::kInconclusive;
}

uint64_t MetricSeed(const CompareOptions& options, const std::string& case_id,
                    const std::string& metric) {
  return DeriveSeed(options.seed, case_id + "/" + metric);
}

MetricComparison CompareMetric(const std::string& case_id, const std::string& metric,
                               const MetricSamples& a, const MetricSamples& b,
                               const CompareOptions& options) {
  const double confidence = 1 - options.alpha;
  MetricComparison m;
  m.metric = metric;
  m.direction = DirectionOf(metric);
  if (m.direction == results::Direction::kNone) {
    m.not_judged = "no direction";
  } else if (metric.ends_with(".min") || metric.ends_with(".max")) {
    m.not_judged = "extreme of one request";
  } else if ((a.has_outcome && a.outcome.low_n) || (b.has_outcome && b.outcome.low_n)) {
    m.not_judged = "low_n";
  }
  m.baseline = Summary(a, confidence);
  m.candidate = Summary(b, confidence);
  m.change = stats::RelativeChangeOfMeans(a.values, b.values, confidence,
                                          MetricSeed(options, case_id, metric),
                                          options.bootstrap_resamples);
  // Only an outcome row (no replicate values): the point estimate, without an interval.
  if (std::isnan(m.change.change) && std::isfinite(m.baseline.mean) &&
      std::isfinite(m.candidate.mean) && m.baseline.mean != 0) {
    m.change.change = m.candidate.mean / m.baseline.mean - 1;
  }
  m.holm_level = m.adjusted_p = m.decision_low = m.decision_high = kNaN;
  return m;
}

void FillVerdicts(PairComparison& pair, const std::vector<const MetricSamples*>& a_samples,
                  const std::vector<const MetricSamples*>& b_samples, const CompareOptions& options) {
  std::vector<MetricComparison*> family;
  std::vector<size_t> sample_index;
  std::vector<double> p_values;
  size_t flat = 0;
  for (PointComparison& point : pair.points) {
    for (MetricComparison& m : point.metrics) {
      if (m.not_judged.empty() && std::isfinite(m.change.p_value)) {
        m.in_family = true;
        family.push_back(&m);
        sample_index.push_back(flat);
        p_values.push_back(m.change.p_value);
      }
      ++flat;
    }
  }
  pair.family_size = static_cast<int>(family.size());
  const std::vector<stats::HolmDecision> decisions = stats::Holm(p_values, options.alpha);
  size_t i = 0;
  for (PointComparison& point : pair.points) {
    for (MetricComparison& m : point.metrics) {
      if (i < family.size() && family[i] == &m) {
        const stats::HolmDecision& d = decisions[i];
        m.significant = d.rejected;
        m.holm_level = d.level;
        m.adjusted_p = d.adjusted_p;
        if (d.rejected) {
          const size_t s = sample_index[i];
          const stats::RelativeChange strict = stats::RelativeChangeOfMeans(
              a_samples[s]->values, b_samples[s]->values, 1 - d.level,
              MetricSeed(options, point.benchmark_case_id, m.metric), options.bootstrap_resamples);
          m.decision_low = strict.low;
          m.decision_high = strict.high;
        }
        ++i;
      }
      m.verdict = Decide(m, options.noise);
    }
  }
}

// ---- text ----------------------------------------------------------------------------------------

std::string FormatValue(double v) {
  if (!std::isfinite(v)) return "—";
  if (std::abs(v) >= 10000) return fmt::format("{:.0f}", v);
  return fmt::format("{:.4g}", v);
}

std::string FormatPercent(double v) {
  if (std::isnan(v)) return "—";
  if (std::isinf(v)) return v > 0 ? "+inf%" : "-inf%";
  return fmt::format("{:+.1f}%", 100 * v);
}

std::string FormatMean(const MeanWithCi& s) {
  if (!std::isfinite(s.mean)) return "—";
  if (!std::isfinite(s.ci_low) || !std::isfinite(s.ci_high)) return FormatValue(s.mean);
  return fmt::format("{} [{}, {}]", FormatValue(s.mean), FormatValue(s.ci_low),
                     FormatValue(s.ci_high));
}

std::string FormatChange(const stats::RelativeChange& c) {
  if (!std::isfinite(c.low) || !std::isfinite(c.high)) return FormatPercent(c.change);
  return fmt::format("{} [{}, {}]", FormatPercent(c.change), FormatPercent(c.low),
                     FormatPercent(c.high));
}

std::string DirectionName(results::Direction d) {
  switch (d) {
    case results::Direction::kHigherIsBetter:
      return "higher_is_better";
    case results::Direction::kLowerIsBetter:
      return "lower_is_better";
    case results::Direction::kNone:
      break;
  }
  return "none";
}

nlohmann::json MeanJson(const MeanWithCi& s) {
  return {{"mean", Num(s.mean)}, {"ci_low", Num(s.ci_low)}, {"ci_high", Num(s.ci_high)},
          {"n", s.n}, {"ci_method", s.ci_method}};
}

}  // namespace

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kImproved:
      return "improved";
    case Verdict::kRegressed:
      return "regressed";
    case Verdict::kNoChange:
      return "no-change";
    case Verdict::kInconclusive:
      break;
  }
  return "inconclusive";
}

std::span<const std::string_view> HeadlineMetrics() { return kHeadline; }

const MetricComparison* PointComparison::Find(std::string_view metric) const {
  for (const MetricComparison& m : metrics) {
    if (m.metric == metric) return &m;
  }
  return nullptr;
}

int PairComparison::Count(Verdict verdict) const {
  int count = 0;
  for (const PointComparison& p : points) {
    for (const MetricComparison& m : p.metrics) count += m.verdict == verdict ? 1 : 0;
  }
  return count;
}

std::vector<DimensionChange> DiffRuns(const RunData& a, const RunData& b) {
  std::vector<DimensionChange> out;
  if (a.workload_spec_digest != b.workload_spec_digest) {
    out.push_back({"workload", {"workload_spec_digest: " + a.workload_spec_digest + " → " +
                                b.workload_spec_digest}});
  }
  DiffDimension("software", a.software_key, b.software_key, a.software, b.software, out);
  DiffDimension("hardware", a.hardware_key, b.hardware_key, a.hardware, b.hardware, out);
  DiffDimension("cluster", a.cluster_key, b.cluster_key, a.cluster, b.cluster, out);
  DiffConfiguration("serving config", "serving", a.serving_config, b.serving_config, out);
  DiffConfiguration("target", "target", TargetParameters(a.target_version),
                    TargetParameters(b.target_version), out);
  DiffConfiguration("labels", "labels", a.labels, b.labels, out);
  return out;
}

PairComparison ComparePair(const RunData& baseline, const RunData& candidate,
                           const CompareOptions& options) {
  PairComparison pair;
  pair.baseline_run_id = baseline.run_id;
  pair.candidate_run_id = candidate.run_id;
  pair.changed = DiffRuns(baseline, candidate);
  pair.exploratory = options.exploratory || pair.changed.size() > 1;
  const std::set<std::string> wanted(options.metrics.begin(), options.metrics.end());

  std::vector<const MetricSamples*> a_samples;
  std::vector<const MetricSamples*> b_samples;
  std::set<std::string> matched;
  for (const PointData& a : baseline.points) {
    const PointData* b = candidate.FindPoint(a.benchmark_case_id);
    if (b == nullptr) {
      pair.only_in_baseline.push_back(a.point);
      continue;
    }
    matched.insert(a.benchmark_case_id);
    PointComparison point{a.benchmark_case_id, a.point, {}};
    for (const auto& [metric, samples] : a.metrics) {  // std::map: sorted by path
      if (!wanted.empty() && !wanted.count(metric)) continue;
      auto other = b->metrics.find(metric);
      if (other == b->metrics.end()) continue;
      point.metrics.push_back(
          CompareMetric(a.benchmark_case_id, metric, samples, other->second, options));
      a_samples.push_back(&samples);
      b_samples.push_back(&other->second);
    }
    pair.points.push_back(std::move(point));
  }
  for (const PointData& b : candidate.points) {
    if (!matched.count(b.benchmark_case_id)) pair.only_in_candidate.push_back(b.point);
  }
  FillVerdicts(pair, a_samples, b_samples, options);
  return pair;
}

Result<Comparison> CompareRuns(const std::vector<RunData>& runs, const CompareOptions& options) {
  using Out = Result<Comparison>;
  if (runs.size() < 2) return Out::Error("compare needs at least two runs (baseline first)");
  if (!(options.alpha > 0 && options.alpha < 1)) {
    return Out::Error(fmt::format("confidence {} is not between 0 and 1 (exclusive)", 1 - options.alpha));
  }
  if (!(options.noise >= 0)) return Out::Error(fmt::format("noise {} must be >= 0", options.noise));
  if (!options.exploratory) {
    for (size_t i = 1; i < runs.size(); ++i) {
      if (runs[i].workload_spec_digest != runs[0].workload_spec_digest) {
        return Out::Error(
            "run " + runs[0].run_id + " has workload_spec_digest " + runs[0].workload_spec_digest +
            " but run " + runs[i].run_id + " has " + runs[i].workload_spec_digest +
            ": different workloads do not measure the same thing, so compare refuses them; pass "
            "--exploratory to compare them anyway (the result is labelled exploratory)");
      }
    }
  }

  Comparison out;
  out.options = options;
  out.intent_kpis = runs[0].intent_kpis;
  for (const RunData& r : runs) {
    out.runs.push_back(RunHeader{r.run_id, r.name, r.started_at, r.workload_spec_digest, r.status,
                                 r.tier});
  }
  for (size_t i = 1; i < runs.size(); ++i) {
    out.pairs.push_back(ComparePair(runs[0], runs[i], options));
    out.exploratory = out.exploratory || out.pairs.back().exploratory;
  }
  if (runs.size() < 3) return out;

  // Winners: every ordered pair the decision needs, compared once.
  const std::string kpi =
      runs[0].intent_kpis.empty() ? std::string(kDefaultWinnerKpi) : runs[0].intent_kpis[0];
  std::map<std::pair<size_t, size_t>, PairComparison> cache;
  auto pair_of = [&](size_t base, size_t cand) -> const PairComparison& {
    if (base == 0) return out.pairs[cand - 1];
    auto it = cache.find({base, cand});
    if (it == cache.end()) {
      it = cache.emplace(std::make_pair(base, cand), ComparePair(runs[base], runs[cand], options)).first;
    }
    return it->second;
  };
  auto verdict_of = [&](size_t base, size_t cand, const std::string& case_id) -> const MetricComparison* {
    for (const PointComparison& p : pair_of(base, cand).points) {
      if (p.benchmark_case_id == case_id) return p.Find(kpi);
    }
    return nullptr;
  };
  for (const PointData& point : runs[0].points) {
    PointWinner w{point.benchmark_case_id, point.point, kpi, "", ""};
    std::vector<size_t> present;
    for (size_t r = 0; r < runs.size(); ++r) {
      if (runs[r].FindPoint(point.benchmark_case_id) != nullptr) present.push_back(r);
    }
    for (size_t r : present) {
      bool beats_all = true;
      for (size_t o : present) {
        if (o == r) continue;
        const MetricComparison* m = verdict_of(o, r, point.benchmark_case_id);
        if (m == nullptr || m->verdict != Verdict::kImproved) {
          beats_all = false;
          break;
        }
      }
      if (beats_all && present.size() >= 2) {
        w.winner_run_id = runs[r].run_id;
        w.reason = fmt::format("{} is improved on {} against each of the other {} runs",
                               runs[r].run_id, kpi, present.size() - 1);
        break;
      }
    }
    if (w.winner_run_id.empty()) {
      w.reason = fmt::format("no clear winner: no run is improved on {} against every other run",
                             kpi);
    }
    out.winners.push_back(std::move(w));
  }
  return out;
}

bool Comparison::any_regressed() const {
  for (const PairComparison& p : pairs) {
    if (p.Count(Verdict::kRegressed) > 0) return true;
  }
  return false;
}

nlohmann::json Comparison::ToJson() const {
  nlohmann::json j;
  j["schema"] = "inferbench.compare/v1";
  j["options"] = {{"noise", options.noise},
                  {"alpha", options.alpha},
                  {"confidence", 1 - options.alpha},
                  {"exploratory", options.exploratory},
                  {"metrics", options.metrics}};
  j["runs"] = nlohmann::json::array();
  for (const RunHeader& r : runs) {
    j["runs"].push_back({{"run_id", r.run_id},
                         {"name", r.name},
                         {"started_at", r.started_at},
                         {"workload_spec_digest", r.workload_spec_digest},
                         {"status", r.status},
                         {"tier", r.tier}});
  }
  j["intent_kpis"] = intent_kpis;
  j["exploratory"] = exploratory;
  j["comparisons"] = nlohmann::json::array();
  for (const PairComparison& pair : pairs) {
    nlohmann::json p;
    p["baseline"] = pair.baseline_run_id;
    p["candidate"] = pair.candidate_run_id;
    p["exploratory"] = pair.exploratory;
    p["changed"] = nlohmann::json::array();
    for (const DimensionChange& c : pair.changed) {
      p["changed"].push_back({{"dimension", c.dimension}, {"details", c.details}});
    }
    p["only_in_baseline"] = pair.only_in_baseline;
    p["only_in_candidate"] = pair.only_in_candidate;
    p["family_size"] = pair.family_size;
    p["summary"] = {{"regressed", pair.Count(Verdict::kRegressed)},
                    {"improved", pair.Count(Verdict::kImproved)},
                    {"no-change", pair.Count(Verdict::kNoChange)},
                    {"inconclusive", pair.Count(Verdict::kInconclusive)}};
    p["points"] = nlohmann::json::array();
    for (const PointComparison& point : pair.points) {
      nlohmann::json pj = {{"benchmark_case_id", point.benchmark_case_id},
                           {"point", point.point},
                           {"metrics", nlohmann::json::array()}};
      for (const MetricComparison& m : point.metrics) {
        pj["metrics"].push_back(
            {{"metric", m.metric},
             {"direction", DirectionName(m.direction)},
             {"judged", m.not_judged.empty()},
             {"not_judged_because", m.not_judged.empty() ? nlohmann::json(nullptr) : nlohmann::json(m.not_judged)},
             {"baseline", MeanJson(m.baseline)},
             {"candidate", MeanJson(m.candidate)},
             {"change",
              {{"value", Num(m.change.change)},
               {"ci_low", Num(m.change.low)},
               {"ci_high", Num(m.change.high)},
               {"confidence", m.change.confidence},
               {"method", m.change.method},
               {"p_value", Num(m.change.p_value)},
               {"df", Num(m.change.df)}}},
             {"holm",
              {{"in_family", m.in_family},
               {"significant", m.significant},
               {"level", Num(m.holm_level)},
               {"adjusted_p", Num(m.adjusted_p)},
               {"ci_low", Num(m.decision_low)},
               {"ci_high", Num(m.decision_high)}}},
             {"verdict", VerdictName(m.verdict)}});
      }
      p["points"].push_back(std::move(pj));
    }
    j["comparisons"].push_back(std::move(p));
  }
  j["winners"] = nlohmann::json::array();
  for (const PointWinner& w : winners) {
    j["winners"].push_back({{"benchmark_case_id", w.benchmark_case_id},
                            {"point", w.point},
                            {"kpi", w.kpi},
                            {"winner", w.winner_run_id.empty() ? nlohmann::json(nullptr)
                                                               : nlohmann::json(w.winner_run_id)},
                            {"reason", w.reason}});
  }
  j["any_regressed"] = any_regressed();
  return j;
}

std::string Comparison::FormatText(bool show_all) const {
  std::string out;
  const int confidence_pct = static_cast<int>(std::lround(100 * (1 - options.alpha)));
  out += fmt::format("compare: {} runs{}\n", runs.size(), exploratory ? "  [EXPLORATORY]" : "");
  for (size_t i = 0; i < runs.size(); ++i) {
    const RunHeader& r = runs[i];
    out += fmt::format("  {:<9} {}  {}  {}  workload {}  {}/{}\n", i == 0 ? "baseline" : "candidate",
                       r.run_id, r.name.empty() ? "-" : r.name, r.started_at,
                       Short(r.workload_spec_digest), r.status, r.tier);
  }
  std::set<std::string> always(kHeadline.begin(), kHeadline.end());
  always.insert(intent_kpis.begin(), intent_kpis.end());

  for (const PairComparison& pair : pairs) {
    out += fmt::format("\n{} vs {} (baseline)\n", pair.candidate_run_id, pair.baseline_run_id);
    if (pair.changed.empty()) {
      out += "  what changed: nothing recorded (same software, hardware, cluster, serving config, "
             "target parameters and labels)\n";
    } else {
      out += fmt::format("  what changed: {} dimension{}\n", pair.changed.size(),
                         pair.changed.size() == 1 ? "" : "s");
      for (const DimensionChange& c : pair.changed) {
        out += fmt::format("    {}:\n", c.dimension);
        for (const std::string& d : c.details) out += "      " + d + "\n";
      }
    }
    if (pair.exploratory) {
      out += options.exploratory && pair.changed.size() <= 1
                 ? "  exploratory (forced with --exploratory)\n"
                 : "  exploratory: more than one dimension moved, so no change can be attributed "
                   "to one of them\n";
    }
    for (const std::string& p : pair.only_in_baseline) out += "  point only in the baseline: " + p + "\n";
    for (const std::string& p : pair.only_in_candidate) out += "  point only in the candidate: " + p + "\n";

    int hidden = 0;
    for (const PointComparison& point : pair.points) {
      std::vector<const MetricComparison*> shown;
      for (const MetricComparison& m : point.metrics) {
        if (show_all || always.count(m.metric) || m.verdict == Verdict::kRegressed ||
            m.verdict == Verdict::kImproved) {
          shown.push_back(&m);
        } else {
          ++hidden;
        }
      }
      out += fmt::format("\n  point {} (case {})\n", point.point, Short(point.benchmark_case_id));
      out += fmt::format("    {:<26} {:<28} {:<28} {:<30} {}\n", "metric",
                         fmt::format("baseline ({}% CI)", confidence_pct),
                         fmt::format("candidate ({}% CI)", confidence_pct),
                         fmt::format("change ({}% CI)", confidence_pct), "verdict");
      for (const MetricComparison* m : shown) {
        out += fmt::format("    {:<26} {:<28} {:<28} {:<30} {}{}\n", m->metric, FormatMean(m->baseline),
                           FormatMean(m->candidate), FormatChange(m->change), VerdictName(m->verdict),
                           m->significant ? " *" : "");
      }
    }
    out += fmt::format(
        "\n  summary: {} regressed, {} improved, {} no-change, {} inconclusive (Holm over {} "
        "tests at α = {:.4g}; noise ±{:.4g}%; * = significant after Holm)\n",
        pair.Count(Verdict::kRegressed), pair.Count(Verdict::kImproved),
        pair.Count(Verdict::kNoChange), pair.Count(Verdict::kInconclusive), pair.family_size,
        options.alpha, 100 * options.noise);
    if (hidden > 0) {
      out += fmt::format("  ({} other metric rows hidden: no change or inconclusive; --all shows them)\n",
                         hidden);
    }
  }
  if (!winners.empty()) {
    out += "\nwinner per point:\n";
    for (const PointWinner& w : winners) {
      out += fmt::format("  {:<24} {}\n", w.point,
                         w.winner_run_id.empty() ? "no clear winner" : w.winner_run_id + " (" + w.kpi + ")");
    }
  }
  return out;
}

}  // namespace inferbench::warehouse
