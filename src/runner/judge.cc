#include "runner/judge.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "catalog/ceilings.h"
#include "core/prng.h"
#include "results/metric_names.h"
#include "results/point.h"
#include "spec/digest.h"
#include "stats/confidence.h"
#include "stats/cost.h"
#include "stats/outliers.h"
#include "stats/sol.h"

namespace inferbench::runner {
namespace {

using results::MetricAggregate;
using results::PointResult;
using results::PointSummary;

constexpr double kNaN = MetricAggregate::kUndefined;
constexpr int kMinVerdictReplicates = 3;
constexpr size_t kMinOutlierValues = 5;
constexpr size_t kMinBootstrapValues = 10;

std::optional<double> Scalar(const PointSummary& p, const std::string& name) {
  const auto it = p.scalars.find(name);
  if (it == p.scalars.end() || !std::isfinite(it->second)) return std::nullopt;
  return it->second;
}

std::optional<double> DistributionMean(const PointSummary& p, const std::string& name) {
  const auto it = p.distributions.find(name);
  if (it == p.distributions.end() || !std::isfinite(it->second.mean)) return std::nullopt;
  return it->second.mean;
}

// ---- derived scalars ------------------------------------------------------------------------

void AddCost(const spec::BenchmarkRun& spec, PointSummary& r) {
  const std::optional<double>& price = spec.system.cost.gpu_hour_usd;
  if (!price || *price <= 0) return;
  const int gpus = spec.system.hardware.gpu_count;
  const std::optional<double> tok_s = Scalar(r, "output_throughput_tok_s");
  if (!tok_s) return;
  const auto set = [&](const char* name, double value) {
    if (!r.scalars.contains(name) && std::isfinite(value)) r.scalars[name] = value;
  };
  set("cost_per_mtok_usd", stats::CostPerMtokUsd(*price, gpus, *tok_s));
  const std::optional<double> goodput = Scalar(r, "goodput_req_s");
  const std::optional<double> requests = Scalar(r, "request_throughput_req_s");
  if (goodput && requests && *requests > 0) {
    set("cost_per_mtok_at_slo_usd",
        stats::CostPerMtokUsd(*price, gpus, *tok_s * *goodput / *requests));
  }
}

// Mean in_flight of the timeslices whose end (when in_flight was sampled) lies in the steady
// window.
std::optional<double> SteadyInFlight(const PointSummary& r) {
  double sum = 0;
  int count = 0;
  for (const results::Timeslice& slice : r.timeslices) {
    const double end = slice.start_s + 1;
    if (end <= r.window.steady_start_s || end > r.window.steady_end_s) continue;
    sum += static_cast<double>(slice.in_flight);
    ++count;
  }
  if (count == 0) return std::nullopt;
  return sum / count;
}

std::optional<double> RunningBatch(const PointSummary& r) {
  if (std::optional<double> running = Scalar(r, "server_running_mean"); running && *running > 0) {
    return running;
  }
  if (std::optional<double> in_flight = SteadyInFlight(r); in_flight && *in_flight > 0) {
    return in_flight;
  }
  Result<results::Point> point = results::Point::Parse(r.point);
  if (point.ok() && point->kind() == results::PointKind::kConcurrency) {
    return static_cast<double>(point->count());
  }
  const std::optional<double> requests = Scalar(r, "request_throughput_req_s");
  const std::optional<double> e2e_ms = DistributionMean(r, "e2e_latency_ms");
  if (requests && e2e_ms && *requests * *e2e_ms > 0) return *requests * *e2e_ms / 1000;
  return std::nullopt;
}

double MeanContextTokens(const spec::BenchmarkRun& spec, const PointSummary& r) {
  std::optional<double> isl = DistributionMean(r, "input_tokens");
  if (!isl) isl = DistributionMean(r, "requested_input_tokens");
  std::optional<double> osl = DistributionMean(r, "output_tokens");
  if (!osl) osl = DistributionMean(r, "requested_output_tokens");
  return isl.value_or(spec.workload.dataset.input_tokens.mean) +
         osl.value_or(spec.workload.dataset.output_tokens.mean) / 2;
}

void AddSol(const spec::BenchmarkRun& spec, PointSummary& r) {
  if (r.scalars.contains("sol_pct")) return;
  const spec::ModelShape& model = spec.system.model;
  if (!model.params || !model.kv_bytes_per_token) return;
  const std::optional<double> steady = Scalar(r, "steady_output_throughput_tok_s");
  if (!steady) return;
  Result<catalog::HardwareCeiling> hardware = catalog::LookupHardware(spec.system.hardware.gpu);
  if (!hardware.ok()) return;
  const std::optional<double> batch = RunningBatch(r);
  if (!batch) return;
  stats::SolInputs in;
  in.running_batch = *batch;
  in.mean_context_tokens = MeanContextTokens(spec, r);
  in.weight_bytes = WeightBytesFor(model);
  in.kv_bytes_per_token = *model.kv_bytes_per_token;
  in.params = *model.params;
  in.tensor_parallel = model.tensor_parallel;
  in.hbm_bw_bytes_s = hardware->hbm_bw_bytes_s;
  in.peak_flops = hardware->peak_bf16_dense_flops;
  in.gpu_count = spec.system.hardware.gpu_count;
  const double sol = stats::SolPct(*steady, in);
  if (std::isfinite(sol)) r.scalars["sol_pct"] = sol;
}

// ---- aggregation ----------------------------------------------------------------------------

stats::OutlierMethod MethodOf(const std::string& name) {
  if (name == "mad") return stats::OutlierMethod::kMad;
  if (name == "iqr") return stats::OutlierMethod::kIqr;
  return stats::OutlierMethod::kNone;
}

// Every metric path any replicate has a number for, with the replicate values in order (NaN where
// a replicate lacks it).
std::map<std::string, std::vector<double>> ReplicateValues(
    const std::vector<PointSummary>& replicates) {
  std::set<std::string> paths;
  for (const PointSummary& r : replicates) {
    for (const auto& [name, value] : r.scalars) {
      if (std::isfinite(value)) paths.insert(name);
    }
    for (const auto& [name, d] : r.distributions) {
      for (results::Stat stat : results::AllStats()) {
        if (d.Get(stat)) paths.insert(name + "." + std::string(results::StatName(stat)));
      }
    }
  }
  std::map<std::string, std::vector<double>> values;
  for (const std::string& path : paths) {
    std::vector<double>& column = values[path];
    const size_t dot = path.find('.');
    std::optional<results::Stat> stat;
    if (dot != std::string::npos) stat = results::FindStat(path.substr(dot + 1));
    for (const PointSummary& r : replicates) {
      double v = kNaN;
      // A scalar name may contain a dot itself (error_count.http_5xx): try the scalar first.
      if (const auto it = r.scalars.find(path); it != r.scalars.end()) {
        v = it->second;
      } else if (stat) {
        const auto d = r.distributions.find(path.substr(0, dot));
        if (d != r.distributions.end()) v = d->second.Get(*stat).value_or(kNaN);
      }
      column.push_back(std::isfinite(v) ? v : kNaN);
    }
  }
  return values;
}

// The smallest n of the replicates' distribution behind path when its stat is low_n in any of
// them; nullopt when it is not low_n anywhere (or path is a scalar).
std::optional<int64_t> LowN(const std::vector<PointSummary>& replicates, const std::string& path) {
  const size_t dot = path.find('.');
  if (dot == std::string::npos) return std::nullopt;
  const std::optional<results::Stat> stat = results::FindStat(path.substr(dot + 1));
  if (!stat) return std::nullopt;
  std::optional<int64_t> smallest;
  for (const PointSummary& r : replicates) {
    if (r.scalars.contains(path)) return std::nullopt;
    const auto d = r.distributions.find(path.substr(0, dot));
    if (d == r.distributions.end() || !d->second.IsLowN(*stat)) continue;
    smallest = std::min(smallest.value_or(d->second.n), d->second.n);
  }
  return smallest;
}

MetricAggregate Aggregate(const spec::BenchmarkRun& spec, const std::string& point,
                          const std::string& path, std::vector<double> values,
                          const std::vector<int64_t>& replicate_numbers) {
  const spec::Measurement& m = spec.measurement;
  MetricAggregate agg;
  agg.confidence = m.confidence_level;
  agg.replicates = std::move(values);

  std::vector<size_t> present;
  for (size_t i = 0; i < agg.replicates.size(); ++i) {
    if (!std::isnan(agg.replicates[i])) present.push_back(i);
  }
  std::vector<bool> excluded(agg.replicates.size(), false);
  const stats::OutlierMethod method = MethodOf(m.outlier_policy.method);
  if (present.size() >= kMinOutlierValues && method != stats::OutlierMethod::kNone) {
    std::vector<double> sample;
    for (size_t i : present) sample.push_back(agg.replicates[i]);
    for (const stats::OutlierFlag& flag :
         stats::FindOutliers(sample, method, m.outlier_policy.threshold)) {
      const size_t i = present[flag.index];
      agg.outliers.push_back(
          {replicate_numbers[i], flag.value, flag.score, m.outlier_policy.action});
      if (m.outlier_policy.action == "exclude") excluded[i] = true;
    }
  }

  std::vector<double> used;
  for (size_t i : present) {
    if (!excluded[i]) used.push_back(agg.replicates[i]);
  }
  agg.n = static_cast<int64_t>(used.size());
  if (used.empty()) return agg;
  double sum = 0;
  for (double v : used) sum += v;
  agg.mean = sum / static_cast<double>(used.size());
  if (used.size() >= 2) {
    double squares = 0;
    for (double v : used) squares += (v - agg.mean) * (v - agg.mean);
    agg.stddev = std::sqrt(squares / static_cast<double>(used.size() - 1));
  }
  const stats::Interval ci =
      used.size() >= kMinBootstrapValues
          ? stats::BootstrapInterval(used, m.confidence_level,
                                     DeriveSeed(spec.workload.seeds.bootstrap, point + "/" + path))
          : stats::TInterval(used, m.confidence_level);
  agg.ci_low = ci.low;
  agg.ci_high = ci.high;
  agg.ci_method = ci.method;
  if (ci.method != "none") {
    const double half_width = (ci.high - ci.low) / 2;
    agg.relative_ci_half_width =
        half_width == 0 ? 0 : half_width / std::fabs(agg.mean);  // mean 0, width > 0: +inf
  }
  return agg;
}

std::string OutlierPolicyText(const spec::OutlierPolicy& policy, size_t replicates) {
  if (MethodOf(policy.method) == stats::OutlierMethod::kNone) return "not applied, method none";
  if (replicates < kMinOutlierValues) return "not applied, n < 5";
  return fmt::format("applied ({}, threshold {}, {})", policy.method, policy.threshold,
                     policy.action);
}

// ---- tier -----------------------------------------------------------------------------------

void ReplicateReasons(const PointSummary& r, std::vector<std::string>& reasons) {
  if (r.requests.completed <= 0) {
    reasons.push_back(fmt::format("replicate {} completed no requests", r.replicate));
  }
  if (r.client.saturated) {
    reasons.push_back(
        fmt::format("client saturated in replicate {} (busy {:.0f} %, lag p99 {:.3g} ms)",
                    r.replicate, r.client.busy_pct, r.client.lag_p99_ms));
  }
  if (std::optional<double> shorter = Scalar(r, "short_output_count"); shorter && *shorter > 0) {
    reasons.push_back(fmt::format(
        "replicate {}: {:.0f} requests returned fewer output tokens than requested although "
        "ignore_eos was set (the server does not honour the length policy)",
        r.replicate, *shorter));
  }
  for (const std::string& warning : r.warnings) {
    if (warning.starts_with("unstable:")) {
      reasons.push_back(fmt::format("replicate {}: {}", r.replicate, warning));
    }
  }
}

void KpiReasons(const spec::BenchmarkRun& spec, const std::vector<PointSummary>& replicates,
                const PointResult& point, std::vector<std::string>& reasons) {
  const double bound = spec.measurement.max_relative_ci_half_width;
  for (const std::string& kpi : spec.intent.kpis) {
    const MetricAggregate* agg = point.Find(kpi);
    if (agg == nullptr) {
      reasons.push_back(fmt::format("{}: not measured at this point", kpi));
      continue;
    }
    if (agg->ci_method == "none" || std::isnan(agg->relative_ci_half_width)) {
      reasons.push_back(fmt::format("{}: no confidence interval (n = {})", kpi, agg->n));
    } else if (!(agg->relative_ci_half_width <= bound)) {
      reasons.push_back(fmt::format("{}: relative CI half-width {:.3g} > {:.3g}", kpi,
                                    agg->relative_ci_half_width, bound));
    }
    if (std::optional<int64_t> n = LowN(replicates, kpi)) {
      reasons.push_back(fmt::format("{} low_n (n={} per replicate)", kpi, *n));
    }
  }
}

PointResult JudgePoint(const spec::BenchmarkRun& spec, const std::string& point,
                       std::vector<PointSummary> replicates, const JudgeOptions& options) {
  std::stable_sort(
      replicates.begin(), replicates.end(),
      [](const PointSummary& a, const PointSummary& b) { return a.replicate < b.replicate; });
  std::vector<int64_t> numbers;
  for (PointSummary& r : replicates) {
    AddDerivedScalars(spec, r);
    numbers.push_back(r.replicate);
  }

  PointResult result;
  result.point = point;
  result.benchmark_case_id = spec::BenchmarkCaseId(options.workload_digest, point);
  result.replicates = static_cast<int64_t>(replicates.size());
  result.outlier_policy = OutlierPolicyText(spec.measurement.outlier_policy, replicates.size());
  for (auto& [path, values] : ReplicateValues(replicates)) {
    MetricAggregate agg = Aggregate(spec, point, path, std::move(values), numbers);
    agg.low_n = LowN(replicates, path).has_value();
    result.metrics.emplace(path, std::move(agg));
  }

  std::vector<std::string>& reasons = result.reasons;
  if (replicates.size() < kMinVerdictReplicates) {
    reasons.push_back(fmt::format("{} replicate{} < {}", replicates.size(),
                                  replicates.size() == 1 ? "" : "s", kMinVerdictReplicates));
  }
  for (const PointSummary& r : replicates) ReplicateReasons(r, reasons);
  KpiReasons(spec, replicates, result, reasons);
  result.tier = std::string(reasons.empty() ? results::kTierVerdict : results::kTierDraft);
  return result;
}

}  // namespace

double WeightBytesFor(const spec::ModelShape& model) {
  if (model.weight_bytes) return *model.weight_bytes;
  if (!model.params) return 0;
  std::string precision;
  for (char c : model.precision) {
    precision += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  double bytes_per_param = 2;  // bf16, fp16 and anything not known
  if (precision == "fp8" || precision == "int8") bytes_per_param = 1;
  if (precision == "int4") bytes_per_param = 0.5;
  return *model.params * bytes_per_param;
}

void AddDerivedScalars(const spec::BenchmarkRun& spec, PointSummary& replicate) {
  AddCost(spec, replicate);
  AddSol(spec, replicate);
}

results::RunResult JudgeRun(const spec::BenchmarkRun& spec, const results::RunSummary& summary,
                            const JudgeOptions& options) {
  std::vector<std::string> order = options.point_order;
  for (const PointSummary& p : summary.points) {
    if (std::find(order.begin(), order.end(), p.point) == order.end()) order.push_back(p.point);
  }

  results::RunResult run;
  run.run_id = summary.run_id;
  run.name = spec.metadata.name;
  run.status = summary.status;
  run.workload_spec_digest = options.workload_digest;
  run.mode = spec.intent.mode == spec::Mode::kPublication ? "publication" : "realism";
  for (const std::string& point : order) {
    std::vector<PointSummary> replicates;
    for (const PointSummary& p : summary.points) {
      if (p.point == point) replicates.push_back(p);
    }
    run.points.push_back(JudgePoint(spec, point, std::move(replicates), options));
    for (const std::string& reason : run.points.back().reasons) {
      run.reasons.push_back(point + ": " + reason);
    }
  }
  if (run.points.empty()) run.reasons.push_back("no points were measured");
  if (summary.status != "ok") {
    run.reasons.push_back(
        fmt::format("the run is {}: not every planned measurement finished", summary.status));
  }
  run.tier = std::string(run.reasons.empty() ? results::kTierVerdict : results::kTierDraft);
  return run;
}

std::vector<std::string> UnstableKpis(const PointResult& point, const spec::BenchmarkRun& spec) {
  std::vector<std::string> unstable;
  for (const std::string& kpi : spec.intent.kpis) {
    const MetricAggregate* agg = point.Find(kpi);
    if (agg == nullptr) continue;
    if (!(agg->relative_ci_half_width <= spec.measurement.max_relative_ci_half_width)) {
      unstable.push_back(kpi);
    }
  }
  return unstable;
}

}  // namespace inferbench::runner
