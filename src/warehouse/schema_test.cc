#include "warehouse/schema.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/sha256.h"
#include "warehouse/database.h"

namespace inferbench::warehouse {
namespace {

using ::testing::HasSubstr;

std::string FileDigest(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return Sha256Hex(bytes.str());
}

class SchemaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/ib-schema-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static OpenOptions Write(bool migrate = true) {
    OpenOptions options;
    options.mode = AccessMode::kReadWrite;
    options.create = true;
    options.migrate = migrate;
    return options;
  }

  std::string dir_;
};

TEST_F(SchemaTest, AnEmptyDatabaseGetsEveryTableAndTheVersion) {
  auto db = Database::OpenInMemory();
  ASSERT_TRUE(db.ok());
  auto before = SchemaVersion(**db);
  ASSERT_TRUE(before.ok()) << before.status().message();
  EXPECT_EQ(*before, 0);
  ASSERT_TRUE(Migrate(**db).ok());
  auto after = SchemaVersion(**db);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, kSchemaVersion);
  for (std::string_view table : kTables) {
    auto count = (*db)->Query("SELECT count(*) FROM " + std::string(table));
    EXPECT_TRUE(count.ok()) << table << ": " << count.status().message();
  }
  auto creator = (*db)->Query("SELECT value FROM schema_meta WHERE key = 'creator'");
  ASSERT_TRUE(creator.ok());
  EXPECT_EQ(creator->rows[0][0], "inferbench");
  // Migrating a current file again changes nothing.
  ASSERT_TRUE(Migrate(**db).ok());
  auto rows = (*db)->Query("SELECT count(*) FROM schema_meta");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->rows[0][0], 2);
}

TEST_F(SchemaTest, ANewerFileIsRefusedAndLeftUnchanged) {
  const std::string path = dir_ + "/newer.duckdb";
  {
    auto db = Database::Open(path, Write());
    ASSERT_TRUE(db.ok()) << db.status().message();
    ASSERT_TRUE(
        (*db)->Execute("UPDATE schema_meta SET value = '99' WHERE key = 'schema_version'").ok());
    ASSERT_TRUE((*db)->Execute("CHECKPOINT").ok());
  }
  const std::string digest = FileDigest(path);
  auto writer = Database::Open(path, Write());
  ASSERT_FALSE(writer.ok());
  EXPECT_THAT(writer.status().message(), HasSubstr(path));
  EXPECT_THAT(writer.status().message(), HasSubstr("schema version 99"));
  EXPECT_THAT(writer.status().message(), HasSubstr("newer"));
  auto reader = Database::Open(path, OpenOptions{});
  ASSERT_FALSE(reader.ok());
  EXPECT_THAT(reader.status().message(), HasSubstr("99"));
  EXPECT_EQ(FileDigest(path), digest);
  EXPECT_FALSE(std::filesystem::exists(path + ".wal"));
}

TEST_F(SchemaTest, AForeignDuckdbFileIsRefusedAndLeftUnchanged) {
  const std::string path = dir_ + "/foreign.duckdb";
  {
    auto db = Database::Open(path, Write(/*migrate=*/false));
    ASSERT_TRUE(db.ok()) << db.status().message();
    ASSERT_TRUE(
        (*db)
            ->Execute("CREATE TABLE foo (x INTEGER); INSERT INTO foo VALUES (1); CHECKPOINT")
            .ok());
    auto version = SchemaVersion(**db);
    ASSERT_FALSE(version.ok());
    EXPECT_THAT(version.status().message(), HasSubstr("foo"));
    EXPECT_FALSE(Migrate(**db).ok());
  }
  const std::string digest = FileDigest(path);
  auto writer = Database::Open(path, Write());
  ASSERT_FALSE(writer.ok());
  EXPECT_THAT(writer.status().message(), HasSubstr(path));
  EXPECT_THAT(writer.status().message(), HasSubstr("not an inferbench warehouse"));
  EXPECT_EQ(FileDigest(path), digest);
}

TEST_F(SchemaTest, ASchemaMetaWithoutOurCreatorIsForeign) {
  auto db = Database::OpenInMemory();
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)
                  ->Execute("CREATE TABLE schema_meta (key VARCHAR, value VARCHAR); "
                            "INSERT INTO schema_meta VALUES ('schema_version', '1')")
                  .ok());
  auto version = SchemaVersion(**db);
  ASSERT_FALSE(version.ok());
  EXPECT_THAT(version.status().message(), HasSubstr("not an inferbench warehouse"));
}

TEST_F(SchemaTest, MigrateRefusesAReadOnlyConnection) {
  const std::string path = dir_ + "/ro.duckdb";
  { ASSERT_TRUE(Database::Open(path, Write()).ok()); }
  auto reader = Database::Open(path, OpenOptions{});
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  Status migrated = Migrate(**reader);
  ASSERT_FALSE(migrated.ok());
  EXPECT_THAT(migrated.message(), HasSubstr("read-only"));
}

}  // namespace
}  // namespace inferbench::warehouse
