// StoreRunEvidence: puts every artifact of a run directory into the object store and writes the
// run's manifest (optionally signed). Artifacts are the run directory's regular files (spec.yaml,
// effective_spec.json, requests.jsonl, token_times, summary.json, run.json, environment.json,
// target_version.json, telemetry.jsonl, ctrf.json, sim.log, …), excluding temp files. Storing the
// same run again with the same bytes gives the same manifest digest (created_utc is taken from
// run.json/summary.json, not the clock); a changed file is an error unless `replace` is set.
#pragma once

#include <string>

#include "core/status.h"
#include "evidence/manifest.h"

namespace inferbench::evidence {

struct StoreOptions {
  std::string evidence_root;
  std::string harness_version;
  bool sign = false;
  std::string key_file;   // private key PEM when sign
  bool replace = false;   // allow a different manifest for an already stored run_id
};

Result<Manifest> StoreRunEvidence(const std::string& run_dir, const std::string& run_id,
                                  const StoreOptions& options);

}  // namespace inferbench::evidence
