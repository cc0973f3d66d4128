// From a validated BenchmarkRun (spec/) to the load generator's configuration: the target, the
// request options, the workload (synthetic generator, or a dataset and tokenizer read from the
// spec's files), one LoadPlan per point known before the run (requests from requestsPerLevel or
// the dataset, warmup, ramp-up, arrival, seeds from workload.seeds) and the execution order of
// points × replicates (measurement.order). Sweeps and searches decide their points during the run
// (CapacityDriverFromSpec). Secrets: the API key is read from the variable the spec names and
// header values of the form ${VAR} from theirs, only into the in-memory config.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "load/load_plan.h"
#include "runner/bench_session.h"
#include "runner/capacity_search.h"
#include "spec/benchmark_run.h"
#include "workload/dataset.h"
#include "workload/tokenizer.h"

namespace inferbench::runner {

// The files a spec names, read once.
struct WorkloadFiles {
  std::shared_ptr<const workload::Dataset> dataset;      // null for synthetic
  std::shared_ptr<const workload::Tokenizer> tokenizer;  // null without workload.tokenizer
};

// The file a spec path (dataset.path, tokenizer) names: absolute paths as written; relative ones
// against the directory of the spec file (spec.source), or the working directory without one.
std::string SpecRelativePath(const spec::BenchmarkRun& spec, const std::string& path);

// spec.workload.dataset as the dataset loader's spec (camelCase keys as its snake_case options;
// only the keys written). REQUIRES: the dataset is not synthetic.
workload::DatasetSpec DatasetSpecOf(const spec::BenchmarkRun& spec);

// Reads workload.tokenizer and workload.dataset and records what the workload digest needs
// (spec.workload.dataset_digest, tokenizer_digest, dataset_items). Errors name the spec key and
// the loader's message (file, line, field). REQUIRES: spec validated.
Result<WorkloadFiles> ResolveWorkloadFiles(spec::BenchmarkRun& spec);

// A dataset point's plan: kTrace takes the first `count` entries' offsets (count < 0: the whole
// trace; with allow_repeat past the end, further passes follow the trace again one mean gap after
// its last entry), kSessions the turns and turn delays of the first `count` conversations (< 0: all). Sets
// plan.requests. Error: the dataset cannot fill `count` (CheckCount's message). REQUIRES:
// plan.mode is kTrace or kSessions.
Status FillDatasetPlan(const workload::Dataset& dataset, int64_t count, load::LoadPlan& plan);

// Whether a run promises a cold prefix cache, so a high prefix_cache_hit_rate deserves a warning
// (BenchConfig::expect_cold): cache-bust per-request (every prompt its own salt), or per-replicate
// with a workload that shares no prefix on purpose (synthetic, jsonl, single-turn sharegpt, a
// trace without shared hash_ids).
bool ExpectsColdCache(load::CacheBust cache_bust, const workload::Dataset* dataset);

// REQUIRES: spec has no validation errors; spec.target.url is set (the simulator's, with --sim);
// `files` from ResolveWorkloadFiles(spec) (needed for datasets and tokenizers).
// `run_id` enters the salt seed, so a re-run never reads a prefix cache an earlier one warmed.
// Sweep and search: points and schedule are left empty (CapacityDriverFromSpec fills the run).
Result<BenchConfig> BenchConfigFromSpec(const spec::BenchmarkRun& spec, const std::string& run_id,
                                        const WorkloadFiles& files = {});

// The plan of one concurrency or rate level as the spec's declared levels get it: requests
// (requestsPerLevel at the level, or load.duration), warmup, ramp-up, arrival, max in-flight,
// schedule seed. Error: the dataset cannot fill the point.
Result<load::LoadPlan> LevelPlanFromSpec(const spec::BenchmarkRun& spec, bool open_loop,
                                         double level, const workload::Dataset* dataset);

// The sweep or search of a spec whose load.type is sweep or search. `spec` and `files` must
// outlive the driver (its plans are built from them as the run goes).
Result<CapacityDriver> CapacityDriverFromSpec(const spec::BenchmarkRun& spec,
                                              const WorkloadFiles& files);

// Runs to add once the declared replicates are done: one more replicate of every point in
// `unstable_points` (point strings), ordered as measurement.order says (shuffled: seeded by
// seeds.order and the round). `replicates_done[i]` is how many replicates point i has.
std::vector<ScheduledPoint> ExtraRound(const spec::BenchmarkRun& spec, const BenchConfig& config,
                                       const std::vector<std::string>& unstable_points,
                                       const std::vector<int>& replicates_done, int round);

}  // namespace inferbench::runner
