#include "load/load_plan.h"

#include <gtest/gtest.h>

namespace inferbench::load {
namespace {

LoadPlan ValidClosed() {
  LoadPlan plan;
  plan.concurrency = 8;
  plan.requests = 100;
  plan.point = "concurrency=8";
  return plan;
}

TEST(ParseArrivalTest, AcceptsTheThreeForms) {
  Result<ArrivalProcess> poisson = ParseArrival("poisson");
  ASSERT_TRUE(poisson.ok());
  EXPECT_EQ(poisson->arrival, LoadPlan::Arrival::kPoisson);
  Result<ArrivalProcess> constant = ParseArrival("constant");
  ASSERT_TRUE(constant.ok());
  EXPECT_EQ(constant->arrival, LoadPlan::Arrival::kConstant);
  Result<ArrivalProcess> gamma = ParseArrival("gamma:0.5");
  ASSERT_TRUE(gamma.ok());
  EXPECT_EQ(gamma->arrival, LoadPlan::Arrival::kGamma);
  EXPECT_DOUBLE_EQ(gamma->gamma_shape, 0.5);
  EXPECT_EQ(FormatArrival(*gamma), "gamma:0.5");
  EXPECT_EQ(FormatArrival(*poisson), "poisson");
  EXPECT_EQ(FormatArrival(*constant), "constant");
}

TEST(ParseArrivalTest, RejectsOtherTextWithTheAcceptedForms) {
  for (const char* bad : {"", "Poisson", "gamma", "gamma:", "gamma:0", "gamma:-1", "gamma:x",
                          "gamma:2x", "gamma:inf", "uniform"}) {
    Result<ArrivalProcess> parsed = ParseArrival(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_NE(parsed.status().message().find("gamma:K"), std::string::npos);
  }
}

TEST(LoadPlanTest, ValidatesEachField) {
  EXPECT_TRUE(ValidClosed().Validate().ok());

  LoadPlan plan = ValidClosed();
  plan.concurrency = 0;
  EXPECT_FALSE(plan.Validate().ok());

  plan = ValidClosed();
  plan.point = "concurrency=";
  EXPECT_FALSE(plan.Validate().ok());

  plan = ValidClosed();
  plan.requests = -1;
  ASSERT_FALSE(plan.Validate().ok());
  EXPECT_NE(plan.Validate().message().find("duration"), std::string::npos);
  plan.duration_ns = 1'000'000'000;
  EXPECT_TRUE(plan.Validate().ok());

  plan = ValidClosed();
  plan.grace_ns = -1;
  EXPECT_FALSE(plan.Validate().ok());

  plan = ValidClosed();
  plan.mode = LoadPlan::Mode::kRate;
  plan.point = "rate=2";
  EXPECT_FALSE(plan.Validate().ok());  // no rate
  plan.rate_req_s = 2;
  EXPECT_TRUE(plan.Validate().ok());
  plan.arrival = LoadPlan::Arrival::kGamma;
  plan.gamma_shape = 0;
  EXPECT_FALSE(plan.Validate().ok());
  plan.gamma_shape = 2;
  plan.max_inflight = -1;
  EXPECT_FALSE(plan.Validate().ok());
}

TEST(LevelPlanTest, SetsModeLevelAndCanonicalPoint) {
  LoadPlan closed = LevelPlan(false, 16, {}, 0);
  EXPECT_EQ(closed.mode, LoadPlan::Mode::kConcurrency);
  EXPECT_EQ(closed.concurrency, 16);
  EXPECT_EQ(closed.point, "concurrency=16");
  LoadPlan open = LevelPlan(true, 2.5, {LoadPlan::Arrival::kGamma, 0.5}, 8);
  EXPECT_EQ(open.mode, LoadPlan::Mode::kRate);
  EXPECT_DOUBLE_EQ(open.rate_req_s, 2.5);
  EXPECT_EQ(open.arrival, LoadPlan::Arrival::kGamma);
  EXPECT_DOUBLE_EQ(open.gamma_shape, 0.5);
  EXPECT_EQ(open.max_inflight, 8);
  EXPECT_EQ(open.point, "rate=2.5");
}

}  // namespace
}  // namespace inferbench::load

namespace inferbench::load {
namespace {

TEST(LoadPlanTest, TraceNeedsOrderedOffsetsCoveringTheRequests) {
  LoadPlan plan;
  plan.mode = LoadPlan::Mode::kTrace;
  plan.point = "trace";
  EXPECT_NE(plan.Validate().message().find("trace_offsets_ns"), std::string::npos);
  plan.trace_offsets_ns = std::make_shared<std::vector<int64_t>>(std::vector<int64_t>{0, 5, 5, 9});
  EXPECT_TRUE(plan.Validate().ok()) << plan.Validate().message();  // -1: the whole trace
  EXPECT_TRUE(plan.open_loop());
  plan.requests = 4;
  EXPECT_TRUE(plan.Validate().ok());
  plan.requests = 5;
  EXPECT_NE(plan.Validate().message().find("4 entries"), std::string::npos);
  plan.requests = 2;
  plan.trace_offsets_ns = std::make_shared<std::vector<int64_t>>(std::vector<int64_t>{0, 9, 5});
  EXPECT_NE(plan.Validate().message().find("trace_offsets_ns[2]"), std::string::npos);
}

TEST(LoadPlanTest, SessionsNeedTurnCountsAndMatchingDelays) {
  LoadPlan plan;
  plan.mode = LoadPlan::Mode::kSessions;
  plan.concurrency = 2;
  plan.point = "sessions=2";
  EXPECT_NE(plan.Validate().message().find("session_turns"), std::string::npos);
  plan.session_turns = std::make_shared<std::vector<int>>(std::vector<int>{2, 1});
  EXPECT_TRUE(plan.Validate().ok()) << plan.Validate().message();
  EXPECT_FALSE(plan.open_loop());
  plan.session_delays_ns = std::make_shared<std::vector<std::vector<int64_t>>>(
      std::vector<std::vector<int64_t>>{{0, 10}, {0}});
  EXPECT_TRUE(plan.Validate().ok());
  plan.session_delays_ns = std::make_shared<std::vector<std::vector<int64_t>>>(
      std::vector<std::vector<int64_t>>{{0, 10}, {0, 1}});
  EXPECT_NE(plan.Validate().message().find("session_delays_ns[1]"), std::string::npos);
  plan.session_delays_ns = std::make_shared<std::vector<std::vector<int64_t>>>(
      std::vector<std::vector<int64_t>>{{0, -1}, {0}});
  EXPECT_NE(plan.Validate().message().find("negative"), std::string::npos);
  plan.session_delays_ns.reset();
  plan.session_turns = std::make_shared<std::vector<int>>(std::vector<int>{2, 0});
  EXPECT_NE(plan.Validate().message().find("session_turns[1]"), std::string::npos);
  plan.session_turns = std::make_shared<std::vector<int>>(std::vector<int>{1});
  plan.concurrency = 0;
  EXPECT_FALSE(plan.Validate().ok());
}

}  // namespace
}  // namespace inferbench::load
