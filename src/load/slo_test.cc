#include "load/slo.h"

#include <gtest/gtest.h>

namespace inferbench::load {
namespace {

using results::RequestRecord;

constexpr int64_t kMs = 1'000'000;

RequestRecord Record(int64_t sched_ms, int64_t send_ms, int64_t first_ms, int64_t last_ms,
                     int64_t tokens) {
  RequestRecord r;
  r.t_sched_ns = sched_ms * kMs;
  r.t_send_ns = send_ms * kMs;
  r.t_first_ns = first_ms * kMs;
  r.t_last_ns = last_ms * kMs;
  r.t_done_ns = last_ms * kMs;
  r.output_tokens = tokens;
  return r;
}

TEST(ParseSloTest, ParsesNamesAndThresholds) {
  Result<SloThresholds> slo = ParseSlo("ttft_ms=2000,tpot_ms=100.5");
  ASSERT_TRUE(slo.ok()) << slo.status().message();
  EXPECT_EQ(slo->size(), 2u);
  EXPECT_DOUBLE_EQ(slo->at("ttft_ms"), 2000);
  EXPECT_DOUBLE_EQ(slo->at("tpot_ms"), 100.5);
}

TEST(ParseSloTest, RejectsBadInputWithAClearMessage) {
  EXPECT_FALSE(ParseSlo("").ok());
  EXPECT_FALSE(ParseSlo("ttft_ms").ok());
  EXPECT_FALSE(ParseSlo("ttft_ms=").ok());
  EXPECT_FALSE(ParseSlo("ttft_ms=fast").ok());
  EXPECT_FALSE(ParseSlo("ttft_ms=0").ok());
  EXPECT_FALSE(ParseSlo("ttft_ms=1,ttft_ms=2").ok());
  EXPECT_FALSE(ParseSlo("ttft_ms=1,").ok());
  EXPECT_FALSE(ParseSlo("error_rate=0.1").ok());  // a metric, but not a per-request one
  Result<SloThresholds> typo = ParseSlo("ttft_msx=5");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().message().find("did you mean ttft_ms"), std::string::npos)
      << typo.status().message();
}

TEST(ValidateSloTest, ChecksNamesAndValues) {
  EXPECT_TRUE(ValidateSlo({{"e2e_latency_ms", 5000}, {"per_user_tok_s", 20}}).ok());
  EXPECT_FALSE(ValidateSlo({{"goodput_req_s", 1}}).ok());
  EXPECT_FALSE(ValidateSlo({{"ttft_ms", -1}}).ok());
}

TEST(MeetsSloTest, LowerIsBetterAndHigherIsBetter) {
  // ttft 100 ms, tpot (500 − 100) / 4 = 100 ms, per-user 10 tok/s.
  const RequestRecord r = Record(0, 0, 100, 500, 5);
  EXPECT_TRUE(MeetsSlo(r, {{"ttft_ms", 100}}, false));  // equal meets
  EXPECT_FALSE(MeetsSlo(r, {{"ttft_ms", 99}}, false));
  EXPECT_TRUE(MeetsSlo(r, {{"tpot_ms", 100}, {"ttft_ms", 200}}, false));
  EXPECT_FALSE(MeetsSlo(r, {{"tpot_ms", 100}, {"ttft_ms", 50}}, false));
  EXPECT_TRUE(MeetsSlo(r, {{"per_user_tok_s", 10}}, false));
  EXPECT_FALSE(MeetsSlo(r, {{"per_user_tok_s", 11}}, false));
  EXPECT_TRUE(MeetsSlo(r, {{"e2e_latency_ms", 500}}, false));
}

TEST(MeetsSloTest, OpenLoopJudgesTtftFromTheIntendedTime) {
  const RequestRecord late = Record(0, 300, 400, 600, 3);  // ttft 100, ttft_sched 400
  EXPECT_TRUE(MeetsSlo(late, {{"ttft_ms", 200}}, /*open_loop=*/false));
  EXPECT_FALSE(MeetsSlo(late, {{"ttft_ms", 200}}, /*open_loop=*/true));
  EXPECT_FALSE(MeetsSlo(late, {{"ttft_sched_ms", 200}}, false));
}

TEST(MeetsSloTest, SingleTokenIsNotJudgedOnDecodeMetrics) {
  const RequestRecord one = Record(0, 0, 100, 100, 1);
  EXPECT_TRUE(MeetsSlo(one, {{"tpot_ms", 1}, {"per_user_tok_s", 1000}, {"ttst_ms", 1}}, false));
  RequestRecord none = one;
  none.t_first_ns = none.t_last_ns = RequestRecord::kAbsent;
  none.output_tokens = 0;
  EXPECT_FALSE(MeetsSlo(none, {{"ttft_ms", 1e9}}, false));
  EXPECT_FALSE(MeetsSlo(none, {{"tpot_ms", 1e9}}, false));
}

}  // namespace
}  // namespace inferbench::load
