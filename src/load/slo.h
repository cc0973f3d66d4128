// Per-request service-level objectives (`--slo ttft_ms=2000,tpot_ms=100`): the thresholds that
// goodput_req_s, slo_attainment and cost_per_mtok_at_slo_usd judge each request by (DESIGN.md §4).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/status.h"
#include "results/request_record.h"

namespace inferbench::load {

// Metric name → threshold. A lower-is-better metric must be <= its threshold, a higher-is-better
// one (per_user_tok_s) >= it.
using SloThresholds = std::map<std::string, double>;

// The per-request metrics an SLO may bound: ttft_ms, ttft_sched_ms, ttst_ms, tpot_ms,
// e2e_latency_ms, per_user_tok_s.
bool IsSloMetric(std::string_view name);

// Parses "name=value[,name=value…]"; every name must be an SLO metric (the error suggests the
// closest) and every value a finite number > 0; a name may appear once.
Result<SloThresholds> ParseSlo(std::string_view text);
// The same checks for thresholds from a spec.
Status ValidateSlo(const SloThresholds& slo);

// Whether a completed request meets every threshold. In open loop the ttft_ms threshold is
// applied to ttft_sched_ms (latency from the intended send time). A request that got a first
// token but has no ttst, tpot or per-user speed (one token, or all tokens in one read) is not
// judged on those; any other metric the record lacks (no first token, say) fails its threshold.
bool MeetsSlo(const results::RequestRecord& record, const SloThresholds& slo, bool open_loop);

}  // namespace inferbench::load
