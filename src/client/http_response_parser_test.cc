#include "client/http_response_parser.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace inferbench::client {
namespace {

struct ReceivedResponse {
  int status_code = 0;
  std::string reason;
  std::string content_type;
  int64_t content_length = -1;
  bool chunked = false;
  bool connection_close = false;
  int heads = 0;
  std::string body;
};

class RecordingSink : public HttpResponseSink {
 public:
  void OnHead(const HttpResponseHead& head) override {
    current.status_code = head.status_code;
    current.reason = std::string(head.reason);
    current.content_type = std::string(head.content_type);
    current.content_length = head.content_length;
    current.chunked = head.chunked;
    current.connection_close = head.connection_close;
    ++current.heads;
  }
  void OnBody(std::string_view bytes) override {
    EXPECT_FALSE(bytes.empty());
    current.body.append(bytes);
  }
  ReceivedResponse current;
};

// Plays the role of a connection: feeds each read in turn, and on every completed response
// records it, resets the parser and goes on with the leftover bytes of the same read.
struct Connection {
  RecordingSink sink;
  HttpResponseParser parser{sink};
  std::vector<ReceivedResponse> done;
  std::string error;

  void Read(std::string_view bytes) {
    while (error.empty()) {
      HttpFeedResult result = parser.Feed(bytes);
      EXPECT_LE(result.consumed, bytes.size());
      bytes.remove_prefix(result.consumed);
      if (result.status == HttpParseStatus::kError) {
        error = std::string(parser.error());
        return;
      }
      if (result.status != HttpParseStatus::kMessageComplete) {
        EXPECT_TRUE(bytes.empty());
        return;
      }
      done.push_back(sink.current);
      sink.current = ReceivedResponse();
      parser.Reset();
      if (bytes.empty()) return;
    }
  }
  void Eof() {
    if (parser.FeedEof() == HttpParseStatus::kMessageComplete) {
      done.push_back(sink.current);
    } else if (parser.status() == HttpParseStatus::kError) {
      error = std::string(parser.error());
    }
  }
};

const char kChunkedSse[] =
    "HTTP/1.1 200 OK\r\n"
    "content-type: text/event-stream; charset=utf-8\r\n"
    "Transfer-Encoding: chunked\r\n"
    "\r\n"
    "f\r\ndata: {\"a\":1}\n\n\r\n"
    "7;ext=1\r\ndata: x\r\n"
    "3\r\n\n\n\n\r\n"
    "0\r\n"
    "X-Trailer: yes\r\n"
    "\r\n";
const char kChunkedSseBody[] = "data: {\"a\":1}\n\ndata: x\n\n\n";

TEST(HttpResponseParserTest, ContentLengthBody) {
  Connection conn;
  conn.Read("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\nhello");
  ASSERT_EQ(conn.done.size(), 1u);
  EXPECT_EQ(conn.done[0].status_code, 200);
  EXPECT_EQ(conn.done[0].reason, "OK");
  EXPECT_EQ(conn.done[0].content_type, "application/json");
  EXPECT_EQ(conn.done[0].content_length, 5);
  EXPECT_EQ(conn.done[0].body, "hello");
  EXPECT_FALSE(conn.done[0].connection_close);
}

TEST(HttpResponseParserTest, ReportsStatesAndKeepAlive) {
  RecordingSink sink;
  HttpResponseParser parser(sink);
  std::string_view part1 = "HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n";
  HttpFeedResult r = parser.Feed(part1);
  EXPECT_EQ(r.status, HttpParseStatus::kNeedMore);
  EXPECT_EQ(r.consumed, part1.size());
  r = parser.Feed("\r\nab");
  EXPECT_EQ(r.status, HttpParseStatus::kHeadersComplete);
  EXPECT_EQ(parser.head().status_code, 404);
  EXPECT_EQ(parser.head().reason, "Not Found");
  EXPECT_FALSE(parser.keep_alive());
  r = parser.Feed("cd");
  EXPECT_EQ(r.status, HttpParseStatus::kMessageComplete);
  EXPECT_TRUE(parser.keep_alive());
  EXPECT_EQ(parser.body_bytes(), 4u);
  EXPECT_EQ(sink.current.body, "abcd");
  // Further feeds consume nothing until Reset.
  r = parser.Feed("HTTP/1.1");
  EXPECT_EQ(r.status, HttpParseStatus::kMessageComplete);
  EXPECT_EQ(r.consumed, 0u);
}

TEST(HttpResponseParserTest, ChunkedBodyWithExtensionsAndTrailers) {
  Connection conn;
  conn.Read(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;name=value\r\nhello\r\n"
      "6 ; a=\"b c\";d\r\n world\r\n"
      "A\r\n0123456789\r\n"
      "0;last\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n");
  ASSERT_EQ(conn.done.size(), 1u) << conn.error;
  EXPECT_TRUE(conn.done[0].chunked);
  EXPECT_EQ(conn.done[0].body, "hello world0123456789");
}

TEST(HttpResponseParserTest, ChunkedBodySplitAtEveryPosition) {
  const std::string response = kChunkedSse;
  for (size_t split = 0; split <= response.size(); ++split) {
    Connection conn;
    conn.Read(std::string_view(response).substr(0, split));
    conn.Read(std::string_view(response).substr(split));
    ASSERT_EQ(conn.done.size(), 1u) << "split at " << split << ": " << conn.error;
    EXPECT_EQ(conn.done[0].body, kChunkedSseBody) << "split at " << split;
    EXPECT_EQ(conn.done[0].content_type, "text/event-stream; charset=utf-8");
    EXPECT_EQ(conn.done[0].heads, 1);
  }
}

TEST(HttpResponseParserTest, ChunkedBodyByteByByte) {
  const std::string response = kChunkedSse;
  Connection conn;
  for (char c : response) conn.Read(std::string_view(&c, 1));
  ASSERT_EQ(conn.done.size(), 1u) << conn.error;
  EXPECT_EQ(conn.done[0].body, kChunkedSseBody);
}

TEST(HttpResponseParserTest, BodyPiecesAreViewsIntoTheFeed) {
  struct PointerSink : HttpResponseSink {
    void OnHead(const HttpResponseHead&) override {}
    void OnBody(std::string_view bytes) override { pieces.push_back(bytes); }
    std::vector<std::string_view> pieces;
  } sink;
  HttpResponseParser parser(sink);
  const std::string response =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
  EXPECT_EQ(parser.Feed(response).status, HttpParseStatus::kMessageComplete);
  ASSERT_EQ(sink.pieces.size(), 2u);
  const char* begin = response.data();
  const char* end = begin + response.size();
  for (std::string_view piece : sink.pieces) {
    EXPECT_GE(piece.data(), begin);
    EXPECT_LE(piece.data() + piece.size(), end);
  }
  EXPECT_EQ(sink.pieces[0], "abc");
  EXPECT_EQ(sink.pieces[1], "de");
}

TEST(HttpResponseParserTest, SkipsInterimResponses) {
  const std::string response =
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n"
      "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok";
  for (size_t split = 0; split <= response.size(); ++split) {
    Connection conn;
    conn.Read(std::string_view(response).substr(0, split));
    conn.Read(std::string_view(response).substr(split));
    ASSERT_EQ(conn.done.size(), 1u) << "split at " << split << ": " << conn.error;
    EXPECT_EQ(conn.done[0].status_code, 201);
    EXPECT_EQ(conn.done[0].heads, 1);
    EXPECT_EQ(conn.done[0].body, "ok");
  }
}

TEST(HttpResponseParserTest, KeepAliveLeftoverBelongsToTheNextResponse) {
  const std::string first = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none";
  const std::string second = kChunkedSse;
  const std::string third = "HTTP/1.1 204 No Content\r\n\r\n";
  const std::string fourth = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\nboom";
  const std::string stream = first + second + third + fourth;

  RecordingSink sink;
  HttpResponseParser parser(sink);
  HttpFeedResult r = parser.Feed(stream);
  EXPECT_EQ(r.status, HttpParseStatus::kMessageComplete);
  EXPECT_EQ(r.consumed, first.size());

  for (size_t split = 0; split <= stream.size(); ++split) {
    Connection conn;
    conn.Read(std::string_view(stream).substr(0, split));
    conn.Read(std::string_view(stream).substr(split));
    ASSERT_EQ(conn.done.size(), 4u) << "split at " << split << ": " << conn.error;
    EXPECT_EQ(conn.done[0].body, "one");
    EXPECT_EQ(conn.done[1].body, kChunkedSseBody);
    EXPECT_EQ(conn.done[2].status_code, 204);
    EXPECT_EQ(conn.done[2].body, "");
    EXPECT_EQ(conn.done[3].status_code, 500);
    EXPECT_EQ(conn.done[3].body, "boom");
  }
}

TEST(HttpResponseParserTest, ReadUntilClose) {
  Connection conn;
  conn.Read("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: a\n\n");
  EXPECT_TRUE(conn.done.empty());
  EXPECT_EQ(conn.parser.status(), HttpParseStatus::kHeadersComplete);
  conn.Read("data: b\n\n");
  conn.Eof();
  ASSERT_EQ(conn.done.size(), 1u) << conn.error;
  EXPECT_EQ(conn.done[0].body, "data: a\n\ndata: b\n\n");
  EXPECT_FALSE(conn.parser.keep_alive());
}

TEST(HttpResponseParserTest, UnknownTransferEncodingReadsUntilClose) {
  Connection conn;
  conn.Read("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 2\r\n\r\nabcdef");
  conn.Eof();
  ASSERT_EQ(conn.done.size(), 1u) << conn.error;
  EXPECT_EQ(conn.done[0].body, "abcdef");
  EXPECT_EQ(conn.done[0].content_length, -1);
}

TEST(HttpResponseParserTest, TransferEncodingOverridesContentLength) {
  Connection conn;
  conn.Read(
      "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
      "2\r\nhi\r\n0\r\n\r\n");
  ASSERT_EQ(conn.done.size(), 1u) << conn.error;
  EXPECT_EQ(conn.done[0].body, "hi");
  EXPECT_TRUE(conn.done[0].chunked);
}

TEST(HttpResponseParserTest, ConnectionHeaderAndHttp10) {
  Connection close;
  close.Read("HTTP/1.1 200 OK\r\nConnection: Keep-Alive, CLOSE\r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(close.done.size(), 1u);
  EXPECT_TRUE(close.done[0].connection_close);

  Connection http10;
  http10.Read("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx");
  ASSERT_EQ(http10.done.size(), 1u);
  EXPECT_TRUE(http10.done[0].connection_close);

  Connection http10_keep;
  http10_keep.Read("HTTP/1.0 200 OK\r\nconnection: keep-alive\r\nContent-Length: 1\r\n\r\nx");
  ASSERT_EQ(http10_keep.done.size(), 1u);
  EXPECT_FALSE(http10_keep.done[0].connection_close);
}

TEST(HttpResponseParserTest, HeaderLookupIsCaseInsensitive) {
  RecordingSink sink;
  HttpResponseParser parser(sink);
  parser.Feed(
      "HTTP/1.1 429 \r\nRetry-After:  7 \r\nx-request-id: abc\r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(parser.status(), HttpParseStatus::kMessageComplete);
  EXPECT_EQ(parser.head().Header("retry-after"), "7");
  EXPECT_EQ(parser.head().Header("X-Request-ID"), "abc");
  EXPECT_EQ(parser.head().Header("missing"), "");
  EXPECT_EQ(parser.head().reason, "");
  EXPECT_EQ(parser.head().headers.size(), 3u);
}

TEST(HttpResponseParserTest, AcceptsBareLfLineEndings) {
  Connection conn;
  conn.Read("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n");
  ASSERT_EQ(conn.done.size(), 1u) << conn.error;
  EXPECT_EQ(conn.done[0].body, "abc");
}

struct MalformedCase {
  const char* input;
  const char* error;
};

TEST(HttpResponseParserTest, MalformedInputsAreErrors) {
  const MalformedCase cases[] = {
      {"HTTP/2 200 OK\r\n\r\n", "malformed status line"},
      {"garbage", "malformed status line"},
      {"HTTP/1.1 20 OK\r\n\r\n", "malformed status line"},
      {"HTTP/1.1 999 Nope\r\n\r\n", "malformed status line"},
      {"HTTP/1.1 200OK\r\n\r\n", "malformed status line"},
      {"HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", "malformed header line"},
      {"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", "malformed header name"},
      {"HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n", "obsolete header line folding"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n", "invalid Content-Length"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
       "conflicting Content-Length headers"},
      {"HTTP/1.1 101 Switching Protocols\r\n\r\n", "unexpected 101 Switching Protocols"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunk size"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5x\r\n", "bad chunk size"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n",
       "chunk size too large"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\rx", "bad chunk size line ending"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n",
       "missing CRLF after chunk data"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;a\x01\r\n", "bad chunk extension"},
  };
  for (const MalformedCase& c : cases) {
    const std::string input = c.input;
    // Whole, and byte by byte: the same error either way.
    for (bool bytewise : {false, true}) {
      Connection conn;
      if (bytewise) {
        for (char ch : input) conn.Read(std::string_view(&ch, 1));
      } else {
        conn.Read(input);
      }
      EXPECT_EQ(conn.error, c.error) << input;
      EXPECT_EQ(conn.parser.Feed("more").status, HttpParseStatus::kError);
      EXPECT_EQ(conn.parser.Feed("more").consumed, 0u);
    }
  }
}

TEST(HttpResponseParserTest, HeadLargerThanLimitIsAnError) {
  Connection conn;
  conn.Read("HTTP/1.1 200 OK\r\n");
  std::string big = "X-Big: " + std::string(HttpResponseParser::kMaxHeadBytes, 'a') + "\r\n";
  conn.Read(big);
  EXPECT_EQ(conn.error, "response head larger than 64 KiB");

  // A head just under the limit is fine.
  Connection ok;
  std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n";
  std::string filler = "X-Fill: ";
  size_t room = HttpResponseParser::kMaxHeadBytes - head.size() - filler.size() - 4;
  ok.Read(head + filler + std::string(room, 'b') + "\r\n\r\n");
  EXPECT_EQ(ok.done.size(), 1u) << ok.error;
}

TEST(HttpResponseParserTest, TrailersLargerThanLimitAreAnError) {
  Connection conn;
  conn.Read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n");
  conn.Read("X: " + std::string(HttpResponseParser::kMaxHeadBytes, 'a'));
  EXPECT_EQ(conn.error, "trailers larger than 64 KiB");
}

TEST(HttpResponseParserTest, EarlyEofIsAnError) {
  Connection empty;
  empty.Eof();
  EXPECT_EQ(empty.error, "connection closed before a response arrived");

  Connection in_head;
  in_head.Read("HTTP/1.1 200 OK\r\nContent-");
  in_head.Eof();
  EXPECT_EQ(in_head.error, "connection closed inside the response head");

  Connection in_body;
  in_body.Read("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
  in_body.Eof();
  EXPECT_EQ(in_body.error, "connection closed before the end of the body");

  Connection in_chunk;
  in_chunk.Read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab");
  in_chunk.Eof();
  EXPECT_EQ(in_chunk.error, "connection closed before the end of the body");
  EXPECT_EQ(in_chunk.sink.current.body, "ab");
}

TEST(HttpResponseParserTest, RandomCorruptionNeverCrashes) {
  const std::string base =
      std::string(kChunkedSse) + "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";
  std::mt19937_64 rng(12345);
  for (int iteration = 0; iteration < 2000; ++iteration) {
    std::string input = base;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      input[rng() % input.size()] = static_cast<char>(rng() % 256);
    }
    Connection conn;
    size_t pos = 0;
    while (pos < input.size()) {
      size_t n = 1 + rng() % 16;
      conn.Read(std::string_view(input).substr(pos, n));
      pos += n;
    }
    conn.Eof();
    EXPECT_LE(conn.done.size(), 2u);
  }
}

}  // namespace
}  // namespace inferbench::client
