// Compare: two or more stored runs of the same workload, point by point and metric by metric
// (DESIGN.md §7 "Compare"). The first run is the baseline; every other run is compared with it.
//
//  * Points are matched by benchmark_case_id. Runs of different workload_spec_digest are refused
//    unless `exploratory` (the numbers would not measure the same thing).
//  * What changed: the dimensions that differ between the baseline and each run — software,
//    hardware, cluster (each differing attribute), serving config, target parameters (every
//    differing leaf of the target's /version JSON, "target.params.itl_ms: 10 → 11"), labels,
//    and the workload when forced. More than one moved dimension (or --exploratory) labels the
//    comparison exploratory: the change cannot be attributed to one cause.
//  * Per point × metric: both means with their CIs (the outcome rows), the relative change
//    mean(b)/mean(a) − 1 with a CI at 1 − α from the replicate values (stats/change_ci.h), and
//    the Welch p-value of equal means.
//  * Verdicts. The family of tests is every metric with a direction (results/metric_names.h) ×
//    every matched point whose p-value is defined; Holm at α decides which are significant
//    (stats/holm.h). A significant test gets its change CI recomputed at 1 − α_adjusted (its
//    Holm level); `regressed` / `improved` only when that whole CI lies beyond ±noise on the bad
//    / good side. `no-change` when the unadjusted 1 − α CI lies within ±noise. Everything else
//    is `inconclusive`. Metrics without a direction are `no-change` or `inconclusive`, never in
//    the family.
//  * With three or more runs, a winner per point by the baseline's first intent KPI (default
//    output_throughput_tok_s): a run wins only when it is `improved` against every other run
//    (each pair compared as its own family), else there is no clear winner. Never one
//    universal winner across points.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "results/metric_names.h"
#include "stats/change_ci.h"
#include "warehouse/run_data.h"

namespace inferbench::warehouse {

enum class Verdict { kImproved, kRegressed, kNoChange, kInconclusive };
std::string_view VerdictName(Verdict verdict);  // "improved", "regressed", "no-change", …

// The metrics the text shows by default besides the intent KPIs and every improved/regressed
// metric (chunk_gap_ms is the vocabulary's inter-token latency). Regressions' default set too.
std::span<const std::string_view> HeadlineMetrics();

inline constexpr std::string_view kDefaultWinnerKpi = "output_throughput_tok_s";

struct CompareOptions {
  double noise = 0.02;  // ± relative change regarded as no change
  double alpha = 0.05;  // family-wise error rate; CIs are at 1 − α
  bool exploratory = false;
  std::vector<std::string> metrics;  // exact metric paths; empty = every path both runs have
  uint64_t seed = 0x636f6d70617265;  // bootstrap seeds derive from it per case × metric
  int bootstrap_resamples = 4000;
};

struct MeanWithCi {
  double mean = 0;  // NaN when unknown
  double ci_low = 0;
  double ci_high = 0;
  int64_t n = 0;
  std::string ci_method;
};

struct MetricComparison {
  std::string metric;
  results::Direction direction = results::Direction::kNone;
  MeanWithCi baseline;
  MeanWithCi candidate;
  stats::RelativeChange change;  // at 1 − α
  // Judged metrics have a direction and a meaningful estimate: min and max (one request's
  // extreme) and quantiles flagged low_n in either run are reported but never judged
  // improved/regressed, and stay out of the Holm family. `not_judged` says why ("" = judged).
  std::string not_judged;
  bool in_family = false;
  bool significant = false;  // rejected by Holm
  double holm_level = 0;     // α / (m − rank); NaN outside the family
  double adjusted_p = 0;     // Holm-adjusted p-value; NaN outside the family
  double decision_low = 0;   // the change CI at 1 − holm_level (significant tests), else NaN
  double decision_high = 0;
  Verdict verdict = Verdict::kInconclusive;
};

struct PointComparison {
  std::string benchmark_case_id;
  std::string point;
  std::vector<MetricComparison> metrics;  // sorted by metric path
  const MetricComparison* Find(std::string_view metric) const;
};

struct DimensionChange {
  // "workload" | "software" | "hardware" | "cluster" | "serving config" | "target" | "labels"
  std::string dimension;
  std::vector<std::string> details;  // "software.engine_version: 0.6.1 → 0.6.2"
};

struct PairComparison {
  std::string baseline_run_id;
  std::string candidate_run_id;
  std::vector<DimensionChange> changed;
  bool exploratory = false;
  std::vector<PointComparison> points;   // in the baseline's point order
  std::vector<std::string> only_in_baseline;   // points (by name) without a match
  std::vector<std::string> only_in_candidate;
  int family_size = 0;
  int Count(Verdict verdict) const;
};

struct PointWinner {
  std::string benchmark_case_id;
  std::string point;
  std::string kpi;
  std::string winner_run_id;  // "" = no clear winner
  std::string reason;
};

struct RunHeader {
  std::string run_id;
  std::string name;
  std::string started_at;
  std::string workload_spec_digest;
  std::string status;
  std::string tier;
};

struct Comparison {
  CompareOptions options;
  std::vector<RunHeader> runs;         // runs[0] is the baseline
  std::vector<PairComparison> pairs;   // runs[i] vs runs[0] for i = 1 … n − 1
  std::vector<PointWinner> winners;    // only with three or more runs
  std::vector<std::string> intent_kpis;  // the baseline's
  bool exploratory = false;            // any pair exploratory

  bool any_regressed() const;
  nlohmann::json ToJson() const;
  // show_all = false: per point only the intent KPIs, the headline metrics and every metric
  // that improved or regressed; true: every compared metric.
  std::string FormatText(bool show_all = false) const;
};

// The dimensions that differ between runs a and b (empty when none).
std::vector<DimensionChange> DiffRuns(const RunData& a, const RunData& b);

// Compares one candidate with one baseline (one Holm family). No digest check.
PairComparison ComparePair(const RunData& baseline, const RunData& candidate,
                           const CompareOptions& options);

// REQUIRES: at least two runs. Errors: differing workload digests without exploratory (naming
// both digests and --exploratory); 0 < alpha < 1 and noise >= 0 are checked.
Result<Comparison> CompareRuns(const std::vector<RunData>& runs, const CompareOptions& options);

}  // namespace inferbench::warehouse
