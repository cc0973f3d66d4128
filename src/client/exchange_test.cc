#include "client/exchange.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace inferbench::client {
namespace {

using Progress = ResponseExchange::Progress;
using results::ErrorClass;
using results::RequestRecord;
using results::TokenCountSource;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kAbsent = RequestRecord::kAbsent;

// --- Recorded streams, as vLLM's OpenAI server (uvicorn) writes them -----------------------------

constexpr std::string_view kChatHead =
    "HTTP/1.1 200 OK\r\n"
    "date: Mon, 10 Jun 2024 10:00:00 GMT\r\n"
    "server: uvicorn\r\n"
    "content-type: text/event-stream; charset=utf-8\r\n"
    "transfer-encoding: chunked\r\n"
    "\r\n";

const char* const kChatRole =
    "data: {\"id\":\"chatcmpl-7\",\"object\":\"chat.completion.chunk\",\"created\":1718013600,"
    "\"model\":\"llama\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
    "\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n";
const char* const kChatContent1 =
    "data: {\"id\":\"chatcmpl-7\",\"object\":\"chat.completion.chunk\",\"created\":1718013600,"
    "\"model\":\"llama\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" Hello\"},"
    "\"logprobs\":null,\"finish_reason\":null}]}\n\n";
const char* const kChatContent2 =
    "data: {\"id\":\"chatcmpl-7\",\"object\":\"chat.completion.chunk\",\"created\":1718013600,"
    "\"model\":\"llama\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" wor\"},"
    "\"logprobs\":null,\"finish_reason\":null}]}\n\n";
const char* const kChatContent3 =
    "data: {\"id\":\"chatcmpl-7\",\"object\":\"chat.completion.chunk\",\"created\":1718013600,"
    "\"model\":\"llama\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ld!\"},"
    "\"logprobs\":null,\"finish_reason\":null}]}\n\n";
const char* const kChatFinish =
    "data: {\"id\":\"chatcmpl-7\",\"object\":\"chat.completion.chunk\",\"created\":1718013600,"
    "\"model\":\"llama\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"logprobs\":null,"
    "\"finish_reason\":\"length\",\"stop_reason\":null}]}\n\n";
// completion_tokens (5) differs from the 3 token-carrying events: usage must win.
const char* const kChatUsage =
    "data: {\"id\":\"chatcmpl-7\",\"object\":\"chat.completion.chunk\",\"created\":1718013600,"
    "\"model\":\"llama\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"total_tokens\":17,"
    "\"completion_tokens\":5,\"prompt_tokens_details\":{\"cached_tokens\":8}}}\n\n";
const char* const kDone = "data: [DONE]\n\n";

constexpr std::string_view kCompletionsHead =
    "HTTP/1.1 200 OK\r\n"
    "content-type: text/event-stream; charset=utf-8\r\n"
    "Transfer-Encoding: chunked\r\n"
    "\r\n";
// A server that ignored include_usage: the count falls back to token-carrying events.
const char* const kCompletions1 =
    "data: {\"id\":\"cmpl-3\",\"object\":\"text_completion\",\"created\":1,\"model\":\"m\","
    "\"choices\":[{\"index\":0,\"text\":\"A\",\"logprobs\":null,\"finish_reason\":null,"
    "\"stop_reason\":null}],\"usage\":null}\n\n";
const char* const kCompletions2 =
    "data: {\"id\":\"cmpl-3\",\"object\":\"text_completion\",\"created\":1,\"model\":\"m\","
    "\"choices\":[{\"index\":0,\"text\":\"B\",\"logprobs\":null,\"finish_reason\":null,"
    "\"stop_reason\":null}],\"usage\":null}\n\n";
const char* const kCompletions3 =
    "data: {\"id\":\"cmpl-3\",\"object\":\"text_completion\",\"created\":1,\"model\":\"m\","
    "\"choices\":[{\"index\":0,\"text\":\"C\",\"logprobs\":null,\"finish_reason\":\"stop\","
    "\"stop_reason\":null}],\"usage\":null}\n\n";

// A chunked response built from body pieces, remembering where each body byte sits in the raw
// bytes (to know which read dispatches an event).
struct RawResponse {
  std::string bytes;
  std::string body;
  std::vector<size_t> raw_offset;  // of every body byte

  // Raw offset of the byte that completes `event` (its final '\n'): the event is dispatched by
  // the read containing that byte.
  size_t DispatchOffset(std::string_view event) const {
    const size_t at = body.find(event);
    EXPECT_NE(at, std::string::npos) << event;
    return raw_offset[at + event.size() - 1];
  }
};

RawResponse Chunked(std::string_view head, const std::vector<std::string>& chunks,
                    bool terminate = true) {
  RawResponse raw;
  raw.bytes = head;
  for (const std::string& chunk : chunks) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
    raw.bytes += size;
    for (char c : chunk) {
      raw.body += c;
      raw.raw_offset.push_back(raw.bytes.size());
      raw.bytes += c;
    }
    raw.bytes += "\r\n";
  }
  if (terminate) raw.bytes += "0\r\n\r\n";
  return raw;
}

RawResponse ChatStream() {
  return Chunked(kChatHead, {kChatRole, kChatContent1, kChatContent2, kChatContent3, kChatFinish,
                             kChatUsage, kDone});
}

// The completions events cut into 61-byte HTTP chunks that ignore event boundaries.
RawResponse CompletionsStream() {
  std::string body = std::string(kCompletions1) + kCompletions2 + kCompletions3 + kDone;
  std::vector<std::string> chunks;
  for (size_t i = 0; i < body.size(); i += 61) chunks.push_back(body.substr(i, 61));
  return Chunked(kCompletionsHead, chunks);
}

struct Measured {
  Progress progress = Progress::kNeedMore;
  RequestRecord record;
  std::vector<int64_t> token_times;
};

// Feeds `pieces` in order, piece i stamped times[i]; expects every byte consumed.
Measured FeedPieces(ResponseExchange& exchange, const std::vector<std::string_view>& pieces,
                    const std::vector<int64_t>& times) {
  Measured out;
  for (size_t i = 0; i < pieces.size(); ++i) {
    size_t consumed = 0;
    out.progress = exchange.Feed(pieces[i], times[i], &consumed);
    EXPECT_EQ(consumed, pieces[i].size()) << "piece " << i;
  }
  exchange.Finalize(&out.record, &out.token_times);
  return out;
}

Measured FeedWhole(std::string_view bytes, int64_t ns, bool streaming = true) {
  ResponseExchange exchange(streaming);
  return FeedPieces(exchange, {bytes}, {ns});
}

std::string WithLength(std::string_view status_line, std::string_view content_type,
                       std::string_view body) {
  return std::string(status_line) + "\r\ncontent-type: " + std::string(content_type) +
         "\r\ncontent-length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

// --- the recorded streams, split everywhere ------------------------------------------------------

TEST(ResponseExchangeTest, ChatStreamSplitAtEveryBytePosition) {
  const RawResponse raw = ChatStream();
  const size_t c1 = raw.DispatchOffset(kChatContent1);
  const size_t c2 = raw.DispatchOffset(kChatContent2);
  const size_t c3 = raw.DispatchOffset(kChatContent3);
  const size_t done = raw.DispatchOffset(kDone);
  ASSERT_LT(raw.DispatchOffset(kChatRole), c1);

  ResponseExchange exchange(/*streaming=*/true);
  for (size_t split = 0; split <= raw.bytes.size(); ++split) {
    SCOPED_TRACE("split at " + std::to_string(split));
    constexpr int64_t kT1 = 1'000;
    constexpr int64_t kT2 = 2'000;
    auto time_of = [&](size_t offset) { return offset < split ? kT1 : kT2; };
    exchange.Reset(/*streaming=*/true, /*expected_token_events=*/8);
    const std::string_view bytes = raw.bytes;
    const Measured m =
        FeedPieces(exchange, {bytes.substr(0, split), bytes.substr(split)}, {kT1, kT2});

    EXPECT_EQ(m.progress, Progress::kComplete);
    EXPECT_TRUE(exchange.keep_alive());
    const RequestRecord& r = m.record;
    EXPECT_EQ(r.http_status, 200);
    EXPECT_EQ(r.error_class, ErrorClass::kNone) << r.error_message;
    EXPECT_EQ(r.t_first_ns, time_of(c1));  // the first content chunk, not the role chunk
    EXPECT_EQ(r.t_second_ns, time_of(c2));
    EXPECT_EQ(r.t_last_ns, time_of(c3));
    EXPECT_EQ(r.t_done_ns, time_of(done));
    EXPECT_EQ(r.token_events, 3);
    const int64_t same_read = (time_of(c1) == time_of(c2)) + (time_of(c2) == time_of(c3));
    EXPECT_EQ(r.same_read_gaps, same_read);
    EXPECT_EQ(r.output_tokens, 5);
    EXPECT_EQ(r.output_tokens_source, TokenCountSource::kUsage);
    EXPECT_EQ(r.input_tokens, 12);
    EXPECT_EQ(r.cached_tokens, 8);
    EXPECT_EQ(r.finish_reason, "length");
    EXPECT_THAT(m.token_times, ElementsAre(time_of(c1), time_of(c2), time_of(c3)));
  }
}

TEST(ResponseExchangeTest, ChatStreamOneBytePerReadTimesEveryEventByItsOwnRead) {
  const RawResponse raw = ChatStream();
  std::vector<std::string_view> pieces;
  std::vector<int64_t> times;
  for (size_t i = 0; i < raw.bytes.size(); ++i) {
    pieces.push_back(std::string_view(raw.bytes).substr(i, 1));
    times.push_back(static_cast<int64_t>(i) * 10);
  }
  ResponseExchange exchange(true);
  const Measured m = FeedPieces(exchange, pieces, times);
  ASSERT_EQ(m.progress, Progress::kComplete);
  const auto t = [&](std::string_view event) {
    return static_cast<int64_t>(raw.DispatchOffset(event)) * 10;
  };
  EXPECT_EQ(m.record.t_first_ns, t(kChatContent1));
  EXPECT_EQ(m.record.t_second_ns, t(kChatContent2));
  EXPECT_EQ(m.record.t_last_ns, t(kChatContent3));
  EXPECT_EQ(m.record.t_done_ns, t(kDone));
  EXPECT_EQ(m.record.same_read_gaps, 0);
  EXPECT_THAT(m.token_times, ElementsAre(t(kChatContent1), t(kChatContent2), t(kChatContent3)));
}

TEST(ResponseExchangeTest, EventsOfOneReadShareItsTimeAndCountSameReadGaps) {
  const Measured m = FeedWhole(ChatStream().bytes, 777);
  EXPECT_EQ(m.record.t_first_ns, 777);
  EXPECT_EQ(m.record.t_second_ns, 777);
  EXPECT_EQ(m.record.t_last_ns, 777);
  EXPECT_EQ(m.record.t_done_ns, 777);
  EXPECT_EQ(m.record.same_read_gaps, 2);
  EXPECT_THAT(m.token_times, ElementsAre(777, 777, 777));
}

TEST(ResponseExchangeTest, CompletionsStreamSplitAtEveryBytePosition) {
  const RawResponse raw = CompletionsStream();
  const size_t c1 = raw.DispatchOffset(kCompletions1);
  const size_t c2 = raw.DispatchOffset(kCompletions2);
  const size_t c3 = raw.DispatchOffset(kCompletions3);
  const size_t done = raw.DispatchOffset(kDone);
  ResponseExchange exchange(true);
  for (size_t split = 0; split <= raw.bytes.size(); ++split) {
    SCOPED_TRACE("split at " + std::to_string(split));
    auto time_of = [&](size_t offset) -> int64_t { return offset < split ? 50 : 90; };
    exchange.Reset(true);
    const std::string_view bytes = raw.bytes;
    Measured m = FeedPieces(exchange, {bytes.substr(0, split), bytes.substr(split)}, {50, 90});
    EXPECT_EQ(m.progress, Progress::kComplete);
    const RequestRecord& r = m.record;
    EXPECT_EQ(r.error_class, ErrorClass::kNone) << r.error_message;
    EXPECT_EQ(r.t_first_ns, time_of(c1));
    EXPECT_EQ(r.t_second_ns, time_of(c2));
    EXPECT_EQ(r.t_last_ns, time_of(c3));
    EXPECT_EQ(r.t_done_ns, time_of(done));
    EXPECT_EQ(r.token_events, 3);
    EXPECT_EQ(r.same_read_gaps, (time_of(c1) == time_of(c2)) + (time_of(c2) == time_of(c3)));
    EXPECT_EQ(r.output_tokens, 3);
    EXPECT_EQ(r.output_tokens_source, TokenCountSource::kChunks);
    EXPECT_EQ(r.cached_tokens, kAbsent);
    EXPECT_EQ(r.finish_reason, "stop");
    EXPECT_EQ(m.token_times.size(), 3u);
  }
}

TEST(ResponseExchangeTest, InputTokensStayTheCallersWithoutUsage) {
  ResponseExchange exchange(true);
  Measured m;
  m.record.input_tokens = 99;  // from the workload generator
  size_t consumed = 0;
  m.progress = exchange.Feed(CompletionsStream().bytes, 5, &consumed);
  exchange.Finalize(&m.record, &m.token_times);
  EXPECT_EQ(m.record.input_tokens, 99);
}

// --- errors --------------------------------------------------------------------------------------

TEST(ResponseExchangeTest, Http500WithVllmErrorBodyIsHttp5xxWithTheServersMessage) {
  const std::string response = WithLength(
      "HTTP/1.1 500 Internal Server Error", "application/json",
      R"({"object":"error","message":"EngineCore encountered an issue",)"
      R"("type":"InternalServerError","param":null,"code":500})");
  ResponseExchange exchange(true);
  Measured m = FeedPieces(exchange, {response}, {40});
  EXPECT_EQ(m.progress, Progress::kComplete);
  EXPECT_TRUE(exchange.keep_alive());  // a complete error response leaves the connection usable
  EXPECT_EQ(m.record.http_status, 500);
  EXPECT_EQ(m.record.error_class, ErrorClass::kHttp5xx);
  EXPECT_THAT(m.record.error_message, HasSubstr("HTTP 500"));
  EXPECT_THAT(m.record.error_message, HasSubstr("EngineCore encountered an issue"));
  EXPECT_EQ(m.record.t_first_ns, kAbsent);
  EXPECT_EQ(m.record.t_done_ns, 40);
  EXPECT_EQ(m.record.token_events, 0);
}

TEST(ResponseExchangeTest, Http429IsHttp4xx) {
  const std::string response = WithLength(
      "HTTP/1.1 429 Too Many Requests", "application/json",
      R"({"error":{"message":"Rate limit reached","type":"RateLimitError","code":429}})");
  const Measured m = FeedWhole(response, 1);
  EXPECT_EQ(m.record.http_status, 429);
  EXPECT_EQ(m.record.error_class, ErrorClass::kHttp4xx);
  EXPECT_THAT(m.record.error_message, HasSubstr("Rate limit reached"));
}

TEST(ResponseExchangeTest, ErrorBodyThatIsNotJsonIsQuoted) {
  const Measured m = FeedWhole(
      WithLength("HTTP/1.1 503 Service Unavailable", "text/plain", "upstream\r\noverloaded"), 1);
  EXPECT_EQ(m.record.error_class, ErrorClass::kHttp5xx);
  EXPECT_THAT(m.record.error_message, HasSubstr("503 Service Unavailable"));
  EXPECT_THAT(m.record.error_message, HasSubstr("upstream  overloaded"));
}

TEST(ResponseExchangeTest, RedirectIsHttp4xxAndSaysRedirectsAreNotFollowed) {
  const Measured m = FeedWhole("HTTP/1.1 301 Moved Permanently\r\nLocation: /x\r\n"
                               "content-length: 0\r\n\r\n",
                               1);
  EXPECT_EQ(m.record.error_class, ErrorClass::kHttp4xx);
  EXPECT_THAT(m.record.error_message, HasSubstr("redirects are not followed"));
}

TEST(ResponseExchangeTest, MidStreamErrorFrameIsStreamError) {
  const char* const error_frame =
      "data: {\"error\":{\"object\":\"error\",\"message\":\"The decoder ran out of KV cache\","
      "\"type\":\"InternalServerError\",\"param\":null,\"code\":500}}\n\n";
  const RawResponse raw =
      Chunked(kChatHead, {kChatRole, kChatContent1, error_frame, kChatContent2, kDone});
  ResponseExchange exchange(true);
  const Measured m = FeedPieces(exchange, {raw.bytes}, {10});
  EXPECT_EQ(m.progress, Progress::kComplete);
  EXPECT_TRUE(exchange.keep_alive());  // the stream was drained to its end
  EXPECT_EQ(m.record.error_class, ErrorClass::kStreamError);
  EXPECT_THAT(m.record.error_message, HasSubstr("The decoder ran out of KV cache"));
  EXPECT_EQ(m.record.http_status, 200);
  EXPECT_EQ(m.record.token_events, 1);  // what came after the error is not measured
  EXPECT_EQ(m.record.t_first_ns, 10);
}

TEST(ResponseExchangeTest, MalformedJsonFrameIsMalformed) {
  const RawResponse raw = Chunked(
      kChatHead, {kChatContent1, "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}\n\n",
                  kChatContent2, kDone});
  ResponseExchange exchange(true);
  const Measured m = FeedPieces(exchange, {raw.bytes}, {10});
  EXPECT_EQ(m.progress, Progress::kComplete);
  EXPECT_EQ(m.record.error_class, ErrorClass::kMalformed);
  EXPECT_THAT(m.record.error_message, HasSubstr("malformed"));
  EXPECT_EQ(m.record.token_events, 1);
}

TEST(ResponseExchangeTest, MalformedHttpFailsTheExchange) {
  ResponseExchange exchange(true);
  size_t consumed = 0;
  EXPECT_EQ(exchange.Feed("HTTP/1.1 two hundred OK\r\n\r\n", 3, &consumed), Progress::kFailed);
  EXPECT_FALSE(exchange.keep_alive());
  Measured m;
  exchange.Finalize(&m.record, &m.token_times);
  EXPECT_EQ(m.record.error_class, ErrorClass::kMalformed);
  EXPECT_THAT(m.record.error_message, HasSubstr("malformed HTTP response"));
  EXPECT_EQ(m.record.t_done_ns, 3);
}

TEST(ResponseExchangeTest, EofBeforeDoneIsDisconnectAndKeepsWhatWasMeasured) {
  const RawResponse raw = Chunked(kChatHead, {kChatRole, kChatContent1, kChatContent2},
                                  /*terminate=*/false);
  ResponseExchange exchange(true);
  size_t consumed = 0;
  ASSERT_EQ(exchange.Feed(raw.bytes, 100, &consumed), Progress::kNeedMore);
  EXPECT_EQ(exchange.OnEof(150, "reading from 127.0.0.1:8000: Connection reset by peer"),
            Progress::kFailed);
  EXPECT_FALSE(exchange.keep_alive());
  Measured m;
  exchange.Finalize(&m.record, &m.token_times);
  EXPECT_EQ(m.record.error_class, ErrorClass::kDisconnect);
  EXPECT_THAT(m.record.error_message, HasSubstr("Connection reset by peer"));
  EXPECT_THAT(m.record.error_message, HasSubstr("before [DONE]"));
  EXPECT_EQ(m.record.token_events, 2);
  EXPECT_EQ(m.record.t_first_ns, 100);
  EXPECT_EQ(m.record.t_done_ns, 150);
}

TEST(ResponseExchangeTest, EofBeforeAnyByte) {
  ResponseExchange exchange(true);
  EXPECT_FALSE(exchange.any_byte_received());
  EXPECT_EQ(exchange.OnEof(5), Progress::kFailed);
  Measured m;
  exchange.Finalize(&m.record, &m.token_times);
  EXPECT_EQ(m.record.error_class, ErrorClass::kDisconnect);
  EXPECT_THAT(m.record.error_message, HasSubstr("before any response byte"));
  EXPECT_EQ(m.record.http_status, 0);
}

TEST(ResponseExchangeTest, EofAfterDoneButBeforeTheLastChunkIsStillComplete) {
  const RawResponse raw = Chunked(kChatHead, {kChatContent1, kDone}, /*terminate=*/false);
  ResponseExchange exchange(true);
  size_t consumed = 0;
  ASSERT_EQ(exchange.Feed(raw.bytes, 7, &consumed), Progress::kNeedMore);
  EXPECT_EQ(exchange.OnEof(9), Progress::kComplete);
  EXPECT_FALSE(exchange.keep_alive());
  Measured m;
  exchange.Finalize(&m.record, &m.token_times);
  EXPECT_TRUE(m.record.ok()) << m.record.error_message;
  EXPECT_EQ(m.record.t_done_ns, 7);
}

TEST(ResponseExchangeTest, UnframedStreamEndsAtDoneWithoutWaitingForTheClose) {
  const std::string response = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                               "connection: close\r\n\r\n" +
                               std::string(kChatContent1) + kChatContent2 + kDone;
  ResponseExchange exchange(true);
  size_t consumed = 0;
  EXPECT_EQ(exchange.Feed(response, 4, &consumed), Progress::kComplete);
  EXPECT_EQ(consumed, response.size());
  EXPECT_FALSE(exchange.keep_alive());
}

TEST(ResponseExchangeTest, UnframedStreamClosedBeforeDoneIsDisconnect) {
  const std::string response = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\n" +
                               std::string(kChatContent1);
  ResponseExchange exchange(true);
  size_t consumed = 0;
  ASSERT_EQ(exchange.Feed(response, 4, &consumed), Progress::kNeedMore);
  EXPECT_EQ(exchange.OnEof(5), Progress::kFailed);
  Measured m;
  exchange.Finalize(&m.record, &m.token_times);
  EXPECT_EQ(m.record.error_class, ErrorClass::kDisconnect);
}

// --- framing and reuse ---------------------------------------------------------------------------

TEST(ResponseExchangeTest, NextResponsesBytesInTheSameBufferAreLeftUnconsumed) {
  const std::string first = WithLength(
      "HTTP/1.1 200 OK", "application/json",
      R"({"object":"text_completion","choices":[{"index":0,"text":"hi","finish_reason":"stop"}],)"
      R"("usage":{"prompt_tokens":3,"completion_tokens":1}})");
  const std::string second = WithLength("HTTP/1.1 404 Not Found", "application/json",
                                        R"({"error":{"message":"no such model"}})");
  const std::string buffer = first + second;
  ResponseExchange exchange(/*streaming=*/false);
  size_t consumed = 0;
  ASSERT_EQ(exchange.Feed(buffer, 11, &consumed), Progress::kComplete);
  EXPECT_EQ(consumed, first.size());
  EXPECT_TRUE(exchange.keep_alive());
  Measured m;
  exchange.Finalize(&m.record, &m.token_times);
  EXPECT_TRUE(m.record.ok()) << m.record.error_message;
  EXPECT_EQ(m.record.output_tokens, 1);

  exchange.Reset(false);
  ASSERT_EQ(exchange.Feed(std::string_view(buffer).substr(consumed), 12, &consumed),
            Progress::kComplete);
  EXPECT_EQ(consumed, second.size());
  Measured next;
  exchange.Finalize(&next.record, &next.token_times);
  EXPECT_EQ(next.record.error_class, ErrorClass::kHttp4xx);
  EXPECT_THAT(next.record.error_message, HasSubstr("no such model"));
  EXPECT_EQ(next.record.t_first_ns, kAbsent);  // nothing left over from the first response
  EXPECT_EQ(next.record.token_events, 0);
}

TEST(ResponseExchangeTest, ResetGivesAFreshMeasurement) {
  ResponseExchange exchange(true);
  const std::string bytes = ChatStream().bytes;
  Measured first = FeedPieces(exchange, {bytes}, {5});
  exchange.Reset(true);
  Measured second = FeedPieces(exchange, {bytes}, {5});
  EXPECT_EQ(first.record, second.record);
  EXPECT_EQ(first.token_times, second.token_times);
}

TEST(ResponseExchangeTest, CollectTextKeepsTheGeneratedContentOnlyWhenAsked) {
  ResponseExchange exchange(true);
  const std::string bytes = ChatStream().bytes;
  exchange.Reset(true, 0, /*collect_text=*/true);
  size_t consumed = 0;
  exchange.Feed(bytes, 5, &consumed);
  RequestRecord record;
  std::vector<int64_t> times;
  std::string text = "stale", reasoning = "stale";
  exchange.Finalize(&record, &times, &text, &reasoning);
  EXPECT_EQ(text, " Hello world!");
  EXPECT_EQ(reasoning, "");

  // Off (the default): nothing is kept, and the outputs are cleared.
  exchange.Reset(true);
  exchange.Feed(bytes, 6, &consumed);
  text = "stale";
  exchange.Finalize(&record, &times, &text, nullptr);
  EXPECT_EQ(text, "");
}

TEST(ResponseExchangeTest, CollectTextReadsReasoningAndWholeBodies) {
  const std::string reasoning_event =
      "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":"
      "{\"reasoning_content\":\"think\"},\"finish_reason\":null}]}\n\n";
  const RawResponse raw = Chunked(kChatHead, {reasoning_event, kChatContent1, kDone});
  ResponseExchange exchange(true);
  exchange.Reset(true, 0, true);
  size_t consumed = 0;
  exchange.Feed(raw.bytes, 1, &consumed);
  RequestRecord record;
  std::vector<int64_t> times;
  std::string text, reasoning;
  exchange.Finalize(&record, &times, &text, &reasoning);
  EXPECT_EQ(text, " Hello");
  EXPECT_EQ(reasoning, "think");

  const std::string response = WithLength(
      "HTTP/1.1 200 OK", "application/json",
      R"({"object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant",)"
      R"("content":"Whole answer"},"finish_reason":"stop"}]})");
  exchange.Reset(false, 0, true);
  exchange.Feed(response, 2, &consumed);
  exchange.Finalize(&record, &times, &text, &reasoning);
  EXPECT_EQ(text, "Whole answer");
}

TEST(ResponseExchangeTest, NonStreamingBodyIsOneEventAtItsCompletion) {
  const std::string body =
      R"({"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m",)"
      R"("choices":[{"index":0,"message":{"role":"assistant","content":"Hello there"},)"
      R"("logprobs":null,"finish_reason":"length"}],)"
      R"("usage":{"prompt_tokens":20,"total_tokens":52,"completion_tokens":32}})";
  const std::string response = WithLength("HTTP/1.1 200 OK", "application/json", body);
  ResponseExchange exchange(/*streaming=*/false);
  const std::string_view bytes = response;
  const Measured m =
      FeedPieces(exchange, {bytes.substr(0, 30), bytes.substr(30, 100), bytes.substr(130)},
                 {100, 200, 300});
  EXPECT_EQ(m.progress, Progress::kComplete);
  EXPECT_TRUE(m.record.ok()) << m.record.error_message;
  EXPECT_EQ(m.record.t_first_ns, 300);
  EXPECT_EQ(m.record.t_last_ns, 300);
  EXPECT_EQ(m.record.t_done_ns, 300);
  EXPECT_EQ(m.record.t_second_ns, kAbsent);
  EXPECT_EQ(m.record.output_tokens, 32);
  EXPECT_EQ(m.record.output_tokens_source, TokenCountSource::kUsage);
  EXPECT_EQ(m.record.input_tokens, 20);
  EXPECT_EQ(m.record.finish_reason, "length");
  EXPECT_THAT(m.token_times, ElementsAre(300));
}

TEST(ResponseExchangeTest, StreamingRequestAnsweredWithJsonIsReadAsAWholeBody) {
  const std::string response = WithLength(
      "HTTP/1.1 200 OK", "application/json",
      R"({"object":"text_completion","choices":[{"index":0,"text":"xyz",)"
      R"("finish_reason":"stop"}]})");
  const Measured m = FeedWhole(response, 8, /*streaming=*/true);
  EXPECT_TRUE(m.record.ok()) << m.record.error_message;
  EXPECT_EQ(m.record.token_events, 1);
  EXPECT_EQ(m.record.t_first_ns, 8);
  EXPECT_EQ(m.record.output_tokens_source, TokenCountSource::kChunks);
}

TEST(ResponseExchangeTest, NonStreamingBodyThatIsNotJsonIsMalformed) {
  const Measured m =
      FeedWhole(WithLength("HTTP/1.1 200 OK", "application/json", "{\"choices\": ["), 8, false);
  EXPECT_EQ(m.progress, Progress::kComplete);
  EXPECT_EQ(m.record.error_class, ErrorClass::kMalformed);
}

TEST(ResponseExchangeTest, FinalizeBeforeTheEndKeepsPartialMeasurements) {
  const RawResponse raw = Chunked(kChatHead, {kChatContent1}, /*terminate=*/false);
  ResponseExchange exchange(true);
  size_t consumed = 0;
  ASSERT_EQ(exchange.Feed(raw.bytes, 60, &consumed), Progress::kNeedMore);
  Measured m;
  exchange.Finalize(&m.record, &m.token_times);
  EXPECT_TRUE(m.record.ok());  // the caller decides: timeout or cancelled
  EXPECT_EQ(m.record.t_first_ns, 60);
  EXPECT_EQ(m.record.t_done_ns, kAbsent);
  EXPECT_EQ(m.record.token_events, 1);
}

TEST(ResponseExchangeTest, InvalidUtf8InAnErrorBodyIsReplacedInTheMessage) {
  const Measured m =
      FeedWhole(WithLength("HTTP/1.1 502 Bad Gateway", "text/plain", "bad \xc3( byte"), 1);
  EXPECT_EQ(m.record.error_class, ErrorClass::kHttp5xx);
  EXPECT_THAT(m.record.error_message, HasSubstr("bad \xEF\xBF\xBD( byte"));
}

}  // namespace
}  // namespace inferbench::client
