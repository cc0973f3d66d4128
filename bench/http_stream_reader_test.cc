#include "http_stream_reader.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>
#include <string_view>

namespace inferbench::bench {
namespace {

std::string CompletionFrame(std::string_view text) {
  return "data: "
         "{\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"choices\":[{\"index\":0,\"text\":\"" +
         std::string(text) + "\",\"logprobs\":null,\"finish_reason\":null}]}\n\n";
}

// A chunked response carrying `body`, cut into HTTP chunks of pseudo-random sizes, some with
// chunk extensions, ending with a trailer.
std::string Chunked(const std::string& body, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string wire =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (size_t p = 0; p < body.size();) {
    size_t n = std::min<size_t>(body.size() - p, 1 + rng() % 300);
    char size[32];
    std::snprintf(size, sizeof size, "%zX%s\r\n", n, rng() % 4 == 0 ? ";ext=1" : "");
    wire += size;
    wire.append(body, p, n);
    wire += "\r\n";
    p += n;
  }
  return wire + "0\r\nX-Trailer: 1\r\n\r\n";
}

struct FeedOutcome {
  HttpStreamReader::State state = HttpStreamReader::State::kMore;
  size_t consumed = 0;  // bytes of `wire` that belonged to the response
};

// Feeds `wire` in pieces of `piece` bytes (0: pseudo-random sizes) until the response completes.
FeedOutcome FeedAll(HttpStreamReader& reader, SseCounter& counter, std::string_view wire,
                    size_t piece, uint32_t seed = 1) {
  std::mt19937 rng(seed);
  FeedOutcome out;
  size_t pos = 0;
  while (pos < wire.size()) {
    size_t n = std::min(wire.size() - pos, piece > 0 ? piece : 1 + rng() % 700);
    size_t consumed = 0;
    out.state = reader.Feed(wire.substr(pos, n), &consumed, counter);
    if (out.state == HttpStreamReader::State::kError) return out;
    if (out.state == HttpStreamReader::State::kComplete) {
      out.consumed = pos + consumed;
      return out;
    }
    pos += n;
  }
  out.consumed = pos;
  return out;
}

TEST(HttpStreamReaderTest, CountsTokenEventsAcrossEverySplit) {
  std::string body;
  int tokens = 0;
  for (int i = 0; i < 200; ++i) {
    bool empty = i % 13 == 0;  // vLLM sends empty-text chunks: not token events
    body += CompletionFrame(empty ? "" : "a \\\"quoted\\\" piece");
    tokens += empty ? 0 : 1;
  }
  body += "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3}}\n\ndata: [DONE]\n\n";
  const std::string wire = Chunked(body, 7);
  for (size_t piece : {size_t{1}, size_t{2}, size_t{3}, size_t{0}}) {
    for (uint32_t seed = 1; seed <= (piece == 0 ? 200u : 1u); ++seed) {
      HttpStreamReader reader;
      SseCounter counter;
      FeedOutcome out = FeedAll(reader, counter, wire, piece, seed);
      ASSERT_EQ(out.state, HttpStreamReader::State::kComplete) << "piece " << piece;
      EXPECT_EQ(out.consumed, wire.size());
      EXPECT_EQ(counter.token_events(), static_cast<uint64_t>(tokens));
      EXPECT_EQ(counter.json_frames(), 201u);
      EXPECT_EQ(counter.done_frames(), 1u);
    }
  }
}

TEST(HttpStreamReaderTest, CountsChatContentAndIgnoresRoleChunk) {
  std::string body =
      "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n"
      "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n"
      "data: [DONE]\n\n";
  HttpStreamReader reader;
  SseCounter counter;
  FeedOutcome out = FeedAll(reader, counter, Chunked(body, 3), 5);
  ASSERT_EQ(out.state, HttpStreamReader::State::kComplete);
  EXPECT_EQ(counter.token_events(), 1u);
  EXPECT_EQ(counter.json_frames(), 2u);
}

TEST(HttpStreamReaderTest, KeepAliveResponsesAreSeparatedAtTheirEnd) {
  const std::string first = Chunked(CompletionFrame("x") + "data: [DONE]\n\n", 1);
  const std::string second = Chunked(CompletionFrame("y") + CompletionFrame("z"), 2);
  const std::string both = first + second;
  HttpStreamReader reader;
  SseCounter counter;
  size_t consumed = 0;
  ASSERT_EQ(reader.Feed(both, &consumed, counter), HttpStreamReader::State::kComplete);
  EXPECT_EQ(consumed, first.size());
  reader.Reset();
  counter.Reset();
  ASSERT_EQ(reader.Feed(std::string_view(both).substr(consumed), &consumed, counter),
            HttpStreamReader::State::kComplete);
  EXPECT_EQ(counter.token_events(), 3u);
}

TEST(HttpStreamReaderTest, ErrorResponseBodyIsKeptNotCounted) {
  const std::string body = "{\"error\":{\"message\":\"data: {\\\"text\\\":\\\"x\\\"}\"}}";
  const std::string wire =
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 429 Too Many Requests\r\ncontent-length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  HttpStreamReader reader;
  SseCounter counter;
  FeedOutcome out = FeedAll(reader, counter, wire, 4);
  ASSERT_EQ(out.state, HttpStreamReader::State::kComplete);
  EXPECT_EQ(reader.status_code(), 429);
  EXPECT_EQ(reader.error_body(), body);
  EXPECT_EQ(counter.json_frames(), 0u);
}

TEST(HttpStreamReaderTest, MalformedChunkSizeIsAnError) {
  const std::string wire =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\ndata\r\n0\r\n\r\n";
  HttpStreamReader reader;
  SseCounter counter;
  EXPECT_EQ(FeedAll(reader, counter, wire, 1000).state, HttpStreamReader::State::kError);
}

TEST(HttpStreamReaderTest, ResponseWithoutFramingIsAnError) {
  HttpStreamReader reader;
  SseCounter counter;
  EXPECT_EQ(FeedAll(reader, counter, "HTTP/1.1 200 OK\r\nServer: x\r\n\r\nbody", 1000).state,
            HttpStreamReader::State::kError);
}

}  // namespace
}  // namespace inferbench::bench
