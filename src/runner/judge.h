// Judging a run: from the per-replicate numbers of summary.json to the judged result of run.json
// (DESIGN.md §5 "Statistics across replicates"): every metric of every point across replicates
// with its confidence interval and outlier record, and the VERDICT/DRAFT tier with its reasons.
// Pure: the same spec, summary and options give the same result (the bootstrap is seeded).
#pragma once

#include <string>
#include <vector>

#include "results/run_result.h"
#include "results/summary.h"
#include "spec/benchmark_run.h"

namespace inferbench::runner {

struct JudgeOptions {
  std::string workload_digest;           // workload_spec_digest of the spec
  std::vector<std::string> point_order;  // point strings in declared order
};

// The judged run. Points come in point_order, followed by any point of the summary that
// point_order does not name (in order of first appearance); a point of point_order the summary
// lacks is a DRAFT with no replicates. gate, gate_status and outputs are left for the caller.
//
// Per point, before aggregating, each replicate gets the derived scalars AddDerivedScalars adds.
// Then for every metric path any replicate has (each scalar, and name.stat for every stat of each
// distribution) a MetricAggregate over the replicates in replicate order:
//   - the outlier policy of spec.measurement runs only when the metric has >= 5 values, and the
//     point's outlier_policy says "applied (mad, threshold 3.5, flag)" or "not applied, n < 5";
//     with action exclude the marked replicates leave the mean, std and CI;
//   - mean, std, and a Student-t interval at confidenceLevel, or a percentile bootstrap when
//     n >= 10, seeded DeriveSeed(workload.seeds.bootstrap, point + "/" + path);
//   - relative_ci_half_width = (ci_high − ci_low) / 2 / |mean| (0 when the CI has zero width);
//   - low_n when the stat is a quantile flagged low_n in some replicate.
// A point is a VERDICT when all of these hold, else a DRAFT with one reason per broken rule:
//   at least 3 replicates; every replicate completed requests; no replicate's client was
//   saturated; no replicate returned shorter outputs than requested under ignore_eos or was
//   marked unstable (open loop); every intent.kpis path was measured, has a CI, a relative
//   half-width within maxRelativeCiHalfWidth and is not low_n.
// The run is a VERDICT when it has points, all are VERDICTs and the summary's status is ok; its
// reasons are the points' reasons prefixed "<point>: ".
results::RunResult JudgeRun(const spec::BenchmarkRun& spec, const results::RunSummary& summary,
                            const JudgeOptions& options);

// The intent.kpis paths of a judged point whose relative CI half-width is undefined or above
// spec.measurement.maxRelativeCiHalfWidth, in KPI order; the runner adds replicates (up to
// maxReplicates) while this is not empty. KPIs the point does not have are not listed (more
// replicates would not produce them).
std::vector<std::string> UnstableKpis(const results::PointResult& point,
                                      const spec::BenchmarkRun& spec);

// Adds to one replicate's scalars the metrics derived from the spec's system descriptor, each
// only when the replicate does not already have it (load/ computes the cost metrics exactly when
// it knows the price) and its inputs are there:
//   cost_per_mtok_usd          CostPerMtokUsd(gpuHourUsd, gpuCount, output_throughput_tok_s).
//   cost_per_mtok_at_slo_usd   the same with output_throughput_tok_s · goodput_req_s /
//                              request_throughput_req_s: the summary does not keep the tokens of
//                              the requests that met the SLO, so they are taken to have the
//                              point's mean output length.
//   sol_pct                    stats::SolPct(steady_output_throughput_tok_s, ...) when
//                              system.hardware.gpu is a key of the ceilings table (catalog/) and
//                              system.model declares params and kvBytesPerToken. Weight bytes:
//                              weightBytes, else params × bytes per precision (WeightBytesFor).
//                              L = input_tokens.mean + output_tokens.mean / 2 (else the
//                              requested lengths, else the dataset's means). B = the scalar
//                              server_running_mean (server telemetry), else the mean in_flight of
//                              the timeslices ending inside the steady window, else the
//                              concurrency of a concurrency=N point, else request throughput ×
//                              mean e2e latency (Little's law). Peak FLOP/s is the table's dense
//                              bf16 figure whatever the precision.
void AddDerivedScalars(const spec::BenchmarkRun& spec, results::PointSummary& replicate);

// model.weightBytes, else params × bytes per parameter of the precision (bf16/fp16 2, fp8/int8
// 1, int4 0.5, anything else 2); 0 when neither weightBytes nor params is declared.
double WeightBytesFor(const spec::ModelShape& model);

}  // namespace inferbench::runner
