#include "gate/evaluate.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <utility>

#include "gate/gate_numbers.h"
#include "results/metric_names.h"
#include "results/point.h"

namespace inferbench::gate {
namespace {

// A threshold computed as value × (1 ± tol) can land one ulp away from the decimal the user has
// in mind (5000 × 0.9); the boundary is inclusive, so compare with a relative slack far below
// any measurement's resolution.
constexpr double kBoundarySlack = 1e-12;

int64_t NowEpochMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool AtLeast(double measured, double threshold) {
  return measured >= threshold - kBoundarySlack * std::fabs(threshold);
}

bool AtMost(double measured, double threshold) {
  return measured <= threshold + kBoundarySlack * std::fabs(threshold);
}

// "output_throughput_tok_s >= 5000 (tol 10%, strict)" — the constraint without its point.
std::string ConstraintLabel(const spec::Constraint& c) {
  std::string label = fmt::format("{} {} {}", c.metric, c.op, FormatDeclared(c.value));
  if (c.tolerance != 0 && c.strict) {
    label += fmt::format(" (tol {}, strict)", FormatPercent(c.tolerance));
  } else if (c.tolerance != 0) {
    label += fmt::format(" (tol {})", FormatPercent(c.tolerance));
  } else if (c.strict) {
    label += " (strict)";
  }
  return label;
}

results::GateOutcome NewOutcome(const spec::Constraint& c, const std::string& point) {
  results::GateOutcome o;
  o.name = ConstraintLabel(c) + " @ " + (point.empty() ? "every point" : point);
  o.metric = c.metric;
  o.point = point;
  o.op = c.op;
  o.value = c.value;
  o.tolerance = c.tolerance;
  o.strict = c.strict;
  return o;
}

std::string JoinPoints(const results::RunResult& run) {
  std::string out;
  for (const results::PointResult& p : run.points) {
    if (!out.empty()) out += ", ";
    out += p.point;
  }
  return out.empty() ? "none" : out;
}

// Checks the parts of a constraint the spec validator also checks, so constraints built in code
// cannot pass by accident. Returns "" when the constraint is well formed.
std::string ConstraintProblem(const spec::Constraint& c) {
  if (c.op != ">=" && c.op != "<=") {
    return fmt::format("op \"{}\" is not supported; use \">=\" or \"<=\"", c.op);
  }
  if (!std::isfinite(c.value)) return "value is not a finite number";
  if (!(c.tolerance >= 0 && c.tolerance < 1)) {
    return fmt::format("tolerance {} is out of range; use a fraction in [0, 1), e.g. 0.1 for 10%",
                       FormatDeclared(c.tolerance));
  }
  auto path = results::ParseMetricPath(c.metric);
  if (!path.ok()) return path.status().message();
  return "";
}

// "4500 (5000 − 10%)" or "5000" when there is no tolerance.
std::string ThresholdText(const spec::Constraint& c, double threshold) {
  if (c.tolerance == 0) return FormatDeclared(c.value);
  return fmt::format("{} ({} {} {})", FormatThreshold(threshold), FormatDeclared(c.value),
                     c.op == ">=" ? "−" : "+", FormatPercent(c.tolerance));
}

// "measured 5210.4 (95% CI 5100.2–5320.6, n=3)"
std::string MeasuredText(const results::MetricAggregate& m) {
  if (std::isfinite(m.ci_low) && std::isfinite(m.ci_high)) {
    return fmt::format("measured {} ({} CI {}–{}, n={})", FormatMeasured(m.mean),
                       FormatPercent(m.confidence), FormatMeasured(m.ci_low),
                       FormatMeasured(m.ci_high), m.n);
  }
  return fmt::format("measured {} (no CI, n={})", FormatMeasured(m.mean), m.n);
}

// Judges one well-formed constraint at one point of the run.
void Judge(const spec::Constraint& c, const results::PointResult& point,
           results::GateOutcome& o) {
  o.tier = point.tier;
  if (point.tier != results::kTierVerdict) o.draft_reasons = point.reasons;

  const results::MetricAggregate* m = point.Find(c.metric);
  if (m == nullptr) {
    o.status = "other";
    std::string measured;
    for (const auto& [path, aggregate] : point.metrics) measured += (measured.empty() ? "" : ", ") + path;
    o.message = fmt::format("{} was not measured at {} (it has: {}); check the metric path",
                            c.metric, point.point, measured.empty() ? "no metrics" : measured);
    return;
  }
  o.measured = m->mean;
  o.ci_low = m->ci_low;
  o.ci_high = m->ci_high;
  o.n = m->n;
  if (!std::isfinite(m->mean)) {
    o.status = "other";
    o.message = fmt::format("{} has no value at {} (mean undefined, n={}); no replicate produced it",
                            c.metric, point.point, m->n);
    return;
  }

  const bool at_least = c.op == ">=";
  const double threshold = at_least ? c.value * (1 - c.tolerance) : c.value * (1 + c.tolerance);
  const std::string threshold_text = ThresholdText(c, threshold);
  const bool mean_passes = at_least ? AtLeast(m->mean, threshold) : AtMost(m->mean, threshold);
  const std::string pass_sign = at_least ? "≥" : "≤";
  const std::string fail_sign = at_least ? "<" : ">";

  if (!c.strict) {
    o.status = mean_passes ? "passed" : "failed";
    o.message = fmt::format("{} {} {}", MeasuredText(*m), mean_passes ? pass_sign : fail_sign,
                            threshold_text);
  } else {
    const double bound = at_least ? m->ci_low : m->ci_high;
    if (m->n < 2 || !std::isfinite(m->ci_low) || !std::isfinite(m->ci_high)) {
      o.status = "other";
      o.message = fmt::format(
          "{}: a strict constraint needs a confidence interval, and there is none with n={}; run "
          "at least 2 replicates (3 for a VERDICT) or drop strict",
          MeasuredText(*m), m->n);
      return;
    }
    const bool ci_passes = at_least ? AtLeast(bound, threshold) : AtMost(bound, threshold);
    o.status = ci_passes ? "passed" : "failed";
    if (ci_passes) {
      o.message = fmt::format("{}: whole CI {} {}", MeasuredText(*m), pass_sign, threshold_text);
    } else {
      o.message = fmt::format("{}: CI {} {} {} {}; strict requires the whole CI to pass{}",
                              MeasuredText(*m), at_least ? "low" : "high", FormatMeasured(bound),
                              fail_sign, threshold_text,
                              mean_passes ? " (the mean alone passes)" : "");
    }
  }
  if (m->low_n) o.message += "; low_n: too few samples for this quantile in some replicate";
  if (!o.draft_reasons.empty()) {
    std::string reasons;
    for (const std::string& r : o.draft_reasons) reasons += (reasons.empty() ? "" : "; ") + r;
    o.message += fmt::format("; {} point: {}", point.tier, reasons);
  }
}

void EvaluateOne(const spec::Constraint& c, const results::RunResult& run, GateReport& report) {
  if (std::string problem = ConstraintProblem(c); !problem.empty()) {
    results::GateOutcome o = NewOutcome(c, c.at.value_or(""));
    o.status = "other";
    o.message = "malformed constraint: " + problem;
    report.outcomes.push_back(std::move(o));
    return;
  }
  if (!c.at) {
    if (run.points.empty()) {
      results::GateOutcome o = NewOutcome(c, "");
      o.status = "skipped";
      o.message = "the run has no points to evaluate";
      report.warnings.push_back(o.name + ": skipped, the run has no points");
      report.outcomes.push_back(std::move(o));
      return;
    }
    for (const results::PointResult& p : run.points) {
      results::GateOutcome o = NewOutcome(c, p.point);
      Judge(c, p, o);
      report.outcomes.push_back(std::move(o));
    }
    return;
  }
  // Match the canonical spelling ("rate=10.0" is "rate=10") as well as the text as written.
  auto parsed = results::Point::Parse(*c.at);
  if (!parsed.ok()) {
    results::GateOutcome o = NewOutcome(c, *c.at);
    o.status = "other";
    o.message = "malformed constraint: at: " + parsed.status().message();
    report.outcomes.push_back(std::move(o));
    return;
  }
  const std::string canonical = parsed->Format();
  const results::PointResult* point = run.Find(canonical);
  if (point == nullptr) point = run.Find(*c.at);
  if (point == nullptr) {
    results::GateOutcome o = NewOutcome(c, canonical);
    o.status = "skipped";
    o.message = fmt::format("the run has no point {} (its points: {})", canonical, JoinPoints(run));
    report.warnings.push_back(o.name + ": skipped, " + o.message);
    report.outcomes.push_back(std::move(o));
    return;
  }
  results::GateOutcome o = NewOutcome(c, point->point);
  Judge(c, *point, o);
  report.outcomes.push_back(std::move(o));
}

}  // namespace

GateReport EvaluateConstraints(std::span<const spec::Constraint> constraints,
                               const results::RunResult& run) {
  GateReport report;
  report.start_ms = NowEpochMs();
  for (const spec::Constraint& c : constraints) EvaluateOne(c, run, report);

  int passed = 0, failed = 0, skipped = 0, other = 0;
  for (const results::GateOutcome& o : report.outcomes) {
    if (o.status == "passed") ++passed;
    else if (o.status == "failed") ++failed;
    else if (o.status == "skipped") ++skipped;
    else ++other;
  }
  if (failed > 0) {
    report.status = "failed";
  } else if (other > 0) {
    report.status = "error";
  } else if (passed > 0) {
    report.status = "passed";
  } else {
    report.status = "skipped";
  }
  if (constraints.empty()) {
    report.message = "no constraints declared";
  } else {
    report.message = fmt::format("{} passed, {} failed, {} skipped, {} evaluation error{}", passed,
                                 failed, skipped, other, other == 1 ? "" : "s");
  }
  report.stop_ms = NowEpochMs();
  return report;
}

int GateExitCode(const GateReport& report, bool run_partial) {
  if (run_partial) return 2;
  if (report.status == "passed") return 0;
  if (report.status == "failed") return 1;
  if (report.status == "skipped") return 3;
  return 2;
}

void RecordGate(const GateReport& report, results::RunResult& run) {
  run.gate = report.outcomes;
  run.gate_status = report.status;
}

nlohmann::json GateReportJson(const GateReport& report, const results::RunResult& run) {
  nlohmann::json outcomes = nlohmann::json::array();
  for (const results::GateOutcome& o : report.outcomes) outcomes.push_back(o.ToJson());
  nlohmann::json warnings = nlohmann::json::array();
  for (const std::string& w : report.warnings) warnings.push_back(w);
  return {{"schema", kGateSchema},     {"run_id", run.run_id},
          {"run_status", run.status},  {"status", report.status},
          {"message", report.message}, {"outcomes", std::move(outcomes)},
          {"warnings", std::move(warnings)}};
}

}  // namespace inferbench::gate
