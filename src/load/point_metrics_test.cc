#include "load/point_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "results/metric_names.h"

namespace inferbench::load {
namespace {

using results::DistributionSummary;
using results::ErrorClass;
using results::PointSummary;
using results::RequestRecord;
using results::Stat;
using ::testing::Contains;
using ::testing::HasSubstr;

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kBase = 10'000 * kMs;  // every test time is kBase + milliseconds

// Builds records and their token times side by side; times are milliseconds after kBase.
class PointBuilder {
 public:
  // A completed request whose token events arrive at token_ms.
  RequestRecord& Ok(int64_t send_ms, std::vector<int64_t> token_ms, int64_t done_ms,
                    int64_t output_tokens) {
    RequestRecord r;
    r.t_send_ns = r.t_sched_ns = At(send_ms);
    if (!token_ms.empty()) {
      r.t_first_ns = At(token_ms.front());
      r.t_last_ns = At(token_ms.back());
      if (token_ms.size() > 1) r.t_second_ns = At(token_ms[1]);
    }
    r.t_done_ns = At(done_ms);
    r.output_tokens = output_tokens;
    r.output_tokens_requested = output_tokens;
    r.token_events = static_cast<int64_t>(token_ms.size());
    return Add(r, token_ms);
  }
  RequestRecord& Failed(int64_t send_ms, int64_t done_ms, ErrorClass error,
                        std::vector<int64_t> token_ms = {}) {
    RequestRecord r;
    r.t_send_ns = r.t_sched_ns = At(send_ms);
    r.t_done_ns = At(done_ms);
    r.error_class = error;
    r.token_events = static_cast<int64_t>(token_ms.size());
    return Add(r, token_ms);
  }

  static int64_t At(int64_t ms) { return kBase + ms * kMs; }

  std::vector<RequestRecord> records;
  std::vector<std::vector<int64_t>> token_times;

 private:
  RequestRecord& Add(RequestRecord r, const std::vector<int64_t>& token_ms) {
    std::vector<int64_t> times;
    for (int64_t ms : token_ms) times.push_back(At(ms));
    records.push_back(std::move(r));
    token_times.push_back(std::move(times));
    return records.back();
  }
};

PointMetricsOptions ClosedOptions(int concurrency) {
  PointMetricsOptions options;
  options.plan.mode = LoadPlan::Mode::kConcurrency;
  options.plan.concurrency = concurrency;
  options.plan.point = "concurrency=" + std::to_string(concurrency);
  options.plan.replicate = 2;
  options.anchor_steady_ns = kBase - 2000 * kMs;  // run clock: kBase is 2.0 s
  return options;
}

PointMetricsOptions OpenOptions(double rate) {
  PointMetricsOptions options;
  options.plan.mode = LoadPlan::Mode::kRate;
  options.plan.rate_req_s = rate;
  options.plan.point = "rate=10";
  options.anchor_steady_ns = kBase;
  return options;
}

const DistributionSummary& Dist(const PointSummary& s, const std::string& name) {
  static const DistributionSummary kMissing;
  const auto it = s.distributions.find(name);
  EXPECT_NE(it, s.distributions.end()) << name;
  return it == s.distributions.end() ? kMissing : it->second;
}

double Scalar(const PointSummary& s, const std::string& name) {
  const auto it = s.scalars.find(name);
  EXPECT_NE(it, s.scalars.end()) << name;
  return it == s.scalars.end() ? std::nan("") : it->second;
}

bool HasWarning(const PointSummary& s, const std::string& part) {
  for (const std::string& w : s.warnings) {
    if (w.find(part) != std::string::npos) return true;
  }
  return false;
}

// Closed loop, concurrency 2: five measured requests and one warmup request.
//   R1 sent 0   tokens 100 150 200 250 300   done 300   5 tokens
//   R2 sent 0   tokens 120 120 320 420       done 420   4 tokens (two events in one read)
//   R3 sent 300 tokens 400 500 600           done 600   3 tokens
//   R4 sent 420 token  500                   done 520   1 token (asked for 5)
//   R5 sent 600 HTTP 503                     done 610
class ClosedLoopPointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RequestRecord& r1 = b.Ok(0, {100, 150, 200, 250, 300}, 300, 5);
    r1.input_tokens = r1.input_tokens_requested = 10;
    r1.cached_tokens = 5;
    RequestRecord& r2 = b.Ok(0, {120, 120, 320, 420}, 420, 4);
    r2.input_tokens = r2.input_tokens_requested = 10;
    r2.cached_tokens = 0;
    RequestRecord& r3 = b.Ok(300, {400, 500, 600}, 600, 3);
    r3.input_tokens = r3.input_tokens_requested = 20;
    RequestRecord& r4 = b.Ok(420, {500}, 520, 1);
    r4.input_tokens = r4.input_tokens_requested = 20;
    r4.output_tokens_requested = 5;
    RequestRecord& r5 = b.Failed(600, 610, ErrorClass::kHttp5xx);
    r5.http_status = 503;
    RequestRecord& warmup = b.Ok(-1000, {-100, -50}, -50, 2);
    warmup.warmup = true;

    options = ClosedOptions(2);
    options.slo = {{"ttft_ms", 110}, {"tpot_ms", 60}};
    options.gpu_hour_usd = 2;
    options.gpu_count = 2;
    options.ignore_eos = true;
    s = ComputePointSummary(b.records, b.token_times, options);
  }

  PointBuilder b;
  PointMetricsOptions options;
  PointSummary s;
};

TEST_F(ClosedLoopPointTest, CountsAndWindow) {
  EXPECT_EQ(s.point, "concurrency=2");
  EXPECT_EQ(s.replicate, 2);
  EXPECT_EQ(s.requests.completed, 4);
  EXPECT_EQ(s.requests.errored, 1);
  EXPECT_EQ(s.requests.warmup, 1);
  EXPECT_EQ(s.requests.cancelled, 0);
  EXPECT_DOUBLE_EQ(s.window.start_s, 2.0);
  EXPECT_DOUBLE_EQ(s.window.end_s, 2.61);  // R5's completion
  EXPECT_DOUBLE_EQ(s.window.duration_s, 0.61);
  // Completions 300 420 520 600 610: the 2nd is at 420; the last send at 600.
  EXPECT_DOUBLE_EQ(s.window.steady_start_s, 2.42);
  EXPECT_DOUBLE_EQ(s.window.steady_end_s, 2.6);
}

TEST_F(ClosedLoopPointTest, LatencyDistributionsExcludeWarmupAndErrors) {
  const DistributionSummary& ttft = Dist(s, "ttft_ms");  // 100 120 100 80
  EXPECT_EQ(ttft.n, 4);
  EXPECT_DOUBLE_EQ(ttft.mean, 100);
  EXPECT_DOUBLE_EQ(ttft.min, 80);
  EXPECT_DOUBLE_EQ(ttft.p50, 100);
  EXPECT_DOUBLE_EQ(ttft.max, 120);  // the warmup's 900 ms is not here
  EXPECT_TRUE(ttft.IsLowN(Stat::kP50));
  EXPECT_TRUE(ttft.IsLowN(Stat::kP999));

  const DistributionSummary& ttst = Dist(s, "ttst_ms");  // 50 0 100 (R4 has no second token)
  EXPECT_EQ(ttst.n, 3);
  EXPECT_DOUBLE_EQ(ttst.p50, 50);

  const DistributionSummary& tpot = Dist(s, "tpot_ms");  // 200/4, 300/3, 200/2; R4 excluded
  EXPECT_EQ(tpot.n, 3);
  EXPECT_DOUBLE_EQ(tpot.min, 50);
  EXPECT_DOUBLE_EQ(tpot.p50, 100);
  EXPECT_DOUBLE_EQ(tpot.mean, 250.0 / 3);

  const DistributionSummary& per_user = Dist(s, "per_user_tok_s");  // 20 10 10
  EXPECT_EQ(per_user.n, 3);
  EXPECT_DOUBLE_EQ(per_user.max, 20);
  EXPECT_DOUBLE_EQ(per_user.p50, 10);

  const DistributionSummary& e2e = Dist(s, "e2e_latency_ms");  // 300 420 300 80
  EXPECT_EQ(e2e.n, 4);
  EXPECT_DOUBLE_EQ(e2e.p50, 300);
  EXPECT_DOUBLE_EQ(e2e.max, 420);

  EXPECT_EQ(s.distributions.count("ttft_sched_ms"), 0u);  // open loop only
  EXPECT_EQ(s.distributions.count("schedule_lag_ms"), 0u);
  EXPECT_EQ(s.scalars.count("achieved_rate_req_s"), 0u);
}

TEST_F(ClosedLoopPointTest, ChunkGapsPoolSameReadZeros) {
  // R1: 50 50 50 50; R2: 0 200 100; R3: 100 100. Sorted: 0 50 50 50 50 100 100 100 200.
  const DistributionSummary& gaps = Dist(s, "chunk_gap_ms");
  EXPECT_EQ(gaps.n, 9);
  EXPECT_DOUBLE_EQ(gaps.min, 0);
  EXPECT_DOUBLE_EQ(gaps.p50, 50);
  EXPECT_DOUBLE_EQ(gaps.p99, 192);  // h = 7.92: 100 + 0.92 · (200 − 100)
  EXPECT_DOUBLE_EQ(Scalar(s, "jitter_ms"), 142);
  EXPECT_DOUBLE_EQ(Scalar(s, "same_read_gap_share"), 1.0 / 9);
}

TEST_F(ClosedLoopPointTest, ShapeDistributions) {
  EXPECT_DOUBLE_EQ(Dist(s, "input_tokens").mean, 15);
  EXPECT_DOUBLE_EQ(Dist(s, "output_tokens").mean, 3.25);
  EXPECT_DOUBLE_EQ(Dist(s, "requested_input_tokens").mean, 15);
  EXPECT_DOUBLE_EQ(Dist(s, "requested_output_tokens").mean, 4.25);  // 5 4 3 5
  EXPECT_EQ(Dist(s, "output_tokens").n, 4);
}

TEST_F(ClosedLoopPointTest, Throughput) {
  EXPECT_DOUBLE_EQ(Scalar(s, "output_throughput_tok_s"), 13 / 0.61);
  EXPECT_DOUBLE_EQ(Scalar(s, "request_throughput_req_s"), 4 / 0.61);
  // Tokens arriving in [420, 600): R2's at 420, R3's at 500, R4's at 500 (600 is outside).
  EXPECT_DOUBLE_EQ(Scalar(s, "steady_output_throughput_tok_s"), 3 / 0.18);
}

TEST_F(ClosedLoopPointTest, ErrorsGoodputAndCost) {
  EXPECT_DOUBLE_EQ(Scalar(s, "error_rate"), 0.2);
  EXPECT_TRUE(HasWarning(s, "http_5xx=1"));
  EXPECT_EQ(s.scalars.count("error_count.http_5xx"),
            results::FindMetric("error_count.http_5xx") != nullptr ? 1u : 0u);
  // ttft <= 110 and tpot <= 60: R1 (100, 50) and R4 (80, one token) meet; R2 (ttft 120) and
  // R3 (tpot 100) do not.
  EXPECT_DOUBLE_EQ(Scalar(s, "goodput_req_s"), 2 / 0.61);
  EXPECT_DOUBLE_EQ(Scalar(s, "slo_attainment"), 0.4);
  EXPECT_DOUBLE_EQ(Scalar(s, "cost_per_mtok_usd"), 2.0 * 2 / (13 / 0.61 * 3600) * 1e6);
  EXPECT_DOUBLE_EQ(Scalar(s, "cost_per_mtok_at_slo_usd"), 2.0 * 2 / (6 / 0.61 * 3600) * 1e6);
}

TEST_F(ClosedLoopPointTest, PrefixCacheFromUsageAndShortOutputs) {
  EXPECT_DOUBLE_EQ(Scalar(s, "prefix_cache_hit_rate"), 5.0 / 20);  // R1 and R2 reported
  EXPECT_TRUE(HasWarning(s, "1 of 4 completed requests returned fewer output tokens"));
  EXPECT_TRUE(HasWarning(s, "ignore_eos"));
}

TEST_F(ClosedLoopPointTest, OneTimesliceHoldsTheWholeShortPoint) {
  ASSERT_EQ(s.timeslices.size(), 1u);
  EXPECT_DOUBLE_EQ(s.timeslices[0].start_s, 2.0);
  EXPECT_EQ(s.timeslices[0].completed, 4);
  EXPECT_EQ(s.timeslices[0].errors, 1);
  EXPECT_EQ(s.timeslices[0].output_tokens, 13);
  EXPECT_EQ(s.timeslices[0].in_flight, 0);
}

TEST_F(ClosedLoopPointTest, EveryNameIsInTheVocabulary) {
  for (const auto& [name, value] : s.scalars) EXPECT_NE(results::FindMetric(name), nullptr) << name;
  for (const auto& [name, d] : s.distributions) {
    ASSERT_NE(results::FindMetric(name), nullptr) << name;
    EXPECT_EQ(results::FindMetric(name)->kind, results::MetricKind::kDistribution) << name;
  }
}

TEST_F(ClosedLoopPointTest, ServerPrefixCacheRateWins) {
  options.prefix_cache_hit_rate = 0.75;
  const PointSummary with_server = ComputePointSummary(b.records, b.token_times, options);
  EXPECT_DOUBLE_EQ(Scalar(with_server, "prefix_cache_hit_rate"), 0.75);
}

// Open loop at 10 req/s; the last three were sent 100 ms late (an in-flight cap).
//   sched 0   100 200 300 400
//   send  0   100 300 400 500
//   first 50  180 350 480 520, then two more tokens 50 ms apart each
class OpenLoopPointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const int64_t sched[] = {0, 100, 200, 300, 400};
    const int64_t send[] = {0, 100, 300, 400, 500};
    const int64_t first[] = {50, 180, 350, 480, 520};
    const int64_t done[] = {150, 280, 450, 600, 620};
    for (int i = 0; i < 5; ++i) {
      RequestRecord& r = b.Ok(send[i], {first[i], first[i] + 50, first[i] + 100}, done[i], 3);
      r.t_sched_ns = PointBuilder::At(sched[i]);
    }
    options = OpenOptions(10);
    options.slo = {{"ttft_ms", 100}};
    s = ComputePointSummary(b.records, b.token_times, options);
  }

  PointBuilder b;
  PointMetricsOptions options;
  PointSummary s;
};

TEST_F(OpenLoopPointTest, CoordinatedOmissionCorrectedLatencies) {
  const DistributionSummary& ttft = Dist(s, "ttft_ms");  // 50 80 50 80 20
  EXPECT_DOUBLE_EQ(ttft.mean, 56);
  EXPECT_DOUBLE_EQ(ttft.max, 80);
  const DistributionSummary& sched = Dist(s, "ttft_sched_ms");  // 50 80 150 180 120
  EXPECT_EQ(sched.n, 5);
  EXPECT_DOUBLE_EQ(sched.mean, 116);
  EXPECT_DOUBLE_EQ(sched.p50, 120);
  EXPECT_DOUBLE_EQ(sched.max, 180);
  const DistributionSummary& lag = Dist(s, "schedule_lag_ms");  // 0 0 100 100 100
  EXPECT_DOUBLE_EQ(lag.mean, 60);
  EXPECT_DOUBLE_EQ(lag.p50, 100);
  EXPECT_DOUBLE_EQ(lag.min, 0);
}

TEST_F(OpenLoopPointTest, GoodputJudgesTtftFromTheIntendedTime) {
  // By ttft_ms all five would meet 100 ms; by ttft_sched_ms only the first two do.
  EXPECT_DOUBLE_EQ(Scalar(s, "goodput_req_s"), 2 / 0.62);
  EXPECT_DOUBLE_EQ(Scalar(s, "slo_attainment"), 0.4);
}

TEST_F(OpenLoopPointTest, SteadyWindowStartsAfterTenPercentOfTheSendSpan) {
  EXPECT_DOUBLE_EQ(s.window.steady_start_s, 0.05);
  EXPECT_DOUBLE_EQ(s.window.steady_end_s, 0.5);
  // Tokens in [50, 500): 3 + 3 + 3 + 1 (480) + 0.
  EXPECT_DOUBLE_EQ(Scalar(s, "steady_output_throughput_tok_s"), 10 / 0.45);
  EXPECT_DOUBLE_EQ(Scalar(s, "output_throughput_tok_s"), 15 / 0.62);
}

TEST_F(OpenLoopPointTest, AchievedBelowOfferedIsUnstable) {
  EXPECT_DOUBLE_EQ(Scalar(s, "achieved_rate_req_s"), 8);  // 4 gaps over 0.5 s
  EXPECT_TRUE(HasWarning(s, "unstable:"));
  EXPECT_TRUE(HasWarning(s, "offered 10 req/s"));
}

TEST(OpenLoopStabilityTest, OnTimeSendsAreStableWhateverTheSeedsRate) {
  // A Poisson schedule that happened to realise 8 req/s for nominal 10: sent on time, stable.
  PointBuilder b;
  const int64_t sched[] = {0, 80, 250, 330, 500};
  for (int64_t t : sched) b.Ok(t, {t + 20, t + 40}, t + 40, 2);
  const PointSummary s = ComputePointSummary(b.records, b.token_times, OpenOptions(10));
  EXPECT_DOUBLE_EQ(Scalar(s, "achieved_rate_req_s"), 8);
  EXPECT_FALSE(HasWarning(s, "unstable"));
}

TEST(TimesliceTest, PerSecondCompletionsTokensInFlightAndErrors) {
  PointBuilder b;
  b.Ok(500, {700, 1200, 1600}, 1650, 3);
  b.Ok(1650, {1800, 2600}, 2700, 2);
  b.Failed(2700, 2900, ErrorClass::kTimeout);
  PointMetricsOptions options = ClosedOptions(1);
  options.anchor_steady_ns = kBase;
  const PointSummary s = ComputePointSummary(b.records, b.token_times, options);
  ASSERT_EQ(s.timeslices.size(), 3u);  // [0.5, 1.5) [1.5, 2.5) [2.5, 3.5)
  const double starts[] = {0.5, 1.5, 2.5};
  const int64_t completed[] = {0, 1, 1};
  const int64_t tokens[] = {2, 2, 1};
  const int64_t in_flight[] = {1, 1, 0};
  const int64_t errors[] = {0, 0, 1};
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_DOUBLE_EQ(s.timeslices[k].start_s, starts[k]) << k;
    EXPECT_EQ(s.timeslices[k].completed, completed[k]) << k;
    EXPECT_EQ(s.timeslices[k].output_tokens, tokens[k]) << k;
    EXPECT_EQ(s.timeslices[k].in_flight, in_flight[k]) << k;
    EXPECT_EQ(s.timeslices[k].errors, errors[k]) << k;
  }
  // Concurrency 1: the steady window is [1st completion 1650, last send 2700): Y's two tokens.
  EXPECT_DOUBLE_EQ(Scalar(s, "steady_output_throughput_tok_s"), 2 / 1.05);
  EXPECT_DOUBLE_EQ(Scalar(s, "error_rate"), 1.0 / 3);
}

TEST(TokenWeightTest, MultiTokenChunksAndErroredEvents) {
  PointBuilder b;
  b.Ok(0, {100, 200, 300}, 300, 6);                          // 2 tokens per event
  b.Failed(0, 1500, ErrorClass::kStreamError, {400, 1200});  // 1 per event
  b.Failed(0, 1600, ErrorClass::kCancelled, {1300});
  const PointSummary s = ComputePointSummary(b.records, b.token_times, ClosedOptions(1));
  ASSERT_EQ(s.timeslices.size(), 2u);
  EXPECT_EQ(s.timeslices[0].output_tokens, 7);
  EXPECT_EQ(s.timeslices[1].output_tokens, 2);
  EXPECT_EQ(s.timeslices[1].errors, 1);  // cancelled requests are not errors
  EXPECT_EQ(s.requests.cancelled, 1);
  EXPECT_EQ(s.requests.errored, 1);
  EXPECT_DOUBLE_EQ(Scalar(s, "error_rate"), 0.5);
  EXPECT_EQ(Dist(s, "chunk_gap_ms").n, 2);  // completed requests only
  EXPECT_DOUBLE_EQ(Scalar(s, "output_throughput_tok_s"), 6 / 1.6);
}

TEST(SteadyWindowTest, TooFewCompletionsLeaveItOut) {
  PointBuilder b;
  b.Ok(0, {100, 200}, 200, 2);
  b.Ok(0, {150, 250}, 250, 2);
  const PointSummary s = ComputePointSummary(b.records, b.token_times, ClosedOptions(4));
  EXPECT_EQ(s.scalars.count("steady_output_throughput_tok_s"), 0u);
  EXPECT_TRUE(HasWarning(s, "no steady window"));
  EXPECT_DOUBLE_EQ(s.window.steady_start_s, s.window.start_s);
  EXPECT_DOUBLE_EQ(s.window.steady_end_s, s.window.start_s);
  EXPECT_DOUBLE_EQ(Scalar(s, "output_throughput_tok_s"), 4 / 0.25);
}

TEST(SteadyWindowTest, MissingTokenTimesAreReported) {
  PointBuilder b;
  b.Ok(0, {100, 200}, 200, 2);
  b.Ok(200, {300, 400}, 400, 2);
  const PointSummary s = ComputePointSummary(b.records, {}, ClosedOptions(1));
  EXPECT_EQ(s.scalars.count("steady_output_throughput_tok_s"), 0u);
  EXPECT_EQ(Dist(s, "chunk_gap_ms").n, 0);
  EXPECT_EQ(s.scalars.count("jitter_ms"), 0u);
  EXPECT_TRUE(HasWarning(s, "no token times"));
  EXPECT_EQ(Dist(s, "ttft_ms").n, 2);  // the record timestamps still give the latencies
}

TEST(PointMetricsTest, SingleRequestHasUndefinedStd) {
  PointBuilder b;
  b.Ok(0, {100, 200}, 200, 2);
  const PointSummary s = ComputePointSummary(b.records, b.token_times, ClosedOptions(1));
  const DistributionSummary& ttft = Dist(s, "ttft_ms");
  EXPECT_EQ(ttft.n, 1);
  EXPECT_DOUBLE_EQ(ttft.mean, 100);
  EXPECT_FALSE(ttft.Get(Stat::kStd).has_value());
  EXPECT_FALSE(ttft.IsLowN(Stat::kMean));
}

TEST(PointMetricsTest, SaturatedClientIsCarriedAndWarned) {
  PointBuilder b;
  b.Ok(0, {100, 200}, 200, 2);
  PointMetricsOptions options = ClosedOptions(1);
  options.client = {2.5, 95, true};
  const PointSummary s = ComputePointSummary(b.records, b.token_times, options);
  EXPECT_TRUE(s.client.saturated);
  EXPECT_DOUBLE_EQ(s.client.lag_p99_ms, 2.5);
  EXPECT_TRUE(HasWarning(s, "client saturated"));
}

TEST(PointMetricsTest, OnlyWarmupMeansNoMetrics) {
  PointBuilder b;
  b.Ok(0, {100}, 100, 1).warmup = true;
  const PointSummary s = ComputePointSummary(b.records, b.token_times, ClosedOptions(1));
  EXPECT_EQ(s.requests.warmup, 1);
  EXPECT_TRUE(s.scalars.empty());
  EXPECT_TRUE(s.distributions.empty());
  EXPECT_TRUE(HasWarning(s, "no measured request"));
}

TEST(PointMetricsTest, NoCostWithoutPricesNoGoodputWithoutSlo) {
  PointBuilder b;
  b.Ok(0, {100, 200}, 200, 2);
  const PointSummary s = ComputePointSummary(b.records, b.token_times, ClosedOptions(1));
  EXPECT_EQ(s.scalars.count("cost_per_mtok_usd"), 0u);
  EXPECT_EQ(s.scalars.count("goodput_req_s"), 0u);
  EXPECT_EQ(s.scalars.count("slo_attainment"), 0u);
  EXPECT_EQ(s.scalars.count("prefix_cache_hit_rate"), 0u);  // nothing reported cached tokens
  EXPECT_DOUBLE_EQ(Scalar(s, "error_rate"), 0);
}

TEST(PointMetricsTest, SummaryRoundTripsThroughJson) {
  PointBuilder b;
  b.Ok(0, {100, 200}, 200, 2);
  b.Ok(200, {300, 300, 400}, 400, 3);
  const PointSummary s = ComputePointSummary(b.records, b.token_times, ClosedOptions(1));
  Result<PointSummary> back = PointSummary::FromJson(s.ToJson(), "point");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->ToJson(), s.ToJson());
}

}  // namespace
}  // namespace inferbench::load

namespace inferbench::load {
namespace {

PointMetricsOptions TraceOptions() {
  PointMetricsOptions options;
  options.plan.mode = LoadPlan::Mode::kTrace;
  options.plan.point = "trace";
  options.plan.trace_offsets_ns = std::make_shared<std::vector<int64_t>>(std::vector<int64_t>{0});
  options.anchor_steady_ns = kBase;
  return options;
}

// n trace requests 100 ms apart, each sent `lag_ms(i)` late.
template <typename Lag>
PointBuilder TracePoint(int n, Lag lag_ms) {
  PointBuilder b;
  for (int i = 0; i < n; ++i) {
    const int64_t sched = i * 100;
    const int64_t send = sched + lag_ms(i);
    RequestRecord& r = b.Ok(send, {send + 20, send + 30}, send + 31, 2);
    r.t_sched_ns = PointBuilder::At(sched);
  }
  return b;
}

TEST(TracePointTest, ReportsScheduleLagAndIsNotDegradedWhenOnTime) {
  PointBuilder b = TracePoint(100, [](int i) { return i % 10 == 0 ? 3 : 0; });
  const PointSummary s = ComputePointSummary(b.records, b.token_times, TraceOptions());
  const DistributionSummary& lag = s.distributions.at("schedule_lag_ms");
  EXPECT_EQ(lag.n, 100);
  EXPECT_DOUBLE_EQ(lag.p50, 0);
  EXPECT_DOUBLE_EQ(lag.max, 3);
  EXPECT_FALSE(s.degraded);
  EXPECT_TRUE(s.degraded_reason.empty());
  EXPECT_EQ(s.distributions.count("ttft_sched_ms"), 1u);
  for (const std::string& w : s.warnings) EXPECT_THAT(w, ::testing::Not(HasSubstr("unstable")));
  EXPECT_FALSE(s.ToJson().contains("degraded"));
}

TEST(TracePointTest, LagP99AboveFiftyMsMarksThePointDegraded) {
  // 3 of 100 requests 80 ms late: p99 is above 50 ms, p50 is 0.
  PointBuilder b = TracePoint(100, [](int i) { return i >= 97 ? 80 : 0; });
  const PointSummary s = ComputePointSummary(b.records, b.token_times, TraceOptions());
  EXPECT_GT(s.distributions.at("schedule_lag_ms").p99, kDegradedLagP99Ms);
  EXPECT_DOUBLE_EQ(s.distributions.at("schedule_lag_ms").p50, 0);
  EXPECT_TRUE(s.degraded);
  EXPECT_THAT(s.degraded_reason, HasSubstr("schedule lag p99"));
  EXPECT_THAT(s.warnings, Contains(HasSubstr("degraded:")));
  EXPECT_EQ(s.ToJson()["degraded"], true);
}

TEST(TracePointTest, RateModeIsNeverMarkedDegraded) {
  PointBuilder b = TracePoint(100, [](int i) { return i >= 90 ? 80 : 0; });
  PointMetricsOptions options = OpenOptions(10);
  const PointSummary s = ComputePointSummary(b.records, b.token_times, options);
  EXPECT_GT(s.distributions.at("schedule_lag_ms").p99, kDegradedLagP99Ms);
  EXPECT_FALSE(s.degraded);
}

PointMetricsOptions SessionOptions() {
  PointMetricsOptions options = ClosedOptions(2);
  options.plan.mode = LoadPlan::Mode::kSessions;
  options.plan.point = "sessions=2";
  options.plan.session_turns = std::make_shared<std::vector<int>>(std::vector<int>{12});
  return options;
}

TEST(SessionPointTest, TtftAndRequestCountsByTurnNumber) {
  PointBuilder b;
  // Two conversations; turn k's TTFT is 10·(k+1) ms; conversation "b" has 11 turns.
  int64_t t = 0;
  for (const char* session : {"a", "b"}) {
    const int turns = session[0] == 'a' ? 3 : 11;
    for (int turn = 0; turn < turns; ++turn) {
      const int64_t ttft = 10 * (turn + 1);
      RequestRecord& r = b.Ok(t, {t + ttft, t + ttft + 5}, t + ttft + 6, 2);
      r.session = session;
      r.turn = turn;
      t += 200;
    }
  }
  // A failed turn ends conversation "c"; a cancelled one does not count as aborted.
  RequestRecord& failed = b.Failed(t, t + 5, ErrorClass::kHttp5xx);
  failed.session = "c";
  failed.turn = 1;
  RequestRecord& cancelled = b.Failed(t, t + 5, ErrorClass::kCancelled);
  cancelled.session = "d";
  cancelled.turn = 0;
  PointMetricsOptions options = SessionOptions();
  options.session_turns_skipped = 4;
  const PointSummary s = ComputePointSummary(b.records, b.token_times, options);

  EXPECT_EQ(s.distributions.at("ttft_turn_1_ms").n, 2);
  EXPECT_DOUBLE_EQ(s.distributions.at("ttft_turn_1_ms").mean, 10);
  EXPECT_DOUBLE_EQ(s.distributions.at("ttft_turn_3_ms").mean, 30);
  EXPECT_EQ(s.distributions.at("ttft_turn_4_ms").n, 1);
  // Turns 9, 10 and 11 (record turns 8..10) are pooled.
  EXPECT_EQ(s.distributions.at("ttft_turn_9plus_ms").n, 3);
  EXPECT_DOUBLE_EQ(s.distributions.at("ttft_turn_9plus_ms").mean, 100);
  EXPECT_EQ(s.scalars.at("requests_turn_1"), 3);  // a, b and the cancelled d
  EXPECT_EQ(s.scalars.at("requests_turn_2"), 3);  // a, b and the failed c
  EXPECT_EQ(s.scalars.at("requests_turn_9plus"), 3);
  EXPECT_EQ(s.scalars.at("sessions_aborted"), 1);
  EXPECT_EQ(s.scalars.at("session_turns_skipped"), 4);
  for (const auto& [name, value] : s.scalars) {
    EXPECT_NE(results::FindMetric(name), nullptr) << name;
  }
  for (const auto& [name, value] : s.distributions) {
    EXPECT_TRUE(results::ParseMetricPath(name + ".p99").ok()) << name;
  }
}

TEST(SessionPointTest, SingleRequestPointsHaveNoTurnMetrics) {
  PointBuilder b;
  b.Ok(0, {10, 20}, 21, 2);
  b.Ok(5, {15, 25}, 26, 2);
  const PointSummary s = ComputePointSummary(b.records, b.token_times, ClosedOptions(2));
  EXPECT_EQ(s.scalars.count("sessions_aborted"), 0u);
  EXPECT_EQ(s.distributions.count("ttft_turn_1_ms"), 0u);
  EXPECT_FALSE(s.degraded);
}

}  // namespace
}  // namespace inferbench::load
