#include "results/metric_names.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdint>
#include <vector>

namespace inferbench::results {
namespace {

using K = MetricKind;
using D = Direction;

constexpr MetricInfo kMetrics[] = {
    // Per-request latencies (distributions).
    {"ttft_ms", "ms", K::kDistribution, D::kLowerIsBetter, "time to first token: t_first - t_send"},
    {"ttft_sched_ms", "ms", K::kDistribution, D::kLowerIsBetter,
     "time to first token from the intended send time: t_first - t_sched "
     "(coordinated-omission corrected; rate and trace modes)"},
    {"ttst_ms", "ms", K::kDistribution, D::kLowerIsBetter,
     "time to second token: t_second - t_first"},
    {"tpot_ms", "ms", K::kDistribution, D::kLowerIsBetter,
     "time per output token: (t_last - t_first) / (output_tokens - 1) per request; "
     "requests with <= 1 token excluded"},
    {"chunk_gap_ms", "ms", K::kDistribution, D::kLowerIsBetter,
     "every gap between consecutive token-carrying events, pooled across requests"},
    {"e2e_latency_ms", "ms", K::kDistribution, D::kLowerIsBetter,
     "end-to-end latency: t_last - t_send"},
    {"per_user_tok_s", "tok/s", K::kDistribution, D::kHigherIsBetter,
     "per-request decode speed: 1000 / tpot_ms"},
    {"schedule_lag_ms", "ms", K::kDistribution, D::kLowerIsBetter,
     "how late requests were sent: t_send - t_sched (rate and trace modes)"},
    // Multi-turn sessions: TTFT by turn number (1 = a conversation's first turn).
    {"ttft_turn_1_ms", "ms", K::kDistribution, D::kLowerIsBetter,
     "multi-turn: ttft_ms of the conversations' turn 1"},
    {"ttft_turn_2_ms", "ms", K::kDistribution, D::kLowerIsBetter,
     "multi-turn: ttft_ms of the conversations' turn 2"},
    {"ttft_turn_3_ms", "ms", K::kDistribution, D::kLowerIsBetter,
     "multi-turn: ttft_ms of the conversations' turn 3"},
    {"ttft_turn_4_ms", "ms", K::kDistribution, D::kLowerIsBetter,
     "multi-turn: ttft_ms of the conversations' turn 4"},
    {"ttft_turn_5_ms", "ms", K::kDistribution, D::kLowerIsBetter,
     "multi-turn: ttft_ms of the conversations' turn 5"},
    {"ttft_turn_6_ms", "ms", K::kDistribution, D::kLowerIsBetter,
     "multi-turn: ttft_ms of the conversations' turn 6"},
    {"ttft_turn_7_ms", "ms", K::kDistribution, D::kLowerIsBetter,
     "multi-turn: ttft_ms of the conversations' turn 7"},
    {"ttft_turn_8_ms", "ms", K::kDistribution, D::kLowerIsBetter,
     "multi-turn: ttft_ms of the conversations' turn 8"},
    {"ttft_turn_9plus_ms", "ms", K::kDistribution, D::kLowerIsBetter,
     "multi-turn: ttft_ms of turns 9 and later"},
    // Throughput and quality of service (scalars).
    {"output_throughput_tok_s", "tok/s", K::kScalar, D::kHigherIsBetter,
     "output tokens of completed requests / run duration (first send to last completion)"},
    {"steady_output_throughput_tok_s", "tok/s", K::kScalar, D::kHigherIsBetter,
     "output tokens arriving inside the steady window / window length"},
    {"request_throughput_req_s", "req/s", K::kScalar, D::kHigherIsBetter,
     "completed requests / run duration"},
    {"achieved_rate_req_s", "req/s", K::kScalar, D::kHigherIsBetter,
     "requests actually sent per second over the send span (open loop; compare with the offered "
     "rate)"},
    {"goodput_req_s", "req/s", K::kScalar, D::kHigherIsBetter,
     "completed requests meeting every SLO / run duration"},
    {"slo_attainment", "ratio", K::kScalar, D::kHigherIsBetter,
     "share of all requests that completed and met every SLO"},
    {"error_rate", "ratio", K::kScalar, D::kLowerIsBetter, "errored / (completed + errored)"},
    {"offered_rate_req_s", "req/s", K::kScalar, D::kNone,
     "open loop: the rate the arrival schedule realised, (sent - 1) / span of intended times"},
    {"short_output_count", "requests", K::kScalar, D::kLowerIsBetter,
     "completed requests with fewer output tokens than requested while ignore_eos was set"},
    {"error_count.http_4xx", "requests", K::kScalar, D::kLowerIsBetter, "errored with HTTP 4xx"},
    {"error_count.http_5xx", "requests", K::kScalar, D::kLowerIsBetter, "errored with HTTP 5xx"},
    {"error_count.timeout", "requests", K::kScalar, D::kLowerIsBetter, "timed out"},
    {"error_count.disconnect", "requests", K::kScalar, D::kLowerIsBetter,
     "connection failed or closed before the response ended"},
    {"error_count.malformed", "requests", K::kScalar, D::kLowerIsBetter, "unparsable SSE or JSON"},
    {"error_count.stream_error", "requests", K::kScalar, D::kLowerIsBetter,
     "an error frame inside the stream"},
    {"requests_turn_1", "requests", K::kScalar, D::kNone,
     "multi-turn: measured requests sent as a conversation's turn 1"},
    {"requests_turn_2", "requests", K::kScalar, D::kNone,
     "multi-turn: measured requests sent as a conversation's turn 2"},
    {"requests_turn_3", "requests", K::kScalar, D::kNone,
     "multi-turn: measured requests sent as a conversation's turn 3"},
    {"requests_turn_4", "requests", K::kScalar, D::kNone,
     "multi-turn: measured requests sent as a conversation's turn 4"},
    {"requests_turn_5", "requests", K::kScalar, D::kNone,
     "multi-turn: measured requests sent as a conversation's turn 5"},
    {"requests_turn_6", "requests", K::kScalar, D::kNone,
     "multi-turn: measured requests sent as a conversation's turn 6"},
    {"requests_turn_7", "requests", K::kScalar, D::kNone,
     "multi-turn: measured requests sent as a conversation's turn 7"},
    {"requests_turn_8", "requests", K::kScalar, D::kNone,
     "multi-turn: measured requests sent as a conversation's turn 8"},
    {"requests_turn_9plus", "requests", K::kScalar, D::kNone,
     "multi-turn: measured requests sent as turn 9 or later"},
    {"sessions_aborted", "conversations", K::kScalar, D::kLowerIsBetter,
     "multi-turn: conversations ended early because a turn failed (later turns not sent)"},
    {"session_turns_skipped", "requests", K::kScalar, D::kLowerIsBetter,
     "multi-turn: turns never sent because an earlier turn of their conversation failed"},
    {"jitter_ms", "ms", K::kScalar, D::kLowerIsBetter, "p99 - p50 of chunk_gap_ms"},
    {"same_read_gap_share", "ratio", K::kScalar, D::kNone,
     "share of chunk gaps between events parsed from the same read (0 ms by construction)"},
    {"cost_per_mtok_usd", "USD/Mtok", K::kScalar, D::kLowerIsBetter,
     "gpu_hour_usd * gpu_count / (output_throughput_tok_s * 3600) * 1e6"},
    {"cost_per_mtok_at_slo_usd", "USD/Mtok", K::kScalar, D::kLowerIsBetter,
     "cost per million output tokens counting only requests that met the SLO"},
    {"sol_pct", "%", K::kScalar, D::kHigherIsBetter,
     "steady output throughput per GPU / the hardware decode ceiling (speed of light)"},
    {"prefix_cache_hit_rate", "ratio", K::kScalar, D::kNone,
     "prefix cache hits / queries over the point (server metrics, else usage cached_tokens)"},
    // Server and GPU telemetry over the point (telemetry/point_telemetry.h): /metrics scraped
    // before, every second during and after each point.
    {"server_running_mean", "requests", K::kScalar, D::kNone,
     "time-weighted mean of the server's running batch (vllm:num_requests_running | "
     "sglang:num_running_reqs)"},
    {"server_running_max", "requests", K::kScalar, D::kNone,
     "highest running batch seen during the point"},
    {"server_waiting_mean", "requests", K::kScalar, D::kLowerIsBetter,
     "time-weighted mean of the server's queue (vllm:num_requests_waiting | "
     "sglang:num_queue_reqs)"},
    {"server_waiting_max", "requests", K::kScalar, D::kLowerIsBetter,
     "longest queue seen during the point"},
    {"kv_cache_usage_mean", "ratio", K::kScalar, D::kNone,
     "time-weighted mean KV-cache usage 0..1 (vllm:kv_cache_usage_perc | gpu_cache_usage_perc | "
     "sglang:token_usage)"},
    {"kv_cache_usage_max", "ratio", K::kScalar, D::kNone,
     "highest KV-cache usage seen during the point"},
    {"preemptions", "requests", K::kScalar, D::kLowerIsBetter,
     "increase of vllm:num_preemptions_total over the point"},
    {"server_prompt_tokens", "tokens", K::kScalar, D::kNone,
     "increase of the server's prompt-token counter over the point"},
    {"server_generation_tokens", "tokens", K::kScalar, D::kNone,
     "increase of the server's generation-token counter over the point"},
    {"gpu_util_mean_pct", "%", K::kScalar, D::kNone,
     "time-weighted mean DCGM_FI_DEV_GPU_UTIL, averaged over GPUs"},
    {"gpu_mem_used_max_mib", "MiB", K::kScalar, D::kNone,
     "highest DCGM_FI_DEV_FB_USED summed over GPUs"},
    {"gpu_power_mean_w", "W", K::kScalar, D::kNone,
     "time-weighted mean DCGM_FI_DEV_POWER_USAGE summed over GPUs"},
    {"energy_j", "J", K::kScalar, D::kNone,
     "GPU energy over the point: increase of DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION, else the power "
     "integral"},
    {"tokens_per_joule", "tok/J", K::kScalar, D::kHigherIsBetter, "output tokens / energy_j"},
    {"scrape_count", "scrapes", K::kScalar, D::kNone, "/metrics scrapes taken around the point"},
    {"scrape_errors", "scrapes", K::kScalar, D::kLowerIsBetter,
     "scrapes that failed (fetch error or non-200)"},
    // The point's achieved shape (distributions, no good direction).
    {"input_tokens", "tokens", K::kDistribution, D::kNone,
     "achieved input length per request (usage.prompt_tokens, else the workload generator)"},
    {"output_tokens", "tokens", K::kDistribution, D::kNone,
     "achieved output length per request (usage, else tokenizer, else token-carrying events)"},
    {"requested_input_tokens", "tokens", K::kDistribution, D::kNone,
     "input length the workload asked for, per request"},
    {"requested_output_tokens", "tokens", K::kDistribution, D::kNone,
     "output length the workload asked for (max_tokens), per request"},
    {"tokens_per_chunk", "tokens", K::kDistribution, D::kNone,
     "tokens per token-carrying event, when the server reports continuous usage"},
};

constexpr Stat kStats[] = {Stat::kMean, Stat::kStd, Stat::kMin,  Stat::kP50, Stat::kP90,
                           Stat::kP95,  Stat::kP99, Stat::kP999, Stat::kMax};

std::string StatList() {
  std::string out;
  for (Stat stat : kStats) {
    if (!out.empty()) out += ", ";
    out += StatName(stat);
  }
  return out;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

Status Invalid(std::string_view text, const std::string& why) {
  return Status::Error("invalid metric path \"" + std::string(text) + "\": " + why);
}

}  // namespace

std::span<const MetricInfo> AllMetrics() { return kMetrics; }

std::string TurnTtftMetricName(int64_t turn) {
  const int64_t number = turn + 1;
  if (number >= kTurnMetricsCap) return "ttft_turn_" + std::to_string(kTurnMetricsCap) + "plus_ms";
  return "ttft_turn_" + std::to_string(std::max<int64_t>(number, 1)) + "_ms";
}

std::string TurnRequestsMetricName(int64_t turn) {
  const int64_t number = turn + 1;
  if (number >= kTurnMetricsCap) return "requests_turn_" + std::to_string(kTurnMetricsCap) + "plus";
  return "requests_turn_" + std::to_string(std::max<int64_t>(number, 1));
}

const MetricInfo* FindMetric(std::string_view name) {
  for (const MetricInfo& info : kMetrics) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

std::span<const Stat> AllStats() { return kStats; }

std::string_view StatName(Stat stat) {
  switch (stat) {
    case Stat::kMean:
      return "mean";
    case Stat::kStd:
      return "std";
    case Stat::kMin:
      return "min";
    case Stat::kP50:
      return "p50";
    case Stat::kP90:
      return "p90";
    case Stat::kP95:
      return "p95";
    case Stat::kP99:
      return "p99";
    case Stat::kP999:
      return "p999";
    case Stat::kMax:
      return "max";
  }
  return "unknown";
}

std::optional<Stat> FindStat(std::string_view name) {
  for (Stat stat : kStats) {
    if (StatName(stat) == name) return stat;
  }
  return std::nullopt;
}

std::optional<double> StatQuantile(Stat stat) {
  switch (stat) {
    case Stat::kP50:
      return 0.50;
    case Stat::kP90:
      return 0.90;
    case Stat::kP95:
      return 0.95;
    case Stat::kP99:
      return 0.99;
    case Stat::kP999:
      return 0.999;
    default:
      return std::nullopt;
  }
}

std::string MetricPath::Format() const {
  if (!stat) return name;
  return name + "." + std::string(StatName(*stat));
}

const MetricInfo& MetricPath::info() const {
  const MetricInfo* found = FindMetric(name);
  assert(found != nullptr);
  return *found;
}

Direction MetricPath::direction() const {
  if (stat == Stat::kStd) return Direction::kNone;
  return info().direction;
}

std::string_view ClosestMetricName(std::string_view text) {
  std::string_view best;
  size_t best_distance = SIZE_MAX;
  for (const MetricInfo& info : kMetrics) {
    const size_t d = EditDistance(text, info.name);
    if (d < best_distance) {
      best_distance = d;
      best = info.name;
    }
  }
  // Close enough to be a typo: at most a third of the name, and never more than 4 edits.
  const size_t limit = std::min<size_t>(4, std::max<size_t>(2, best.size() / 3));
  if (best_distance <= limit) return best;
  // Otherwise the unit suffix may be missing ("tpot", "output_throughput"): the shortest name
  // that starts with the text.
  std::string_view shortest;
  if (text.size() >= 3) {
    for (const MetricInfo& info : kMetrics) {
      if (info.name.starts_with(text) && (shortest.empty() || info.name.size() < shortest.size())) {
        shortest = info.name;
      }
    }
  }
  return shortest;
}

Result<MetricPath> ParseMetricPath(std::string_view text) {
  // Scalars may have a dot in their name (error_count.http_5xx): a whole-name match wins.
  if (const MetricInfo* whole = FindMetric(text); whole && whole->kind == MetricKind::kScalar) {
    return MetricPath{std::string(text), std::nullopt};
  }
  const size_t dot = text.find('.');
  const std::string_view name = text.substr(0, dot);
  const std::optional<std::string_view> stat_text =
      dot == std::string_view::npos ? std::nullopt : std::optional(text.substr(dot + 1));
  const MetricInfo* info = FindMetric(name);
  if (info == nullptr) {
    std::string why = "unknown metric \"" + std::string(name) + "\"";
    const std::string_view closest = ClosestMetricName(name);
    if (!closest.empty()) {
      why += "; did you mean " + std::string(closest);
      if (stat_text) why += "." + std::string(*stat_text);
      why += "?";
    } else {
      why += " (`inferbench tools benchmark-contracts` lists every metric)";
    }
    return Invalid(text, why);
  }
  MetricPath path{std::string(name), std::nullopt};
  if (info->kind == MetricKind::kScalar) {
    if (stat_text) {
      return Invalid(text, std::string(name) +
                               " is a single number and takes no statistic; write " +
                               std::string(name));
    }
    return path;
  }
  if (!stat_text) {
    return Invalid(text, std::string(name) + " is a distribution; add a statistic, e.g. " +
                             std::string(name) + ".p99 (one of " + StatList() + ")");
  }
  path.stat = FindStat(*stat_text);
  if (!path.stat) {
    return Invalid(
        text, "unknown statistic \"" + std::string(*stat_text) + "\": use one of " + StatList());
  }
  return path;
}

}  // namespace inferbench::results
