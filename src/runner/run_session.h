// ExecuteRun: `inferbench run SPEC [--sim]` (DESIGN.md §5, §6, §9). Starts the simulator when
// asked, waits for the target to be ready (a real one-token completion), records the environment
// and the target's /version, runs points × replicates in the declared order with warmup and
// per-(point, replicate) salts, adds replicates (up to maxReplicates) while a KPI's CI is too
// wide, scrapes every metrics URL before, during (every second) and after each point, judges the
// replicates (CIs, outliers, VERDICT/DRAFT), evaluates the constraints, and writes the run
// directory: spec.yaml, effective_spec.json, requests.jsonl, token_times, summary.json,
// telemetry.jsonl, target_version.json, environment.json, run.json, ctrf.json (with
// constraints), sim.log (with --sim). Blocking; call from the main thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "results/request_record.h"
#include "results/run_result.h"
#include "results/summary.h"
#include "runner/spec_config.h"
#include "spec/benchmark_run.h"

namespace inferbench::runner {

struct RunOptions {
  spec::BenchmarkRun spec;  // parsed, without validation errors
  // The spec's dataset and tokenizer when the caller already read them (ResolveWorkloadFiles on
  // `spec`); unset: ExecuteRun reads them.
  std::optional<WorkloadFiles> files;
  std::string spec_text;    // the document as written (stored as spec.yaml)
  std::string run_id;
  std::string output_dir;   // "" → <INFERBENCH_HOME or ./.inferbench>/runs/<run_id>
  bool sim = false;         // start `inferbench sim` from spec.target.sim
  std::string executable;   // this binary (for --sim)
  std::string ctrf_path;    // also write CTRF here ("" = only <run dir>/ctrf.json)
  std::string harness_version;
  std::string build_id;
  bool progress = false;    // progress line on stderr
  int64_t telemetry_interval_ns = 1'000'000'000;
  // Called with each finished point × replicate and with each note the run makes on the way.
  std::function<void(const results::PointSummary&)> on_point;
  std::function<void(const std::string&)> on_note;
  // Where the run is kept (runner/persist.h): "" = the spec's sinks when declared, else
  // $INFERBENCH_HOME. `store` false keeps only the run directory.
  bool store = true;
  std::string evidence_root;
  std::string warehouse_path;
  std::string sign_key_file;            // overrides spec.provenance.keyFile and turns signing on
  int64_t ingest_wait_ns = 10'000'000'000;  // bounded wait for the warehouse's writer lock
  // Called with every finished request on a load worker's thread (see BenchConfig::on_record).
  std::function<void(const results::RequestRecord&)> on_record;
};

struct RunOutcome {
  int exit_code = 0;  // DESIGN.md §6: 0 passed/no constraints, 1 failed, 2 error/partial, 130 Ctrl-C
  std::string error;  // when the run could not be done or is partial
  std::string output_dir;
  results::RunSummary summary;
  results::RunResult result;  // judged, with gate outcomes
  std::string gate_table;     // the console table of the gate ("" without constraints)
  int64_t cold_start_ns = -1;
  std::string manifest_digest;  // artifact_manifest_digest ("" when not stored)
  bool ingested = false;        // the run is in the warehouse
  // load.type sweep or search: the `capacity` object also written into summary.json and
  // run.json (CapacityDriver::ToJson); null otherwise.
  nlohmann::json capacity;
  std::string capacity_line;  // "knee: rate=12.5 (attainment …)" or the sweep's line
};

RunOutcome ExecuteRun(const RunOptions& options);

}  // namespace inferbench::runner
