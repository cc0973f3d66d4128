// The effective plan of a BenchmarkRun: which (point, replicate) runs happen, in which order, with
// how many requests. `spec explain` prints it; the runner executes it.
//
// Orders (spec.measurement.order):
//   sequential   point-major: every replicate of the first point, then of the second, …
//   interleaved  round-major: round r runs every point once, in declared order, as replicate r;
//                machine drift over time is spread across all points instead of hitting one
//   shuffled     round-major like interleaved, but each round's points are permuted by a
//                Fisher–Yates shuffle driven by one Prng(seeds.order) consumed round after round
//
// For interleaved and shuffled, the plan for R replicates is a prefix of the plan for R + 1, so
// adaptive extra replicates (up to maxReplicates) continue the same sequence.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "spec/benchmark_run.h"

namespace inferbench::spec {

struct PlannedRun {
  std::string point;            // point string: "concurrency=4", "rate=2.5", "trace", "sessions=4"
  double level = 0;             // the load level as declared (trace: 0)
  int replicate = 0;            // 0-based
  // Measured requests (requestsPerLevel at this level; trace: entries, sessions: conversations);
  // -1: every item of the dataset, known once it is read (workload.dataset_items unset).
  int64_t requests = 0;
  int64_t warmup_requests = 0;  // sent before this run, never counted
  int round = 0;                // 0-based; sequential: equals replicate
};

// The point strings known before the run, in declared order (results/point.h spelling):
//   concurrency, rate  one per level;
//   trace              "trace";
//   sessions           "sessions=N" per level (no levels: dataset.sessions, default 1);
//   sweep              the two anchors "concurrency=1" and "concurrency=C" (C:
//                      SweepThroughputConcurrency); its rates are decided during the run;
//   search             none: every level is decided during the run.
// REQUIRES: levels valid for the load type (> 0; concurrency: integers), as validation ensures;
// an invalid level is spelled with its raw number and would not parse back.
std::vector<std::string> PointStrings(const BenchmarkRun& run);

// Every (point, replicate) run known before the run for `replicates` replicates, in execution
// order (sweep: its two anchors; search: none). Errors: concurrency or rate without levels, an
// unknown order or load type, replicates < 1, or a requestsPerLevel that does not evaluate at
// some level.
Result<std::vector<PlannedRun>> BuildPlan(const BenchmarkRun& run, int replicates);

// The sweep's throughput point: every request of the point in flight at once ("unbounded"),
// capped by load.maxConcurrency: min(maxConcurrency, requestsPerLevel at x = maxConcurrency).
// 0 when requestsPerLevel does not evaluate.
int64_t SweepThroughputConcurrency(const Load& load);

// One bound of a search SLO (load.slo): a per-request threshold on an SLO metric
// (contract.h SloMetricNames). "ttft_ms.p99<=2000": metric ttft_ms, stat "p99", op "<=", 2000.
struct SearchBound {
  std::string metric;
  std::string stat;  // "p50" | "p90" | "p95" | "p99" | "p999" | "" (none written)
  std::string op;    // "<=" (lower is better) | ">=" (per_user_tok_s)
  double value = 0;
};

// Parses "metric[.stat](<=|>=)value[,…]": every metric an SLO metric at most once, the stat (when
// written) a percentile, the operator the metric's good direction, the value finite and > 0.
// Errors name the text and the bound and say what to write.
Result<std::vector<SearchBound>> ParseSearchSlo(std::string_view text);
// The canonical string ParseSearchSlo reads back ("ttft_ms.p99<=2000,tpot_ms.p99<=100").
std::string FormatSearchSlo(const std::vector<SearchBound>& bounds);
// The mapping form {"ttft_ms.p99": 2000, "per_user_tok_s.p50": 20} as the string form (each
// metric's good direction as the operator; non-numbers written as they are, for validation to
// reject).
std::string SearchSloFromMap(const nlohmann::json& map);
// The share of requests that must meet every bound for a level to pass: `attainment` when set,
// else the highest quantile the bounds name (p99: 0.99), else 0.95.
double SearchAttainmentTarget(std::optional<double> attainment,
                              const std::vector<SearchBound>& bounds);

// A rough duration of the plan, only where the spec alone determines it:
//   rate load:     each run sends its requests at the offered rate: requests / rate (a lower
//                  bound: warmup, readiness and the drain of the last requests are not counted);
//   load.duration: each run lasts at most that long (an upper bound per run, capped for rate
//                  load by the send time above);
//   concurrency load without load.duration: unknown, because closed-loop time is set by the
//                  server's latency, which only a run measures.
struct DurationEstimate {
  std::optional<int64_t> ns;  // nullopt: unknown
  std::string basis;          // what the number assumes, or why there is none
};
DurationEstimate EstimateDuration(const BenchmarkRun& run, const std::vector<PlannedRun>& plan);

}  // namespace inferbench::spec
