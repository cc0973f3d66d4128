#include "warehouse/training_import.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "warehouse/database.h"

namespace inferbench::warehouse {
namespace {

struct Outcome {
  std::string phase;
  std::string scale_point;
  int64_t gpu_count = 0;
  std::optional<double> step_time_s, tokens_per_s, time_to_train_s, mfu, scaling_efficiency,
      reliability;
};

enum class Rule { kPositive, kUnit };

struct MetricField {
  const char* key;
  std::optional<double> Outcome::*member;
  Rule rule;
};

constexpr MetricField kMetricFields[] = {
    {"step_time_s", &Outcome::step_time_s, Rule::kPositive},
    {"tokens_per_s", &Outcome::tokens_per_s, Rule::kPositive},
    {"time_to_train_s", &Outcome::time_to_train_s, Rule::kPositive},
    {"mfu", &Outcome::mfu, Rule::kUnit},
    {"scaling_efficiency", &Outcome::scaling_efficiency, Rule::kUnit},
    {"reliability", &Outcome::reliability, Rule::kUnit},
};

bool ValidRunId(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string Got(const nlohmann::json& value) {
  std::string text = value.dump();
  return text.size() > 40 ? text.substr(0, 40) + "…" : text;
}

class Validator {
 public:
  explicit Validator(std::string file) : file_(std::move(file)) {}

  Status Error(const std::string& path, const std::string& rule) const {
    return Status::Error(file_ + ": " + path + ": " + rule);
  }

  Status CheckKeys(const nlohmann::json& object, const std::string& path,
                   const std::vector<std::string>& allowed) const {
    for (const auto& [key, unused] : object.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string list;
        for (const std::string& a : allowed) list += (list.empty() ? "" : ", ") + a;
        return Error(path.empty() ? key : path + "." + key, "unknown key (allowed: " + list + ")");
      }
    }
    return Status::Ok();
  }

  Result<std::string> RequiredString(const nlohmann::json& object, const std::string& path,
                                     const char* key) const {
    std::string at = path.empty() ? key : path + "." + key;
    if (!object.contains(key)) return Error(at, "required, a non-empty string");
    const nlohmann::json& v = object[key];
    if (!v.is_string() || v.get<std::string>().empty()) {
      return Error(at, "must be a non-empty string (got " + Got(v) + ")");
    }
    return v.get<std::string>();
  }

 private:
  std::string file_;
};

Result<std::vector<Outcome>> ParseOutcomes(const nlohmann::json& doc, const Validator& v,
                                           std::string* run_id) {
  if (!doc.is_object()) return v.Error("(top level)", "must be a JSON object");
  if (Status s = v.CheckKeys(doc, "", {"schema", "run_id", "outcomes"}); !s.ok()) return s;
  Result<std::string> schema = v.RequiredString(doc, "", "schema");
  if (!schema.ok()) return schema.status();
  if (*schema != kTrainingSchema) {
    return v.Error("schema",
                   "must be \"" + std::string(kTrainingSchema) + "\" (got \"" + *schema + "\")");
  }
  Result<std::string> id = v.RequiredString(doc, "", "run_id");
  if (!id.ok()) return id.status();
  if (!ValidRunId(*id)) {
    return v.Error("run_id", "use 1 to 128 characters of A-Z a-z 0-9 . _ - (got \"" + *id + "\")");
  }
  *run_id = *id;
  if (!doc.contains("outcomes") || !doc["outcomes"].is_array() || doc["outcomes"].empty()) {
    return v.Error("outcomes", "required, a non-empty array of outcome objects");
  }

  std::vector<std::string> allowed = {"phase", "scale_point", "gpu_count"};
  for (const MetricField& f : kMetricFields) allowed.emplace_back(f.key);
  std::vector<Outcome> outcomes;
  std::map<std::pair<std::string, std::string>, size_t> seen;
  const nlohmann::json& list = doc["outcomes"];
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string path = "outcomes[" + std::to_string(i) + "]";
    const nlohmann::json& item = list[i];
    if (!item.is_object()) return v.Error(path, "must be an object");
    if (Status s = v.CheckKeys(item, path, allowed); !s.ok()) return s;
    Outcome o;
    Result<std::string> phase = v.RequiredString(item, path, "phase");
    if (!phase.ok()) return phase.status();
    o.phase = *phase;
    Result<std::string> scale = v.RequiredString(item, path, "scale_point");
    if (!scale.ok()) return scale.status();
    o.scale_point = *scale;
    if (!item.contains("gpu_count"))
      return v.Error(path + ".gpu_count", "required, an integer >= 1");
    const nlohmann::json& gpus = item["gpu_count"];
    if (!gpus.is_number_integer() || gpus.get<int64_t>() < 1 || gpus.get<int64_t>() > 10'000'000) {
      return v.Error(path + ".gpu_count", "must be an integer >= 1 (got " + Got(gpus) + ")");
    }
    o.gpu_count = gpus.get<int64_t>();
    bool any_metric = false;
    for (const MetricField& f : kMetricFields) {
      if (!item.contains(f.key) || item[f.key].is_null()) continue;
      const nlohmann::json& value = item[f.key];
      const std::string at = path + "." + f.key;
      if (!value.is_number()) {
        return v.Error(at, std::string("must be a number ") +
                               (f.rule == Rule::kUnit ? "between 0 and 1" : "> 0") + " (got " +
                               Got(value) + ")");
      }
      double x = value.get<double>();
      if (f.rule == Rule::kUnit && !(x >= 0.0 && x <= 1.0)) {
        return v.Error(at, "must be a number between 0 and 1, a fraction not a percentage (got " +
                               Got(value) + ")");
      }
      if (f.rule == Rule::kPositive && !(x > 0.0)) {
        return v.Error(at, "must be a number > 0 (got " + Got(value) + ")");
      }
      o.*(f.member) = x;
      any_metric = true;
    }
    if (!any_metric) {
      return v.Error(path,
                     "gives no measurement; add at least one of step_time_s, "
                     "tokens_per_s, time_to_train_s, mfu, scaling_efficiency, reliability");
    }
    auto [it, inserted] = seen.emplace(std::make_pair(o.phase, o.scale_point), i);
    if (!inserted) {
      return v.Error(path, "repeats phase \"" + o.phase + "\" at scale_point \"" + o.scale_point +
                               "\" of outcomes[" + std::to_string(it->second) + "]");
    }
    outcomes.push_back(std::move(o));
  }
  return outcomes;
}

Value Opt(const std::optional<double>& v) {
  if (v) return *v;
  return nullptr;
}

}  // namespace

Result<TrainingImportStats> ImportTraining(Database& db, const std::string& file,
                                           std::chrono::system_clock::time_point now) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::Error(file + ": cannot read the file; check the path");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(bytes.str());
  } catch (const nlohmann::json::parse_error& e) {
    return Status::Error(file + ": not valid JSON (byte " + std::to_string(e.byte) +
                         "); expected an " + std::string(kTrainingSchema) + " document");
  }
  Validator validator(file);
  TrainingImportStats stats;
  Result<std::vector<Outcome>> outcomes = ParseOutcomes(doc, validator, &stats.run_id);
  if (!outcomes.ok()) return outcomes.status();

  std::error_code ec;
  std::string source = std::filesystem::absolute(file, ec).lexically_normal().string();
  if (ec) source = file;
  const int64_t now_us =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();

  if (Status s = db.Begin(); !s.ok()) return s.WithContext("import-training " + file);
  auto fail = [&](const Status& s) -> Result<TrainingImportStats> {
    (void)db.Rollback();
    return s.WithContext("import-training " + file + " (nothing was imported)");
  };
  for (const Outcome& o : *outcomes) {
    Result<Table> existing = db.Query(
        "SELECT count(*) FROM training_outcome_fact WHERE run_id = ? AND phase = ? AND "
        "scale_point = ?",
        {stats.run_id, o.phase, o.scale_point});
    if (!existing.ok()) return fail(existing.status());
    if (!existing->rows.empty() && existing->rows[0][0].get<int64_t>() > 0) stats.replaced += 1;
    Status deleted = db.ExecuteParams(
        "DELETE FROM training_outcome_fact WHERE run_id = ? AND phase = ? AND scale_point = ?",
        {stats.run_id, o.phase, o.scale_point});
    if (!deleted.ok()) return fail(deleted);
    Status inserted = db.ExecuteParams(
        "INSERT INTO training_outcome_fact (run_id, phase, scale_point, gpu_count, step_time_s, "
        "tokens_per_s, time_to_train_s, mfu, scaling_efficiency, reliability, source_file, "
        "imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, make_timestamp(CAST(? AS BIGINT)))",
        {stats.run_id, o.phase, o.scale_point, o.gpu_count, Opt(o.step_time_s), Opt(o.tokens_per_s),
         Opt(o.time_to_train_s), Opt(o.mfu), Opt(o.scaling_efficiency), Opt(o.reliability), source,
         now_us});
    if (!inserted.ok()) return fail(inserted);
    stats.rows += 1;
  }
  if (Status s = db.Commit(); !s.ok()) return fail(s);
  return stats;
}

}  // namespace inferbench::warehouse
