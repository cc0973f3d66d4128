#include "runner/judge.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "catalog/ceilings.h"
#include "core/sha256.h"

namespace inferbench::runner {
namespace {

using results::DistributionSummary;
using results::MetricAggregate;
using results::PointResult;
using results::PointSummary;
using results::RunResult;
using results::RunSummary;
using results::Stat;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// t(0.975, 2), from published tables.
constexpr double kT975Df2 = 4.302653;

spec::BenchmarkRun Spec() {
  spec::BenchmarkRun s;
  s.metadata.name = "judge-test";
  s.intent.mode = spec::Mode::kPublication;
  s.intent.kpis = {"output_throughput_tok_s", "ttft_ms.p99"};
  s.workload.seeds.bootstrap = 47;
  return s;  // replicates 3, confidence 0.95, mad 3.5 flag, max relative half-width 0.05
}

// A distribution whose every stat equals `value`, from n requests, with low_n as Describe sets it.
DistributionSummary Flat(double value, int64_t n) {
  DistributionSummary d;
  for (Stat stat : results::AllStats()) d.Set(stat, value);
  d.n = n;
  for (Stat stat : {Stat::kP50, Stat::kP90, Stat::kP95, Stat::kP99, Stat::kP999}) {
    if (static_cast<double>(n) * (1 - *results::StatQuantile(stat)) < 5) d.low_n.push_back(stat);
  }
  return d;
}

PointSummary Replicate(const std::string& point, int64_t replicate, double throughput,
                       double ttft_p99, int64_t n = 1000) {
  PointSummary p;
  p.point = point;
  p.replicate = replicate;
  p.requests.completed = n;
  p.scalars["output_throughput_tok_s"] = throughput;
  p.distributions["ttft_ms"] = Flat(ttft_p99, n);
  return p;
}

RunSummary Summary(const std::vector<PointSummary>& points) {
  RunSummary s;
  s.run_id = "run-1";
  s.points = points;
  return s;
}

JudgeOptions Options(std::vector<std::string> order = {}) {
  return JudgeOptions{"digest", std::move(order)};
}

// By value: callers pass the temporary JudgeRun returns.
PointResult OnlyPoint(const RunResult& run) {
  EXPECT_EQ(run.points.size(), 1u);
  return run.points.empty() ? PointResult() : run.points.front();
}

TEST(JudgeTest, ThreeTightReplicatesAreAVerdict) {
  const RunResult run = JudgeRun(
      Spec(),
      Summary({Replicate("concurrency=4", 0, 1000, 200), Replicate("concurrency=4", 1, 1010, 202),
               Replicate("concurrency=4", 2, 990, 198)}),
      Options({"concurrency=4"}));
  EXPECT_EQ(run.run_id, "run-1");
  EXPECT_EQ(run.name, "judge-test");
  EXPECT_EQ(run.mode, "publication");
  EXPECT_EQ(run.workload_spec_digest, "digest");
  EXPECT_EQ(run.tier, "VERDICT");
  EXPECT_THAT(run.reasons, IsEmpty());
  const PointResult& point = OnlyPoint(run);
  EXPECT_EQ(point.tier, "VERDICT");
  EXPECT_EQ(point.replicates, 3);
  EXPECT_EQ(point.benchmark_case_id, Sha256Hex("digest\nconcurrency=4"));
  EXPECT_EQ(point.outlier_policy, "not applied, n < 5");

  // mean 1000, s = 10: half-width t(0.975, 2) · 10 / √3.
  const MetricAggregate* tput = point.Find("output_throughput_tok_s");
  ASSERT_NE(tput, nullptr);
  const double half_width = kT975Df2 * 10 / std::sqrt(3.0);
  EXPECT_THAT(tput->replicates, ElementsAre(1000, 1010, 990));
  EXPECT_EQ(tput->n, 3);
  EXPECT_DOUBLE_EQ(tput->mean, 1000);
  EXPECT_DOUBLE_EQ(tput->stddev, 10);
  EXPECT_EQ(tput->ci_method, "t");
  EXPECT_EQ(tput->confidence, 0.95);
  EXPECT_NEAR(tput->ci_low, 1000 - half_width, 1e-4);
  EXPECT_NEAR(tput->ci_high, 1000 + half_width, 1e-4);
  EXPECT_NEAR(tput->relative_ci_half_width, half_width / 1000, 1e-7);
  EXPECT_FALSE(tput->low_n);

  // Every stat of every distribution is aggregated.
  for (const char* path : {"ttft_ms.mean", "ttft_ms.p50", "ttft_ms.p99", "ttft_ms.p999",
                           "ttft_ms.max", "ttft_ms.std"}) {
    EXPECT_NE(point.Find(path), nullptr) << path;
  }
  EXPECT_NEAR(point.Find("ttft_ms.p99")->mean, 200, 1e-12);
  EXPECT_THAT(UnstableKpis(point, Spec()), IsEmpty());
}

TEST(JudgeTest, WideIntervalIsADraftAndUnstable) {
  const spec::BenchmarkRun spec = Spec();
  const RunResult run = JudgeRun(
      spec,
      Summary({Replicate("concurrency=4", 0, 1000, 200), Replicate("concurrency=4", 1, 1200, 202),
               Replicate("concurrency=4", 2, 800, 198)}),
      Options({"concurrency=4"}));
  // s = 200: relative half-width 4.302653 · 200 / √3 / 1000 = 0.4968.
  const PointResult& point = OnlyPoint(run);
  EXPECT_EQ(point.tier, "DRAFT");
  EXPECT_THAT(point.reasons,
              ElementsAre("output_throughput_tok_s: relative CI half-width 0.497 > 0.05"));
  EXPECT_EQ(run.tier, "DRAFT");
  EXPECT_THAT(run.reasons, ElementsAre("concurrency=4: output_throughput_tok_s: relative CI "
                                       "half-width 0.497 > 0.05"));
  EXPECT_THAT(UnstableKpis(point, spec), ElementsAre("output_throughput_tok_s"));
  // A looser bound accepts it.
  spec::BenchmarkRun loose = spec;
  loose.measurement.max_relative_ci_half_width = 0.5;
  EXPECT_THAT(UnstableKpis(point, loose), IsEmpty());
}

TEST(JudgeTest, SaturatedClientIsADraft) {
  std::vector<PointSummary> reps = {Replicate("concurrency=4", 0, 1000, 200),
                                    Replicate("concurrency=4", 1, 1000, 200),
                                    Replicate("concurrency=4", 2, 1000, 200)};
  reps[1].client.saturated = true;
  reps[1].client.busy_pct = 97;
  const PointResult& point = OnlyPoint(JudgeRun(Spec(), Summary(reps), Options()));
  EXPECT_EQ(point.tier, "DRAFT");
  ASSERT_EQ(point.reasons.size(), 1u);
  EXPECT_THAT(point.reasons[0], HasSubstr("client saturated in replicate 1"));
}

TEST(JudgeTest, TwoReplicatesAreADraft) {
  const RunResult run = JudgeRun(
      Spec(),
      Summary({Replicate("concurrency=4", 0, 1000, 200), Replicate("concurrency=4", 1, 1000, 200)}),
      Options());
  const PointResult& point = OnlyPoint(run);
  EXPECT_EQ(point.tier, "DRAFT");
  EXPECT_THAT(point.reasons, ElementsAre("2 replicates < 3"));
  // Two identical values still have a (zero-width) t interval.
  EXPECT_EQ(point.Find("output_throughput_tok_s")->ci_method, "t");
}

TEST(JudgeTest, LowNKpiQuantileIsADraft) {
  const RunResult run = JudgeRun(Spec(),
                                 Summary({Replicate("concurrency=4", 0, 1000, 200, 64),
                                          Replicate("concurrency=4", 1, 1000, 200, 64),
                                          Replicate("concurrency=4", 2, 1000, 200, 64)}),
                                 Options());
  const PointResult& point = OnlyPoint(run);
  EXPECT_EQ(point.tier, "DRAFT");
  EXPECT_THAT(point.reasons, ElementsAre("ttft_ms.p99 low_n (n=64 per replicate)"));
  EXPECT_TRUE(point.Find("ttft_ms.p99")->low_n);
  EXPECT_FALSE(point.Find("ttft_ms.p50")->low_n);  // 64 · 0.5 >= 5
  EXPECT_FALSE(point.Find("ttft_ms.mean")->low_n);
}

TEST(JudgeTest, ReplicateProblemsAndMissingKpisAreReasons) {
  std::vector<PointSummary> reps = {Replicate("rate=5", 0, 1000, 200),
                                    Replicate("rate=5", 1, 1000, 200),
                                    Replicate("rate=5", 2, 1000, 200)};
  reps[0].scalars["short_output_count"] = 3;
  reps[1].warnings = {"unstable: achieved 4 req/s is below 95 % of the offered 5 req/s",
                      "2 requests failed: timeout=2"};
  reps[2].requests.completed = 0;
  spec::BenchmarkRun spec = Spec();
  spec.intent.kpis.push_back("tpot_ms.p50");
  const PointResult& point = OnlyPoint(JudgeRun(spec, Summary(reps), Options()));
  EXPECT_EQ(point.tier, "DRAFT");
  ASSERT_EQ(point.reasons.size(), 4u);
  EXPECT_THAT(point.reasons[0], HasSubstr("replicate 0: 3 requests returned fewer output tokens "
                                          "than requested although ignore_eos was set"));
  EXPECT_EQ(point.reasons[1],
            "replicate 1: unstable: achieved 4 req/s is below 95 % of the offered 5 req/s");
  EXPECT_EQ(point.reasons[2], "replicate 2 completed no requests");
  EXPECT_EQ(point.reasons[3], "tpot_ms.p50: not measured at this point");
}

TEST(JudgeTest, PointsFollowTheDeclaredOrderAndRunTierIsTheLowest) {
  const RunResult run = JudgeRun(
      Spec(),
      Summary({Replicate("concurrency=1", 0, 100, 20), Replicate("concurrency=8", 0, 800, 90),
               Replicate("concurrency=1", 1, 100, 20), Replicate("concurrency=8", 1, 800, 90),
               Replicate("concurrency=1", 2, 100, 20)}),
      Options({"concurrency=8", "concurrency=1", "concurrency=64"}));
  ASSERT_EQ(run.points.size(), 3u);
  EXPECT_EQ(run.points[0].point, "concurrency=8");
  EXPECT_EQ(run.points[0].tier, "DRAFT");
  EXPECT_EQ(run.points[1].point, "concurrency=1");
  EXPECT_EQ(run.points[1].tier, "VERDICT");
  EXPECT_EQ(run.points[2].point, "concurrency=64");
  EXPECT_EQ(run.points[2].replicates, 0);
  EXPECT_EQ(run.tier, "DRAFT");
  EXPECT_THAT(run.reasons, Contains("concurrency=8: 2 replicates < 3"));
  EXPECT_THAT(run.reasons, Contains("concurrency=64: 0 replicates < 3"));
  EXPECT_THAT(run.reasons, Contains("concurrency=64: output_throughput_tok_s: not measured at "
                                    "this point"));
  EXPECT_NE(run.points[0].benchmark_case_id, run.points[1].benchmark_case_id);
}

TEST(JudgeTest, PartialRunIsADraft) {
  RunSummary summary =
      Summary({Replicate("concurrency=4", 0, 1000, 200), Replicate("concurrency=4", 1, 1000, 200),
               Replicate("concurrency=4", 2, 1000, 200)});
  summary.status = "partial";
  const RunResult run = JudgeRun(Spec(), summary, Options());
  EXPECT_EQ(run.status, "partial");
  EXPECT_EQ(run.points[0].tier, "VERDICT");
  EXPECT_EQ(run.tier, "DRAFT");
  ASSERT_EQ(run.reasons.size(), 1u);
  EXPECT_THAT(run.reasons[0], HasSubstr("partial"));
}

std::vector<PointSummary> ThroughputReplicates(const std::vector<double>& values) {
  std::vector<PointSummary> reps;
  for (size_t i = 0; i < values.size(); ++i) {
    reps.push_back(Replicate("concurrency=4", static_cast<int64_t>(i), values[i], 200));
  }
  return reps;
}

TEST(JudgeTest, OutlierPolicyIsNotAppliedBelowFiveReplicates) {
  const PointResult& point =
      OnlyPoint(JudgeRun(Spec(), Summary(ThroughputReplicates({100, 101, 99, 500})), Options()));
  EXPECT_EQ(point.outlier_policy, "not applied, n < 5");
  const MetricAggregate* tput = point.Find("output_throughput_tok_s");
  EXPECT_THAT(tput->outliers, IsEmpty());
  EXPECT_DOUBLE_EQ(tput->mean, 200);
}

TEST(JudgeTest, OutlierPolicyFlagsOrExcludesFromFiveReplicates) {
  // median 100, |x − 100| = 0 1 1 0 400 → MAD 1; M(500) = 0.6745 · 400 = 269.8.
  const RunSummary summary = Summary(ThroughputReplicates({100, 101, 99, 100, 500}));
  spec::BenchmarkRun spec = Spec();
  const PointResult flagged = OnlyPoint(JudgeRun(spec, summary, Options()));
  EXPECT_EQ(flagged.outlier_policy, "applied (mad, threshold 3.5, flag)");
  const MetricAggregate* tput = flagged.Find("output_throughput_tok_s");
  ASSERT_EQ(tput->outliers.size(), 1u);
  EXPECT_EQ(tput->outliers[0].replicate, 4);
  EXPECT_EQ(tput->outliers[0].value, 500);
  EXPECT_NEAR(tput->outliers[0].score, 269.8, 1e-9);
  EXPECT_EQ(tput->outliers[0].action, "flag");
  EXPECT_EQ(tput->n, 5);
  EXPECT_DOUBLE_EQ(tput->mean, 180);

  spec.measurement.outlier_policy.action = "exclude";
  const PointResult excluded = OnlyPoint(JudgeRun(spec, summary, Options()));
  EXPECT_EQ(excluded.outlier_policy, "applied (mad, threshold 3.5, exclude)");
  tput = excluded.Find("output_throughput_tok_s");
  ASSERT_EQ(tput->outliers.size(), 1u);
  EXPECT_EQ(tput->outliers[0].action, "exclude");
  EXPECT_EQ(tput->n, 4);
  EXPECT_DOUBLE_EQ(tput->mean, 100);
  EXPECT_DOUBLE_EQ(tput->stddev, std::sqrt(2.0 / 3.0));
  EXPECT_EQ(tput->replicates.size(), 5u);  // every value is still recorded

  spec.measurement.outlier_policy.method = "none";
  EXPECT_EQ(OnlyPoint(JudgeRun(spec, summary, Options())).outlier_policy,
            "not applied, method none");
}

TEST(JudgeTest, BootstrapFromTenReplicatesSeededPerPointAndPath) {
  const RunSummary summary =
      Summary(ThroughputReplicates({1000, 1012, 995, 1003, 990, 1008, 999, 1001, 985, 1015}));
  spec::BenchmarkRun spec = Spec();
  const PointResult a = OnlyPoint(JudgeRun(spec, summary, Options()));
  const MetricAggregate* tput = a.Find("output_throughput_tok_s");
  EXPECT_EQ(tput->ci_method, "bootstrap");
  EXPECT_LT(tput->ci_low, tput->mean);
  EXPECT_GT(tput->ci_high, tput->mean);
  const PointResult b = OnlyPoint(JudgeRun(spec, summary, Options()));
  EXPECT_EQ(b.Find("output_throughput_tok_s")->ci_low, tput->ci_low);
  EXPECT_EQ(b.Find("output_throughput_tok_s")->ci_high, tput->ci_high);
  spec.workload.seeds.bootstrap = 48;
  const PointResult c = OnlyPoint(JudgeRun(spec, summary, Options()));
  const MetricAggregate* other = c.Find("output_throughput_tok_s");
  EXPECT_TRUE(other->ci_low != tput->ci_low || other->ci_high != tput->ci_high);
}

TEST(JudgeTest, MissingValuesAreNaNAndLeaveTheMean) {
  std::vector<PointSummary> reps = ThroughputReplicates({100, 110, 120});
  reps[1].scalars.erase("output_throughput_tok_s");
  const PointResult& point = OnlyPoint(JudgeRun(Spec(), Summary(reps), Options()));
  const MetricAggregate* tput = point.Find("output_throughput_tok_s");
  ASSERT_EQ(tput->replicates.size(), 3u);
  EXPECT_TRUE(std::isnan(tput->replicates[1]));
  EXPECT_EQ(tput->n, 2);
  EXPECT_DOUBLE_EQ(tput->mean, 110);
}

TEST(JudgeTest, CostIsDerivedFromThePrice) {
  spec::BenchmarkRun spec = Spec();
  spec.system.cost.gpu_hour_usd = 2.5;
  spec.system.hardware.gpu_count = 2;
  PointSummary r = Replicate("concurrency=4", 0, 1000, 200);
  r.scalars["request_throughput_req_s"] = 10;
  r.scalars["goodput_req_s"] = 8;
  AddDerivedScalars(spec, r);
  // 2.5 · 2 / (1000 · 3600) · 1e6; at the SLO only 8 of 10 requests' tokens count.
  EXPECT_NEAR(r.scalars.at("cost_per_mtok_usd"), 5 / 3.6, 1e-12);
  EXPECT_NEAR(r.scalars.at("cost_per_mtok_at_slo_usd"), 5 / (0.8 * 3.6), 1e-12);

  // Exact values from load/ are kept.
  PointSummary exact = Replicate("concurrency=4", 0, 1000, 200);
  exact.scalars["cost_per_mtok_usd"] = 1.5;
  AddDerivedScalars(spec, exact);
  EXPECT_EQ(exact.scalars.at("cost_per_mtok_usd"), 1.5);
  EXPECT_FALSE(exact.scalars.contains("cost_per_mtok_at_slo_usd"));  // no goodput

  PointSummary unpriced = Replicate("concurrency=4", 0, 1000, 200);
  AddDerivedScalars(Spec(), unpriced);
  EXPECT_FALSE(unpriced.scalars.contains("cost_per_mtok_usd"));
}

TEST(JudgeTest, WeightBytesFromPrecision) {
  spec::ModelShape m;
  EXPECT_EQ(WeightBytesFor(m), 0);
  m.params = 8e9;
  EXPECT_EQ(WeightBytesFor(m), 16e9);  // unknown precision counts as 2 bytes
  m.precision = "FP8";
  EXPECT_EQ(WeightBytesFor(m), 8e9);
  m.precision = "int4";
  EXPECT_EQ(WeightBytesFor(m), 4e9);
  m.weight_bytes = 5e9;
  EXPECT_EQ(WeightBytesFor(m), 5e9);
}

// ---- %SoL ---------------------------------------------------------------------------------

// A spec describing `model` (a catalog key) on `gpus` GPUs of `hardware` at tensor parallel tp.
spec::BenchmarkRun SolSpec(const std::string& hardware, const std::string& model, int tp,
                           int gpus) {
  spec::BenchmarkRun s = Spec();
  s.intent.kpis = {};
  Result<catalog::ModelShape> shape = catalog::LookupModel(model);
  EXPECT_TRUE(shape.ok());
  s.system.hardware.gpu = hardware;
  s.system.hardware.gpu_count = gpus;
  s.system.model.precision = "bf16";
  s.system.model.params = shape->params;
  s.system.model.kv_bytes_per_token = shape->kv_bytes_per_token;
  s.system.model.tensor_parallel = tp;
  return s;
}

PointSummary SolReplicate(int64_t replicate, int batch, double isl, double osl, double steady) {
  PointSummary r = Replicate("concurrency=" + std::to_string(batch), replicate, steady, 100);
  r.scalars["steady_output_throughput_tok_s"] = steady;
  r.scalars["server_running_mean"] = batch;
  r.distributions["input_tokens"] = Flat(isl, 1000);
  r.distributions["output_tokens"] = Flat(osl, 1000);
  return r;
}

TEST(JudgeSolTest, ThroughputAtTheCeilingScoresOneHundred) {
  // H100 SXM (989e12 FLOP/s, 3.35e12 B/s), Llama 3 8B (P 8.03e9, W 16.06e9 in bf16, 131072 B per
  // token), B = 64, L = 1024 + 256 / 2 = 1152:
  //   floor_step = max((16.06e9 + 64 · 131072 · 1152) / 3.35e12, 2 · 8.03e9 · 64 / 989e12).
  const double memory_s = (16.06e9 + 64.0 * 131072 * 1152) / 3.35e12;
  const double compute_s = 2 * 8.03e9 * 64 / 989e12;
  const double ceiling = 64 / std::max(memory_s, compute_s);
  const spec::BenchmarkRun spec = SolSpec("H100-SXM", "llama3-8b", 1, 1);
  const RunResult run = JudgeRun(
      spec,
      Summary({SolReplicate(0, 64, 1024, 256, ceiling), SolReplicate(1, 64, 1024, 256, ceiling / 2),
               SolReplicate(2, 64, 1024, 256, ceiling)}),
      Options());
  const PointResult point = OnlyPoint(run);
  const MetricAggregate* sol = point.Find("sol_pct");
  ASSERT_NE(sol, nullptr);
  EXPECT_NEAR(sol->replicates[0], 100, 1e-9);
  EXPECT_NEAR(sol->replicates[1], 50, 1e-9);
}

TEST(JudgeSolTest, BatchFallsBackToInFlightThenConcurrency) {
  const spec::BenchmarkRun spec = SolSpec("h100-sxm", "llama3-8b", 1, 1);
  const auto ceiling = [](double b) {
    return b / std::max((16.06e9 + b * 131072 * 1152) / 3.35e12, 2 * 8.03e9 * b / 989e12);
  };
  // No server telemetry: the timeslices ending inside the steady window [2, 5] say 32 in flight
  // (the ramp-up second before it says 8 and is ignored).
  PointSummary r = SolReplicate(0, 64, 1024, 256, ceiling(32));
  r.scalars.erase("server_running_mean");
  r.window.steady_start_s = 2;
  r.window.steady_end_s = 5;
  for (int s = 0; s < 5; ++s)
    r.timeslices.push_back({static_cast<double>(s), 0, 0, s == 0 ? 8 : 32, 0});
  AddDerivedScalars(spec, r);
  EXPECT_NEAR(r.scalars.at("sol_pct"), 100, 1e-9);
  // No timeslices either: the point's concurrency.
  PointSummary c = SolReplicate(0, 64, 1024, 256, ceiling(64));
  c.scalars.erase("server_running_mean");
  AddDerivedScalars(spec, c);
  EXPECT_NEAR(c.scalars.at("sol_pct"), 100, 1e-9);
}

TEST(JudgeSolTest, NotDerivedWithoutTheInputs) {
  spec::BenchmarkRun spec = SolSpec("h100-sxm", "llama3-8b", 1, 1);
  spec.system.hardware.gpu = "unknown";
  PointSummary r = SolReplicate(0, 64, 1024, 256, 5000);
  AddDerivedScalars(spec, r);
  EXPECT_FALSE(r.scalars.contains("sol_pct"));
  spec = SolSpec("h100-sxm", "llama3-8b", 1, 1);
  spec.system.model.kv_bytes_per_token.reset();
  AddDerivedScalars(spec, r);
  EXPECT_FALSE(r.scalars.contains("sol_pct"));
}

// The simulator's decode steady state at ideal efficiency: its step time (DESIGN.md §8,
// sim/engine_params.h StepSeconds) with eff_bw = mfu = 1 and c0 = c_req = 0 is
//   max((W/TP + Σ (kv_bytes_per_token/TP) · ctx) / HBM_BW, 2·P·B / (TP·peak)),
// with B decodes whose positions are staggered evenly over the output, so each step reads the
// same total context. Returns the steady output throughput of one TP group, in tok/s.
double IdealSimulatorTokS(const catalog::HardwareCeiling& hw, const catalog::ModelShape& model,
                          int tp, int batch, int isl, int osl) {
  std::vector<int> position(static_cast<size_t>(batch));
  for (int i = 0; i < batch; ++i) position[static_cast<size_t>(i)] = i * osl / batch;
  double seconds = 0;
  double tokens = 0;
  for (int step = 0; step < 2 * osl; ++step) {
    double context = 0;
    for (int p : position) context += isl + p;
    const double memory_s =
        (model.weight_bytes / tp + model.kv_bytes_per_token / tp * context) / hw.hbm_bw_bytes_s;
    const double compute_s = 2 * model.params * batch / (tp * hw.peak_bf16_dense_flops);
    seconds += std::max(memory_s, compute_s);
    tokens += batch;
    for (int& p : position) p = (p + 1) % osl;
  }
  return tokens / seconds;
}

TEST(JudgeSolTest, IdealSimulatorScoresAboutOneHundredPercent) {
  struct Case {
    const char* hardware;
    const char* model;
    int tp;
    int batch;
  };
  for (const Case& c :
       {Case{"h100-sxm", "llama3-8b", 1, 64}, Case{"h100-sxm", "llama3-8b", 1, 512},
        Case{"h100-sxm", "llama3-70b", 4, 32}, Case{"b200", "llama3-70b", 2, 128}}) {
    Result<catalog::HardwareCeiling> hw = catalog::LookupHardware(c.hardware);
    Result<catalog::ModelShape> model = catalog::LookupModel(c.model);
    ASSERT_TRUE(hw.ok() && model.ok());
    const double tok_s = IdealSimulatorTokS(*hw, *model, c.tp, c.batch, 1024, 256);
    const spec::BenchmarkRun spec = SolSpec(c.hardware, c.model, c.tp, c.tp);
    const RunResult run = JudgeRun(spec,
                                   Summary({SolReplicate(0, c.batch, 1024, 256, tok_s),
                                            SolReplicate(1, c.batch, 1024, 256, tok_s),
                                            SolReplicate(2, c.batch, 1024, 256, tok_s)}),
                                   Options());
    const PointResult point = OnlyPoint(run);
    const MetricAggregate* sol = point.Find("sol_pct");
    ASSERT_NE(sol, nullptr) << c.model;
    // The simulated mean context is ISL + (OSL − 1)/2, half a token below §8's L = ISL + OSL/2.
    EXPECT_NEAR(sol->mean, 100, 0.1) << c.hardware << " " << c.model << " tp " << c.tp;
  }
}

}  // namespace
}  // namespace inferbench::runner
