#include "report/triage.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "report/audience.h"

namespace inferbench::report {
namespace {

bool Finite(double v) { return std::isfinite(v); }

std::string Replicates(const Estimate* e) {
  return e ? fmt::format("n={}", e->n) : std::string("n=?");
}

void Add(Finding& f, const PointModel& p, std::string text) {
  f.evidence.push_back({p.point, std::move(text)});
  if (std::find(f.points.begin(), f.points.end(), p.point) == f.points.end()) {
    f.points.push_back(p.point);
  }
}

// ---- tail amplification ----------------------------------------------------------------------

void TailAmplification(const ReportModel& m, std::vector<Finding>& out) {
  if (m.points.empty()) return;
  const PointModel& lightest = m.points.front();
  Finding f;
  f.rule_id = "tail-amplification";
  f.owner = Owner::kEngine;
  bool queue_rising = false;
  bool queue_known = false;
  for (const PointModel& p : m.points) {
    const Estimate* p50 = p.Find("ttft_ms.p50");
    const Estimate* p99 = p.Find("ttft_ms.p99");
    if (!p50 || !p99 || !Finite(p50->mean) || !Finite(p99->mean) || p50->mean <= 0) continue;
    const double ratio = p99->mean / p50->mean;
    if (ratio <= kTailRatio) continue;
    std::string queue;
    const double waiting = p.Mean("server_waiting_mean");
    const double waiting0 = lightest.Mean("server_waiting_mean");
    bool rising = false;
    if (Finite(waiting) && Finite(waiting0)) {
      queue_known = true;
      rising = waiting - waiting0 >= kQueueRiseRequests;
      queue = fmt::format("; server waiting mean {} at {} vs {} at {}", FormatNumber(waiting),
                          p.point, FormatNumber(waiting0), lightest.point);
    }
    if (Finite(p.queue_time_ms) && Finite(lightest.queue_time_ms)) {
      queue_known = true;
      rising = rising || p.queue_time_ms - lightest.queue_time_ms >= kQueueRiseMs;
      queue += fmt::format("; server queue time {} ms vs {} ms at {}", FormatNumber(p.queue_time_ms),
                           FormatNumber(lightest.queue_time_ms), lightest.point);
    }
    queue_rising = queue_rising || rising;
    Add(f, p,
        fmt::format("ttft_ms.p99 = {} ms vs p50 = {} ms: ×{:.2f} > ×{} ({}{}){}",
                    FormatNumber(p99->mean), FormatNumber(p50->mean), ratio, kTailRatio,
                    Replicates(p99), p99->low_n ? ", p99 low_n" : "", queue));
  }
  if (f.evidence.empty()) return;
  if (queue_rising) {
    f.severity = Severity::kWarning;
    f.title = "Tail amplification: TTFT p99 ≫ p50 while the server queue grows with load";
    f.suggestion =
        "Requests wait in the server queue before prefill: lower the offered load to the knee, "
        "raise max-num-seqs / add replicas, or enable chunked prefill; check request queue time "
        "first (reference: tail amplification, not raw compute regression).";
  } else {
    f.severity = Severity::kInfo;
    f.title = queue_known ? "TTFT tail amplification without server queueing"
                          : "TTFT tail amplification (server queue telemetry unavailable)";
    f.suggestion =
        "The tail is not explained by the server queue: look at the slowest requests' timeline "
        "(cold start, retries, preemption, client or network stalls) and scrape /metrics to "
        "see request queue time.";
  }
  out.push_back(std::move(f));
}

// ---- KV-capacity bound -----------------------------------------------------------------------

void KvCapacity(const ReportModel& m, std::vector<Finding>& out) {
  Finding f;
  f.rule_id = "kv-capacity";
  f.severity = Severity::kWarning;
  f.owner = Owner::kDeployment;
  f.title = "KV-cache capacity bound: requests wait while the KV cache is full, or are preempted";
  f.suggestion =
      "The batch is limited by KV-cache blocks: raise gpu-memory-utilization, use an FP8 KV "
      "cache, shorten max-model-len or add tensor parallelism; compare server_running_max with "
      "max-num-seqs to confirm.";
  for (const PointModel& p : m.points) {
    const double waiting = p.Mean("server_waiting_mean");
    const double kv_max = p.Mean("kv_cache_usage_max");
    const double preemptions = p.Mean("preemptions");
    const bool full = Finite(waiting) && waiting > kWaitingAny && Finite(kv_max) &&
                      kv_max >= kKvFullShare;
    const bool preempted = Finite(preemptions) && preemptions > 0;
    if (!full && !preempted) continue;
    std::string text;
    if (full) {
      text = fmt::format("kv_cache_usage_max = {:.1f} % (≥ {:.0f} %) with server_waiting_mean = {}",
                         100 * kv_max, 100 * kKvFullShare, FormatNumber(waiting));
    }
    if (preempted) {
      if (!text.empty()) text += "; ";
      text += fmt::format("preemptions = {} per replicate", FormatNumber(preemptions));
    }
    Add(f, p, text + fmt::format(" ({})", Replicates(p.Find(full ? "kv_cache_usage_max"
                                                                 : "preemptions"))));
  }
  if (!f.evidence.empty()) out.push_back(std::move(f));
}

// ---- client-bound ----------------------------------------------------------------------------

void ClientBound(const ReportModel& m, std::vector<Finding>& out) {
  Finding f;
  f.rule_id = "client-bound";
  f.severity = Severity::kCritical;
  f.owner = Owner::kHarness;
  f.title = "Client-bound: the load generator was saturated, so the point measured the client";
  f.suggestion =
      "Give the client more cores (--workers N, or run it on another host than the server) and "
      "re-run the point; a saturated point stays a DRAFT (DESIGN.md §2.8).";
  for (const PointModel& p : m.points) {
    if (!p.client_saturated) continue;
    std::string why;
    for (const std::string& reason : p.reasons) {
      if (reason.find("client saturated") != std::string::npos) why = reason;
    }
    Add(f, p, why.empty() ? "client saturation flag set" : why);
  }
  if (!f.evidence.empty()) out.push_back(std::move(f));
}

// ---- admission pressure ----------------------------------------------------------------------

void AdmissionPressure(const ReportModel& m, std::vector<Finding>& out) {
  Finding f;
  f.rule_id = "admission-pressure";
  f.severity = Severity::kWarning;
  f.owner = Owner::kDeployment;
  f.title = "Admission pressure: the server refused requests (HTTP 429 / queue full)";
  f.suggestion =
      "The server's waiting queue or rate limit rejected load: raise its queue bound "
      "(--max-waiting / max-num-seqs) or add replicas, or lower the offered load; refused "
      "requests count as errors, so throughput and latency at this point describe only the "
      "admitted ones.";
  for (const PointModel& p : m.points) {
    const int64_t refused = std::max(p.requests.http_429, p.requests.queue_full);
    if (refused <= 0 || p.requests.total <= 0) continue;
    const double share = static_cast<double>(refused) / static_cast<double>(p.requests.total);
    if (share <= kAdmissionShare) continue;
    Add(f, p,
        fmt::format("{} of {} requests refused ({:.1f} %): {} HTTP 429, {} queue-full messages",
                    refused, p.requests.total, 100 * share, p.requests.http_429,
                    p.requests.queue_full));
  }
  if (!f.evidence.empty()) out.push_back(std::move(f));
}

// ---- prefix-cache contamination --------------------------------------------------------------

void PrefixContamination(const ReportModel& m, std::vector<Finding>& out) {
  double threshold = 0;
  if (m.run.cache_bust == "per-request") {
    threshold = kContaminationHitRatePerRequest;
  } else if (m.run.cache_bust == "per-replicate") {
    // Shared-prefix groups, conversations and traces share prefixes within a replicate by
    // design: hits there are the workload, not contamination.
    if (m.run.dataset == "shared-prefix" || m.run.dataset == "conversations" ||
        m.run.dataset == "trace" || m.run.load_model == "sessions") {
      return;
    }
    threshold = kContaminationHitRatePerReplicate;
  } else {
    return;  // a warm (none) or unknown mode expects hits
  }
  Finding f;
  f.rule_id = "prefix-cache-contamination";
  f.severity = Severity::kWarning;
  f.owner = Owner::kWorkload;
  f.title = "Prefix-cache contamination: a cold (cache-busted) run hit the prefix cache";
  f.suggestion =
      "Latency looks better than a cold cache allows: check that the salt reaches the prompt's "
      "first block (a shared system prompt or chat template before it defeats it), that no "
      "other client shares the server, or restart the server between runs.";
  for (const PointModel& p : m.points) {
    const double rate = p.Mean("prefix_cache_hit_rate");
    if (!Finite(rate) || rate <= threshold) continue;
    Add(f, p,
        fmt::format("prefix_cache_hit_rate = {:.1f} % > {:.0f} % with cacheBust {} ({})",
                    100 * rate, 100 * threshold, m.run.cache_bust,
                    Replicates(p.Find("prefix_cache_hit_rate"))));
  }
  if (!f.evidence.empty()) out.push_back(std::move(f));
}

// ---- output-length policy --------------------------------------------------------------------

void OutputLengthPolicy(const ReportModel& m, std::vector<Finding>& out) {
  if (!m.run.ignore_eos.value_or(false)) return;
  Finding f;
  f.rule_id = "output-length-ignored";
  f.severity = Severity::kCritical;
  f.owner = Owner::kEngine;
  f.title = "The server ignored the output-length policy (ignore_eos): outputs were shorter";
  f.suggestion =
      "The point measured shorter outputs than the workload asked for, so TPOT and throughput "
      "are not comparable: make the server honour ignore_eos (vLLM: --ignore-eos support, or "
      "min_tokens = max_tokens) or switch the adapter to send min_tokens.";
  for (const PointModel& p : m.points) {
    const double achieved = p.Mean("output_tokens.mean");
    const double requested = p.Mean("requested_output_tokens.mean");
    const double short_count = p.Mean("short_output_count");
    const bool shortfall = Finite(achieved) && Finite(requested) && requested > 0 &&
                           achieved < requested * (1 - kOutputShortfallShare);
    const bool counted = Finite(short_count) && short_count > 0;
    if (!shortfall && !counted) continue;
    std::string text;
    if (Finite(achieved) && Finite(requested)) {
      text = fmt::format("achieved output_tokens.mean = {} vs requested {}", FormatNumber(achieved),
                         FormatNumber(requested));
    }
    if (counted) {
      if (!text.empty()) text += "; ";
      text += fmt::format("short_output_count = {} per replicate", FormatNumber(short_count));
    }
    Add(f, p, text + fmt::format(" ({})", Replicates(p.Find("output_tokens.mean"))));
  }
  if (!f.evidence.empty()) out.push_back(std::move(f));
}

int Rank(Severity s) { return static_cast<int>(s); }

}  // namespace

std::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kCritical:
      return "critical";
    case Severity::kWarning:
      return "warning";
    case Severity::kInfo:
      return "info";
  }
  return "info";
}

std::string_view OwnerName(Owner owner) {
  switch (owner) {
    case Owner::kHarness:
      return "ours: client/harness";
    case Owner::kWorkload:
      return "ours: benchmark workload";
    case Owner::kDeployment:
      return "deployment configuration";
    case Owner::kEngine:
      return "upstream: engine";
  }
  return "upstream: engine";
}

const std::vector<TriageRule>& AllRules() {
  static const std::vector<TriageRule> rules = {
      {"client-bound", "a point's client was saturated (event loop busy >= 90 % or timer lag p99 > 1 ms)"},
      {"output-length-ignored",
       "ignore_eos set and achieved output_tokens.mean more than 1 % below requested, or short_output_count > 0"},
      {"admission-pressure", "any request answered HTTP 429 or with a queue-full message"},
      {"kv-capacity",
       "server_waiting_mean > 0 with kv_cache_usage_max >= 95 %, or preemptions > 0"},
      {"tail-amplification",
       "ttft_ms.p99 / ttft_ms.p50 > 3; a warning when waiting requests (+0.5) or queue time (+1 ms) "
       "rose above the lightest point's, else info"},
      {"prefix-cache-contamination",
       "prefix_cache_hit_rate > 10 % with cacheBust per-request, or > 50 % with per-replicate"},
  };
  return rules;
}

std::vector<Finding> Triage(const ReportModel& model) {
  std::vector<Finding> findings;
  ClientBound(model, findings);
  OutputLengthPolicy(model, findings);
  AdmissionPressure(model, findings);
  KvCapacity(model, findings);
  TailAmplification(model, findings);
  PrefixContamination(model, findings);
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    return Rank(a.severity) < Rank(b.severity);
  });
  return findings;
}

}  // namespace inferbench::report
