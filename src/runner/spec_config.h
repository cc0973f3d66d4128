// From a validated BenchmarkRun (spec/) to the load generator's configuration: the target, the
// request options, the synthetic workload, one LoadPlan per declared level (requests from
// requestsPerLevel, warmup, ramp-up, arrival, seeds from workload.seeds) and the execution order
// of points × replicates (measurement.order). Secrets: the API key is read from the variable the
// spec names and header values of the form ${VAR} from theirs, only into the in-memory config.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "runner/bench_session.h"
#include "spec/benchmark_run.h"

namespace inferbench::runner {

// REQUIRES: spec has no validation errors; spec.target.url is set (the simulator's, with --sim).
// `run_id` enters the salt seed, so a re-run never reads a prefix cache an earlier one warmed.
Result<BenchConfig> BenchConfigFromSpec(const spec::BenchmarkRun& spec, const std::string& run_id);

// Runs to add once the declared replicates are done: one more replicate of every point in
// `unstable_points` (point strings), ordered as measurement.order says (shuffled: seeded by
// seeds.order and the round). `replicates_done[i]` is how many replicates point i has.
std::vector<ScheduledPoint> ExtraRound(const spec::BenchmarkRun& spec, const BenchConfig& config,
                                       const std::vector<std::string>& unstable_points,
                                       const std::vector<int>& replicates_done, int round);

}  // namespace inferbench::runner
