// The gate's results as a CTRF document (Common Test Report Format, https://ctrf.io), so CI
// systems that read CTRF show one test per constraint × point. Layout:
//
//   {"reportFormat": "CTRF", "specVersion": "1.0.0", "timestamp", "generatedBy",
//    "results": {"tool": {"name": "inferbench", "version"},
//                "summary": {"tests", "passed", "failed", "skipped", "pending", "other",
//                            "start", "stop", "duration"},          // epoch ms, integers
//                "tests": [{"name", "status", "duration", "message", "suite",
//                           "extra": {"inferbench": {metric, point, op, value, tolerance, strict,
//                                                    measured, ci_low, ci_high, n, tier,
//                                                    draft_reasons, message}}}],
//                "environment": {"reportName", "extra": {"run_id", …}},
//                "extra": {"inferbench": {"run_id", "run_status", "gate_status", "warnings"}}}}
//
// The schema forbids unknown keys outside "extra", so everything of ours sits under
// extra["inferbench"]. An evaluation error is status "other"; undefined numbers are null.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "gate/evaluate.h"
#include "results/run_result.h"

namespace inferbench::gate {

// CTRF's current specification version (semver; the schema checks only the pattern).
inline constexpr std::string_view kCtrfSpecVersion = "1.0.0";

nlohmann::json CtrfReport(const GateReport& report, const results::RunResult& run,
                          std::string_view tool_version);

// Writes the document to path atomically (a temporary file beside it, then rename), creating
// missing parent directories. Errors name the file.
Status WriteCtrf(const std::string& path, const nlohmann::json& report);

}  // namespace inferbench::gate
