// Reading a BenchmarkRun YAML document (DESIGN.md §5) into the typed structs of benchmark_run.h.
//
// Parsing checks the document's *shape*: YAML syntax, unknown keys (with the closest known key
// suggested), value types (an integer where an integer belongs, "30s" where a duration does),
// enum values and required keys, each problem with its YAML path and line. Every problem is
// collected; a rejected value leaves its default in place. Value ranges and rules across keys
// are ValidateBenchmarkRun's (validate.h); LoadAndValidateBenchmarkRun does both.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "spec/benchmark_run.h"
#include "spec/benchmark_run_json.h"  // ToJson: the parser builds this JSON form first
#include "spec/problem.h"

namespace inferbench::spec {

struct ParseOutcome {
  BenchmarkRun run;               // defaults filled in; declared, lines and source set
  std::vector<Problem> problems;  // in document order
  // The file was read and its YAML is one mapping (so validating `run` means something).
  bool document_read = false;

  bool ok() const { return !HasErrors(problems); }
};

// Reads and parses the file at path; an unreadable file is one problem naming it.
ParseOutcome LoadBenchmarkRun(const std::string& path);
// Parses YAML text; source_name (a file path, or "" for none) is recorded as run.source.
ParseOutcome ParseBenchmarkRun(std::string_view yaml, std::string source_name);

// The constraints file of `inferbench gate --run RUN --constraints FILE`: either a top-level
// list of constraints or a mapping {constraints: [...]}, each entry with the keys and rules of
// spec.constraints[] (contract.h). Constraint::line is set. The error lists every problem, one
// "FILE:LINE: error: constraints[I].KEY: message" line each.
Result<std::vector<Constraint>> ParseConstraintsFile(const std::string& path);

}  // namespace inferbench::spec
