// HttpResponseParser: an incremental HTTP/1.1 response parser for the load generator's hot path.
//
// It is fed whatever bytes the socket produced (any split, down to one byte at a time) and
// hands body bytes to a sink as views into the caller's buffer, with chunked framing removed and
// nothing copied. Only the response head is buffered (it is small and arrives once).
//
// Body framing follows RFC 9112 §6.3: 1xx heads are skipped (100 Continue, 103 Early Hints);
// 204 and 304 have no body; Transfer-Encoding ending in `chunked` is decoded (chunk extensions
// and trailers are skipped); another Transfer-Encoding, or no length at all, reads until the
// connection closes; otherwise Content-Length.
//
// One parser serves one connection. Not thread-safe; call it from the connection's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace inferbench::client {

// The head of a final (non-1xx) response.
struct HttpResponseHead {
  int version_minor = 1;  // HTTP/1.<minor>; only 0 and 1 are accepted
  int status_code = 0;
  std::string_view reason;
  std::string_view content_type;  // empty when absent
  int64_t content_length = -1;    // -1 when absent (or overridden by Transfer-Encoding)
  bool chunked = false;           // Transfer-Encoding ends in `chunked`
  bool connection_close = false;  // `Connection: close`, or HTTP/1.0 without `keep-alive`
  // Every header line in arrival order, names as received (compare them case-insensitively).
  std::vector<std::pair<std::string_view, std::string_view>> headers;

  // The value of the first header named `name` (case-insensitive), or empty.
  std::string_view Header(std::string_view name) const;
};

// Receives one response at a time. Views passed to these calls are valid only during the call.
class HttpResponseSink {
 public:
  virtual ~HttpResponseSink() = default;
  // Once per response, when the final head is complete and before any body bytes.
  virtual void OnHead(const HttpResponseHead& head) = 0;
  // Body bytes, framing removed. Points into the buffer given to Feed: no copy is made, so one
  // chunk split across reads arrives as several calls. Never called with an empty view.
  virtual void OnBody(std::string_view bytes) = 0;
};

enum class HttpParseStatus {
  kNeedMore,         // still inside the response head; every byte given was consumed
  kHeadersComplete,  // head delivered, body not finished; every byte given was consumed
  kMessageComplete,  // the response is finished; bytes after `consumed` belong to the next one
  kError,            // malformed response; see error()
};

struct HttpFeedResult {
  HttpParseStatus status = HttpParseStatus::kNeedMore;
  size_t consumed = 0;  // bytes of the feed that belong to this response
};

class HttpResponseParser {
 public:
  static constexpr size_t kMaxHeadBytes = 64 * 1024;  // per head, status line included
  static constexpr size_t kMaxChunkLineBytes = 4096;  // chunk-size line with its extensions

  // REQUIRES: sink outlives the parser (or is replaced with set_sink first).
  explicit HttpResponseParser(HttpResponseSink& sink) : sink_(&sink) {}

  // Parses as much of `bytes` as belongs to the current response. Body bytes reach the sink
  // before Feed returns. After kMessageComplete or kError further Feeds consume nothing and
  // return the same status until Reset().
  HttpFeedResult Feed(std::string_view bytes);

  // The peer closed the connection. Completes a read-until-close body; anything else that is
  // unfinished becomes an error. Returns the resulting status.
  HttpParseStatus FeedEof();

  // Prepares for the next response on a keep-alive connection. Keeps buffer capacity.
  void Reset();

  void set_sink(HttpResponseSink& sink) { sink_ = &sink; }

  HttpParseStatus status() const { return status_; }
  // Why parsing failed. REQUIRES: status() == kError. Static text, never freed.
  std::string_view error() const { return error_; }
  // REQUIRES: status() is kHeadersComplete or kMessageComplete. Valid until Reset().
  const HttpResponseHead& head() const { return head_; }
  // Decoded body bytes delivered so far for this response.
  uint64_t body_bytes() const { return body_bytes_; }
  // Whether the connection may carry another response after this one completes.
  bool keep_alive() const;

 private:
  enum class Phase {
    kHead,
    kBodyLength,      // Content-Length body
    kBodyUntilClose,  // no framing: the body ends at EOF
    kChunkSize,       // hex digits of a chunk-size line
    kChunkExtension,  // after the size: extensions / whitespace up to the line end
    kChunkSizeLf,     // saw CR ending the size line
    kChunkData,
    kChunkDataCr,  // expecting CR (or LF) after chunk data
    kChunkDataLf,  // saw CR after chunk data, expecting LF
    kTrailer,      // trailer lines after the last chunk, until an empty line
    kDone,
    kFailed,
  };

  // Each step consumes from `bytes` starting at *pos.
  void ParseHeadBytes(std::string_view bytes, size_t* pos);
  bool ParseHead();  // parses head_buf_; false on error (already reported)
  void StartBody();
  void ParseChunked(std::string_view bytes, size_t* pos);
  void DeliverBody(std::string_view bytes);
  void Fail(const char* reason);
  HttpParseStatus CurrentStatus() const;

  HttpResponseSink* sink_;
  Phase phase_ = Phase::kHead;
  HttpParseStatus status_ = HttpParseStatus::kNeedMore;
  const char* error_ = "";
  HttpResponseHead head_;
  std::string head_buf_;    // the head being read; head_ views point into it
  size_t line_start_ = 0;   // offset in head_buf_ of the current head line
  uint64_t remaining_ = 0;  // bytes left in the Content-Length body or the current chunk
  uint64_t body_bytes_ = 0;
  size_t chunk_line_bytes_ = 0;
  int chunk_digits_ = 0;
  size_t trailer_line_bytes_ = 0;
  size_t trailer_bytes_ = 0;
  bool read_until_close_ = false;
};

}  // namespace inferbench::client
