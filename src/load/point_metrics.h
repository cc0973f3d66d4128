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
//
// Trace replay (kTrace) is open loop: schedule_lag_ms (t_send − t_sched, p50/p99 among its
// stats) is reported, and a point whose schedule lag p99 exceeds kDegradedLagP99Ms is marked
// degraded (PointSummary::degraded, the reason also a warning): the client did not send at the
// trace's times, so the point does not measure the trace's load.
//
// Multi-turn points (records with turn >= 0): ttft_turn_<n>_ms distributions over completed
// requests and requests_turn_<n> counts of sent measured requests, by 1-based turn number n
// (results::TurnTtftMetricName; turns 9 and later pooled as "9plus"), only for turn numbers that
// occur; sessions_aborted = sessions with a failed (not cancelled) measured turn; and
// session_turns_skipped when the caller passes it (PointScheduler::session_turns_skipped()).
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
  // Multi-turn: PointScheduler::session_turns_skipped() of this point; absent: not reported.
  std::optional<int64_t> session_turns_skipped;
};

// A trace point whose schedule lag p99 is above this is degraded.
inline constexpr double kDegradedLagP99Ms = 50;

// records: every record of the point and replicate, warmup included, in any order.
// token_times: empty when token times were not recorded, else exactly one entry per record (same
// index): the steady ns of each token-carrying event of that record, ascending.
results::PointSummary ComputePointSummary(const std::vector<results::RequestRecord>& records,
                                          const std::vector<std::vector<int64_t>>& token_times,
                                          const PointMetricsOptions& options);

// A stats::Distribution in summary form. std is undefined (NaN) for n = 1 (results/summary.h).
results::DistributionSummary ToDistributionSummary(const stats::Distribution& distribution);

}  // namespace inferbench::load
