// Lineage: `inferbench lineage RUN [--metric PATH --point POINT] [--published NAME] [--deep]`
// (DESIGN.md §7). Walks one number back to its raw evidence and checks every link:
//
//   number    serving_outcome_fact (mean, CI, n, tier) of the run at (point, metric); without a
//             metric, the run's headline: its first intent KPI (else output_throughput_tok_s)
//             at its first point in load order that has it
//   query     the exact SQL text and parameters that read the number, and query_spec_digest
//             (publish.h QuerySpecDigest); re-running it must give exactly one row
//   run       benchmark_run_fact: status, tier, workload_spec_digest, artifact_manifest_digest,
//             and the point's benchmark_case_id
//   manifest  artifact_lineage_dim.evidence_uri + digest; the manifest is loaded from the
//             evidence store (the override root when given, else evidence_uri), its digest
//             recomputed and compared with both warehouse records
//   source    the number re-derived from the run's run.json artifact in the evidence (mean, CI
//             bounds and n must agree with the warehouse row)
//   artifacts every artifact of the manifest: the object exists (with deep: its bytes re-hash to
//             the recorded digest, evidence::VerifyRun), plus the manifest signature
//
// publication_safe = every step verified AND the run's status is "ok". The tier (VERDICT/DRAFT)
// is reported beside it, not folded in. `problems` says why a walk is not safe, naming the
// artifact, digest or row at fault.
//
// Cost: only keyed lookups by run_id (plus one small object read for run.json), so a walk stays
// cheap on a warehouse of many runs; deep re-hashes every artifact's bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace inferbench::warehouse {

class Database;

struct LineageRequest {
  std::string metric;  // "" = the headline metric
  std::string point;   // "" = the headline point (or the run's only point)
  bool deep = false;   // re-hash every artifact's bytes
};

struct LineageNumber {
  bool found = false;  // false: the run has no outcome rows, so there is no number to trace
  std::string metric;
  std::string point;
  std::string benchmark_case_id;
  bool headline = false;  // chosen by the headline rule, not by the caller
  std::optional<double> mean, ci_low, ci_high;
  int64_t n = 0;
  std::string tier;
};

struct LineageQuery {
  std::string sql;
  nlohmann::json params = nlohmann::json::array();
  std::string query_spec_digest;
  int64_t rows = 0;  // rows the query returned (1 when it verifies)
};

struct LineageRun {
  std::string run_id;
  std::string name;
  std::string started_at;
  std::string status;  // ok | partial | failed
  std::string tier;    // VERDICT | DRAFT
  std::string workload_spec_digest;
  std::string artifact_manifest_digest;  // as benchmark_run_fact records it
};

struct LineageManifest {
  std::string evidence_uri;     // artifact_lineage_dim.evidence_uri
  std::string evidence_root;    // the root actually read (override or evidence_uri)
  std::string recorded_digest;  // artifact_lineage_dim.artifact_manifest_digest
  std::string computed_digest;  // recomputed from the manifest file ("" when unreadable)
  bool loaded = false;
  bool is_signed = false;
  std::string signature;  // evidence::VerifyReport::signature
};

struct LineageSource {
  std::string artifact = "run.json";
  std::string digest;
  bool checked = false;  // run.json was read and the point/metric found
  bool agrees = false;   // its mean, CI and n equal the warehouse row
  std::string message;
};

struct LineageArtifact {
  std::string name;
  std::string media_type;
  int64_t size = 0;
  std::string digest;
  std::string status;  // "ok" | "present" | "missing" | "mismatch" | "unreadable"
  std::string message;
};

struct LineageReport {
  LineageNumber number;
  LineageQuery query;
  LineageRun run;
  LineageManifest manifest;
  LineageSource source;
  std::vector<LineageArtifact> artifacts;
  bool deep = false;
  bool verified = false;          // every step checked out
  bool publication_safe = false;  // verified and run.status == "ok"
  std::vector<std::string> problems;

  nlohmann::json ToJson() const;
  // number → query → run → manifest → artifacts, as an indented tree with a verdict line.
  std::string FormatText() const;
};

// Errors (not a report) for bad input: an unknown run_id, a metric path outside the vocabulary,
// a malformed point, or a point/metric the run does not have (the message lists what it has).
// `evidence_root_override` "" = use the run's recorded evidence_uri.
Result<LineageReport> Lineage(Database& db, const std::string& evidence_root_override,
                              const std::string& run_id, const LineageRequest& request);

struct PublishedLineage {
  std::string name;
  std::string query_text;
  std::string recorded_digest;  // published_rollup.query_spec_digest
  std::string computed_digest;  // QuerySpecDigest(query_text, [])
  std::string published_at;
  nlohmann::json value;
  std::vector<std::string> run_ids;
  bool reproduces = false;  // re-running the query now gives the published value
  std::string reproduce_message;
  std::vector<LineageReport> runs;  // each run's headline walk
  bool publication_safe = false;
  std::vector<std::string> problems;

  nlohmann::json ToJson() const;
  std::string FormatText() const;
};

// Walks published_rollup `name` → its query (digest recomputed, re-run read-only inside a rolled
// back transaction) → each run id's walk. Error when no rollup has that name.
Result<PublishedLineage> LineagePublished(Database& db, const std::string& evidence_root_override,
                                          const std::string& name, bool deep);

}  // namespace inferbench::warehouse
