// Ingest: one run into the warehouse (DESIGN.md §7), in ONE transaction — the run is either fully
// in or absent, also after kill -9. Request rows go through the appender; per-token arrays stay
// in the evidence (token_times), never in rows. Idempotent by run_id: a run already present with
// the same artifact_manifest_digest is skipped; with a different digest its rows are replaced.
//
// The inputs are the run's artifacts by file name (run.json, summary.json, requests.jsonl,
// effective_spec.json, environment.json, target_version.json, telemetry.jsonl, …), read either
// from a run directory or from the evidence store through the manifest (rebuild).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/status.h"
#include "evidence/manifest.h"

namespace inferbench::warehouse {

class Database;

struct IngestStats {
  std::string run_id;
  bool skipped = false;  // already present with the same manifest digest
  int64_t requests = 0;
  int64_t outcome_rows = 0;
  int64_t replicate_rows = 0;
  int64_t telemetry_rows = 0;
};

// Reads one artifact's bytes by file name; nullopt when the run has no such artifact.
using ArtifactReader = std::function<Result<std::optional<std::string>>(const std::string& name)>;

ArtifactReader RunDirectoryReader(const std::string& run_dir);
// Reads through the manifest from <evidence_root>/objects (decompressing).
ArtifactReader EvidenceReader(const std::string& evidence_root, const evidence::Manifest& manifest);

// `evidence_root` is recorded (absolute) in artifact_lineage_dim.evidence_uri.
Result<IngestStats> IngestRun(Database& db, const evidence::Manifest& manifest,
                              const ArtifactReader& read, const std::string& evidence_root);

// Convenience: the run directory's artifacts + the manifest already stored for its run_id.
Result<IngestStats> IngestRunDirectory(Database& db, const std::string& run_dir,
                                       const std::string& evidence_root);

// `warehouse rebuild`: recreates every curated table of `warehouse_path` from the evidence
// store alone (every manifest under <evidence_root>/manifests), into a new file that replaces
// the old one atomically; user-entered tables (baseline, published_rollup,
// training_outcome_fact) are carried over. Returns the number of runs ingested.
Result<int64_t> RebuildWarehouse(const std::string& warehouse_path, const std::string& evidence_root);

}  // namespace inferbench::warehouse
