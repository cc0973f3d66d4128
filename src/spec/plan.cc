#include "spec/plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/prng.h"
#include "results/point.h"
#include "spec/requests_expr.h"

namespace inferbench::spec {

std::vector<std::string> PointStrings(const BenchmarkRun& run) {
  std::vector<std::string> out;
  const bool rate = run.workload.load.type == "rate";
  for (double level : run.workload.load.levels) {
    if (rate && std::isfinite(level) && level > 0) {
      out.push_back(results::Point::Rate(level).Format());
    } else if (!rate && level >= 1 && level == std::trunc(level) && level < 9e18) {
      out.push_back(results::Point::Concurrency(static_cast<int64_t>(level)).Format());
    } else {
      out.push_back(fmt::format("{}={}", rate ? "rate" : "concurrency", level));
    }
  }
  return out;
}

Result<std::vector<PlannedRun>> BuildPlan(const BenchmarkRun& run, int replicates) {
  using R = Result<std::vector<PlannedRun>>;
  const Load& load = run.workload.load;
  if (load.levels.empty()) return R::Error("spec.workload.load.levels is empty: nothing to plan");
  if (load.type != "concurrency" && load.type != "rate") {
    return R::Error(
        fmt::format("spec.workload.load.type \"{}\": use concurrency or rate", load.type));
  }
  if (replicates < 1)
    return R::Error(fmt::format("cannot plan {} replicates; at least 1", replicates));
  const std::string& order = run.measurement.order;
  if (order != "sequential" && order != "interleaved" && order != "shuffled") {
    return R::Error(fmt::format(
        "spec.measurement.order \"{}\": use sequential, interleaved or shuffled", order));
  }

  const std::vector<std::string> points = PointStrings(run);
  std::vector<int64_t> requests;
  for (double level : load.levels) {
    Result<int64_t> n = EvaluateRequestsPerLevel(load.requests_per_level, level);
    if (!n.ok()) return n.status().WithContext("spec.workload.load.requestsPerLevel");
    requests.push_back(n.value());
  }
  auto make = [&](size_t p, int replicate, int round) {
    return PlannedRun{
        points[p], load.levels[p], replicate, requests[p], run.workload.warmup.requests, round};
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

DurationEstimate EstimateDuration(const BenchmarkRun& run, const std::vector<PlannedRun>& plan) {
  const Load& load = run.workload.load;
  const bool rate = load.type == "rate";
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
