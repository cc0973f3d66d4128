// Regressions over history (DESIGN.md §7 "Regressions", `inferbench regressions`): for every
// (benchmark_case_id, metric), the series of run means (serving_outcome_fact.mean) over the
// runs with status 'ok', oldest first by started_at.
//
// Newest vs window. The newest run of each series is held against a window of earlier runs:
//   - when the case's workload digest has a baseline (baseline.h; the one named `baseline_name`,
//     else the most recently set one), the runs from the baseline run up to the newest
//     (the baseline included, the newest excluded);
//   - otherwise the `window` runs before the newest (default 10).
// With fewer than `min_history` values (default 5) in the window the verdict is `insufficient`
// ("insufficient history (n=…)"). Else the two-sided prediction interval at `confidence`
// (default 0.95; stats/prediction_interval.h) for one new run: outside it on the bad side of the
// metric's direction is `regressed`, on the good side `improved`, inside `ok` (`outside` for a
// metric without a direction); the z-score is reported either way.
//
// Change points. E-divisive means (stats/changepoint.h) over the newest `change_point_history`
// values of the series (default 1000) with its defaults: energy distance α = 1, minimum segment
// 3 runs, 199 seeded permutations, significance 0.05. Each step is reported with the run where
// it begins and the segment means before and after.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "results/metric_names.h"
#include "stats/changepoint.h"
#include "stats/prediction_interval.h"

namespace inferbench::warehouse {

class Database;

struct RegressionOptions {
  std::string case_prefix;            // benchmark_case_id prefix; "" = every case
  std::vector<std::string> metrics;   // metric paths; empty = HeadlineMetrics() (compare.h)
  int window = 10;                    // earlier runs compared when no baseline applies
  int min_history = 5;                // fewer values in the window: insufficient
  double confidence = 0.95;           // of the prediction interval
  std::string baseline_name;          // "" = the most recently set baseline of the digest
  int change_point_history = 1000;    // newest values searched for change points
  stats::ChangePointOptions change_points;
};

enum class HistoryVerdict { kRegressed, kImproved, kOk, kOutside, kInsufficient };
std::string_view HistoryVerdictName(HistoryVerdict verdict);  // "regressed", …, "insufficient"

struct HistoryPoint {
  std::string run_id;
  std::string started_at;
  double mean = 0;
};

struct Step {
  std::string run_id;  // the first run after the change
  std::string started_at;
  double mean_before = 0;  // mean of the segment before the step
  double mean_after = 0;   // mean of the segment from this run to the next step (or the end)
  double p_value = 0;
};

struct BaselineRef {
  std::string name;
  std::string run_id;
  std::string started_at;
};

struct MetricHistory {
  std::string benchmark_case_id;
  std::string point;
  std::string workload_spec_digest;
  std::string metric;
  results::Direction direction = results::Direction::kNone;
  std::vector<HistoryPoint> series;  // oldest first; the last one is the newest
  std::string window_source;         // "baseline main (run …)" or "previous 10 runs"
  int64_t window_n = 0;
  std::optional<stats::PredictionInterval> interval;
  double z_score = 0;  // NaN without an interval
  HistoryVerdict verdict = HistoryVerdict::kInsufficient;
  std::string note;    // "insufficient history (n=3)" when insufficient
  std::vector<Step> steps;

  const HistoryPoint& newest() const { return series.back(); }
};

// The analysis of one series (oldest first, non-empty); `baseline` is the baseline of the
// series' workload, if any. Pure: what FindRegressions does per series.
MetricHistory AnalyzeHistory(MetricHistory history, const std::optional<BaselineRef>& baseline,
                             const RegressionOptions& options);

struct RegressionReport {
  RegressionOptions options;
  int64_t runs = 0;  // distinct ok runs in the series
  std::vector<MetricHistory> series;  // by case, then metric

  int Count(HistoryVerdict verdict) const;
  // Any series whose newest run regressed: `inferbench regressions` exits 1.
  bool any_regressed() const { return Count(HistoryVerdict::kRegressed) > 0; }
  nlohmann::json ToJson() const;
  std::string FormatText() const;
};

Result<RegressionReport> FindRegressions(Database& db, const RegressionOptions& options);

}  // namespace inferbench::warehouse
