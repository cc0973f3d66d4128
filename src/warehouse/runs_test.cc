#include "warehouse/runs.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "warehouse/schema.h"

namespace inferbench::warehouse {
namespace {

using ::testing::HasSubstr;

class RunsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto db = Database::OpenInMemory();
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::move(db.value()).release();
    ASSERT_TRUE(Migrate(*db_).ok());
    Status s = db_->Execute(R"sql(
      INSERT INTO benchmark_run_fact (run_id, name, started_at, status, tier, gate_status,
          workload_spec_digest, software_key, point_count, request_count, labels, intent_kpis)
      VALUES
        ('20260101-aaaa11', 'nightly', TIMESTAMP '2026-01-01 00:00:00', 'ok', 'VERDICT', 'passed',
         'digest-one-0123456789', 'sw1', 2, 100, '{"team":"perf"}', '["ttft_ms.p99"]'),
        ('20260102-bbbb22', 'nightly', TIMESTAMP '2026-01-02 00:00:00', 'ok', 'DRAFT', 'skipped',
         'digest-one-0123456789', NULL, 2, 120, NULL, NULL),
        ('20260102-bbbb33', 'adhoc', TIMESTAMP '2026-01-02 06:00:00', 'partial', 'DRAFT', 'skipped',
         'digest-two', NULL, 1, 10, NULL, NULL);
      INSERT INTO software_version_dim (software_key, engine, engine_version) VALUES ('sw1', 'vllm', '0.6');
      INSERT INTO artifact_lineage_dim (run_id, evidence_uri, signed, artifact_count, manifest, report_refs)
      VALUES ('20260101-aaaa11', '/ev', TRUE, 7, '{"run_id":"20260101-aaaa11"}', '[]');
      INSERT INTO serving_outcome_fact (run_id, point, benchmark_case_id, metric, mean, ci_low, ci_high, n, tier)
      VALUES ('20260101-aaaa11', 'concurrency=16', 'case16', 'ttft_ms.p99', 30, 28, 32, 3, 'VERDICT'),
             ('20260101-aaaa11', 'concurrency=4', 'case4', 'ttft_ms.p99', 12, 11, 13, 3, 'VERDICT'),
             ('20260101-aaaa11', 'concurrency=4', 'case4', 'output_throughput_tok_s', 900, 880, 920, 3, 'VERDICT');
    )sql");
    ASSERT_TRUE(s.ok()) << s.message();
  }
  static void TearDownTestSuite() {
    delete db_;
    db_ = nullptr;
  }

  static Database* db_;
};

Database* RunsTest::db_ = nullptr;

TEST_F(RunsTest, ResolvesExactIdsAndUniquePrefixes) {
  auto exact = ResolveRunId(*db_, "20260102-bbbb22");
  ASSERT_TRUE(exact.ok()) << exact.status().message();
  EXPECT_EQ(*exact, "20260102-bbbb22");
  auto prefix = ResolveRunId(*db_, "20260101");
  ASSERT_TRUE(prefix.ok()) << prefix.status().message();
  EXPECT_EQ(*prefix, "20260101-aaaa11");
}

TEST_F(RunsTest, AmbiguousShortAndUnknownRunsSayWhatToDo) {
  auto ambiguous = ResolveRunId(*db_, "20260102");
  ASSERT_FALSE(ambiguous.ok());
  EXPECT_THAT(ambiguous.status().message(), HasSubstr("ambiguous"));
  EXPECT_THAT(ambiguous.status().message(), HasSubstr("20260102-bbbb22"));
  EXPECT_THAT(ambiguous.status().message(), HasSubstr("20260102-bbbb33"));

  auto short_prefix = ResolveRunId(*db_, "2026");
  ASSERT_FALSE(short_prefix.ok());
  EXPECT_THAT(short_prefix.status().message(), HasSubstr("at least 6"));

  auto unknown = ResolveRunId(*db_, "nosuchrun-123");
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.status().message(), HasSubstr("unknown run"));
  EXPECT_THAT(unknown.status().message(), HasSubstr("inferbench runs list"));

  // LIKE wildcards in the text are not wildcards.
  EXPECT_FALSE(ResolveRunId(*db_, "2026010_-aaaa").ok());
}

TEST_F(RunsTest, ResolvesARunDirectoryThroughItsRunJson) {
  char pattern[] = "/tmp/ib-runs-test-XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  const std::string dir = pattern;
  std::ofstream(dir + "/run.json") << R"({"run_id": "20260102-bbbb33"})";
  auto resolved = ResolveRunId(*db_, dir);
  ASSERT_TRUE(resolved.ok()) << resolved.status().message();
  EXPECT_EQ(*resolved, "20260102-bbbb33");

  std::ofstream(dir + "/run.json") << R"({"run_id": "20991231-notin"})";
  auto not_ingested = ResolveRunId(*db_, dir);
  ASSERT_FALSE(not_ingested.ok());
  EXPECT_THAT(not_ingested.status().message(), HasSubstr("warehouse ingest " + dir));

  std::filesystem::remove(dir + "/run.json");
  auto unfinished = ResolveRunId(*db_, dir);
  ASSERT_FALSE(unfinished.ok());
  EXPECT_THAT(unfinished.status().message(), HasSubstr("no run.json"));
  std::filesystem::remove_all(dir);
}

TEST_F(RunsTest, ListsNewestFirstWithFilters) {
  auto all = ListRuns(*db_, ListFilter{});
  ASSERT_TRUE(all.ok()) << all.status().message();
  ASSERT_EQ(all->rows.size(), 3u);
  EXPECT_EQ(all->columns, (std::vector<std::string>{"run_id", "name", "started_at", "status",
                                                    "tier", "gate_status", "points", "requests",
                                                    "workload_spec_digest", "signed"}));
  EXPECT_EQ(all->rows[0][0], "20260102-bbbb33");
  EXPECT_EQ(all->rows[2][0], "20260101-aaaa11");
  EXPECT_EQ(all->rows[2][8], "digest-one-0");
  EXPECT_EQ(all->rows[2][9], true);
  EXPECT_EQ(all->rows[0][9], false);

  ListFilter nightly;
  nightly.name = "nightly";
  nightly.limit = 1;
  auto filtered = ListRuns(*db_, nightly);
  ASSERT_TRUE(filtered.ok());
  ASSERT_EQ(filtered->rows.size(), 1u);
  EXPECT_EQ(filtered->rows[0][0], "20260102-bbbb22");

  ListFilter by_digest;
  by_digest.workload_spec_digest = "digest-two";
  auto digest = ListRuns(*db_, by_digest);
  ASSERT_TRUE(digest.ok());
  ASSERT_EQ(digest->rows.size(), 1u);
  EXPECT_EQ(digest->rows[0][0], "20260102-bbbb33");
}

TEST_F(RunsTest, ShowsTheRunWithDimensionsLineageAndPointsInLoadOrder) {
  auto shown = ShowRun(*db_, "20260101-aaaa11");
  ASSERT_TRUE(shown.ok()) << shown.status().message();
  const nlohmann::json& j = *shown;
  EXPECT_EQ(j["run"]["name"], "nightly");
  EXPECT_EQ(j["run"]["labels"], (nlohmann::json{{"team", "perf"}}));
  EXPECT_EQ(j["run"]["intent_kpis"], nlohmann::json::array({"ttft_ms.p99"}));
  EXPECT_EQ(j["software"]["engine"], "vllm");
  EXPECT_TRUE(j["hardware"].is_null());
  EXPECT_EQ(j["lineage"]["signed"], true);
  EXPECT_EQ(j["lineage"]["manifest"]["run_id"], "20260101-aaaa11");
  ASSERT_EQ(j["points"].size(), 2u);
  EXPECT_EQ(j["points"][0]["point"], "concurrency=4");
  EXPECT_EQ(j["points"][1]["point"], "concurrency=16");
  EXPECT_EQ(j["points"][0]["benchmark_case_id"], "case4");
  EXPECT_EQ(j["points"][0]["metrics"].size(), 2u);
  EXPECT_DOUBLE_EQ(j["points"][0]["metrics"]["ttft_ms.p99"]["ci_high"].get<double>(), 13.0);
  EXPECT_EQ(j["points"][0]["metrics"]["ttft_ms.p99"]["n"], 3);

  auto unknown = ShowRun(*db_, "nope");
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.status().message(), HasSubstr("unknown run"));
}

}  // namespace
}  // namespace inferbench::warehouse
