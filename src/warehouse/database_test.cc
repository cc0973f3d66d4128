#include "warehouse/database.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "warehouse/schema.h"

namespace inferbench::warehouse {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/ib-database-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Database> Writer(const std::string& path) {
    OpenOptions options;
    options.mode = AccessMode::kReadWrite;
    options.create = true;
    auto db = Database::Open(path, options);
    EXPECT_TRUE(db.ok()) << db.status().message();
    return db.ok() ? std::move(db.value()) : nullptr;
  }

  std::string dir_;
};

TEST_F(DatabaseTest, CreatesParentsAndSchemaThenQueriesWithParameters) {
  const std::string path = dir_ + "/a/b/warehouse.duckdb";
  auto db = Writer(path);
  ASSERT_TRUE(db);
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_FALSE(db->read_only());
  auto version = SchemaVersion(*db);
  ASSERT_TRUE(version.ok()) << version.status().message();
  EXPECT_EQ(*version, kSchemaVersion);

  ASSERT_TRUE(
      db->ExecuteParams("INSERT INTO baseline VALUES (?, ?, ?, NULL)",
                        {std::string("main"), std::string("digest-1"), std::string("run-1")})
          .ok());
  ASSERT_TRUE(
      db->ExecuteParams("INSERT INTO baseline VALUES (?, ?, ?, NULL)",
                        {std::string("main"), std::string("digest-2"), std::string("run-2")})
          .ok());
  auto table = db->Query("SELECT run_id FROM baseline WHERE workload_spec_digest = ? AND name = ?",
                         {std::string("digest-2"), std::string("main")});
  ASSERT_TRUE(table.ok()) << table.status().message();
  ASSERT_EQ(table->rows.size(), 1u);
  EXPECT_EQ(table->rows[0][0], "run-2");
  EXPECT_EQ(table->Column("run_id"), 0u);
  EXPECT_FALSE(table->Column("nope").has_value());
}

TEST_F(DatabaseTest, WrongParameterCountAndBadSqlAreErrorsNamingTheFile) {
  auto db = Database::OpenInMemory();
  ASSERT_TRUE(db.ok());
  auto bad = (*db)->Query("SELECT ?::INTEGER", {});
  EXPECT_FALSE(bad.ok());
  auto wrong = (*db)->Query("SELECT ?::INTEGER + ?", {int64_t{1}});
  ASSERT_FALSE(wrong.ok());
  EXPECT_THAT(wrong.status().message(), HasSubstr("2 parameter"));
  Status syntax = (*db)->Execute("SELEC 1");
  ASSERT_FALSE(syntax.ok());
  EXPECT_THAT(syntax.message(), HasSubstr(":memory:"));
  EXPECT_THAT(syntax.message(), HasSubstr("SELEC 1"));
}

TEST_F(DatabaseTest, MaterializesEveryCommonType) {
  auto db = Database::OpenInMemory();
  ASSERT_TRUE(db.ok());
  auto table = (*db)->Query(
      "SELECT 42::BIGINT AS i, 7::INTEGER AS small, 2.5::DOUBLE AS d, 'héllo' AS s, TRUE AS b, "
      "TIMESTAMP '2026-01-02 03:04:05' AS ts, TIMESTAMP '1969-12-31 23:59:59.5' AS early, "
      "DATE '2024-02-29' AS day, NULL AS n, 1.25::DECIMAL(10,2) AS dec, [1, 2] AS list, "
      "{'a': 1, 'b': 'x'} AS st, ? AS p_null, ? AS p_bool, ? AS p_int, ? AS p_double, ? AS p_text",
      {nullptr, true, int64_t{-5}, 0.125, std::string("q")});
  ASSERT_TRUE(table.ok()) << table.status().message();
  ASSERT_EQ(table->rows.size(), 1u);
  const auto& row = table->rows[0];
  auto at = [&](const char* name) { return row[*table->Column(name)]; };
  EXPECT_EQ(at("i"), 42);
  EXPECT_TRUE(at("i").is_number_integer());
  EXPECT_EQ(at("small"), 7);
  EXPECT_DOUBLE_EQ(at("d").get<double>(), 2.5);
  EXPECT_EQ(at("s"), "héllo");
  EXPECT_EQ(at("b"), true);
  EXPECT_EQ(at("ts"), "2026-01-02T03:04:05Z");
  EXPECT_EQ(at("early"), "1969-12-31T23:59:59.500000Z");
  EXPECT_EQ(at("day"), "2024-02-29");
  EXPECT_TRUE(at("n").is_null());
  EXPECT_DOUBLE_EQ(at("dec").get<double>(), 1.25);
  EXPECT_EQ(at("list"), nlohmann::json::array({1, 2}));
  EXPECT_EQ(at("st"), (nlohmann::json{{"a", 1}, {"b", "x"}}));
  EXPECT_TRUE(at("p_null").is_null());
  EXPECT_EQ(at("p_bool"), true);
  EXPECT_EQ(at("p_int"), -5);
  EXPECT_DOUBLE_EQ(at("p_double").get<double>(), 0.125);
  EXPECT_EQ(at("p_text"), "q");

  nlohmann::json json = table->ToJson();
  ASSERT_TRUE(json.is_array());
  EXPECT_EQ(json[0]["s"], "héllo");
  EXPECT_EQ(json[0]["ts"], "2026-01-02T03:04:05Z");
}

TEST_F(DatabaseTest, TimestampStringsRoundTripAsParameters) {
  auto db = Database::OpenInMemory();
  ASSERT_TRUE(db.ok());
  auto table = (*db)->Query("SELECT ?::TIMESTAMP AS t", {std::string("2026-01-02T03:04:05Z")});
  ASSERT_TRUE(table.ok()) << table.status().message();
  EXPECT_EQ(table->rows[0][0], "2026-01-02T03:04:05Z");
}

TEST_F(DatabaseTest, AppenderWritesTenThousandRowsAndNanBecomesNull) {
  auto db = Writer(dir_ + "/w.duckdb");
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->Execute("CREATE TABLE t (id BIGINT, name VARCHAR, x DOUBLE, ok BOOLEAN, ts "
                          "TIMESTAMP, z INTEGER)")
                  .ok());
  auto appender = db->Append("t");
  ASSERT_TRUE(appender.ok()) << appender.status().message();
  for (int64_t i = 0; i < 10'000; ++i) {
    (*appender)->Add(i);
    (*appender)->Add(std::string_view(i % 2 ? "odd" : "even"));
    (*appender)->Add(i == 7 ? std::nan("") : static_cast<double>(i) / 2);
    (*appender)->Add(i % 3 == 0);
    (*appender)->AddTimestampMicros(1'700'000'000'000'000 + i);
    (*appender)->Add(nullptr);
    ASSERT_TRUE((*appender)->EndRow().ok());
  }
  ASSERT_TRUE((*appender)->Close().ok());
  auto count = db->Query("SELECT count(*), sum(id), count(x), count(z), min(ts) FROM t");
  ASSERT_TRUE(count.ok()) << count.status().message();
  EXPECT_EQ(count->rows[0][0], 10'000);
  EXPECT_EQ(count->rows[0][1], 49'995'000);
  EXPECT_EQ(count->rows[0][2], 9'999);  // the NaN row is NULL
  EXPECT_EQ(count->rows[0][3], 0);
  EXPECT_EQ(count->rows[0][4], "2023-11-14T22:13:20Z");
}

TEST_F(DatabaseTest, AppenderReportsTypeErrorsNamingTheTable) {
  auto db = Database::OpenInMemory();
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Execute("CREATE TABLE t (id BIGINT)").ok());
  auto appender = (*db)->Append("t");
  ASSERT_TRUE(appender.ok());
  (*appender)->Add(int64_t{1});
  (*appender)->Add(int64_t{2});  // one value too many
  Status row = (*appender)->EndRow();
  ASSERT_FALSE(row.ok());
  EXPECT_THAT(row.message(), HasSubstr("appending to t"));
  auto missing = (*db)->Append("no_such_table");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("no_such_table"));
}

TEST_F(DatabaseTest, TransactionsRollBack) {
  auto db = Database::OpenInMemory();
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Execute("CREATE TABLE t (id BIGINT)").ok());
  ASSERT_TRUE((*db)->Begin().ok());
  ASSERT_TRUE((*db)->Execute("INSERT INTO t VALUES (1)").ok());
  auto appender = (*db)->Append("t");
  ASSERT_TRUE(appender.ok());
  (*appender)->Add(int64_t{2});
  ASSERT_TRUE((*appender)->EndRow().ok());
  ASSERT_TRUE((*appender)->Close().ok());
  ASSERT_TRUE((*db)->Rollback().ok());
  auto count = (*db)->Query("SELECT count(*) FROM t");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->rows[0][0], 0);
}

TEST_F(DatabaseTest, ReadOnlyRefusesWrites) {
  const std::string path = dir_ + "/ro.duckdb";
  { ASSERT_TRUE(Writer(path)); }
  auto reader = Database::Open(path, OpenOptions{});
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  EXPECT_TRUE((*reader)->read_only());
  EXPECT_FALSE((*reader)->Execute("INSERT INTO schema_meta VALUES ('x', 'y')").ok());
  auto count = (*reader)->Query("SELECT count(*) FROM schema_meta");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->rows[0][0], 2);
}

TEST_F(DatabaseTest, MissingFileAndForeignFileAreClearErrors) {
  auto missing = Database::Open(dir_ + "/missing.duckdb", OpenOptions{});
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr(dir_ + "/missing.duckdb"));
  EXPECT_THAT(missing.status().message(), HasSubstr("does not exist"));

  OpenOptions no_create;
  no_create.mode = AccessMode::kReadWrite;
  auto not_created = Database::Open(dir_ + "/missing.duckdb", no_create);
  EXPECT_FALSE(not_created.ok());
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/missing.duckdb"));

  const std::string text = dir_ + "/notes.txt";
  std::ofstream(text) << "this is not a database\n";
  OpenOptions write;
  write.mode = AccessMode::kReadWrite;
  auto foreign = Database::Open(text, write);
  ASSERT_FALSE(foreign.ok());
  EXPECT_THAT(foreign.status().message(), HasSubstr(text));
  EXPECT_THAT(foreign.status().message(), HasSubstr("not a DuckDB database"));
}

TEST_F(DatabaseTest, SameProcessOpensShareOneInstance) {
  const std::string path = dir_ + "/shared.duckdb";
  auto writer = Writer(path);
  ASSERT_TRUE(writer);
  ASSERT_TRUE(writer->Execute("INSERT INTO baseline VALUES ('n', 'd', 'r', NULL)").ok());
  // A reader in the same process sees the writer's committed rows (same instance, no lock fight).
  OpenOptions read;
  read.lock_wait_ns = 0;
  auto reader = Database::Open(path, read);
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  auto count = (*reader)->Query("SELECT count(*) FROM baseline");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->rows[0][0], 1);
  writer.reset();
  reader->reset();
  // A writer while only a read-only instance is open in this process is "busy".
  auto ro = Database::Open(path, read);
  ASSERT_TRUE(ro.ok());
  OpenOptions write;
  write.mode = AccessMode::kReadWrite;
  write.lock_wait_ns = 50'000'000;
  auto blocked = Database::Open(path, write);
  ASSERT_FALSE(blocked.ok());
  EXPECT_THAT(blocked.status().message(), StartsWith(std::string(kLockTimeout)));
  ro->reset();
  auto unblocked = Database::Open(path, write);
  EXPECT_TRUE(unblocked.ok()) << unblocked.status().message();
}

// DuckDB's lock is per process: the child holds the file read-write for ~400 ms. No DuckDB
// object exists in the parent when it forks.
TEST_F(DatabaseTest, LockHeldByAnotherProcessTimesOutThenSucceeds) {
  const std::string path = dir_ + "/locked.duckdb";
  { ASSERT_TRUE(Writer(path)); }
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(ready[0]);
    OpenOptions options;
    options.mode = AccessMode::kReadWrite;
    auto db = Database::Open(path, options);
    char byte = db.ok() ? 'y' : 'n';
    if (write(ready[1], &byte, 1) != 1) _exit(3);
    usleep(400'000);
    _exit(db.ok() ? 0 : 2);
  }
  close(ready[1]);
  char byte = 0;
  ASSERT_EQ(read(ready[0], &byte, 1), 1);
  close(ready[0]);
  ASSERT_EQ(byte, 'y');

  OpenOptions quick;
  quick.mode = AccessMode::kReadWrite;
  quick.lock_wait_ns = 100'000'000;
  auto busy = Database::Open(path, quick);
  ASSERT_FALSE(busy.ok());
  EXPECT_THAT(busy.status().message(), StartsWith(std::string(kLockTimeout)));
  EXPECT_THAT(busy.status().message(), HasSubstr(path));
  EXPECT_THAT(busy.status().message(), HasSubstr("pid " + std::to_string(child)));

  auto reader_busy =
      Database::Open(path, OpenOptions{.mode = AccessMode::kReadOnly, .lock_wait_ns = 0});
  ASSERT_FALSE(reader_busy.ok());
  EXPECT_THAT(reader_busy.status().message(), StartsWith(std::string(kLockTimeout)));

  OpenOptions patient;
  patient.mode = AccessMode::kReadWrite;
  patient.lock_wait_ns = 2'000'000'000;
  auto later = Database::Open(path, patient);
  EXPECT_TRUE(later.ok()) << later.status().message();
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST_F(DatabaseTest, FormatAlignsColumnsAndRoundsNumbers) {
  Table table;
  table.columns = {"name", "value", "n"};
  table.rows.push_back({"short", 3.14159265, 1});
  table.rows.push_back({"a longer name", 1234.5678901, 100});
  table.rows.push_back({nullptr, 0.000012345, nullptr});
  const std::string text = table.Format();
  EXPECT_THAT(text, HasSubstr("name                value     n\n"));
  EXPECT_THAT(text, HasSubstr("-------------  ----------  ----\n"));
  EXPECT_THAT(text, HasSubstr("short             3.14159     1\n"));
  EXPECT_THAT(text, HasSubstr("a longer name     1234.57   100\n"));
  EXPECT_THAT(text, HasSubstr("1.2345e-05"));
  EXPECT_THAT(text, HasSubstr("NULL"));
  EXPECT_THAT(text, HasSubstr("(3 rows)"));
}

}  // namespace
}  // namespace inferbench::warehouse
