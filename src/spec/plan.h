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
  std::string point;            // point string: "concurrency=4", "rate=2.5"
  double level = 0;             // the load level as declared
  int replicate = 0;            // 0-based
  int64_t requests = 0;         // measured requests (requestsPerLevel at this level)
  int64_t warmup_requests = 0;  // sent before this run, never counted
  int round = 0;                // 0-based; sequential: equals replicate
};

// One point string per declared level, in declared order (results/point.h spelling).
// REQUIRES: levels valid for the load type (> 0; concurrency: integers), as validation ensures;
// an invalid level is spelled with its raw number and would not parse back.
std::vector<std::string> PointStrings(const BenchmarkRun& run);

// Every (point, replicate) run for `replicates` replicates, in execution order. Errors: no
// levels, an unknown order or load type, replicates < 1, or a requestsPerLevel that does not
// evaluate at some level.
Result<std::vector<PlannedRun>> BuildPlan(const BenchmarkRun& run, int replicates);

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
