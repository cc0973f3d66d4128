#include "warehouse/publish.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "core/canonical_json.h"
#include "core/sha256.h"
#include "warehouse/database.h"

namespace inferbench::warehouse {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Walks SQL text at the lexical level: skips whitespace, comments and quoted strings, and
// reports the first keyword and the position of every top-level semicolon.
struct SqlShape {
  std::string first_word;
  std::vector<size_t> semicolons;
  bool trailing_content_after_last_semicolon = false;
  std::string error;  // unterminated string or comment
};

SqlShape ScanSql(std::string_view sql) {
  SqlShape shape;
  size_t i = 0;
  bool seen_token_after_semicolon = false;
  while (i < sql.size()) {
    char c = sql[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      while (i < sql.size() && sql[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      size_t end = sql.find("*/", i + 2);
      if (end == std::string_view::npos) {
        shape.error = "an unterminated /* comment";
        return shape;
      }
      i = end + 2;
    } else if (c == '\'' || c == '"') {
      // '' and "" inside a quoted run are escapes: the loop simply re-enters the quote.
      size_t end = sql.find(c, i + 1);
      if (end == std::string_view::npos) {
        shape.error = std::string("an unterminated ") + (c == '\'' ? "string" : "quoted name");
        return shape;
      }
      if (shape.first_word.empty()) shape.first_word = std::string(sql.substr(i, end + 1 - i));
      i = end + 1;
      if (!shape.semicolons.empty()) seen_token_after_semicolon = true;
    } else if (c == '$' && i + 1 < sql.size() && sql[i + 1] == '$') {
      size_t end = sql.find("$$", i + 2);
      if (end == std::string_view::npos) {
        shape.error = "an unterminated $$ string";
        return shape;
      }
      if (shape.first_word.empty()) shape.first_word = "$$";
      i = end + 2;
      if (!shape.semicolons.empty()) seen_token_after_semicolon = true;
    } else if (c == ';') {
      shape.semicolons.push_back(i);
      seen_token_after_semicolon = false;
      ++i;
    } else {
      if (shape.first_word.empty()) {
        size_t start = i;
        while (i < sql.size() &&
               (std::isalnum(static_cast<unsigned char>(sql[i])) || sql[i] == '_')) {
          ++i;
        }
        shape.first_word = Lower(sql.substr(start, i - start));
        if (shape.first_word.empty()) shape.first_word = std::string(1, c);
        if (i == start) ++i;
      } else {
        ++i;
      }
      if (!shape.semicolons.empty()) seen_token_after_semicolon = true;
    }
  }
  shape.trailing_content_after_last_semicolon = seen_token_after_semicolon;
  return shape;
}

}  // namespace

std::string QuerySpecDigest(std::string_view sql, const nlohmann::json& params) {
  nlohmann::json spec = {{"sql", std::string(sql)}, {"params", params}};
  return Sha256Hex(CanonicalJson(spec));
}

Status CheckReadOnlyQuery(std::string_view sql, std::string_view what) {
  const std::string accepted = "; only a single SELECT or WITH … SELECT statement is accepted";
  SqlShape shape = ScanSql(sql);
  if (!shape.error.empty()) {
    return Status::Error(std::string(what) + ": the query has " + shape.error + accepted);
  }
  if (shape.first_word.empty()) {
    return Status::Error(std::string(what) + ": the query is empty" + accepted);
  }
  if (shape.first_word != "select" && shape.first_word != "with") {
    return Status::Error(std::string(what) + ": the query starts with '" + shape.first_word + "'" +
                         accepted);
  }
  if (shape.semicolons.size() > 1 ||
      (shape.semicolons.size() == 1 && shape.trailing_content_after_last_semicolon)) {
    return Status::Error(std::string(what) + ": the query holds more than one statement" +
                         accepted);
  }
  return Status::Ok();
}

Result<PublishResult> Publish(Database& db, const std::string& name, const std::string& sql,
                              std::chrono::system_clock::time_point now) {
  if (name.empty() || name.size() > 200 || std::any_of(name.begin(), name.end(), [](char c) {
        return std::iscntrl(static_cast<unsigned char>(c));
      })) {
    return Status::Error("publish NAME: give a non-empty name of at most 200 printable characters");
  }
  if (Status s = CheckReadOnlyQuery(sql, "--query"); !s.ok()) return s;

  // Run the query inside a transaction that is always rolled back, so a statement that slipped
  // past the text check (e.g. WITH … DELETE) cannot change anything.
  if (Status s = db.Begin(); !s.ok()) return s.WithContext("publish");
  Result<Table> table = db.Query(sql);
  Status rolled_back = db.Rollback();
  if (!table.ok()) return table.status().WithContext("publish " + name + ": running --query");
  if (!rolled_back.ok()) return rolled_back.WithContext("publish");

  std::optional<size_t> run_col = table->Column("run_id");
  if (!run_col) {
    return Status::Error("publish " + name +
                         ": the query must return a run_id column so the number can be traced "
                         "(add run_id to the SELECT list and to any GROUP BY)");
  }
  if (table->rows.empty()) {
    return Status::Error("publish " + name + ": the query returned no rows; nothing to publish");
  }
  std::set<std::string> ids;
  for (size_t r = 0; r < table->rows.size(); ++r) {
    const nlohmann::json& cell = table->rows[r][*run_col];
    if (!cell.is_string() || cell.get<std::string>().empty()) {
      return Status::Error("publish " + name + ": row " + std::to_string(r + 1) +
                           " has no run_id (NULL or empty); every row must name its run");
    }
    ids.insert(cell.get<std::string>());
  }
  std::vector<std::string> run_ids(ids.begin(), ids.end());

  // Every id must be a stored run; one scan of the run table, not one query per id.
  std::string joined;
  for (const std::string& id : run_ids) {
    if (id.find('\n') != std::string::npos) {
      return Status::Error("publish " + name + ": run_id '" + id + "' is not a stored run");
    }
    joined += id + "\n";
  }
  Result<Table> known = db.Query(
      "SELECT run_id FROM benchmark_run_fact "
      "WHERE run_id IN (SELECT unnest(string_split(?, chr(10))))",
      {joined});
  if (!known.ok()) return known.status().WithContext("publish " + name);
  std::set<std::string> stored;
  for (const auto& row : known->rows) stored.insert(row[0].get<std::string>());
  for (const std::string& id : run_ids) {
    if (!stored.count(id)) {
      return Status::Error("publish " + name + ": run_id '" + id +
                           "' in the result is not a stored run (`inferbench runs list`)");
    }
  }

  PublishResult result;
  result.name = name;
  result.query_spec_digest = QuerySpecDigest(sql, nlohmann::json::array());
  result.run_ids = run_ids;
  result.rows = static_cast<int64_t>(table->rows.size());
  result.value = table->ToJson();
  const int64_t now_us =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();

  if (Status s = db.Begin(); !s.ok()) return s.WithContext("publish");
  auto fail = [&](const Status& s) -> Result<PublishResult> {
    (void)db.Rollback();
    return s.WithContext("publish " + name);
  };
  Result<Table> existing = db.Query("SELECT count(*) FROM published_rollup WHERE name = ?", {name});
  if (!existing.ok()) return fail(existing.status());
  result.replaced = !existing->rows.empty() && existing->rows[0][0].get<int64_t>() > 0;
  if (Status s = db.ExecuteParams("DELETE FROM published_rollup WHERE name = ?", {name}); !s.ok()) {
    return fail(s);
  }
  Status inserted = db.ExecuteParams(
      "INSERT INTO published_rollup (name, query_text, query_spec_digest, value, run_ids, "
      "published_at) VALUES (?, ?, ?, ?, ?, make_timestamp(CAST(? AS BIGINT)))",
      {name, sql, result.query_spec_digest, result.value.dump(), nlohmann::json(run_ids).dump(),
       now_us});
  if (!inserted.ok()) return fail(inserted);
  if (Status s = db.Commit(); !s.ok()) return fail(s);
  return result;
}

}  // namespace inferbench::warehouse
