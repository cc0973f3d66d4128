// PersistRun: after `run` has written its run directory, keep it (DESIGN.md §7): every artifact
// into the content-addressed evidence store with a manifest (signed when asked), then the run
// into the warehouse in one transaction. The warehouse has one writer: when another process holds
// it past `lock_wait_ns`, the run stays in the evidence store and the message says how to ingest
// it later (`inferbench warehouse ingest RUN_DIR`). Nothing measured is lost either way.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "spec/benchmark_run.h"

namespace inferbench::runner {

struct PersistOptions {
  std::string evidence_root;
  std::string warehouse_path;
  std::string harness_version;
  bool sign = false;
  std::string key_file;
  int64_t lock_wait_ns = 10'000'000'000;
};

struct PersistOutcome {
  bool stored = false;    // manifest written
  std::string manifest_digest;
  bool is_signed = false;
  bool ingested = false;  // in the warehouse (or already was)
  std::string error;      // what failed ("" when both steps succeeded)
  std::vector<std::string> notes;  // one line per step, for the console
};

PersistOutcome PersistRun(const std::string& run_dir, const std::string& run_id,
                          const PersistOptions& options);

// The sinks a run uses: RunOptions overrides, else the spec's sinks when declared, else
// $INFERBENCH_HOME (core/home.h).
std::string EvidenceRootFor(const spec::BenchmarkRun& spec, const std::string& override_root);
std::string WarehousePathFor(const spec::BenchmarkRun& spec, const std::string& override_path);

}  // namespace inferbench::runner
