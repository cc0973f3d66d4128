// The warehouse schema (DESIGN.md §7), version kSchemaVersion. The tables below are the
// contract every other warehouse file (ingest, compare, lineage, retention, export) and
// docs/FORMATS.md rely on. Facts are long-format where a run has many metrics: one row per
// run × point × metric path (outcome) and run × point × replicate × metric path (replicate).
//
// Versioning: table `schema_meta` holds ('schema_version', N) and ('creator', 'inferbench').
// Migrate(): an empty file gets the current schema; an older version is migrated step by step
// inside one transaction; a newer version, or a file with tables but no inferbench schema_meta,
// is refused with a message naming the file and the versions — never modified.
#pragma once

#include <string_view>

#include "core/status.h"

namespace inferbench::warehouse {

class Database;

inline constexpr int kSchemaVersion = 1;

// Every table of the current schema, in creation order (export and rebuild iterate this).
inline constexpr std::string_view kTables[] = {
    "schema_meta",          "benchmark_run_fact",    "serving_outcome_fact",
    "serving_replicate_fact", "request_fact",        "telemetry_slice_fact",
    "training_outcome_fact", "software_version_dim", "hardware_topology_dim",
    "cluster_region_dim",   "workload_dim",          "artifact_lineage_dim",
    "baseline",             "published_rollup",
};

// The DDL of the current version. Dimension keys (software_key, hardware_key, cluster_key) are
// SHA-256 hex of the canonical JSON of the dimension's attributes.
inline constexpr std::string_view kSchemaSql = R"sql(
CREATE TABLE IF NOT EXISTS schema_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);

CREATE TABLE IF NOT EXISTS benchmark_run_fact (
  run_id VARCHAR PRIMARY KEY,
  name VARCHAR, started_at TIMESTAMP, ended_at TIMESTAMP, ingested_at TIMESTAMP,
  mode VARCHAR, intent_kpis VARCHAR /* JSON array */, variable_under_test VARCHAR,
  status VARCHAR /* ok | partial | failed */, tier VARCHAR /* VERDICT | DRAFT */,
  reasons VARCHAR /* JSON array */, gate_status VARCHAR,
  workload_spec_digest VARCHAR, artifact_manifest_digest VARCHAR,
  software_key VARCHAR, hardware_key VARCHAR, cluster_key VARCHAR,
  serving_config VARCHAR /* canonical JSON of spec.system.serving */,
  target_version VARCHAR /* canonical JSON of the target's /version (simulator parameters) */,
  labels VARCHAR /* canonical JSON of metadata.labels */,
  harness_version VARCHAR, build_id VARCHAR,
  point_count INTEGER, replicate_count INTEGER, request_count BIGINT, cold_start_s DOUBLE);

CREATE TABLE IF NOT EXISTS serving_outcome_fact (
  run_id VARCHAR NOT NULL, point VARCHAR NOT NULL, benchmark_case_id VARCHAR NOT NULL,
  metric VARCHAR NOT NULL /* metric path, e.g. ttft_ms.p99 */,
  mean DOUBLE, std DOUBLE, ci_low DOUBLE, ci_high DOUBLE, confidence DOUBLE, ci_method VARCHAR,
  n INTEGER, relative_ci_half_width DOUBLE, low_n BOOLEAN, tier VARCHAR,
  PRIMARY KEY (run_id, point, metric));

CREATE TABLE IF NOT EXISTS serving_replicate_fact (
  run_id VARCHAR NOT NULL, point VARCHAR NOT NULL, benchmark_case_id VARCHAR NOT NULL,
  replicate INTEGER NOT NULL, metric VARCHAR NOT NULL, value DOUBLE,
  outlier_action VARCHAR /* NULL | flag | exclude */,
  PRIMARY KEY (run_id, point, replicate, metric));

CREATE TABLE IF NOT EXISTS request_fact (
  run_id VARCHAR NOT NULL, request_id VARCHAR NOT NULL, point VARCHAR, benchmark_case_id VARCHAR,
  replicate INTEGER, warmup BOOLEAN,
  t_sched_ns BIGINT, t_send_ns BIGINT, t_first_ns BIGINT, t_second_ns BIGINT, t_last_ns BIGINT,
  t_done_ns BIGINT,
  input_tokens_requested BIGINT, input_tokens BIGINT, output_tokens_requested BIGINT,
  output_tokens BIGINT, output_tokens_source VARCHAR, token_events BIGINT, same_read_gaps BIGINT,
  cached_tokens BIGINT, finish_reason VARCHAR, http_status INTEGER, error_class VARCHAR,
  error_message VARCHAR, retries INTEGER,
  ttft_ms DOUBLE, tpot_ms DOUBLE, e2e_latency_ms DOUBLE);

CREATE TABLE IF NOT EXISTS telemetry_slice_fact (
  run_id VARCHAR NOT NULL, point VARCHAR, replicate INTEGER, phase VARCHAR /* before|during|after */,
  scope VARCHAR /* node */, source_url VARCHAR, t_s DOUBLE /* seconds since the run's anchor */,
  metric VARCHAR NOT NULL, labels VARCHAR /* canonical JSON of the sample's labels */, value DOUBLE);

CREATE TABLE IF NOT EXISTS training_outcome_fact (
  run_id VARCHAR NOT NULL, phase VARCHAR NOT NULL, scale_point VARCHAR NOT NULL, gpu_count INTEGER,
  step_time_s DOUBLE, tokens_per_s DOUBLE, time_to_train_s DOUBLE, mfu DOUBLE,
  scaling_efficiency DOUBLE, reliability DOUBLE, source_file VARCHAR, imported_at TIMESTAMP,
  PRIMARY KEY (run_id, phase, scale_point));

CREATE TABLE IF NOT EXISTS software_version_dim (
  software_key VARCHAR PRIMARY KEY, image_digest VARCHAR, driver VARCHAR, cuda VARCHAR,
  nccl VARCHAR, framework VARCHAR, engine VARCHAR, engine_version VARCHAR, server_version VARCHAR,
  harness_version VARCHAR);

CREATE TABLE IF NOT EXISTS hardware_topology_dim (
  hardware_key VARCHAR PRIMARY KEY, gpu_model VARCHAR, gpu_count INTEGER, pcie VARCHAR,
  nvlink VARCHAR, numa VARCHAR, nic VARCHAR, cpu_model VARCHAR, cpu_count INTEGER,
  memory_gib DOUBLE, host VARCHAR);

CREATE TABLE IF NOT EXISTS cluster_region_dim (
  cluster_key VARCHAR PRIMARY KEY, cluster VARCHAR, region VARCHAR, zone VARCHAR,
  node_pool VARCHAR, scheduler_path VARCHAR, resource_flavor VARCHAR, tenant_mode VARCHAR);

CREATE TABLE IF NOT EXISTS workload_dim (
  workload_spec_digest VARCHAR PRIMARY KEY, model VARCHAR, precision VARCHAR,
  isl_mean DOUBLE, isl_stddev DOUBLE, osl_mean DOUBLE, osl_stddev DOUBLE, load_model VARCHAR,
  protocol VARCHAR /* chat | completions */, dataset VARCHAR, canonical_spec VARCHAR /* JSON */);

CREATE TABLE IF NOT EXISTS artifact_lineage_dim (
  run_id VARCHAR PRIMARY KEY, evidence_uri VARCHAR /* absolute evidence root */,
  artifact_manifest_digest VARCHAR, signed BOOLEAN, artifact_count INTEGER,
  manifest VARCHAR /* the manifest JSON */, report_refs VARCHAR /* JSON array */);

-- Lookups by run (compare, lineage, runs show) on warehouses of many runs.
CREATE INDEX IF NOT EXISTS serving_outcome_fact_run ON serving_outcome_fact (run_id);
CREATE INDEX IF NOT EXISTS serving_replicate_fact_run ON serving_replicate_fact (run_id);

CREATE TABLE IF NOT EXISTS baseline (
  name VARCHAR NOT NULL, workload_spec_digest VARCHAR NOT NULL, run_id VARCHAR NOT NULL,
  created_at TIMESTAMP, PRIMARY KEY (name, workload_spec_digest));

CREATE TABLE IF NOT EXISTS published_rollup (
  name VARCHAR PRIMARY KEY, query_text VARCHAR, query_spec_digest VARCHAR, value VARCHAR /* JSON */,
  run_ids VARCHAR /* JSON array */, published_at TIMESTAMP);
)sql";

// Creates or migrates the schema of an open read-write database (see the file comment).
Status Migrate(Database& db);
// The schema version recorded in the file (0 for an empty file), or an error for a foreign file.
Result<int> SchemaVersion(Database& db);

}  // namespace inferbench::warehouse
