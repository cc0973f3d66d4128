#include "results/request_record.h"

#include <gtest/gtest.h>

namespace inferbench::results {
namespace {

RequestRecord Completed() {
  RequestRecord r;
  r.request_id = "r-000042";
  r.point = "rate=2.5";
  r.replicate = 1;
  r.t_sched_ns = 1'000'000'000;
  r.t_send_ns = 1'002'000'000;    // 2 ms schedule lag
  r.t_first_ns = 1'152'000'000;   // TTFT 150 ms
  r.t_second_ns = 1'172'000'000;  // TTST 20 ms
  r.t_last_ns = 3'152'000'000;    // 2 s of decode
  r.t_done_ns = 3'153'000'000;
  r.input_tokens_requested = 1024;
  r.input_tokens = 1030;
  r.output_tokens_requested = 101;
  r.output_tokens = 101;  // 100 gaps → TPOT 20 ms
  r.output_tokens_source = TokenCountSource::kUsage;
  r.token_events = 101;
  r.same_read_gaps = 3;
  r.cached_tokens = 512;
  r.finish_reason = "length";
  r.http_status = 200;
  r.salt = "s-7f3a";
  return r;
}

TEST(RequestRecordTest, DerivedMetricsFollowTheDefinitions) {
  const RequestRecord r = Completed();
  EXPECT_DOUBLE_EQ(*r.TtftMs(), 150.0);
  EXPECT_DOUBLE_EQ(*r.TtftSchedMs(), 152.0);
  EXPECT_DOUBLE_EQ(*r.TtstMs(), 20.0);
  EXPECT_DOUBLE_EQ(*r.TpotMs(), 20.0);
  EXPECT_DOUBLE_EQ(*r.PerUserTokS(), 50.0);
  EXPECT_DOUBLE_EQ(*r.E2eLatencyMs(), 2150.0);
  EXPECT_DOUBLE_EQ(*r.ScheduleLagMs(), 2.0);
  EXPECT_TRUE(r.ok());
}

TEST(RequestRecordTest, UndefinedMetricsAreEmpty) {
  RequestRecord r = Completed();
  r.output_tokens = 1;
  EXPECT_EQ(r.TpotMs(), std::nullopt);  // requests with <= 1 token are excluded
  EXPECT_EQ(r.PerUserTokS(), std::nullopt);

  RequestRecord failed;
  failed.t_send_ns = 5;
  failed.error_class = ErrorClass::kHttp5xx;
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(failed.TtftMs(), std::nullopt);
  EXPECT_EQ(failed.TtstMs(), std::nullopt);
  EXPECT_EQ(failed.E2eLatencyMs(), std::nullopt);
  EXPECT_EQ(failed.ScheduleLagMs(), std::nullopt);
  EXPECT_EQ(failed.TpotMs(), std::nullopt);

  RequestRecord single_token = Completed();
  single_token.t_second_ns = RequestRecord::kAbsent;
  EXPECT_EQ(single_token.TtstMs(), std::nullopt);
}

TEST(RequestRecordTest, JsonLineHasTheDocumentedFields) {
  RequestRecord r = Completed();
  r.t_second_ns = RequestRecord::kAbsent;
  const nlohmann::json json = nlohmann::json::parse(r.ToJsonLine());
  EXPECT_EQ(json.size(), 24u);
  EXPECT_EQ(json["request_id"], "r-000042");
  EXPECT_EQ(json["point"], "rate=2.5");
  EXPECT_EQ(json["t_send_ns"], 1'002'000'000);
  EXPECT_TRUE(json["t_second_ns"].is_null());
  EXPECT_EQ(json["output_tokens_source"], "usage");
  EXPECT_EQ(json["error_class"], "none");
  EXPECT_EQ(json["cached_tokens"], 512);
  EXPECT_EQ(r.ToJsonLine().find('\n'), std::string::npos);
  EXPECT_EQ(r.ToJsonLine().find(' '), std::string::npos);
}

TEST(RequestRecordTest, RoundTripsThroughJson) {
  RequestRecord r = Completed();
  Result<RequestRecord> back = RequestRecord::FromJsonLine(r.ToJsonLine());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back.value(), r);

  RequestRecord failed;
  failed.request_id = "w-1";
  failed.point = "concurrency=4";
  failed.warmup = true;
  failed.t_send_ns = 77;
  failed.error_class = ErrorClass::kStreamError;
  failed.error_message = "server sent data: {\"error\": ...}";
  failed.http_status = 200;
  failed.retries = 2;
  Result<RequestRecord> failed_back = RequestRecord::FromJson(failed.ToJson());
  ASSERT_TRUE(failed_back.ok()) << failed_back.status().message();
  EXPECT_EQ(failed_back.value(), failed);
  EXPECT_EQ(failed_back->cached_tokens, RequestRecord::kAbsent);
  EXPECT_EQ(failed_back->t_first_ns, RequestRecord::kAbsent);
}

TEST(RequestRecordTest, SessionAndTurnAreWrittenOnlyWhenSet) {
  const RequestRecord single = Completed();
  const std::string line = single.ToJsonLine();
  EXPECT_EQ(line.find("\"session\""), std::string::npos);
  EXPECT_EQ(line.find("\"turn\""), std::string::npos);

  RequestRecord turn = Completed();
  turn.point = "sessions=4";
  turn.session = "conv-17#1";
  turn.turn = 3;
  const nlohmann::json json = nlohmann::json::parse(turn.ToJsonLine());
  EXPECT_EQ(json.size(), 26u);
  EXPECT_EQ(json["session"], "conv-17#1");
  EXPECT_EQ(json["turn"], 3);
  Result<RequestRecord> back = RequestRecord::FromJsonLine(turn.ToJsonLine());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back.value(), turn);

  // Turn 0 is a turn (not "unset").
  turn.turn = 0;
  EXPECT_EQ(RequestRecord::FromJsonLine(turn.ToJsonLine())->turn, 0);
  Result<RequestRecord> bad = RequestRecord::FromJsonLine(
      R"({"request_id":"a","point":"sessions=1","replicate":0,"turn":-4})");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("turn"), std::string::npos);
}

TEST(RequestRecordTest, EveryEnumNameRoundTrips) {
  for (ErrorClass c : {ErrorClass::kNone, ErrorClass::kHttp4xx, ErrorClass::kHttp5xx,
                       ErrorClass::kTimeout, ErrorClass::kDisconnect, ErrorClass::kMalformed,
                       ErrorClass::kStreamError, ErrorClass::kCancelled}) {
    EXPECT_EQ(FindErrorClass(ErrorClassName(c)), c);
  }
  EXPECT_EQ(ErrorClassName(ErrorClass::kHttp4xx), "http_4xx");
  EXPECT_EQ(ErrorClassName(ErrorClass::kStreamError), "stream_error");
  for (TokenCountSource s :
       {TokenCountSource::kUsage, TokenCountSource::kTokenizer, TokenCountSource::kChunks}) {
    EXPECT_EQ(FindTokenCountSource(TokenCountSourceName(s)), s);
  }
  EXPECT_EQ(FindErrorClass("oops"), std::nullopt);
}

TEST(RequestRecordTest, BadInputNamesTheField) {
  auto error = [](const std::string& line) {
    Result<RequestRecord> r = RequestRecord::FromJsonLine(line);
    return r.ok() ? std::string("ok") : r.status().message();
  };
  EXPECT_EQ(error("{"), "requests.jsonl record: not valid JSON");
  EXPECT_EQ(error("[]"), "requests.jsonl record: expected a JSON object, got array");
  EXPECT_EQ(error(R"({"point":"trace","replicate":0})"),
            "requests.jsonl record: missing field \"request_id\"");
  EXPECT_EQ(error(R"({"request_id":"a","point":"trace","replicate":"0"})"),
            "requests.jsonl record: field \"replicate\" must be an integer");
  EXPECT_NE(error(R"({"request_id":"a","point":"qps=3","replicate":0})").find("\"point\""),
            std::string::npos);
  EXPECT_NE(error(R"({"request_id":"a","point":"trace","replicate":0,"error_class":"boom"})")
                .find("\"error_class\" must be none"),
            std::string::npos);
  EXPECT_NE(error(R"({"request_id":"a","point":"trace","replicate":0,"output_tokens_source":"x"})")
                .find("output_tokens_source"),
            std::string::npos);
  EXPECT_EQ(error(R"({"request_id":"a","point":"trace","replicate":0,"future_field":1})"), "ok");
}

TEST(RequestRecordTest, InvalidUtf8InMessagesDoesNotThrow) {
  RequestRecord r = Completed();
  r.error_message = "bad \xff byte";
  const std::string line = r.ToJsonLine();
  EXPECT_TRUE(RequestRecord::FromJsonLine(line).ok());
}

}  // namespace
}  // namespace inferbench::results
