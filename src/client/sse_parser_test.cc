#include "client/sse_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "client/http_response_parser.h"

namespace inferbench::client {
namespace {

struct ReceivedEvent {
  std::string data;
  std::string type;
  std::string id;
  bool done = false;
  bool points_into_feed = false;

  bool operator==(const ReceivedEvent& o) const {
    return data == o.data && type == o.type && id == o.id && done == o.done;
  }
};

std::ostream& operator<<(std::ostream& os, const ReceivedEvent& e) {
  return os << "{data=\"" << e.data << "\" type=\"" << e.type << "\" id=\"" << e.id
            << "\" done=" << e.done << "}";
}

class RecordingSink : public SseEventSink {
 public:
  void OnEvent(const SseEvent& event) override {
    ReceivedEvent e{std::string(event.data), std::string(event.type), std::string(event.id),
                    event.done, false};
    e.points_into_feed = !event.data.empty() && event.data.data() >= feed.data() &&
                         event.data.data() + event.data.size() <= feed.data() + feed.size();
    events.push_back(e);
  }
  std::string_view feed;  // the buffer being fed, to check zero copy
  std::vector<ReceivedEvent> events;
};

ReceivedEvent Data(std::string data, std::string type = "", std::string id = "") {
  ReceivedEvent e;
  e.done = data == "[DONE]";
  e.data = std::move(data);
  e.type = std::move(type);
  e.id = std::move(id);
  return e;
}

std::vector<ReceivedEvent> ParseWhole(std::string_view stream) {
  RecordingSink sink;
  SseParser parser(sink);
  sink.feed = stream;
  EXPECT_TRUE(parser.Feed(stream)) << parser.error();
  return sink.events;
}

// A stream exercising every line ending and field kind.
const char kMixedStream[] =
    ": keep-alive comment\n"
    "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n"
    "data: first\r\ndata:second\r\n\r\n"
    "event: update\rid: 42\rdata:  leading space kept\r\r"
    "retry: 1500\n"
    "data\n\n"
    "unknown: field\n"
    ":comment\r\n"
    "data: tail\n\n"
    "data: [DONE]\n\n";

std::vector<ReceivedEvent> MixedExpected() {
  return {Data("{\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}"),
          Data("first\nsecond"),
          Data(" leading space kept", "update", "42"),
          Data("", "", "42"),
          Data("tail", "", "42"),
          Data("[DONE]", "", "42")};
}

TEST(SseParserTest, SingleEventIsZeroCopy) {
  RecordingSink sink;
  SseParser parser(sink);
  std::string feed = "data: {\"x\":1}\n\n";
  sink.feed = feed;
  ASSERT_TRUE(parser.Feed(feed));
  ASSERT_EQ(sink.events.size(), 1u);
  EXPECT_EQ(sink.events[0].data, "{\"x\":1}");
  EXPECT_TRUE(sink.events[0].points_into_feed);
  EXPECT_FALSE(parser.has_partial_event());
}

TEST(SseParserTest, SeveralEventsInOneFeed) {
  std::vector<ReceivedEvent> events = ParseWhole("data: a\n\ndata: b\n\ndata: c\n\n");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].data, "a");
  EXPECT_EQ(events[1].data, "b");
  EXPECT_EQ(events[2].data, "c");
  for (const ReceivedEvent& e : events) EXPECT_TRUE(e.points_into_feed);
}

TEST(SseParserTest, MixedStreamWhole) { EXPECT_EQ(ParseWhole(kMixedStream), MixedExpected()); }

TEST(SseParserTest, MixedStreamSplitAtEveryPosition) {
  const std::string stream = kMixedStream;
  for (size_t split = 0; split <= stream.size(); ++split) {
    RecordingSink sink;
    SseParser parser(sink);
    std::string first = stream.substr(0, split);  // separate buffers: views cannot leak across
    std::string second = stream.substr(split);
    ASSERT_TRUE(parser.Feed(first));
    first.assign(first.size(), '#');  // the feed's memory is gone after Feed returns
    ASSERT_TRUE(parser.Feed(second));
    EXPECT_EQ(sink.events, MixedExpected()) << "split at " << split;
    EXPECT_EQ(parser.retry_ms(), 1500);
    EXPECT_FALSE(parser.has_partial_event());
  }
}

TEST(SseParserTest, MixedStreamSplitAtEveryPairOfPositions) {
  const std::string stream = kMixedStream;
  for (size_t a = 0; a <= stream.size(); a += 3) {
    for (size_t b = a; b <= stream.size(); ++b) {
      RecordingSink sink;
      SseParser parser(sink);
      parser.Feed(stream.substr(0, a));
      parser.Feed(stream.substr(a, b - a));
      parser.Feed(stream.substr(b));
      ASSERT_EQ(sink.events, MixedExpected()) << "splits at " << a << ", " << b;
    }
  }
}

TEST(SseParserTest, MixedStreamByteByByte) {
  const std::string stream = kMixedStream;
  RecordingSink sink;
  SseParser parser(sink);
  for (char c : stream) {
    std::string one(1, c);
    ASSERT_TRUE(parser.Feed(one));
  }
  EXPECT_EQ(sink.events, MixedExpected());
}

TEST(SseParserTest, CrLfSplitAcrossFeedsIsOneLineEnding) {
  RecordingSink sink;
  SseParser parser(sink);
  parser.Feed("data: a\r");
  parser.Feed("");  // an empty read must not forget the pending CR
  parser.Feed("\ndata: b\r");
  parser.Feed("\n\r");
  parser.Feed("\n");
  // Had "\r" + "\n" counted as two line endings, "a" and "b" would be separate events.
  ASSERT_EQ(sink.events.size(), 1u);
  EXPECT_EQ(sink.events[0].data, "a\nb");
}

TEST(SseParserTest, CrOnlyLineEndings) {
  std::vector<ReceivedEvent> events = ParseWhole("data: a\rdata: b\r\rdata: c\r\r");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].data, "a\nb");
  EXPECT_EQ(events[1].data, "c");
}

TEST(SseParserTest, CommentsAndEmptyEventsDispatchNothing) {
  EXPECT_TRUE(ParseWhole(": ping\n\n:\n\n\n\nevent: x\n\n").empty());
}

TEST(SseParserTest, MultiLineDataIsJoinedWithNewlines) {
  std::vector<ReceivedEvent> events = ParseWhole("data: a\ndata:b\ndata:  c\ndata:\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "a\nb\n c\n");
}

TEST(SseParserTest, DetectsDone) {
  std::vector<ReceivedEvent> events = ParseWhole("data: [DONE]\n\ndata: [DONE] \n\n");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(events[0].done);
  EXPECT_FALSE(events[1].done);
}

TEST(SseParserTest, EventSpanningFeedsIsCopied) {
  RecordingSink sink;
  SseParser parser(sink);
  std::string first = "data: hel";
  std::string second = "lo\n\n";
  parser.Feed(first);
  EXPECT_TRUE(parser.has_partial_event());
  first.assign(first.size(), '#');
  sink.feed = second;
  parser.Feed(second);
  ASSERT_EQ(sink.events.size(), 1u);
  EXPECT_EQ(sink.events[0].data, "hello");
  EXPECT_FALSE(sink.events[0].points_into_feed);

  // Complete data line in one feed, blank line in the next: the data must survive.
  std::string third = "data: kept\n";
  parser.Feed(third);
  third.assign(third.size(), '#');
  parser.Feed("\n");
  ASSERT_EQ(sink.events.size(), 2u);
  EXPECT_EQ(sink.events[1].data, "kept");
}

TEST(SseParserTest, StripsByteOrderMarkEvenWhenSplit) {
  const std::string stream =
      "\xEF\xBB\xBF"
      "data: x\n\n";
  for (size_t split = 0; split <= stream.size(); ++split) {
    RecordingSink sink;
    SseParser parser(sink);
    parser.Feed(stream.substr(0, split));
    parser.Feed(stream.substr(split));
    ASSERT_EQ(sink.events.size(), 1u) << split;
    EXPECT_EQ(sink.events[0].data, "x");
  }
  // A BOM prefix that is not a BOM stays part of the line.
  RecordingSink sink;
  SseParser parser(sink);
  parser.Feed("\xEF");
  parser.Feed("\xBB: comment\ndata: y\n\n");
  ASSERT_EQ(sink.events.size(), 1u);
  EXPECT_EQ(sink.events[0].data, "y");
}

TEST(SseParserTest, InvalidRetryAndIdWithNulAreIgnored) {
  RecordingSink sink;
  SseParser parser(sink);
  parser.Feed("retry: 12a\nid: ok\n");
  const char kNulId[] = "id: a\0b\ndata: x\n\n";
  parser.Feed(std::string_view(kNulId, sizeof(kNulId) - 1));
  EXPECT_EQ(parser.retry_ms(), -1);
  ASSERT_EQ(sink.events.size(), 1u);
  EXPECT_EQ(sink.events[0].id, "ok");
}

TEST(SseParserTest, EventLargerThanLimitIsAnError) {
  RecordingSink sink;
  SseParser parser(sink, 16);
  EXPECT_TRUE(parser.Feed("data: 0123456789\n"));
  EXPECT_FALSE(parser.Feed("data: 0123456789\n\n"));
  EXPECT_TRUE(parser.failed());
  EXPECT_EQ(parser.error(), "SSE event larger than the event size limit");
  EXPECT_FALSE(parser.Feed("data: x\n\n"));
  EXPECT_TRUE(sink.events.empty());

  SseParser line_parser(sink, 16);
  EXPECT_FALSE(line_parser.Feed(": a comment that never ends and keeps going"));
  EXPECT_EQ(line_parser.error(), "SSE line longer than the event size limit");

  // The same line inside one feed fails the same way: the outcome never depends on splits.
  SseParser whole_line_parser(sink, 16);
  EXPECT_FALSE(whole_line_parser.Feed(": a comment that never ends and keeps going\n"));
  EXPECT_EQ(whole_line_parser.error(), "SSE line longer than the event size limit");

  line_parser.Reset();
  EXPECT_TRUE(line_parser.Feed("data: ok\n\n"));
  ASSERT_EQ(sink.events.size(), 1u);
}

// HTTP chunked framing cutting SSE events mid-line: HttpResponseParser feeds SseParser.
class SseOverHttp : public HttpResponseSink {
 public:
  SseOverHttp() : sse(events) {}
  void OnHead(const HttpResponseHead&) override {}
  void OnBody(std::string_view bytes) override {
    events.feed = bytes;
    EXPECT_TRUE(sse.Feed(bytes)) << sse.error();
  }
  RecordingSink events;
  SseParser sse;
};

std::string Chunked(std::string_view body, const std::vector<size_t>& sizes) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  size_t pos = 0;
  size_t i = 0;
  while (pos < body.size()) {
    size_t n = std::min(sizes[i++ % sizes.size()], body.size() - pos);
    std::string hex;
    for (size_t v = n; v > 0; v /= 16) hex.insert(hex.begin(), kHex[v % 16]);
    out += hex + "\r\n";
    out.append(body.substr(pos, n));
    out += "\r\n";
    pos += n;
  }
  return out + "0\r\n\r\n";
}

TEST(SseParserTest, EventsSpanningChunkBoundariesAreReassembled) {
  const std::string body = kMixedStream;
  const std::string response =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" +
      Chunked(body, {7, 13, 1, 2, 50, 5});
  for (size_t split = 0; split <= response.size(); ++split) {
    SseOverHttp sink;
    HttpResponseParser http(sink);
    std::string first = response.substr(0, split);
    std::string second = response.substr(split);
    http.Feed(first);
    first.assign(first.size(), '#');
    HttpFeedResult r = http.Feed(second);
    ASSERT_EQ(r.status, HttpParseStatus::kMessageComplete) << http.error();
    EXPECT_EQ(sink.events.events, MixedExpected()) << "split at " << split;
  }
}

TEST(SseParserTest, WholeEventInOneChunkStaysZeroCopyThroughHttp) {
  const std::string response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
                               Chunked("data: {\"a\":1}\n\n", {100});
  SseOverHttp sink;
  HttpResponseParser http(sink);
  EXPECT_EQ(http.Feed(response).status, HttpParseStatus::kMessageComplete);
  ASSERT_EQ(sink.events.events.size(), 1u);
  EXPECT_TRUE(sink.events.events[0].points_into_feed);
}

}  // namespace
}  // namespace inferbench::client
