#include "results/summary.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "results/json_fields.h"
#include "results/point.h"

namespace inferbench::results {
namespace {

using Need = JsonFields::Need;

nlohmann::json NumberOrNull(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

// D is DistributionSummary or const DistributionSummary.
template <typename D>
auto* StatField(D& d, Stat stat) {
  switch (stat) {
    case Stat::kMean:
      return &d.mean;
    case Stat::kStd:
      return &d.stddev;
    case Stat::kMin:
      return &d.min;
    case Stat::kP50:
      return &d.p50;
    case Stat::kP90:
      return &d.p90;
    case Stat::kP95:
      return &d.p95;
    case Stat::kP99:
      return &d.p99;
    case Stat::kP999:
      return &d.p999;
    case Stat::kMax:
      return &d.max;
  }
  return &d.mean;
}

}  // namespace

std::optional<double> DistributionSummary::Get(Stat stat) const {
  const double value = *StatField(*this, stat);
  if (std::isnan(value)) return std::nullopt;
  return value;
}

void DistributionSummary::Set(Stat stat, double value) { *StatField(*this, stat) = value; }

bool DistributionSummary::IsLowN(Stat stat) const {
  return std::find(low_n.begin(), low_n.end(), stat) != low_n.end();
}

nlohmann::json DistributionSummary::ToJson() const {
  nlohmann::json json = nlohmann::json::object();
  for (Stat stat : AllStats()) {
    json[std::string(StatName(stat))] = NumberOrNull(*StatField(*this, stat));
  }
  json["n"] = n;
  nlohmann::json flagged = nlohmann::json::array();
  for (Stat stat : low_n) flagged.push_back(StatName(stat));
  json["low_n"] = std::move(flagged);
  return json;
}

Result<DistributionSummary> DistributionSummary::FromJson(const nlohmann::json& json,
                                                          std::string context) {
  DistributionSummary d;
  JsonFields f(json, context);
  for (Stat stat : AllStats()) f.Double(StatName(stat), *StatField(d, stat));
  f.Int("n", d.n, Need::kRequired);
  if (const nlohmann::json* flagged = f.Array("low_n")) {
    for (const nlohmann::json& name : *flagged) {
      std::optional<Stat> stat =
          name.is_string() ? FindStat(name.get<std::string>()) : std::nullopt;
      if (!stat) {
        f.Fail("low_n", "must list statistic names (p50, p90, p95, p99, p999)");
        break;
      }
      d.low_n.push_back(*stat);
    }
  }
  if (!f.ok()) return f.status();
  return d;
}

std::optional<double> PointSummary::Value(const MetricPath& path) const {
  if (path.stat) {
    const auto it = distributions.find(path.name);
    if (it == distributions.end()) return std::nullopt;
    return it->second.Get(*path.stat);
  }
  const auto it = scalars.find(path.name);
  if (it == scalars.end() || std::isnan(it->second)) return std::nullopt;
  return it->second;
}

nlohmann::json PointSummary::ToJson() const {
  nlohmann::json metrics = nlohmann::json::object();
  for (const auto& [name, value] : scalars) metrics[name] = NumberOrNull(value);
  for (const auto& [name, distribution] : distributions) metrics[name] = distribution.ToJson();
  nlohmann::json slices = nlohmann::json::array();
  for (const Timeslice& s : timeslices) {
    slices.push_back({{"start_s", s.start_s},
                      {"completed", s.completed},
                      {"output_tokens", s.output_tokens},
                      {"in_flight", s.in_flight},
                      {"errors", s.errors}});
  }
  nlohmann::json json = {
      {"point", point},
      {"replicate", replicate},
      {"requests",
       {{"completed", requests.completed},
        {"errored", requests.errored},
        {"warmup", requests.warmup},
        {"cancelled", requests.cancelled}}},
      {"window",
       {{"start_s", window.start_s},
        {"end_s", window.end_s},
        {"duration_s", window.duration_s},
        {"steady_start_s", window.steady_start_s},
        {"steady_end_s", window.steady_end_s}}},
      {"client",
       {{"lag_p99_ms", client.lag_p99_ms},
        {"busy_pct", client.busy_pct},
        {"saturated", client.saturated}}},
      {"metrics", std::move(metrics)},
      {"timeslices", std::move(slices)},
      {"warnings", warnings},
  };
  if (degraded) {
    json["degraded"] = true;
    json["degraded_reason"] = degraded_reason;
  }
  return json;
}

Result<PointSummary> PointSummary::FromJson(const nlohmann::json& json, std::string context) {
  PointSummary p;
  JsonFields f(json, context);
  f.String("point", p.point, Need::kRequired);
  f.Int("replicate", p.replicate, Need::kRequired);
  if (f.ok()) {
    if (Result<Point> parsed = Point::Parse(p.point); !parsed.ok()) {
      f.Fail("point", "is not a point string: " + parsed.status().message());
    }
  }
  if (!f.ok()) return f.status();
  if (const nlohmann::json* requests = f.Object("requests")) {
    JsonFields r(*requests, context + " requests");
    r.Int("completed", p.requests.completed);
    r.Int("errored", p.requests.errored);
    r.Int("warmup", p.requests.warmup);
    r.Int("cancelled", p.requests.cancelled);
    if (!r.ok()) return r.status();
  }
  if (const nlohmann::json* window = f.Object("window")) {
    JsonFields w(*window, context + " window");
    w.Double("start_s", p.window.start_s);
    w.Double("end_s", p.window.end_s);
    w.Double("duration_s", p.window.duration_s);
    w.Double("steady_start_s", p.window.steady_start_s);
    w.Double("steady_end_s", p.window.steady_end_s);
    if (!w.ok()) return w.status();
  }
  if (const nlohmann::json* client = f.Object("client")) {
    JsonFields c(*client, context + " client");
    c.Double("lag_p99_ms", p.client.lag_p99_ms);
    c.Double("busy_pct", p.client.busy_pct);
    c.Bool("saturated", p.client.saturated);
    if (!c.ok()) return c.status();
  }
  if (const nlohmann::json* metrics = f.Object("metrics")) {
    for (auto it = metrics->begin(); it != metrics->end(); ++it) {
      if (it->is_object()) {
        Result<DistributionSummary> d =
            DistributionSummary::FromJson(*it, context + " metric " + it.key());
        if (!d.ok()) return d.status();
        p.distributions.emplace(it.key(), std::move(d).value());
      } else if (it->is_number()) {
        p.scalars.emplace(it.key(), it->get<double>());
      } else if (it->is_null()) {
        p.scalars.emplace(it.key(), DistributionSummary::kUndefined);
      } else {
        f.Fail("metrics", "member \"" + it.key() + "\" must be a number or a distribution object");
      }
    }
  }
  if (const nlohmann::json* slices = f.Array("timeslices")) {
    for (const nlohmann::json& slice : *slices) {
      Timeslice s;
      JsonFields t(slice, context + " timeslice");
      t.Double("start_s", s.start_s);
      t.Int("completed", s.completed);
      t.Int("output_tokens", s.output_tokens);
      t.Int("in_flight", s.in_flight);
      t.Int("errors", s.errors);
      if (!t.ok()) return t.status();
      p.timeslices.push_back(s);
    }
  }
  if (const nlohmann::json* warnings = f.Array("warnings")) {
    for (const nlohmann::json& warning : *warnings) {
      if (!warning.is_string()) {
        f.Fail("warnings", "must be a list of strings");
        break;
      }
      p.warnings.push_back(warning.get<std::string>());
    }
  }
  f.Bool("degraded", p.degraded);
  f.String("degraded_reason", p.degraded_reason);
  if (!f.ok()) return f.status();
  return p;
}

const PointSummary* RunSummary::Find(std::string_view point, int64_t replicate) const {
  for (const PointSummary& p : points) {
    if (p.point == point && p.replicate == replicate) return &p;
  }
  return nullptr;
}

nlohmann::json RunSummary::ToJson() const {
  nlohmann::json point_list = nlohmann::json::array();
  for (const PointSummary& p : points) point_list.push_back(p.ToJson());
  return {
      {"schema", kSummarySchema},
      {"run_id", run_id},
      {"status", status},
      {"anchor", {{"steady_ns", anchor.steady_ns}, {"system_ns", anchor.system_ns}}},
      {"points", std::move(point_list)},
  };
}

Result<RunSummary> RunSummary::FromJson(const nlohmann::json& json) {
  RunSummary run;
  JsonFields f(json, "summary.json");
  std::string schema;
  f.String("schema", schema, Need::kRequired);
  if (f.ok() && schema != kSummarySchema) {
    f.Fail("schema", "is \"" + schema + "\"; this inferbench reads " + std::string(kSummarySchema));
  }
  f.String("run_id", run.run_id, Need::kRequired);
  f.String("status", run.status);
  if (f.ok() && run.status != "ok" && run.status != "partial" && run.status != "failed") {
    f.Fail("status", "must be ok, partial or failed, not \"" + run.status + "\"");
  }
  if (const nlohmann::json* anchor = f.Object("anchor", Need::kRequired)) {
    JsonFields a(*anchor, "summary.json anchor");
    a.Int("steady_ns", run.anchor.steady_ns, Need::kRequired);
    a.Int("system_ns", run.anchor.system_ns, Need::kRequired);
    if (!a.ok()) return a.status();
  }
  if (const nlohmann::json* points = f.Array("points", Need::kRequired)) {
    for (size_t i = 0; i < points->size(); ++i) {
      Result<PointSummary> p =
          PointSummary::FromJson((*points)[i], "summary.json points[" + std::to_string(i) + "]");
      if (!p.ok()) return p.status();
      run.points.push_back(std::move(p).value());
    }
  }
  if (!f.ok()) return f.status();
  return run;
}

}  // namespace inferbench::results
