#include "warehouse/publish.h"

#include <gtest/gtest.h>

#include "core/canonical_json.h"
#include "core/sha256.h"
#include "warehouse/database.h"
#include "warehouse/test_warehouse.h"

namespace inferbench::warehouse {
namespace {

class PublishTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = &testing::EmptyTestWarehouse();
    ASSERT_TRUE(
        db_->Execute("INSERT INTO benchmark_run_fact (run_id, status) VALUES ('run-a', 'ok'), "
                     "('run-b', 'ok');"
                     "INSERT INTO serving_outcome_fact (run_id, point, benchmark_case_id, "
                     "metric, mean) VALUES ('run-a', 'concurrency=4', 'c4', 'tpot_ms.mean', "
                     "12.5), ('run-b', 'concurrency=4', 'c4', 'tpot_ms.mean', 13.5), "
                     "('run-b', 'concurrency=8', 'c8', 'tpot_ms.mean', 15.0)")
            .ok());
  }

  int64_t Count(const std::string& sql) {
    auto t = db_->Query(sql);
    EXPECT_TRUE(t.ok()) << t.status().message();
    return t.ok() ? t->rows[0][0].get<int64_t>() : -1;
  }

  Database* db_ = nullptr;
};

TEST(QuerySpecDigestTest, IsTheSha256OfCanonicalSqlAndParams) {
  nlohmann::json params = {"run-a", 4};
  EXPECT_EQ(QuerySpecDigest("SELECT 1", params),
            Sha256Hex(R"({"params":["run-a",4],"sql":"SELECT 1"})"));
  EXPECT_NE(QuerySpecDigest("SELECT 1", params), QuerySpecDigest("SELECT 1 ", params));
  EXPECT_NE(QuerySpecDigest("SELECT 1", params), QuerySpecDigest("SELECT 1", {"run-b", 4}));
}

TEST(CheckReadOnlyQueryTest, AcceptsOneSelectOrWith) {
  EXPECT_TRUE(CheckReadOnlyQuery("SELECT 1", "--query").ok());
  EXPECT_TRUE(CheckReadOnlyQuery("  -- note\n/* c */ select ';' AS x;  ", "--query").ok());
  EXPECT_TRUE(CheckReadOnlyQuery("WITH t AS (SELECT 1) SELECT * FROM t", "--query").ok());
  EXPECT_TRUE(CheckReadOnlyQuery("SELECT 'it''s; fine', \"a;b\" FROM x", "--query").ok());
}

TEST(CheckReadOnlyQueryTest, RefusesEverythingElse) {
  for (const char* sql :
       {"DELETE FROM baseline", "INSERT INTO t VALUES (1)", "DROP TABLE x", "COPY t TO 'x.csv'",
        "ATTACH 'x.db'", "", "  -- only a comment", "SELECT 1; DROP TABLE baseline", "SELECT 1;;",
        "SELECT 'open", "SELECT 1 /* open", "(SELECT 1)", "PRAGMA version"}) {
    Status s = CheckReadOnlyQuery(sql, "--query");
    EXPECT_FALSE(s.ok()) << sql;
    if (!s.ok()) {
      EXPECT_NE(s.message().find("--query"), std::string::npos) << s.message();
      EXPECT_NE(s.message().find("SELECT or WITH"), std::string::npos) << s.message();
    }
  }
}

TEST_F(PublishTest, StoresTheResultWithDigestAndRunIds) {
  const std::string sql =
      "SELECT run_id, point, mean FROM serving_outcome_fact ORDER BY run_id, point";
  auto result = Publish(*db_, "tpot", sql);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->rows, 3);
  EXPECT_EQ(result->run_ids, (std::vector<std::string>{"run-a", "run-b"}));
  EXPECT_EQ(result->query_spec_digest, QuerySpecDigest(sql, nlohmann::json::array()));
  EXPECT_FALSE(result->replaced);

  auto row = db_->Query(
      "SELECT query_text, query_spec_digest, value, run_ids, published_at IS NOT NULL "
      "FROM published_rollup WHERE name = 'tpot'");
  ASSERT_TRUE(row.ok()) << row.status().message();
  ASSERT_EQ(row->rows.size(), 1u);
  EXPECT_EQ(row->rows[0][0], sql);
  EXPECT_EQ(row->rows[0][1], result->query_spec_digest);
  nlohmann::json value = nlohmann::json::parse(row->rows[0][2].get<std::string>());
  ASSERT_EQ(value.size(), 3u);
  EXPECT_EQ(value[0]["run_id"], "run-a");
  EXPECT_DOUBLE_EQ(value[0]["mean"].get<double>(), 12.5);
  EXPECT_EQ(nlohmann::json::parse(row->rows[0][3].get<std::string>()),
            nlohmann::json({"run-a", "run-b"}));
  EXPECT_EQ(row->rows[0][4], true);
}

TEST_F(PublishTest, RepublishingReplaces) {
  ASSERT_TRUE(Publish(*db_, "n", "SELECT run_id FROM benchmark_run_fact").ok());
  auto again = Publish(*db_, "n", "SELECT run_id FROM benchmark_run_fact WHERE run_id = 'run-b'");
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_TRUE(again->replaced);
  EXPECT_EQ(Count("SELECT count(*) FROM published_rollup"), 1);
  EXPECT_EQ(again->run_ids, std::vector<std::string>{"run-b"});
}

TEST_F(PublishTest, RequiresARunIdColumn) {
  auto result = Publish(*db_, "avg", "SELECT avg(mean) AS m FROM serving_outcome_fact");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find(
                "the query must return a run_id column so the number can be traced"),
            std::string::npos)
      << result.status().message();
  EXPECT_EQ(Count("SELECT count(*) FROM published_rollup"), 0);
}

TEST_F(PublishTest, RefusesUnknownOrMissingRunIdsAndEmptyResults) {
  auto unknown = Publish(*db_, "x", "SELECT 'run-zzz' AS run_id, 1 AS v");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("run-zzz"), std::string::npos);

  auto null_id = Publish(*db_, "x", "SELECT NULL::VARCHAR AS run_id");
  ASSERT_FALSE(null_id.ok());
  EXPECT_NE(null_id.status().message().find("row 1"), std::string::npos);

  auto empty = Publish(*db_, "x", "SELECT run_id FROM benchmark_run_fact WHERE false");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("no rows"), std::string::npos);

  auto bad_sql = Publish(*db_, "x", "SELECT run_id FROM no_such_table");
  ASSERT_FALSE(bad_sql.ok());
  EXPECT_EQ(Count("SELECT count(*) FROM published_rollup"), 0);
}

TEST_F(PublishTest, AWriteThatPassesTheTextCheckIsRolledBack) {
  auto result = Publish(*db_, "x", "WITH t AS (SELECT 1) DELETE FROM serving_outcome_fact");
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(Count("SELECT count(*) FROM serving_outcome_fact"), 3);
  auto refused = Publish(*db_, "x", "DELETE FROM serving_outcome_fact");
  EXPECT_FALSE(refused.ok());
  EXPECT_EQ(Count("SELECT count(*) FROM serving_outcome_fact"), 3);
}

TEST_F(PublishTest, RefusesABadName) {
  EXPECT_FALSE(Publish(*db_, "", "SELECT run_id FROM benchmark_run_fact").ok());
  EXPECT_FALSE(Publish(*db_, "a\nb", "SELECT run_id FROM benchmark_run_fact").ok());
}

}  // namespace
}  // namespace inferbench::warehouse
