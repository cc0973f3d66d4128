// Validating a BenchmarkRun (DESIGN.md §5): value ranges and enums from the contract table, rules
// across keys, and the mode rules. In publication mode every methodology rule is an error; in
// realism mode the same rules are warnings, labelled so, and the results are labelled realism.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "spec/benchmark_run.h"
#include "spec/parse.h"
#include "spec/problem.h"

namespace inferbench::spec {

// Every problem with run's values (the run may come from the parser or be built in code; lines
// come from run.lines when present). Does not repeat the parser's shape checks.
std::vector<Problem> ValidateBenchmarkRun(const BenchmarkRun& run);

// The checks of ValidateBenchmarkRun that concern spec.constraints alone (metric paths, operator,
// tolerance, `at` point strings; `at` against the load levels when run has levels).
std::vector<Problem> ValidateConstraints(const BenchmarkRun& run);

// Parse, then validate when the document was read; validation problems on a path the parser
// already reported (or above or below it) are left out, so each mistake is reported once.
// Problems are in document order.
ParseOutcome LoadAndValidateBenchmarkRun(const std::string& path);
ParseOutcome ParseAndValidateBenchmarkRun(std::string_view yaml, std::string source_name);

// One publication rule's verdict on a run (contract.h ContractRules, scope "publication"). The
// low_n rule gives one outcome per quantile KPI.
struct RuleOutcome {
  std::string id;    // "publication.replicates"
  std::string path;  // the key the rule is about
  bool passed = false;
  std::string detail;  // what was found; when failed, what to change
};
std::vector<RuleOutcome> EvaluatePublicationRules(const BenchmarkRun& run);

// The fewest samples for quantile q not to be low_n: the smallest n with n x (1 - q) >= 5
// (p50: 10, p90: 50, p95: 100, p99: 500, p999: 5000). REQUIRES: 0 <= q < 1.
int64_t SamplesForQuantile(double q);

// image is "name@sha256:" followed by 64 lower-case hex digits.
bool IsImagePinnedByDigest(std::string_view image);

}  // namespace inferbench::spec
