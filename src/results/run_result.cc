#include "results/run_result.h"

#include <cmath>
#include <limits>
#include <utility>

#include "results/json_fields.h"

namespace inferbench::results {
namespace {

using Need = JsonFields::Need;

nlohmann::json NumberOrNull(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

nlohmann::json Strings(const std::vector<std::string>& values) {
  nlohmann::json out = nlohmann::json::array();
  for (const std::string& value : values) out.push_back(value);
  return out;
}

// Reads an optional array of strings; a non-string element is an error naming key.
void ReadStrings(JsonFields& f, std::string_view key, std::vector<std::string>& out) {
  const nlohmann::json* array = f.Array(key);
  if (!array) return;
  for (const nlohmann::json& item : *array) {
    if (!item.is_string()) {
      f.Fail(key, "must be a list of strings");
      return;
    }
    out.push_back(item.get<std::string>());
  }
}

}  // namespace

nlohmann::json MetricAggregate::ToJson() const {
  nlohmann::json json = nlohmann::json::object();
  json["mean"] = NumberOrNull(mean);
  json["std"] = NumberOrNull(stddev);
  json["ci_low"] = NumberOrNull(ci_low);
  json["ci_high"] = NumberOrNull(ci_high);
  json["confidence"] = confidence;
  json["ci_method"] = ci_method;
  json["n"] = n;
  json["relative_ci_half_width"] = NumberOrNull(relative_ci_half_width);
  json["low_n"] = low_n;
  nlohmann::json values = nlohmann::json::array();
  for (double value : replicates) values.push_back(NumberOrNull(value));
  json["replicates"] = std::move(values);
  nlohmann::json marks = nlohmann::json::array();
  for (const OutlierMark& mark : outliers) {
    marks.push_back({{"replicate", mark.replicate},
                     {"value", NumberOrNull(mark.value)},
                     {"score", NumberOrNull(mark.score)},
                     {"action", mark.action}});
  }
  json["outliers"] = std::move(marks);
  return json;
}

Result<MetricAggregate> MetricAggregate::FromJson(const nlohmann::json& json, std::string context) {
  MetricAggregate m;
  JsonFields f(json, context);
  f.Double("mean", m.mean);
  f.Double("std", m.stddev);
  f.Double("ci_low", m.ci_low);
  f.Double("ci_high", m.ci_high);
  f.Double("confidence", m.confidence);
  f.String("ci_method", m.ci_method);
  f.Int("n", m.n, Need::kRequired);
  f.Double("relative_ci_half_width", m.relative_ci_half_width);
  f.Bool("low_n", m.low_n);
  if (const nlohmann::json* values = f.Array("replicates")) {
    for (const nlohmann::json& value : *values) {
      if (value.is_null()) {
        m.replicates.push_back(kUndefined);
      } else if (value.is_number()) {
        m.replicates.push_back(value.get<double>());
      } else {
        f.Fail("replicates", "must be a list of numbers or nulls");
        break;
      }
    }
  }
  if (const nlohmann::json* marks = f.Array("outliers")) {
    for (const nlohmann::json& item : *marks) {
      OutlierMark mark;
      JsonFields o(item, context + " outlier");
      o.Int("replicate", mark.replicate, Need::kRequired);
      mark.value = kUndefined;
      mark.score = kUndefined;
      o.Double("value", mark.value);
      o.Double("score", mark.score);
      o.String("action", mark.action, Need::kRequired);
      if (!o.ok()) return o.status();
      m.outliers.push_back(std::move(mark));
    }
  }
  if (!f.ok()) return f.status();
  return m;
}

const MetricAggregate* PointResult::Find(std::string_view path) const {
  const auto it = metrics.find(std::string(path));
  return it == metrics.end() ? nullptr : &it->second;
}

nlohmann::json PointResult::ToJson() const {
  nlohmann::json json = nlohmann::json::object();
  json["point"] = point;
  json["benchmark_case_id"] = benchmark_case_id;
  json["tier"] = tier;
  json["reasons"] = Strings(reasons);
  json["replicates"] = replicates;
  nlohmann::json by_path = nlohmann::json::object();
  for (const auto& [path, aggregate] : metrics) by_path[path] = aggregate.ToJson();
  json["metrics"] = std::move(by_path);
  json["outlier_policy"] = outlier_policy;
  return json;
}

Result<PointResult> PointResult::FromJson(const nlohmann::json& json, std::string context) {
  PointResult p;
  JsonFields f(json, context);
  f.String("point", p.point, Need::kRequired);
  f.String("benchmark_case_id", p.benchmark_case_id);
  f.String("tier", p.tier, Need::kRequired);
  ReadStrings(f, "reasons", p.reasons);
  f.Int("replicates", p.replicates);
  f.String("outlier_policy", p.outlier_policy);
  if (!f.ok()) return f.status();
  if (const nlohmann::json* by_path = f.Object("metrics")) {
    for (const auto& [path, value] : by_path->items()) {
      auto aggregate = MetricAggregate::FromJson(value, context + " " + p.point + " metric " + path);
      if (!aggregate.ok()) return aggregate.status();
      p.metrics.emplace(path, std::move(aggregate.value()));
    }
  }
  if (!f.ok()) return f.status();
  return p;
}

nlohmann::json GateOutcome::ToJson() const {
  return {{"name", name},
          {"metric", metric},
          {"point", point},
          {"op", op},
          {"value", NumberOrNull(value)},
          {"tolerance", tolerance},
          {"strict", strict},
          {"status", status},
          {"measured", NumberOrNull(measured)},
          {"ci_low", NumberOrNull(ci_low)},
          {"ci_high", NumberOrNull(ci_high)},
          {"n", n},
          {"message", message},
          {"tier", tier},
          {"draft_reasons", Strings(draft_reasons)}};
}

Result<GateOutcome> GateOutcome::FromJson(const nlohmann::json& json, std::string context) {
  GateOutcome g;
  JsonFields f(json, context);
  f.String("name", g.name, Need::kRequired);
  f.String("metric", g.metric);
  f.String("point", g.point);
  f.String("op", g.op);
  f.Double("value", g.value);
  f.Double("tolerance", g.tolerance);
  f.Bool("strict", g.strict);
  f.String("status", g.status, Need::kRequired);
  f.Double("measured", g.measured);
  f.Double("ci_low", g.ci_low);
  f.Double("ci_high", g.ci_high);
  f.Int("n", g.n);
  f.String("message", g.message);
  f.String("tier", g.tier);
  ReadStrings(f, "draft_reasons", g.draft_reasons);
  if (!f.ok()) return f.status();
  return g;
}

const PointResult* RunResult::Find(std::string_view point) const {
  for (const PointResult& p : points) {
    if (p.point == point) return &p;
  }
  return nullptr;
}

nlohmann::json RunResult::ToJson() const {
  nlohmann::json json = nlohmann::json::object();
  json["schema"] = kRunSchema;
  json["run_id"] = run_id;
  json["name"] = name;
  json["status"] = status;
  json["tier"] = tier;
  json["reasons"] = Strings(reasons);
  json["workload_spec_digest"] = workload_spec_digest;
  json["mode"] = mode;
  json["cold_start_s"] = NumberOrNull(cold_start_s);
  nlohmann::json point_list = nlohmann::json::array();
  for (const PointResult& p : points) point_list.push_back(p.ToJson());
  json["points"] = std::move(point_list);
  nlohmann::json gate_list = nlohmann::json::array();
  for (const GateOutcome& g : gate) gate_list.push_back(g.ToJson());
  json["gate"] = std::move(gate_list);
  json["gate_status"] = gate_status;
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, path] : outputs) out[name] = path;
  json["outputs"] = std::move(out);
  return json;
}

Result<RunResult> RunResult::FromJson(const nlohmann::json& json) {
  RunResult r;
  const std::string context = "run.json";
  JsonFields f(json, context);
  std::string schema;
  f.String("schema", schema, Need::kRequired);
  if (f.ok() && schema != kRunSchema) {
    f.Fail("schema", "is \"" + schema + "\", expected \"" + std::string(kRunSchema) + "\"");
  }
  f.String("run_id", r.run_id, Need::kRequired);
  f.String("name", r.name);
  f.String("status", r.status, Need::kRequired);
  f.String("tier", r.tier, Need::kRequired);
  ReadStrings(f, "reasons", r.reasons);
  f.String("workload_spec_digest", r.workload_spec_digest);
  f.String("mode", r.mode);
  f.Double("cold_start_s", r.cold_start_s);
  f.String("gate_status", r.gate_status);
  if (!f.ok()) return f.status();
  if (const nlohmann::json* list = f.Array("points")) {
    for (const nlohmann::json& item : *list) {
      auto point = PointResult::FromJson(item, context + " point");
      if (!point.ok()) return point.status();
      r.points.push_back(std::move(point.value()));
    }
  }
  if (const nlohmann::json* list = f.Array("gate")) {
    for (const nlohmann::json& item : *list) {
      auto outcome = GateOutcome::FromJson(item, context + " gate outcome");
      if (!outcome.ok()) return outcome.status();
      r.gate.push_back(std::move(outcome.value()));
    }
  }
  if (const nlohmann::json* out = f.Object("outputs")) {
    for (const auto& [name, value] : out->items()) {
      if (!value.is_string()) {
        f.Fail("outputs", "must map names to path strings");
        break;
      }
      r.outputs[name] = value.get<std::string>();
    }
  }
  if (!f.ok()) return f.status();
  return r;
}

}  // namespace inferbench::results
