// Capacity questions (issue 5): "what does the whole curve look like?" (a sweep) and "how much load
// meets this SLO?" (a search). The algorithms are pure (SweepRates, CapacitySearch: unit-tested on
// synthetic response curves); CapacityDriver feeds them the points a bench session measured and
// turns their answers into further points (BenchConfig::extend), so every level measured is an
// ordinary point of the run — compare, gate and reports read it like any other.
//
// Sweep (load.type sweep, `bench --sweep N`): a synchronous point (concurrency=1), a throughput
// point (every request of the point in flight at once, capped: spec::SweepThroughputConcurrency),
// then N−2 open-loop rates spaced evenly strictly between the two points' achieved request rates
// (request_throughput_req_s, mean over replicates).
//
// Search (load.type search, `bench --search-slo`): a level passes when its SLO attainment — the
// share of its measured requests (completed and errored) that met every bound at once, the
// summary's slo_attainment (load/slo.h MeetsSlo; open loop judges TTFT from the intended send
// time), mean over replicates — is at least the attainment target. "ttft_ms.p99<=2000" is the
// per-request threshold ttft <= 2000 ms; with the default target 0.99 (the bounds' quantile) a
// passing level has at least 99 % of its requests within every bound, i.e. the p99 of each bounded
// metric meets its bound (jointly, so a little stricter). The search brackets the knee between a
// passing and a failing level (measuring `low`/`high` when given, else doubling or halving from
// `start`), then bisects until (high − low) / low <= resolution (concurrency: also when high − low
// <= 1) or maxPoints levels were measured. The knee is the highest passing level measured.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "load/load_plan.h"
#include "results/summary.h"
#include "runner/bench_session.h"

namespace inferbench::runner {

// The N−2 rates of a sweep between its anchors' achieved request rates, ascending, rounded to 4
// significant digits: r_i = lo + (hi − lo) · i / (N − 1), i = 1 … N − 2. Error when N < 3, a rate
// is not finite and > 0, or hi is not above lo (the server did not get faster with concurrency:
// there is no curve between them; the message says so).
Result<std::vector<double>> SweepRates(double synchronous_rate, double throughput_rate, int points);

// A level rounded for its point string: integers for concurrency, else 4 significant digits.
double RoundLevel(double level, bool integer_levels);

struct SearchOptions {
  bool integer_levels = false;  // concurrency levels
  double start = 1;             // first level without low/high
  std::optional<double> low;    // measured first when given
  std::optional<double> high;   // measured when the search reaches above low
  double resolution = 0.1;      // relative width of the final bracket
  int max_points = 12;          // levels measured at most
  double min_level = 1.0 / 64;  // halving stops here (concurrency: 1)
  double max_level = 1e6;       // doubling stops here (concurrency: maxConcurrency)
  double attainment_target = 0.95;
};

struct CapacityStep {
  std::string point;  // point string of the level
  double level = 0;
  double attainment = 0;  // mean SLO attainment over the level's replicates
  bool pass = false;
};

// Bisection for the highest level whose attainment meets the target. Deterministic: the same
// attainments give the same levels.
class CapacitySearch {
 public:
  explicit CapacitySearch(SearchOptions options);

  // The next level to measure (rounded), or nullopt when the search is over.
  std::optional<double> Next() const;
  // The attainment measured at `level` (the level Next returned). `point` names it in steps().
  void Record(double level, double attainment, std::string point = "");

  const SearchOptions& options() const { return options_; }
  const std::vector<CapacityStep>& steps() const { return steps_; }
  // Highest passing level measured; lowest failing level above it.
  std::optional<CapacityStep> knee() const;
  std::optional<double> bracket_high() const;
  // The search ended with a bracket no wider than its resolution.
  bool converged() const;
  // Why it ended (or "running"): "bracket within resolution", "maxPoints (12) reached", "no
  // failing level up to the maximum 256", "no passing level down to 0.0156".
  std::string reason() const;

 private:
  SearchOptions options_;
  std::vector<CapacityStep> steps_;
};

// What a capacity run decides and reports: the `capacity` object of summary.json and run.json.
class CapacityDriver {
 public:
  // A LoadPlan for an open-loop (rate) or closed-loop (concurrency) level: requests, warmup,
  // seeds and stop conditions as the run's other points.
  using PlanFactory = std::function<Result<load::LoadPlan>(bool open_loop, double level)>;

  // Sweep of `points` points: concurrency=1, concurrency=throughput_concurrency, then rates.
  static CapacityDriver Sweep(int points, int64_t throughput_concurrency, int replicates,
                              PlanFactory factory);
  // Search: over rate (open loop) or concurrency; `slo` is the bounds' text (for the report).
  static CapacityDriver Search(SearchOptions options, bool over_rate, std::string slo,
                               int replicates, PlanFactory factory);

  // The runs to start with (each carries its plan in ScheduledPoint::plan): the sweep's two
  // anchors, or the search's first level, each × replicates, point-major.
  Result<std::vector<ScheduledPoint>> Initial();
  // BenchConfig::extend: the next runs given everything measured so far; empty when done. An
  // error (a plan that cannot be built) ends the capacity run with error() set.
  std::vector<ScheduledPoint> Extend(const results::RunSummary& so_far);

  // {type, …}: see docs (sweep: points, synchronous, throughput, rates, steps; search: over, slo,
  // attainment_target, resolution, knee, bracket, steps, converged, reason).
  nlohmann::json ToJson() const;
  // "knee: rate=12.5 (attainment 0.991 >= 0.99; bracket 12.5..14.06, converged)" or the sweep's
  // "sweep: …" line.
  std::string ConsoleLine() const;
  const std::string& error() const { return error_; }

 private:
  enum class Kind { kSweep, kSearch };
  CapacityDriver(Kind kind, int replicates, PlanFactory factory)
      : kind_(kind), replicates_(replicates), factory_(std::move(factory)) {}
  std::vector<ScheduledPoint> Replicates(const load::LoadPlan& plan) const;
  // Mean of a scalar over every replicate of `point` so far; nullopt when none has it.
  static std::optional<double> MeanScalar(const results::RunSummary& summary,
                                          const std::string& point, const std::string& name);

  Kind kind_;
  int replicates_ = 1;
  PlanFactory factory_;
  std::string error_;
  // sweep
  int sweep_points_ = 0;
  int64_t throughput_concurrency_ = 0;
  bool sweep_extended_ = false;
  std::vector<std::string> anchor_points_;
  std::optional<double> synchronous_rate_, throughput_rate_;
  std::vector<double> rates_;
  std::vector<std::string> sweep_points_measured_;
  std::string sweep_note_;
  // search
  std::optional<CapacitySearch> search_;
  bool over_rate_ = true;
  std::string slo_;
  std::optional<double> pending_level_;
  std::string pending_point_;
};

}  // namespace inferbench::runner
