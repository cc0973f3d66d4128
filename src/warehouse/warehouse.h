// warehouse/: the DuckDB warehouse of stored runs (DESIGN.md §7). Start here.
//
//   database.h        Database (DuckDB C API: version check, no extension auto-loading, lock
//                     retry, one instance per file per process), Table, Appender. The only file
//                     that includes duckdb.h is database.cc.
//   schema.h          The tables (schema v1) and Migrate(): newer or foreign files are refused.
//   ingest.h          IngestRun (one transaction, idempotent by run_id and manifest digest),
//                     RebuildWarehouse (every table from the evidence store alone).
//   runs.h            ResolveRunId (id, prefix, run directory), ListRuns, ShowRun.
//   run_data.h        LoadRunData: what compare needs of a run (facts, dimensions, replicates).
//   compare.h         CompareRuns: change CIs, Holm, verdicts, what changed, winners.
//   baseline.h        Named baselines per workload digest.
//   regressions.h     Newest run vs a history window (prediction interval) + change points.
//   lineage.h         Number → query → run → manifest → artifacts; publication safety.
//   publish.h         Published numbers with their query_spec_digest.
//   retention.h       Hot/warm/cold tiers by run age (dry run by default).
//   parquet_export.h  Every table as Hive-partitioned Parquet.
//   training_import.h Training outcomes (inferbench.training/v1) into training_outcome_fact.
//
// Namespace inferbench::warehouse. Uses evidence, stats, spec, results, core.
#pragma once

#include "warehouse/baseline.h"
#include "warehouse/compare.h"
#include "warehouse/database.h"
#include "warehouse/ingest.h"
#include "warehouse/lineage.h"
#include "warehouse/parquet_export.h"
#include "warehouse/publish.h"
#include "warehouse/regressions.h"
#include "warehouse/retention.h"
#include "warehouse/run_data.h"
#include "warehouse/runs.h"
#include "warehouse/schema.h"
#include "warehouse/training_import.h"
