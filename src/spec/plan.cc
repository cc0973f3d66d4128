#include "spec/plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "core/prng.h"
#include "results/metric_names.h"
#include "results/point.h"
#include "spec/contract.h"
#include "spec/requests_expr.h"

namespace inferbench::spec {

namespace {

std::string LevelPoint(const std::string& kind, double level) {
  if (kind == "rate" && std::isfinite(level) && level > 0) return results::Point::Rate(level).Format();
  if (kind != "rate" && level >= 1 && level == std::trunc(level) && level < 9e18) {
    const auto n = static_cast<int64_t>(level);
    return kind == "sessions" ? results::Point::Sessions(n).Format()
                              : results::Point::Concurrency(n).Format();
  }
  return fmt::format("{}={}", kind, level);
}

// The levels of the points known before the run (PointStrings' order).
std::vector<std::pair<std::string, double>> KnownLevels(const BenchmarkRun& run) {
  const Load& load = run.workload.load;
  std::vector<std::pair<std::string, double>> out;
  if (load.type == "concurrency" || load.type == "rate") {
    for (double level : load.levels) out.emplace_back(load.type, level);
  } else if (load.type == "trace") {
    out.emplace_back("trace", 0);
  } else if (load.type == "sessions") {
    std::vector<double> levels = load.levels;
    if (levels.empty()) levels.push_back(static_cast<double>(run.workload.dataset.sessions.value_or(1)));
    for (double level : levels) out.emplace_back("sessions", level);
  } else if (load.type == "sweep") {
    out.emplace_back("concurrency", 1);
    out.emplace_back("concurrency", static_cast<double>(SweepThroughputConcurrency(load)));
  }
  return out;
}

}  // namespace

std::vector<std::string> PointStrings(const BenchmarkRun& run) {
  std::vector<std::string> out;
  for (const auto& [kind, level] : KnownLevels(run)) {
    out.push_back(kind == "trace" ? results::Point::Trace().Format() : LevelPoint(kind, level));
  }
  return out;
}

int64_t SweepThroughputConcurrency(const Load& load) {
  Result<int64_t> n =
      EvaluateRequestsPerLevel(load.requests_per_level, static_cast<double>(load.max_concurrency));
  if (!n.ok()) return 0;
  return std::min<int64_t>(load.max_concurrency, n.value());
}

Result<std::vector<PlannedRun>> BuildPlan(const BenchmarkRun& run, int replicates) {
  using R = Result<std::vector<PlannedRun>>;
  const Load& load = run.workload.load;
  static const std::set<std::string> kTypes = {"concurrency", "rate",  "trace",
                                               "sessions",    "sweep", "search"};
  if (!kTypes.contains(load.type)) {
    return R::Error(fmt::format(
        "spec.workload.load.type \"{}\": use concurrency, rate, trace, sessions, sweep or search",
        load.type));
  }
  if ((load.type == "concurrency" || load.type == "rate") && load.levels.empty()) {
    return R::Error("spec.workload.load.levels is empty: nothing to plan");
  }
  if (replicates < 1)
    return R::Error(fmt::format("cannot plan {} replicates; at least 1", replicates));
  const std::string& order = run.measurement.order;
  if (order != "sequential" && order != "interleaved" && order != "shuffled") {
    return R::Error(fmt::format(
        "spec.measurement.order \"{}\": use sequential, interleaved or shuffled", order));
  }

  const std::vector<std::pair<std::string, double>> levels = KnownLevels(run);
  const std::vector<std::string> points = PointStrings(run);
  std::vector<int64_t> requests;
  for (const auto& [kind, level] : levels) {
    if (load.type == "trace" || load.type == "sessions") {
      requests.push_back(load.requests.value_or(run.workload.dataset_items));
      continue;
    }
    Result<int64_t> n = EvaluateRequestsPerLevel(load.requests_per_level, level);
    if (!n.ok()) return n.status().WithContext("spec.workload.load.requestsPerLevel");
    requests.push_back(n.value());
  }
  auto make = [&](size_t p, int replicate, int round) {
    return PlannedRun{points[p],   levels[p].second, replicate,
                      requests[p], run.workload.warmup.requests, round};
  };

  std::vector<PlannedRun> plan;
  plan.reserve(points.size() * static_cast<size_t>(replicates));
  if (order == "sequential") {
    for (size_t p = 0; p < points.size(); ++p) {
      for (int r = 0; r < replicates; ++r) plan.push_back(make(p, r, r));
    }
    return plan;
  }
  Prng prng(run.workload.seeds.order);
  for (int r = 0; r < replicates; ++r) {
    std::vector<size_t> round(points.size());
    std::iota(round.begin(), round.end(), size_t{0});
    if (order == "shuffled") {
      for (size_t i = round.size(); i > 1; --i) std::swap(round[i - 1], round[prng.NextBelow(i)]);
    }
    for (size_t p : round) plan.push_back(make(p, r, r));
  }
  return plan;
}

Result<std::vector<SearchBound>> ParseSearchSlo(std::string_view text) {
  using R = Result<std::vector<SearchBound>>;
  const auto names = SloMetricNames();
  auto trim = [](std::string_view v) {
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    return v;
  };
  std::vector<SearchBound> out;
  std::string_view rest = text;
  if (trim(rest).empty()) {
    return R::Error("the search SLO is empty: write bounds such as \"ttft_ms.p99<=2000,tpot_ms.p99<=100\"");
  }
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string_view item = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const size_t op_at = item.find_first_of("<>=");
    auto bad = [&](const std::string& why) {
      return R::Error(fmt::format("search SLO \"{}\": bound \"{}\": {}", text, item, why));
    };
    if (op_at == std::string_view::npos || op_at + 2 > item.size() || item[op_at + 1] != '=' ||
        item[op_at] == '=') {
      return bad("write metric.stat<=value (or >= for per_user_tok_s), e.g. ttft_ms.p99<=2000");
    }
    SearchBound bound;
    const std::string_view lhs = trim(item.substr(0, op_at));
    const size_t dot = lhs.find('.');
    bound.metric = std::string(lhs.substr(0, dot));
    if (dot != std::string_view::npos) bound.stat = std::string(lhs.substr(dot + 1));
    bound.op = std::string(item.substr(op_at, 2));
    if (std::find(names.begin(), names.end(), bound.metric) == names.end()) {
      std::vector<std::string> known(names.begin(), names.end());
      const std::string closest = ClosestName(bound.metric, known);
      return bad(fmt::format("{} is not a per-request SLO metric; use one of {}{}", bound.metric,
                             fmt::join(names, ", "),
                             closest.empty() ? "" : fmt::format(" (did you mean {}?)", closest)));
    }
    if (!bound.stat.empty()) {
      std::optional<results::Stat> stat = results::FindStat(bound.stat);
      if (!stat || !results::StatQuantile(*stat)) {
        return bad(fmt::format("\"{}\" is not a percentile; use p50, p90, p95, p99 or p999",
                               bound.stat));
      }
    }
    const bool higher_better = bound.metric == "per_user_tok_s";
    if (bound.op != (higher_better ? ">=" : "<=")) {
      return bad(fmt::format("{} is {}: write {}", bound.metric,
                             higher_better ? "higher-is-better" : "lower-is-better",
                             higher_better ? ">=" : "<="));
    }
    const std::string number(trim(item.substr(op_at + 2)));
    char* end = nullptr;
    bound.value = std::strtod(number.c_str(), &end);
    if (number.empty() || end != number.c_str() + number.size() || !std::isfinite(bound.value) ||
        bound.value <= 0) {
      return bad(fmt::format("\"{}\" is not a number > 0", number));
    }
    for (const SearchBound& b : out) {
      if (b.metric == bound.metric) return bad(fmt::format("{} is bounded twice; keep one", b.metric));
    }
    out.push_back(std::move(bound));
  }
  return out;
}

std::string FormatSearchSlo(const std::vector<SearchBound>& bounds) {
  std::string out;
  for (const SearchBound& b : bounds) {
    if (!out.empty()) out += ',';
    out += fmt::format("{}{}{}{}", b.metric, b.stat.empty() ? "" : "." + b.stat, b.op, b.value);
  }
  return out;
}

std::string SearchSloFromMap(const nlohmann::json& map) {
  std::string out;
  for (const auto& [key, value] : map.items()) {
    if (!out.empty()) out += ',';
    const bool higher_better = key.rfind("per_user_tok_s", 0) == 0;
    const std::string number = value.is_number() ? fmt::format("{}", value.get<double>())
                                                 : (value.is_string() ? value.get<std::string>()
                                                                      : value.dump());
    out += key + (higher_better ? ">=" : "<=") + number;
  }
  return out;
}

double SearchAttainmentTarget(std::optional<double> attainment,
                              const std::vector<SearchBound>& bounds) {
  if (attainment) return *attainment;
  double highest = 0;
  for (const SearchBound& b : bounds) {
    if (b.stat.empty()) continue;
    if (auto stat = results::FindStat(b.stat)) highest = std::max(highest, results::StatQuantile(*stat).value_or(0));
  }
  return highest > 0 ? highest : 0.95;
}

DurationEstimate EstimateDuration(const BenchmarkRun& run, const std::vector<PlannedRun>& plan) {
  const Load& load = run.workload.load;
  const bool rate = load.type == "rate";
  if (load.type == "trace") {
    return {std::nullopt,
            "set by the trace's own timing (its last timestamp / speedup per replicate), known "
            "once the trace is read"};
  }
  if (load.type == "sweep" || load.type == "search") {
    return {std::nullopt,
            fmt::format("unknown before the run: a {}'s levels are decided from what it measures",
                        load.type)};
  }
  if (!rate && load.duration_ns == 0) {
    return {std::nullopt,
            "unknown without a target: closed-loop time is set by the server's latency; set "
            "spec.workload.load.duration to bound each point"};
  }
  double total_s = 0;
  for (const PlannedRun& r : plan) {
    double s = rate ? static_cast<double>(r.requests) / r.level : 1e300;
    if (load.duration_ns > 0) s = std::min(s, static_cast<double>(load.duration_ns) / 1e9);
    total_s += s;
  }
  std::string basis;
  if (rate && load.duration_ns > 0) {
    basis =
        "requests / offered rate per point, capped by load.duration; excludes warmup, readiness "
        "and drain";
  } else if (rate) {
    basis =
        "requests / offered rate per point (a lower bound: excludes warmup, readiness and drain)";
  } else {
    basis =
        "load.duration per point (an upper bound: a point also ends when its requests are done)";
  }
  return {static_cast<int64_t>(total_s * 1e9), basis};
}

}  // namespace inferbench::spec
