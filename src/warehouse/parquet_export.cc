#include "warehouse/parquet_export.h"

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "warehouse/database.h"
#include "warehouse/schema.h"

namespace inferbench::warehouse {
namespace {

namespace fs = std::filesystem;

bool IsFactTable(std::string_view table) {
  return table.size() > 5 && table.substr(table.size() - 5) == "_fact";
}

std::string SqlString(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

// Clears DIR/<table> from an earlier export. Refuses (and deletes nothing) when the folder holds
// anything an export would not have written.
Status ClearTableFolder(const fs::path& folder) {
  std::error_code ec;
  if (!fs::exists(folder, ec)) return Status::Ok();
  if (!fs::is_directory(folder, ec)) {
    return Status::Error(folder.string() +
                         " exists and is not a folder; choose another --parquet DIR");
  }
  for (auto it = fs::recursive_directory_iterator(folder, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const fs::path& p = it->path();
    bool ours = it->is_directory()
                    ? (it.depth() == 0 && p.filename().string().rfind("run_date=", 0) == 0)
                    : p.extension() == ".parquet";
    if (!ours) {
      return Status::Error(folder.string() + " holds " + p.string() +
                           ", which an export did not write; choose an empty --parquet DIR");
    }
  }
  if (ec) return Status::Error("cannot list " + folder.string() + ": " + ec.message());
  fs::remove_all(folder, ec);
  if (ec) return Status::Error("cannot clear " + folder.string() + ": " + ec.message());
  return Status::Ok();
}

}  // namespace

Result<std::vector<TableExport>> ExportParquet(Database& db, const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::Error("--parquet " + dir + ": cannot create the folder: " + ec.message());

  // One read transaction: every table comes from the same snapshot.
  if (Status s = db.Begin(); !s.ok()) return s.WithContext("export");
  auto fail = [&](const Status& s) -> Result<std::vector<TableExport>> {
    (void)db.Rollback();
    return s;
  };
  std::vector<TableExport> exports;
  for (std::string_view name : kTables) {
    if (name == "schema_meta") continue;
    TableExport table;
    table.table = std::string(name);
    fs::path folder = fs::path(dir) / table.table;
    table.path = folder.string();
    if (Status s = ClearTableFolder(folder); !s.ok()) return fail(s);
    fs::create_directories(folder, ec);
    if (ec) return fail(Status::Error("cannot create " + folder.string() + ": " + ec.message()));

    Result<Table> count = db.Query("SELECT count(*) FROM " + table.table);
    if (!count.ok()) return fail(count.status().WithContext("export " + table.table));
    table.rows = count->rows.empty() ? 0 : count->rows[0][0].get<int64_t>();

    std::string select;
    if (name == "benchmark_run_fact") {
      select =
          "SELECT t.*, COALESCE(strftime(t.started_at, '%Y-%m-%d'), 'unknown') AS run_date "
          "FROM benchmark_run_fact t";
    } else if (IsFactTable(name)) {
      select =
          "SELECT t.*, COALESCE(strftime(r.started_at, '%Y-%m-%d'), 'unknown') AS run_date "
          "FROM " +
          table.table + " t LEFT JOIN benchmark_run_fact r ON r.run_id = t.run_id";
    } else {
      select = "SELECT * FROM " + table.table;
    }
    std::string copy;
    if (IsFactTable(name) && table.rows > 0) {
      table.partitioned = true;
      copy = "COPY (" + select + ") TO " + SqlString(folder.string()) +
             " (FORMAT parquet, PARTITION_BY (run_date), OVERWRITE_OR_IGNORE)";
    } else {
      copy = "COPY (" + select + ") TO " + SqlString((folder / "data.parquet").string()) +
             " (FORMAT parquet)";
    }
    if (Status s = db.Execute(copy); !s.ok()) {
      return fail(s.WithContext("export " + table.table + " to " + folder.string()));
    }
    exports.push_back(std::move(table));
  }
  if (Status s = db.Commit(); !s.ok()) return fail(s.WithContext("export"));
  return exports;
}

nlohmann::json ExportToJson(const std::vector<TableExport>& tables) {
  nlohmann::json out = nlohmann::json::array();
  for (const TableExport& t : tables) {
    out.push_back({{"table", t.table},
                   {"rows", t.rows},
                   {"partitioned_by", t.partitioned ? nlohmann::json("run_date") : nullptr},
                   {"path", t.path}});
  }
  return out;
}

std::string FormatExport(const std::vector<TableExport>& tables) {
  size_t name_width = 0;
  size_t rows_width = 0;
  for (const TableExport& t : tables) {
    name_width = std::max(name_width, t.table.size());
    rows_width = std::max(rows_width, std::to_string(t.rows).size());
  }
  std::ostringstream out;
  for (const TableExport& t : tables) {
    const std::string rows = std::to_string(t.rows);
    out << t.table << std::string(name_width - t.table.size() + 2, ' ')
        << std::string(rows_width - rows.size(), ' ') << rows
        << (t.rows == 1 ? " row   " : " rows  ")
        << (t.partitioned ? "by run_date  " : "one file     ") << t.path << "\n";
  }
  return out.str();
}

}  // namespace inferbench::warehouse
