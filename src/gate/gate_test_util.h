// (tests) Small builders for runs and constraints shared by the gate's tests.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "results/run_result.h"
#include "spec/benchmark_run.h"

namespace inferbench::gate::testing {

inline results::MetricAggregate Aggregate(double mean, double ci_low, double ci_high, int64_t n) {
  results::MetricAggregate m;
  m.mean = mean;
  m.ci_low = ci_low;
  m.ci_high = ci_high;
  m.n = n;
  m.ci_method = n >= 2 ? "t" : "none";
  return m;
}

inline results::PointResult VerdictPoint(std::string point) {
  results::PointResult p;
  p.point = std::move(point);
  p.tier = std::string(results::kTierVerdict);
  p.replicates = 3;
  return p;
}

inline spec::Constraint Make(std::string metric, std::string op, double value, double tolerance,
                             std::optional<std::string> at = std::nullopt, bool strict = false) {
  spec::Constraint c;
  c.metric = std::move(metric);
  c.op = std::move(op);
  c.value = value;
  c.tolerance = tolerance;
  c.at = std::move(at);
  c.strict = strict;
  return c;
}

// Two points: concurrency=1 (VERDICT) and concurrency=64 (DRAFT with reasons).
inline results::RunResult TwoPointRun() {
  results::RunResult run;
  run.run_id = "20250101T000000Z-test";
  run.name = "unit-sweep";
  run.status = "ok";
  run.tier = std::string(results::kTierDraft);
  results::PointResult low = VerdictPoint("concurrency=1");
  low.metrics["output_throughput_tok_s"] = Aggregate(900, 880, 920, 3);
  low.metrics["ttft_ms.p99"] = Aggregate(150, 140, 160, 3);
  results::PointResult high = VerdictPoint("concurrency=64");
  high.tier = std::string(results::kTierDraft);
  high.reasons = {"ttft_ms.p99 relative CI half-width 0.09 > 0.05", "client saturated"};
  high.metrics["output_throughput_tok_s"] = Aggregate(5210.4, 5100.2, 5320.6, 3);
  high.metrics["ttft_ms.p99"] = Aggregate(2100, 1900, 2300, 3);
  run.points = {low, high};
  return run;
}

}  // namespace inferbench::gate::testing
