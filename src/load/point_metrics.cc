#include "load/point_metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <set>
#include <string_view>
#include <utility>

#include "results/metric_names.h"

namespace inferbench::load {
namespace {

using results::ErrorClass;
using results::PointSummary;
using results::RequestRecord;

constexpr int64_t kNsPerSecond = 1'000'000'000;
constexpr double kUnstableShare = 0.95;

int64_t CompletionNs(const RequestRecord& r) {
  if (r.t_done_ns >= 0) return r.t_done_ns;
  if (r.t_last_ns >= 0) return r.t_last_ns;
  return r.t_send_ns;
}

double Seconds(int64_t ns) { return static_cast<double>(ns) / 1e9; }

struct TokenEvent {
  int64_t t_ns;
  double tokens;
};

// The summary's metric vocabulary is results/metric_names.h; writing an unknown name is a bug.
void SetScalar(PointSummary& summary, std::string_view name, double value) {
  assert(results::FindMetric(name) != nullptr);
  summary.scalars[std::string(name)] = value;
}

void SetDistribution(PointSummary& summary, std::string_view name, std::vector<double> values) {
  assert(results::FindMetric(name) != nullptr);
  summary.distributions[std::string(name)] =
      ToDistributionSummary(stats::Describe(std::move(values)));
}

// Metrics the brief asks for whose names results/metric_names.h does not have yet: written only
// once the vocabulary knows them, so no unregistered name reaches summary.json.
void SetScalarIfRegistered(PointSummary& summary, const std::string& name, double value) {
  if (results::FindMetric(name) != nullptr) summary.scalars[name] = value;
}

double CostPerMtok(const PointMetricsOptions& options, double tokens_per_s) {
  return options.gpu_hour_usd * options.gpu_count / (tokens_per_s * 3600.0) * 1e6;
}

// What the steps below share: the point's records sorted into groups, and its time span.
struct PointData {
  PointData(const std::vector<RequestRecord>& records_in,
            const std::vector<std::vector<int64_t>>& token_times_in,
            const PointMetricsOptions& options_in)
      : records(records_in),
        token_times(token_times_in),
        options(options_in),
        open_loop(options_in.plan.open_loop()) {}

  const std::vector<RequestRecord>& records;
  const std::vector<std::vector<int64_t>>& token_times;
  const PointMetricsOptions& options;
  const bool open_loop;

  std::vector<const RequestRecord*> sent;  // measured, with a send time
  std::vector<size_t> completed;           // indices of measured ok records
  std::map<ErrorClass, int64_t> errors_by_class;
  std::vector<TokenEvent> events;  // token arrivals of every measured request
  int64_t first_send = std::numeric_limits<int64_t>::max();
  int64_t last_send = std::numeric_limits<int64_t>::min();
  int64_t last_completion = std::numeric_limits<int64_t>::min();
  double completed_output_tokens = 0;

  int64_t duration_ns() const { return last_completion - first_send; }
  double duration_s() const { return Seconds(duration_ns()); }
  double RunSeconds(int64_t steady_ns) const {
    return Seconds(steady_ns - options.anchor_steady_ns);
  }
};

// Counts the requests and sorts them into groups; false when no measured request was sent.
bool Classify(PointData& p, PointSummary& summary) {
  int64_t missing_token_times = 0;
  for (size_t i = 0; i < p.records.size(); ++i) {
    const RequestRecord& r = p.records[i];
    if (r.warmup) {
      ++summary.requests.warmup;
      continue;
    }
    if (r.ok()) {
      ++summary.requests.completed;
      p.completed.push_back(i);
      p.completed_output_tokens += static_cast<double>(r.output_tokens);
    } else if (r.error_class == ErrorClass::kCancelled) {
      ++summary.requests.cancelled;
    } else {
      ++summary.requests.errored;
      ++p.errors_by_class[r.error_class];
    }
    if (r.t_send_ns >= 0) p.sent.push_back(&r);
    const bool has_times = !p.token_times.empty() && !p.token_times[i].empty();
    if (r.token_events > 0 && !has_times) ++missing_token_times;
  }
  if (p.sent.empty()) {
    summary.warnings.push_back("no measured request was sent: the point has no metrics");
    return false;
  }
  if (missing_token_times > 0) {
    summary.warnings.push_back(fmt::format(
        "{} requests have token events but no token times: chunk gaps, the steady throughput "
        "and per-second tokens leave them out",
        missing_token_times));
  }
  return true;
}

void FindWindowAndTokenEvents(PointData& p, PointSummary& summary) {
  for (const RequestRecord* r : p.sent) {
    p.first_send = std::min(p.first_send, r->t_send_ns);
    p.last_send = std::max(p.last_send, r->t_send_ns);
    p.last_completion = std::max(p.last_completion, CompletionNs(*r));
  }
  summary.window.start_s = p.RunSeconds(p.first_send);
  summary.window.end_s = p.RunSeconds(p.last_completion);
  summary.window.duration_s = p.duration_s();
  if (p.token_times.empty()) return;
  for (size_t i = 0; i < p.records.size(); ++i) {
    const RequestRecord& r = p.records[i];
    const std::vector<int64_t>& times = p.token_times[i];
    if (r.warmup || times.empty()) continue;
    const double per_event =
        r.ok() ? static_cast<double>(r.output_tokens) / static_cast<double>(times.size()) : 1.0;
    for (int64_t t : times) p.events.push_back({t, per_event});
  }
}

// Latency and shape distributions over completed requests (schedule lag over every sent one),
// and the chunk-gap scalars.
void AddDistributions(const PointData& p, PointSummary& summary) {
  std::vector<double> ttft, ttft_sched, ttst, tpot, per_user, e2e, chunk_gaps;
  std::vector<double> input_tokens, output_tokens, requested_input, requested_output;
  int64_t same_read_gaps = 0;
  for (size_t i : p.completed) {
    const RequestRecord& r = p.records[i];
    if (auto v = r.TtftMs()) ttft.push_back(*v);
    if (auto v = r.TtftSchedMs()) ttft_sched.push_back(*v);
    if (auto v = r.TtstMs()) ttst.push_back(*v);
    if (auto v = r.TpotMs()) tpot.push_back(*v);
    if (auto v = r.PerUserTokS()) per_user.push_back(*v);
    if (auto v = r.E2eLatencyMs()) e2e.push_back(*v);
    input_tokens.push_back(static_cast<double>(r.input_tokens));
    output_tokens.push_back(static_cast<double>(r.output_tokens));
    requested_input.push_back(static_cast<double>(r.input_tokens_requested));
    requested_output.push_back(static_cast<double>(r.output_tokens_requested));
    if (p.token_times.empty()) continue;
    const std::vector<int64_t>& times = p.token_times[i];
    for (size_t k = 1; k < times.size(); ++k) {
      const int64_t gap = times[k] - times[k - 1];
      if (gap == 0) ++same_read_gaps;
      chunk_gaps.push_back(static_cast<double>(gap) / 1e6);
    }
  }
  const size_t gap_count = chunk_gaps.size();
  SetDistribution(summary, "ttft_ms", std::move(ttft));
  if (p.open_loop) SetDistribution(summary, "ttft_sched_ms", std::move(ttft_sched));
  SetDistribution(summary, "ttst_ms", std::move(ttst));
  SetDistribution(summary, "tpot_ms", std::move(tpot));
  SetDistribution(summary, "chunk_gap_ms", std::move(chunk_gaps));
  SetDistribution(summary, "e2e_latency_ms", std::move(e2e));
  SetDistribution(summary, "per_user_tok_s", std::move(per_user));
  if (p.open_loop) {
    std::vector<double> lag;
    for (const RequestRecord* r : p.sent) {
      if (auto v = r->ScheduleLagMs()) lag.push_back(*v);
    }
    SetDistribution(summary, "schedule_lag_ms", std::move(lag));
  }
  SetDistribution(summary, "input_tokens", std::move(input_tokens));
  SetDistribution(summary, "output_tokens", std::move(output_tokens));
  SetDistribution(summary, "requested_input_tokens", std::move(requested_input));
  SetDistribution(summary, "requested_output_tokens", std::move(requested_output));

  if (gap_count > 0) {
    const results::DistributionSummary& gaps = summary.distributions["chunk_gap_ms"];
    SetScalar(summary, "jitter_ms", gaps.p99 - gaps.p50);
    SetScalar(summary, "same_read_gap_share",
              static_cast<double>(same_read_gaps) / static_cast<double>(gap_count));
  }
}

// Throughput over the whole run and over the steady window.
void AddThroughput(const PointData& p, PointSummary& summary) {
  if (p.duration_ns() > 0) {
    SetScalar(summary, "output_throughput_tok_s", p.completed_output_tokens / p.duration_s());
    SetScalar(summary, "request_throughput_req_s",
              static_cast<double>(summary.requests.completed) / p.duration_s());
  }
  int64_t steady_start = p.first_send;
  int64_t steady_end = p.first_send;
  std::string no_window;
  if (p.token_times.empty()) {
    no_window = "token times were not recorded";
  } else if (p.open_loop) {
    steady_start = p.first_send + (p.last_send - p.first_send) / 10;
    steady_end = p.last_send;
    if (steady_end <= steady_start) no_window = "all requests were sent at the same instant";
  } else {
    std::vector<int64_t> completions;
    for (const RequestRecord* r : p.sent) completions.push_back(CompletionNs(*r));
    std::sort(completions.begin(), completions.end());
    const size_t c = static_cast<size_t>(p.options.plan.concurrency);
    if (completions.size() < c) {
      no_window = fmt::format("only {} requests completed, fewer than the concurrency {}",
                              completions.size(), c);
    } else {
      steady_start = completions[c - 1];
      steady_end = p.last_send;
      if (steady_end <= steady_start) {
        no_window = fmt::format(
            "the last request was sent before the {}th completion (too few requests per slot)", c);
      }
    }
  }
  if (no_window.empty()) {
    double tokens = 0;
    for (const TokenEvent& e : p.events) {
      if (e.t_ns >= steady_start && e.t_ns < steady_end) tokens += e.tokens;
    }
    SetScalar(summary, "steady_output_throughput_tok_s",
              tokens / Seconds(steady_end - steady_start));
  } else {
    steady_start = steady_end = p.first_send;
    summary.warnings.push_back("no steady window: " + no_window +
                               "; steady_output_throughput_tok_s is not reported");
  }
  summary.window.steady_start_s = p.RunSeconds(steady_start);
  summary.window.steady_end_s = p.RunSeconds(steady_end);
}

// Open loop: did the sends keep up with the schedule?
void AddOpenLoopRate(const PointData& p, PointSummary& summary) {
  if (!p.open_loop || p.sent.size() < 2 || p.last_send <= p.first_send) return;
  const double intervals = static_cast<double>(p.sent.size() - 1);
  const double achieved = intervals / Seconds(p.last_send - p.first_send);
  SetScalar(summary, "achieved_rate_req_s", achieved);
  int64_t first_sched = std::numeric_limits<int64_t>::max();
  int64_t last_sched = std::numeric_limits<int64_t>::min();
  for (const RequestRecord* r : p.sent) {
    if (r->t_sched_ns < 0) continue;
    first_sched = std::min(first_sched, r->t_sched_ns);
    last_sched = std::max(last_sched, r->t_sched_ns);
  }
  const double nominal = p.options.plan.rate_req_s;
  const double offered =
      last_sched > first_sched ? intervals / Seconds(last_sched - first_sched) : nominal;
  SetScalarIfRegistered(summary, "offered_rate_req_s", offered);
  if (p.options.plan.mode == LoadPlan::Mode::kTrace) {
    if (offered > 0 && achieved < kUnstableShare * offered) {
      summary.warnings.push_back(fmt::format(
          "unstable: achieved {:.4g} req/s is below 95 % of the trace's {:.4g} req/s; the "
          "server or the in-flight cap could not keep up with the trace",
          achieved, offered));
    }
    return;
  }
  if (achieved < kUnstableShare * offered) {
    summary.warnings.push_back(fmt::format(
        "unstable: achieved {:.4g} req/s is below 95 % of the offered {:.4g} req/s (nominal "
        "{:.4g}); the server or the in-flight cap could not keep up, so there is no steady state",
        achieved, offered, nominal));
  }
}

// Errors, SLOs, cost, prefix cache and the length policy.
void AddQualityOfService(const PointData& p, PointSummary& summary) {
  const PointMetricsOptions& options = p.options;
  const int64_t judged = summary.requests.completed + summary.requests.errored;
  if (judged > 0) {
    SetScalar(summary, "error_rate",
              static_cast<double>(summary.requests.errored) / static_cast<double>(judged));
  }
  if (!p.errors_by_class.empty()) {
    std::string listing;
    for (const auto& [error_class, count] : p.errors_by_class) {
      const std::string name(results::ErrorClassName(error_class));
      SetScalarIfRegistered(summary, "error_count." + name, static_cast<double>(count));
      listing += fmt::format("{}{}={}", listing.empty() ? "" : ", ", name, count);
    }
    summary.warnings.push_back(
        fmt::format("{} requests failed: {}", summary.requests.errored, listing));
  }
  const bool priced = options.gpu_hour_usd > 0 && options.gpu_count > 0 && p.duration_ns() > 0;
  if (!options.slo.empty()) {
    int64_t good = 0;
    double good_tokens = 0;
    for (size_t i : p.completed) {
      if (!MeetsSlo(p.records[i], options.slo, p.open_loop)) continue;
      ++good;
      good_tokens += static_cast<double>(p.records[i].output_tokens);
    }
    if (p.duration_ns() > 0) {
      SetScalar(summary, "goodput_req_s", static_cast<double>(good) / p.duration_s());
    }
    if (judged > 0) {
      SetScalar(summary, "slo_attainment", static_cast<double>(good) / static_cast<double>(judged));
    }
    if (priced && good_tokens > 0) {
      SetScalar(summary, "cost_per_mtok_at_slo_usd",
                CostPerMtok(options, good_tokens / p.duration_s()));
    }
  }
  if (priced && p.completed_output_tokens > 0) {
    SetScalar(summary, "cost_per_mtok_usd",
              CostPerMtok(options, p.completed_output_tokens / p.duration_s()));
  }
  if (options.prefix_cache_hit_rate) {
    SetScalar(summary, "prefix_cache_hit_rate", *options.prefix_cache_hit_rate);
  } else {
    double cached = 0, prompt = 0;
    bool reported = false;
    for (size_t i : p.completed) {
      const RequestRecord& r = p.records[i];
      if (r.cached_tokens < 0) continue;
      reported = true;
      cached += static_cast<double>(r.cached_tokens);
      prompt += static_cast<double>(r.input_tokens);
    }
    if (reported && prompt > 0) SetScalar(summary, "prefix_cache_hit_rate", cached / prompt);
  }
  if (options.ignore_eos) {
    int64_t short_outputs = 0;
    for (size_t i : p.completed) {
      if (p.records[i].output_tokens < p.records[i].output_tokens_requested) ++short_outputs;
    }
    SetScalarIfRegistered(summary, "short_output_count", static_cast<double>(short_outputs));
    if (short_outputs > 0) {
      summary.warnings.push_back(fmt::format(
          "{} of {} completed requests returned fewer output tokens than requested although "
          "ignore_eos was set: the server does not honour the length policy, so this point's "
          "output lengths (and throughput) are not the workload's",
          short_outputs, summary.requests.completed));
    }
  }
}

// Trace replay: sends later than the trace by more than the threshold make the point degraded.
void MarkDegradedTrace(const PointData& p, PointSummary& summary) {
  if (p.options.plan.mode != LoadPlan::Mode::kTrace) return;
  const auto it = summary.distributions.find("schedule_lag_ms");
  if (it == summary.distributions.end()) return;
  const std::optional<double> p99 = it->second.Get(results::Stat::kP99);
  if (!p99 || *p99 <= kDegradedLagP99Ms) return;
  summary.degraded = true;
  summary.degraded_reason = fmt::format(
      "schedule lag p99 {:.1f} ms exceeds {:.0f} ms: requests were sent later than the trace's "
      "times (client saturated or in-flight cap reached), so this point does not replay the "
      "trace's load",
      *p99, kDegradedLagP99Ms);
  summary.warnings.push_back("degraded: " + summary.degraded_reason);
}

// Multi-turn: TTFT and request counts by turn number, conversations cut short by failures.
void AddTurnMetrics(const PointData& p, PointSummary& summary) {
  std::map<std::string, std::vector<double>> ttft_by_turn;
  std::map<std::string, int64_t> requests_by_turn;
  std::set<std::string> aborted;
  bool multi_turn = false;
  for (const RequestRecord* r : p.sent) {
    if (r->turn < 0) continue;
    multi_turn = true;
    ++requests_by_turn[results::TurnRequestsMetricName(r->turn)];
    if (!r->ok() && r->error_class != ErrorClass::kCancelled) aborted.insert(r->session);
  }
  if (!multi_turn) return;
  for (size_t i : p.completed) {
    const RequestRecord& r = p.records[i];
    if (r.turn < 0) continue;
    std::vector<double>& values = ttft_by_turn[results::TurnTtftMetricName(r.turn)];
    if (auto v = r.TtftMs()) values.push_back(*v);
  }
  for (auto& [name, values] : ttft_by_turn) SetDistribution(summary, name, std::move(values));
  for (const auto& [name, count] : requests_by_turn) {
    SetScalar(summary, name, static_cast<double>(count));
  }
  SetScalar(summary, "sessions_aborted", static_cast<double>(aborted.size()));
  if (p.options.session_turns_skipped) {
    SetScalar(summary, "session_turns_skipped",
              static_cast<double>(*p.options.session_turns_skipped));
  }
}

// Per-second slices from first_send; the last one holds the last completion.
void FillTimeslices(PointSummary& summary, const std::vector<const RequestRecord*>& sent,
                    const std::vector<TokenEvent>& events, int64_t first_send,
                    int64_t last_completion, int64_t anchor_ns) {
  const int64_t count = (last_completion - first_send) / kNsPerSecond + 1;
  const auto slice_of = [&](int64_t t_ns) {
    return std::clamp<int64_t>((t_ns - first_send) / kNsPerSecond, 0, count - 1);
  };
  std::vector<results::Timeslice> slices(static_cast<size_t>(count));
  std::vector<double> tokens(slices.size(), 0.0);
  // in_flight[k] counts requests sent before the end of slice k and not completed by then:
  // +1 at the send's slice, −1 at the completion's slice (a difference array).
  std::vector<int64_t> in_flight_delta(slices.size() + 1, 0);
  for (const RequestRecord* r : sent) {
    const int64_t done = slice_of(CompletionNs(*r));
    if (r->ok()) ++slices[done].completed;
    if (!r->ok() && r->error_class != ErrorClass::kCancelled) ++slices[done].errors;
    ++in_flight_delta[slice_of(r->t_send_ns)];
    --in_flight_delta[done];
  }
  for (const TokenEvent& e : events) tokens[slice_of(e.t_ns)] += e.tokens;
  int64_t in_flight = 0;
  for (size_t k = 0; k < slices.size(); ++k) {
    in_flight += in_flight_delta[k];
    slices[k].start_s = Seconds(first_send + static_cast<int64_t>(k) * kNsPerSecond - anchor_ns);
    slices[k].in_flight = in_flight;
    slices[k].output_tokens = std::llround(tokens[k]);
  }
  summary.timeslices = std::move(slices);
}

}  // namespace

results::DistributionSummary ToDistributionSummary(const stats::Distribution& d) {
  results::DistributionSummary out;
  out.n = d.n;
  out.mean = d.mean;
  out.stddev = d.n == 1 ? results::DistributionSummary::kUndefined : d.stddev;
  out.min = d.min;
  out.p50 = d.p50;
  out.p90 = d.p90;
  out.p95 = d.p95;
  out.p99 = d.p99;
  out.p999 = d.p999;
  out.max = d.max;
  for (const std::string& name : d.low_n) {
    if (std::optional<results::Stat> stat = results::FindStat(name)) out.low_n.push_back(*stat);
  }
  return out;
}

results::PointSummary ComputePointSummary(const std::vector<RequestRecord>& records,
                                          const std::vector<std::vector<int64_t>>& token_times,
                                          const PointMetricsOptions& options) {
  assert(token_times.empty() || token_times.size() == records.size());
  PointSummary summary;
  summary.point = options.plan.point;
  summary.replicate = options.plan.replicate;
  summary.client = options.client;
  if (options.client.saturated) {
    summary.warnings.push_back(fmt::format(
        "client saturated (busiest 1 s window {:.0f} % busy, timer lag p99 {:.3f} ms): the "
        "load generator may have limited this point, so it is a DRAFT",
        options.client.busy_pct, options.client.lag_p99_ms));
  }
  PointData p(records, token_times, options);
  if (!Classify(p, summary)) return summary;
  FindWindowAndTokenEvents(p, summary);
  AddDistributions(p, summary);
  AddThroughput(p, summary);
  AddOpenLoopRate(p, summary);
  MarkDegradedTrace(p, summary);
  AddTurnMetrics(p, summary);
  AddQualityOfService(p, summary);
  FillTimeslices(summary, p.sent, p.events, p.first_send, p.last_completion,
                 options.anchor_steady_ns);
  return summary;
}

}  // namespace inferbench::load
