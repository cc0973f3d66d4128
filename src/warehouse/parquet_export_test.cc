#include "warehouse/parquet_export.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "evidence/test_evidence.h"
#include "warehouse/database.h"
#include "warehouse/schema.h"
#include "warehouse/test_warehouse.h"

namespace inferbench::warehouse {
namespace {

namespace fs = std::filesystem;

class ParquetExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = evidence::testing::MakeScratchDir("ib-parquet");
    ASSERT_FALSE(dir_.empty());
    db_ = &testing::EmptyTestWarehouse();
    // Two days, one run without a start time, a training row of a run the warehouse does not
    // know, and a few dimension and user rows; telemetry stays empty.
    Status s = db_->Execute(R"sql(
      INSERT INTO benchmark_run_fact (run_id, started_at, status) VALUES
        ('a', TIMESTAMP '2026-11-01 10:00:00', 'ok'), ('b', TIMESTAMP '2026-11-02 23:59:59', 'ok'),
        ('c', NULL, 'failed');
      INSERT INTO serving_outcome_fact (run_id, point, benchmark_case_id, metric, mean) VALUES
        ('a', 'concurrency=1', 'k1', 'tpot_ms.mean', 1.5),
        ('b', 'concurrency=1', 'k1', 'tpot_ms.mean', 1.6),
        ('c', 'concurrency=1', 'k1', 'tpot_ms.mean', NULL);
      INSERT INTO serving_replicate_fact
        (run_id, point, benchmark_case_id, replicate, metric, value)
        SELECT 'a', 'concurrency=1', 'k1', i, 'tpot_ms.mean', i * 0.5 FROM range(5) t(i);
      INSERT INTO request_fact (run_id, request_id, ttft_ms)
        SELECT CASE WHEN i % 2 = 0 THEN 'a' ELSE 'b' END, 'r' || i, i FROM range(101) t(i);
      INSERT INTO training_outcome_fact (run_id, phase, scale_point, gpu_count, mfu) VALUES
        ('train-1', 'pretrain', '8xH100', 8, 0.4);
      INSERT INTO workload_dim (workload_spec_digest, model) VALUES ('w1', 'm');
      INSERT INTO artifact_lineage_dim (run_id, evidence_uri) VALUES ('a', '/e'), ('b', '/e');
      INSERT INTO baseline VALUES ('main', 'w1', 'a', NULL);
      INSERT INTO published_rollup (name, run_ids) VALUES ('p', '["a"]');
    )sql");
    ASSERT_TRUE(s.ok()) << s.message();
  }

  void TearDown() override { evidence::testing::RemoveScratchDir(dir_); }

  int64_t Count(Database& db, const std::string& sql) {
    auto t = db.Query(sql);
    EXPECT_TRUE(t.ok()) << sql << ": " << t.status().message();
    return t.ok() ? t->rows[0][0].get<int64_t>() : -1;
  }

  std::string dir_;
  Database* db_ = nullptr;
};

TEST_F(ParquetExportTest, EveryTableReadsBackWithTheSameRowCount) {
  const std::string out = dir_ + "/export";
  auto exported = ExportParquet(*db_, out);
  ASSERT_TRUE(exported.ok()) << exported.status().message();
  ASSERT_EQ(exported->size(), std::size(kTables) - 1);  // all but schema_meta

  auto reader = Database::OpenInMemory();
  ASSERT_TRUE(reader.ok());
  for (const TableExport& table : *exported) {
    SCOPED_TRACE(table.table);
    EXPECT_NE(table.table, "schema_meta");
    int64_t in_warehouse = Count(*db_, "SELECT count(*) FROM " + table.table);
    EXPECT_EQ(table.rows, in_warehouse);
    EXPECT_EQ(Count(**reader, "SELECT count(*) FROM read_parquet('" + out + "/" + table.table +
                                  "/**/*.parquet', hive_partitioning = true)"),
              in_warehouse);
  }
  EXPECT_EQ(exported->front().table, "benchmark_run_fact");
  EXPECT_TRUE(exported->front().partitioned);
}

TEST_F(ParquetExportTest, FactsArePartitionedByRunDateAndDimensionsAreOneFile) {
  const std::string out = dir_ + "/export";
  ASSERT_TRUE(ExportParquet(*db_, out).ok());
  EXPECT_TRUE(fs::is_directory(out + "/request_fact/run_date=2026-11-01"));
  EXPECT_TRUE(fs::is_directory(out + "/request_fact/run_date=2026-11-02"));
  EXPECT_TRUE(fs::is_directory(out + "/serving_outcome_fact/run_date=unknown"));
  EXPECT_TRUE(fs::is_directory(out + "/training_outcome_fact/run_date=unknown"));
  EXPECT_TRUE(fs::exists(out + "/workload_dim/data.parquet"));
  EXPECT_TRUE(fs::exists(out + "/baseline/data.parquet"));
  EXPECT_TRUE(fs::exists(out + "/telemetry_slice_fact/data.parquet"));  // empty fact table
  EXPECT_FALSE(fs::exists(out + "/schema_meta"));

  auto reader = Database::OpenInMemory();
  ASSERT_TRUE(reader.ok());
  auto by_day = (*reader)->Query(
      "SELECT CAST(run_date AS VARCHAR), count(*) FROM read_parquet('" + out +
      "/request_fact/**/*.parquet', hive_partitioning = true) GROUP BY ALL ORDER BY 1");
  ASSERT_TRUE(by_day.ok()) << by_day.status().message();
  ASSERT_EQ(by_day->rows.size(), 2u);
  EXPECT_EQ(by_day->rows[0][0], "2026-11-01");
  EXPECT_EQ(by_day->rows[0][1], 51);
  EXPECT_EQ(by_day->rows[1][1], 50);
}

TEST_F(ParquetExportTest, ReExportReplacesAndForeignFilesAreRefused) {
  const std::string out = dir_ + "/export";
  ASSERT_TRUE(ExportParquet(*db_, out).ok());
  ASSERT_TRUE(db_->Execute("DELETE FROM request_fact WHERE run_id = 'b'").ok());
  auto again = ExportParquet(*db_, out);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_FALSE(fs::exists(out + "/request_fact/run_date=2026-11-02"));  // stale partition gone

  std::ofstream(out + "/baseline/notes.txt") << "mine";
  auto refused = ExportParquet(*db_, out);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("notes.txt"), std::string::npos);
  EXPECT_TRUE(fs::exists(out + "/baseline/notes.txt"));
}

}  // namespace
}  // namespace inferbench::warehouse
