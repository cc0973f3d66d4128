// Database: the warehouse's DuckDB file through the stable C API (DESIGN.md §7, §10). The only
// place that includes duckdb.h. Opening checks duckdb_library_version() against the pinned
// version, turns extension auto-install/auto-load off (no network at run time) and, for a
// writer, creates or migrates the schema (schema.h).
//
// One writer per file (DuckDB's file lock, per process): Open() retries while another process
// holds the lock, up to `lock_wait_ns`, then fails with kLockTimeout in the message so callers
// can tell "busy" from "broken". Readers open read-only, short-lived, per request.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace inferbench::warehouse {

inline constexpr std::string_view kPinnedDuckdbVersion = "v1.4.4";
// Prefix of the error message when the lock could not be had within the wait.
inline constexpr std::string_view kLockTimeout = "warehouse busy";

enum class AccessMode { kReadOnly, kReadWrite };

struct OpenOptions {
  AccessMode mode = AccessMode::kReadOnly;
  int64_t lock_wait_ns = 2'000'000'000;  // retry while locked by another process
  bool create = false;                   // read-write only: create the file (and parents)
  bool migrate = true;                   // read-write only: create/migrate the schema
};

// A bound parameter of a prepared statement.
using Value = std::variant<std::nullptr_t, bool, int64_t, double, std::string>;

// A query result, materialized. Cells are JSON values: null, bool, integer, double, string
// (TIMESTAMP/DATE as ISO strings, other types through their VARCHAR cast).
struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<nlohmann::json>> rows;

  std::optional<size_t> Column(std::string_view name) const;
  nlohmann::json ToJson() const;  // [{"col": value, …}, …]
  std::string Format() const;      // aligned text table with a header row
};

class Appender;

class Database {
 public:
  static Result<std::unique_ptr<Database>> Open(const std::string& path, const OpenOptions& options);
  // An in-memory database (tests, reading Parquet).
  static Result<std::unique_ptr<Database>> OpenInMemory();
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  const std::string& path() const { return path_; }
  bool read_only() const { return read_only_; }

  Status Execute(std::string_view sql);                                    // any statements
  Result<Table> Query(std::string_view sql, const std::vector<Value>& params = {});
  Status ExecuteParams(std::string_view sql, const std::vector<Value>& params);
  Status Begin();
  Status Commit();
  Status Rollback();
  Result<std::unique_ptr<Appender>> Append(std::string_view table);

  struct Impl;

 private:
  Database() = default;
  std::string path_;
  bool read_only_ = true;
  std::unique_ptr<Impl> impl_;
};

// Row-wise bulk insert (duckdb_appender): Add one value per column in table order, then EndRow.
class Appender {
 public:
  ~Appender();
  void Add(std::nullptr_t);
  void Add(bool value);
  void Add(int64_t value);
  void Add(double value);      // NaN is stored as NULL
  void Add(std::string_view value);
  void AddTimestampMicros(int64_t micros_since_epoch);
  Status EndRow();
  // Hands the buffered rows to the table (within the connection's transaction); appending more
  // afterwards is fine. Bulk loads flush every few thousand rows to keep the buffer small.
  Status Flush();
  Status Close();              // flushes; errors name the table

  struct Impl;
  explicit Appender(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace inferbench::warehouse
