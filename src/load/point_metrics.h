// ComputePointSummary: the numbers of one point and replicate from its RequestRecords, exactly as
// DESIGN.md §4 defines them. Pure: same records, same summary.
//
// Which requests count:
//   - warmup records only add to requests.warmup;
//   - "completed" = measured and error_class none; "errored" = any other class but cancelled;
//     "cancelled" = still in flight when the point ended (grace expiry, Ctrl-C);
//   - latency and length distributions use completed requests; schedule_lag_ms uses every sent
//     measured request (lag is the client's, whatever the outcome);
//   - error_rate = errored / (completed + errored); slo_attainment has the same denominator.
//
// Times: a request's completion time is t_done_ns, else t_last_ns, else t_send_ns. The run
// duration is first send → last completion of the sent measured requests. Window and timeslice
// times are seconds on the run clock, (steady_ns − anchor_steady_ns) / 1e9.
//
// Token arrivals (steady_output_throughput_tok_s, chunk_gap_ms, timeslice tokens) come from the
// per-record token-event times. An event of a completed request counts output_tokens / events
// tokens (one each when the server sends a token per chunk); an event of an errored or
// cancelled request counts one token. Every measured request's events count towards the steady
// window and the timeslices, since the server produced them; chunk gaps use completed requests.
//
// Steady window (DESIGN.md §4), half-open [start, end): closed loop [c-th completion, last send];
// open loop [first send + (last send − first send) / 10, last send]. An empty window (fewer than
// c completions, or none before the last send) leaves the scalar out and adds a warning.
//
// Open loop also reports achieved_rate_req_s = (sent − 1) / (last send − first send) and marks
// the point unstable (a warning starting "unstable:") when it is below 95 % of the offered rate.
// The offered rate compared against is the one the arrival schedule actually realised for these
// requests, (sent − 1) / (last t_sched − first t_sched): for constant arrivals that is the
// nominal rate, and for Poisson or gamma arrivals it removes the seed's sampling noise (≈ 1/√n),
// which would otherwise mark healthy short points unstable.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "load/load_plan.h"
#include "load/slo.h"
#include "results/request_record.h"
#include "results/summary.h"
#include "stats/descriptive.h"

namespace inferbench::load {

struct PointMetricsOptions {
  LoadPlan plan;                    // mode, concurrency, offered rate, point string, replicate
  SloThresholds slo;                // empty: no goodput, slo_attainment or cost at SLO
  results::ClientSelfCheck client;  // from LoopMonitor (self_check.h)
  // From server metrics (Δhits / Δqueries over the point); when absent, the share of prompt
  // tokens the server reported as cached (usage.prompt_tokens_details.cached_tokens) is used, if
  // any completed request reported it.
  std::optional<double> prefix_cache_hit_rate;
  double gpu_hour_usd = 0;  // cost metrics need both > 0
  int gpu_count = 0;
  bool ignore_eos = false;       // requests asked for exactly output_tokens_requested tokens
  int64_t anchor_steady_ns = 0;  // the run clock's origin (summary.json anchor.steady_ns)
};

// records: every record of the point and replicate, warmup included, in any order.
// token_times: empty when token times were not recorded, else exactly one entry per record (same
// index): the steady ns of each token-carrying event of that record, ascending.
results::PointSummary ComputePointSummary(const std::vector<results::RequestRecord>& records,
                                          const std::vector<std::vector<int64_t>>& token_times,
                                          const PointMetricsOptions& options);

// A stats::Distribution in summary form. std is undefined (NaN) for n = 1 (results/summary.h).
results::DistributionSummary ToDistributionSummary(const stats::Distribution& distribution);

}  // namespace inferbench::load
