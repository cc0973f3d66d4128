// Constraint evaluation (DESIGN.md §6): each declared constraint is judged at its point (or at
// every point of the run when `at` is absent) against the mean across replicates, with the
// relative tolerance applied to the threshold and, for `strict`, the whole confidence interval.
//
// Outcome statuses are the CTRF ones: "passed", "failed", "skipped" (the constraint names a point
// the run does not have) and "other" (an evaluation error: the metric is missing or undefined at
// the point, a strict constraint without a CI, a malformed constraint). The report's status
// folds them: any failed → "failed"; else any other → "error"; else any passed → "passed";
// else "skipped" (nothing was evaluated, e.g. no constraints declared).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "results/run_result.h"
#include "spec/benchmark_run.h"

namespace inferbench::gate {

inline constexpr std::string_view kGateSchema = "inferbench.gate/v1";

struct GateReport {
  std::vector<results::GateOutcome> outcomes;  // constraint order, then the run's point order
  std::string status;                          // passed | failed | skipped | error
  std::string message;                         // one line: "2 passed, 1 failed" or why skipped
  std::vector<std::string> warnings;           // e.g. a constraint naming a point not in the run
  int64_t start_ms = 0;  // wall-clock epoch ms when evaluation started (CTRF summary.start);
  int64_t stop_ms = 0;   // a caller that knows the run's own span may overwrite both
};

// Judges every constraint against the run. Never fails: problems become "other" outcomes or
// warnings. Reads the system clock only for start_ms/stop_ms.
GateReport EvaluateConstraints(std::span<const spec::Constraint> constraints,
                               const results::RunResult& run);

// The process exit code of `gate` and `run` (DESIGN.md §6): passed 0, failed 1, error 2,
// skipped 3. A partial run exits 2 whatever the constraints say (a partial run is an error, and
// one both partial and failing exits 2).
int GateExitCode(const GateReport& report, bool run_partial);

// Stores the outcomes and status in the run (run.json "gate" and "gate_status").
void RecordGate(const GateReport& report, results::RunResult& run);

// The `gate --json` document: {"schema": "inferbench.gate/v1", "run_id", "run_status", "status",
// "message", "outcomes": [GateOutcome::ToJson()…], "warnings": […]}.
nlohmann::json GateReportJson(const GateReport& report, const results::RunResult& run);

}  // namespace inferbench::gate
