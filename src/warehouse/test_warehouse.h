// Tests only (header-only; no library code includes it): the warehouse the warehouse unit tests
// share.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "warehouse/database.h"
#include "warehouse/schema.h"

namespace inferbench::warehouse::testing {

// One migrated in-memory warehouse for the whole test binary (opening and migrating DuckDB is the
// slow part of a test), with every table but schema_meta emptied on each call, so a test that
// calls it in SetUp starts from empty tables. Not thread-safe; the reference stays valid until
// the process exits.
inline Database& EmptyTestWarehouse() {
  static const std::unique_ptr<Database> db = [] {
    auto opened = Database::OpenInMemory();
    if (!opened.ok()) {
      ADD_FAILURE() << "in-memory test warehouse: " << opened.status().message();
      std::abort();
    }
    std::unique_ptr<Database> out = std::move(*opened);
    Status migrated = Migrate(*out);
    if (!migrated.ok()) {
      ADD_FAILURE() << "migrating the in-memory test warehouse: " << migrated.message();
      std::abort();
    }
    return out;
  }();
  for (std::string_view table : kTables) {
    if (table == "schema_meta") continue;
    Status emptied = db->Execute("DELETE FROM " + std::string(table));
    EXPECT_TRUE(emptied.ok()) << table << ": " << emptied.message();
  }
  return *db;
}

}  // namespace inferbench::warehouse::testing
