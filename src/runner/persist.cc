#include "runner/persist.h"

#include <string_view>

#include "core/home.h"
#include "evidence/store_run.h"
#include "warehouse/database.h"
#include "warehouse/ingest.h"

namespace inferbench::runner {

std::string EvidenceRootFor(const spec::BenchmarkRun& spec, const std::string& override_root) {
  if (!override_root.empty()) return override_root;
  if (spec.declared.count("spec.sinks.evidence")) return spec.sinks.evidence;
  return DefaultEvidenceRoot();
}

std::string WarehousePathFor(const spec::BenchmarkRun& spec, const std::string& override_path) {
  if (!override_path.empty()) return override_path;
  if (spec.declared.count("spec.sinks.warehouse")) return spec.sinks.warehouse;
  return DefaultWarehousePath();
}

PersistOutcome PersistRun(const std::string& run_dir, const std::string& run_id,
                          const PersistOptions& options) {
  PersistOutcome outcome;
  const std::string later = "; the run directory is intact: `inferbench warehouse ingest " + run_dir +
                            "` stores and ingests it later";

  evidence::StoreOptions store;
  store.evidence_root = options.evidence_root;
  store.harness_version = options.harness_version;
  store.sign = options.sign;
  store.key_file = options.key_file;
  Result<evidence::Manifest> manifest = evidence::StoreRunEvidence(run_dir, run_id, store);
  if (!manifest.ok()) {
    outcome.error = "storing evidence in " + options.evidence_root + ": " + manifest.status().message() + later;
    return outcome;
  }
  outcome.stored = true;
  outcome.manifest_digest = manifest->Digest();
  outcome.is_signed = manifest->is_signed;
  outcome.notes.push_back("evidence: " + std::to_string(manifest->artifacts.size()) + " artifacts in " +
                          options.evidence_root + " (manifest sha256:" + outcome.manifest_digest +
                          (manifest->is_signed ? ", signed ed25519" : ", unsigned") + ")");

  warehouse::OpenOptions open;
  open.mode = warehouse::AccessMode::kReadWrite;
  open.create = true;
  open.lock_wait_ns = options.lock_wait_ns;
  auto db = warehouse::Database::Open(options.warehouse_path, open);
  if (!db.ok()) {
    outcome.error = db.status().message() + later;
    return outcome;
  }
  auto ingested = warehouse::IngestRun(**db, *manifest, warehouse::RunDirectoryReader(run_dir),
                                       options.evidence_root);
  if (!ingested.ok()) {
    outcome.error = "ingesting into " + options.warehouse_path + ": " + ingested.status().message() + later;
    return outcome;
  }
  outcome.ingested = true;
  outcome.notes.push_back("warehouse: " +
                          (ingested->skipped ? std::string("already ingested") :
                                               std::to_string(ingested->requests) + " requests, " +
                                                   std::to_string(ingested->outcome_rows) + " outcome rows") +
                          " in " + options.warehouse_path);
  return outcome;
}

}  // namespace inferbench::runner
