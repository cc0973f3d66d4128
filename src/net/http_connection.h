// Internal to net/ (includes Asio/Beast): one accepted HTTP/1.1 connection of an HttpServer and
// the state every connection of that server shares. Nothing outside src/net includes this.
//
// A connection always keeps a read pending, so a peer that goes away is noticed at once, even in
// the middle of a long response (an EOF counts as gone: a client that half-closes after sending
// its request gets no answer; HTTP clients do not do that). Requests are parsed as bytes arrive
// and queued; they reach the server's handler one at a time, the next only after the previous
// response has ended and all of its bytes reached the kernel. Response bytes are appended to
// `out_` and written by one flush per loop turn (ServerShared::QueueFlush), so many small writes
// of the same turn become one send(); the flush tries a non-blocking send first and hands only
// what the kernel did not take to async_write; meanwhile new bytes accumulate for the next.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "net/event_loop.h"
#include "net/http_server.h"

namespace inferbench::net::internal {

class HttpConnection;
class ConnectionResponder;

// Owned jointly by the HttpServer and its connections (and by queued handlers), so a connection
// or handler that outlives the server still finds valid state. Loop thread only.
struct ServerShared : std::enable_shared_from_this<ServerShared> {
  ServerShared(EventLoop& loop, HttpHandler handler, HttpServerOptions options);

  // Flushes `connection` at the end of this loop turn (one posted task for all connections).
  void QueueFlush(std::shared_ptr<HttpConnection> connection);
  // Closes every open connection (OnClose fires for responses in progress).
  void CloseAllConnections();
  std::string ErrorBody(int status, std::string_view message) const;

  EventLoop& loop;
  boost::asio::io_context& io;
  HttpHandler handler;
  HttpServerOptions options;
  bool closed = false;
  std::unordered_set<std::shared_ptr<HttpConnection>> connections;

 private:
  void FlushQueued();

  std::vector<std::shared_ptr<HttpConnection>> flush_queue_;
  std::vector<std::shared_ptr<HttpConnection>> flush_spare_;
  bool flush_posted_ = false;
};

class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  HttpConnection(std::shared_ptr<ServerShared> server, boost::asio::ip::tcp::socket socket);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  void Start();
  // Closes at once. `notify`: fire the OnClose callback of a response still in progress.
  void CloseNow(bool notify);
  bool closed() const { return closed_; }
  EventLoop& loop() { return server_->loop; }
  // Called by ServerShared's end-of-turn flush.
  void FlushNow();

  // --- used by ConnectionResponder (the active one only) ---
  bool IsActive(const ConnectionResponder* responder) const {
    return active_ == responder && !closed_;
  }
  std::string& out() { return out_; }
  std::size_t pending_bytes() const;
  // Schedules a flush of `out_` at the end of this turn (no-op when one is coming anyway).
  void RequestFlush();
  // The active response is complete; once its bytes are written the connection serves its next
  // request, or closes gracefully when `keep_alive` is false.
  void FinishResponse(bool keep_alive);
  void SetDrip(std::size_t bytes_per_write, int64_t interval_ns);
  // Abort(): writes what is buffered if the kernel takes it right away, then closes.
  void AbortResponse();
  void WriteErrorResponse(int status, std::string_view message);

 private:
  struct PendingRequest {
    HttpRequest request;
    bool keep_alive = true;
    bool http11 = true;
    bool head = false;
    int error_status = 0;  // != 0: answer with this error and close
    std::string error_message;
  };
  using Parser = boost::beast::http::request_parser<boost::beast::http::string_body>;

  void StartRead();
  void OnRead(const boost::system::error_code& ec, std::size_t bytes);
  void ParseBuffered(int64_t now_ns);
  void MaybeSendContinue();
  void DispatchNext();
  void StartWrite();
  void OnWriteDone(const boost::system::error_code& ec);
  void AfterWriteComplete();
  void ArmDrip();
  void OnDrained();
  void BeginGracefulClose();

  std::shared_ptr<ServerShared> server_;
  boost::asio::ip::tcp::socket socket_;

  // Reading and parsing.
  boost::beast::flat_buffer read_buffer_;
  std::optional<Parser> parser_;
  std::deque<PendingRequest> queue_;
  bool reading_ = false;
  bool stop_parsing_ = false;  // after a parse error: input is read and discarded
  bool continue_sent_ = false;

  // The response in progress.
  ConnectionResponder* active_ = nullptr;
  bool busy_ = false;          // a response is in progress or its bytes are still being written
  bool response_done_ = true;  // the handler ended the current response
  bool close_after_ = false;   // close (gracefully) once the current response is written

  // Writing: `out_` accumulates; `write_buffer_` (from `write_offset_`) is being written.
  std::string out_;
  std::string write_buffer_;
  std::size_t write_offset_ = 0;
  bool writing_ = false;  // an async_write is in flight
  bool flush_queued_ = false;
  std::size_t drip_bytes_ = 0;  // 0: no drip
  int64_t drip_interval_ns_ = 0;
  Timer drip_timer_;

  bool draining_ = false;  // our side is shut down; waiting for the peer's EOF
  Timer linger_timer_;
  bool closed_ = false;
};

// The HttpResponder of one request. Calls after the response ended, or once the connection is
// closed, are ignored.
class ConnectionResponder final : public HttpResponder {
 public:
  ConnectionResponder(std::shared_ptr<HttpConnection> connection, bool keep_alive, bool http11,
                      bool head);
  ~ConnectionResponder() override;

  void Send(int status, std::string_view content_type, std::string body,
            const std::vector<std::pair<std::string, std::string>>& extra_headers) override;
  void BeginStream(int status, std::string_view content_type) override;
  void Write(std::string_view bytes) override;
  void EndStream() override;
  void Abort() override;
  void SetDrip(std::size_t bytes_per_write, int64_t interval_ns) override;
  bool closed() const override;
  void OnClose(std::function<void()> callback) override;
  std::size_t pending_bytes() const override;

  // The connection closed while this response was in progress.
  void NotifyClosed();

 private:
  enum class State { kNotStarted, kStreaming, kDone };

  std::shared_ptr<HttpConnection> connection_;
  bool keep_alive_;
  bool chunked_;  // HTTP/1.1: chunked streams; HTTP/1.0: the stream ends when the connection closes
  bool head_;
  State state_ = State::kNotStarted;
  bool aborted_ = false;
  bool close_fired_ = false;
  std::function<void()> on_close_;
};

// Appends "HTTP/1.1 <status> <reason>\r\nContent-Type: …\r\n" to `out`.
void AppendStatusLine(std::string& out, int status, std::string_view content_type);

}  // namespace inferbench::net::internal
