// Triage: the interpretation rules of the domain documents (reference/seeds: "tail
// amplification, not raw compute regression", KV capacity, a saturated client, admission
// pressure, prefix-cache contamination, a server ignoring the length policy) turned into
// findings, each with the numbers that triggered it and the point they were measured at.
//
// Rules are pure functions of a ReportModel, deterministic, and evaluated in the order of
// AllRules(); findings come out in severity order (critical first), then rule order, then
// load order. Every threshold is a named constant below so a report can quote it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "report/report_model.h"

namespace inferbench::report {

// Tail amplification: TTFT p99 / p50 above this at a point...
inline constexpr double kTailRatio = 3.0;
// ...with the server queue rising with load: mean waiting requests (or mean queue time) at the
// point exceeds the lightest point's by at least this much (requests, or ms).
inline constexpr double kQueueRiseRequests = 0.5;
inline constexpr double kQueueRiseMs = 1.0;
// KV-capacity bound: peak KV-cache usage at or above this share while requests waited...
inline constexpr double kKvFullShare = 0.95;
// ...(mean waiting above this), or any preemption.
inline constexpr double kWaitingAny = 0.0;
// Admission pressure: 429 or queue-full answers above this share of a point's requests
// (0 = any single one).
inline constexpr double kAdmissionShare = 0.0;
// Prefix-cache contamination: hit rate above this with per-request cache busting (every prompt
// unique: nothing should hit beyond the template)...
inline constexpr double kContaminationHitRatePerRequest = 0.10;
// ...or above this with per-replicate busting (only requests of the same replicate may share).
inline constexpr double kContaminationHitRatePerReplicate = 0.50;
// Output-length policy: with ignore_eos, achieved mean output tokens below requested by more
// than this share (or any short_output_count) means the server ignored the policy.
inline constexpr double kOutputShortfallShare = 0.01;

enum class Severity { kCritical, kWarning, kInfo };
// "critical" (the measurement is invalid or misattributed), "warning", "info".
std::string_view SeverityName(Severity severity);

// Who can act on a finding (the partner view's "ours vs upstream").
enum class Owner { kHarness, kWorkload, kDeployment, kEngine };
// "ours: client/harness", "ours: benchmark workload", "deployment configuration",
// "upstream: engine".
std::string_view OwnerName(Owner owner);

struct FindingEvidence {
  std::string point;  // "" = run-wide
  std::string text;   // the numbers, with n: "ttft_ms.p99 = 450 ms vs p50 = 120 ms (×3.75, n=3)"
};

struct Finding {
  std::string rule_id;  // "tail-amplification", …
  Severity severity = Severity::kInfo;
  Owner owner = Owner::kEngine;
  std::string title;
  std::vector<FindingEvidence> evidence;
  std::string suggestion;
  std::vector<std::string> points;  // the points it fired at, in load order
};

struct TriageRule {
  std::string_view id;
  std::string_view description;  // what fires it, with the thresholds
};

// Every rule, in evaluation order.
const std::vector<TriageRule>& AllRules();

std::vector<Finding> Triage(const ReportModel& model);

}  // namespace inferbench::report
