// ExportParquet: `inferbench warehouse export --parquet DIR` (DESIGN.md §7), the hand-off to a
// distributed engine (ClickHouse, Trino, Spark) once one machine's warehouse is outgrown.
//
// Layout under DIR, one folder per table of schema.h kTables (schema_meta is not exported):
//   fact tables keyed by run_id (benchmark_run_fact, serving_outcome_fact,
//   serving_replicate_fact, request_fact, telemetry_slice_fact, training_outcome_fact) get an
//   extra column run_date = the DATE of the run's benchmark_run_fact.started_at as YYYY-MM-DD
//   ('unknown' when the run has no start time or no run row) and are Hive-partitioned:
//     DIR/<table>/run_date=YYYY-MM-DD/data_0.parquet
//   (an empty fact table is written as DIR/<table>/data.parquet, with the run_date column, so
//   every table has at least one file to read);
//   dimension and user tables (software_version_dim, hardware_topology_dim, cluster_region_dim,
//   workload_dim, artifact_lineage_dim, baseline, published_rollup) are small and written as
//   one file: DIR/<table>/data.parquet.
// Read back with read_parquet('DIR/<table>/**/*.parquet', hive_partitioning = true).
//
// A table's folder is replaced on every export; a folder holding anything but Parquet files and
// run_date=… partitions is refused, never deleted. Works on a read-only connection.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace inferbench::warehouse {

class Database;

struct TableExport {
  std::string table;
  int64_t rows = 0;
  bool partitioned = false;  // by run_date
  std::string path;          // DIR/<table>
};

Result<std::vector<TableExport>> ExportParquet(Database& db, const std::string& dir);

nlohmann::json ExportToJson(const std::vector<TableExport>& tables);
std::string FormatExport(const std::vector<TableExport>& tables);

}  // namespace inferbench::warehouse
