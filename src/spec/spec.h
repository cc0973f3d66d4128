// spec/: the BenchmarkRun contract (DESIGN.md §5). Start here.
//
//   benchmark_run.h       The typed structs of a BenchmarkRun, defaults filled in.
//   contract.h            The contract as data: every key (path, type, default, allowed values,
//                         doc) and the mode rules; printed by `tools benchmark-contracts`.
//   parse.h               YAML → BenchmarkRun: shape checks (unknown keys, types, enums,
//                         required keys) with YAML path and line; constraints files.
//   validate.h            Value ranges, rules across keys, publication/realism rules (low_n).
//   problem.h             Problem: one finding with path and line; "FILE:LINE: error: PATH: …".
//   benchmark_run_json.h  BenchmarkRun ↔ JSON in the document's shape; the effective spec YAML.
//   requests_expr.h       requestsPerLevel expressions: "max(64, 4x)".
//   digest.h              workload_spec_digest (what it covers and why) and benchmark_case_id.
//   plan.h                Point strings, the (point, replicate) plan in the declared order,
//                         duration estimate; the sweep's throughput point and the search's
//                         SLO bounds (load.type sweep / search).
//
// Namespace: inferbench::spec. Depends on results/ and core/ only (yaml-cpp privately).
#pragma once

#include "spec/benchmark_run.h"
#include "spec/benchmark_run_json.h"
#include "spec/contract.h"
#include "spec/digest.h"
#include "spec/parse.h"
#include "spec/plan.h"
#include "spec/problem.h"
#include "spec/requests_expr.h"
#include "spec/validate.h"
