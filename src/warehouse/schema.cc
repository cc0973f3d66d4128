#include "warehouse/schema.h"

#include <array>
#include <string>

#include <fmt/format.h>

#include "warehouse/database.h"

namespace inferbench::warehouse {

namespace {

// One step per schema version: `apply` turns a file of version `from` into version `from + 1`
// (inside the caller's transaction). Version 1 is the first schema, so there is no step yet;
// adding version 2 means bumping kSchemaVersion, updating kSchemaSql and appending {1, …} here.
struct MigrationStep {
  int from;
  Status (*apply)(Database& db);
};

constexpr std::array<MigrationStep, 0> kMigrations = {};

const MigrationStep* FindStep(int from) {
  for (const MigrationStep& step : kMigrations) {
    if (step.from == from) return &step;
  }
  return nullptr;
}

Status RunMigration(Database& db, int version) {
  if (version == 0) {
    if (Status created = db.Execute(kSchemaSql); !created.ok()) return created;
    return db.ExecuteParams(
        "INSERT INTO schema_meta VALUES ('schema_version', ?), ('creator', 'inferbench')",
        {std::to_string(kSchemaVersion)});
  }
  for (int v = version; v < kSchemaVersion; ++v) {
    const MigrationStep* step = FindStep(v);
    if (!step) {
      return Status::Error(fmt::format("no migration from schema version {} to {}", v, v + 1));
    }
    if (Status applied = step->apply(db); !applied.ok()) {
      return applied.WithContext(fmt::format("migrating schema version {} to {}", v, v + 1));
    }
  }
  return db.ExecuteParams("UPDATE schema_meta SET value = ? WHERE key = 'schema_version'",
                          {std::to_string(kSchemaVersion)});
}

}  // namespace

Result<int> SchemaVersion(Database& db) {
  auto tables = db.Query(
      "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
      "AND schema_name = 'main' ORDER BY table_name");
  if (!tables.ok()) return tables.status();
  if (tables->rows.empty()) return 0;
  bool has_meta = false;
  std::string names;
  for (const auto& row : tables->rows) {
    const std::string name = row[0].get<std::string>();
    has_meta = has_meta || name == "schema_meta";
    if (names.size() < 120) names += (names.empty() ? "" : ", ") + name;
  }
  const std::string foreign = "the file " + db.path() +
                              " is not an inferbench warehouse (it has tables: " + names +
                              "; no inferbench schema_meta); refusing to use or modify it — "
                              "point --warehouse at another file";
  if (!has_meta) return Status::Error(foreign);
  auto meta = db.Query("SELECT key, value FROM schema_meta");
  if (!meta.ok()) return Status::Error(foreign);
  std::string creator;
  std::string version_text;
  for (const auto& row : meta->rows) {
    if (!row[0].is_string() || !row[1].is_string()) continue;
    if (row[0] == "creator") creator = row[1].get<std::string>();
    if (row[0] == "schema_version") version_text = row[1].get<std::string>();
  }
  if (creator != "inferbench" || version_text.empty()) return Status::Error(foreign);
  int version = 0;
  try {
    size_t used = 0;
    version = std::stoi(version_text, &used);
    if (used != version_text.size() || version < 1) throw std::invalid_argument("bad");
  } catch (const std::exception&) {
    return Status::Error("the warehouse " + db.path() + " records schema_version \"" +
                         version_text + "\", which is not a version number; the file is damaged");
  }
  return version;
}

Status Migrate(Database& db) {
  if (db.read_only()) {
    return Status::Error("cannot migrate the warehouse " + db.path() + ": it is open read-only");
  }
  auto version = SchemaVersion(db);
  if (!version.ok()) return version.status();
  if (*version == kSchemaVersion) return Status::Ok();
  if (*version > kSchemaVersion) {
    return Status::Error(fmt::format(
        "the warehouse {} has schema version {}, newer than this inferbench's {}: it was written "
        "by a newer inferbench; use that version (the file was not modified)",
        db.path(), *version, kSchemaVersion));
  }
  if (Status begun = db.Begin(); !begun.ok()) return begun;
  if (Status migrated = RunMigration(db, *version); !migrated.ok()) {
    (void)db.Rollback();
    return migrated.WithContext(
        fmt::format("migrating the warehouse {} from schema version {}", db.path(), *version));
  }
  return db.Commit();
}

}  // namespace inferbench::warehouse
