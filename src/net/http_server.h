// HttpServer: an HTTP/1.1 keep-alive server on one EventLoop, used by the simulator and the
// dashboard. Requests are parsed by Beast (inside net/); responses are written by the handler
// through an HttpResponder, either whole or as a chunked stream (SSE). Everything runs on the
// loop thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "net/event_loop.h"

namespace inferbench::net {

struct HttpRequest {
  std::string method;   // "GET", "POST", …
  std::string target;   // path plus query, as sent: "/v1/completions"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int64_t received_ns = 0;  // steady time the last byte of the request was read
  // Case-insensitive header lookup; empty view when absent.
  std::string_view Header(std::string_view name) const;
  // `target` without the query string.
  std::string_view Path() const;
};

// How one response is written. Owned jointly by the connection and by whoever is producing the
// response (e.g. a simulated sequence), hence shared_ptr. All calls on the loop thread.
class HttpResponder {
 public:
  virtual ~HttpResponder() = default;

  // A whole response with Content-Length. `extra_headers` are written as given.
  virtual void Send(int status, std::string_view content_type, std::string body,
                    const std::vector<std::pair<std::string, std::string>>& extra_headers = {}) = 0;

  // Starts a chunked response (Transfer-Encoding: chunked), e.g. text/event-stream.
  virtual void BeginStream(int status, std::string_view content_type) = 0;
  // Appends bytes as one HTTP chunk. Bytes written in the same loop turn are coalesced into one
  // socket write; the responder never blocks. REQUIRES: BeginStream was called.
  virtual void Write(std::string_view bytes) = 0;
  // Writes the terminating zero chunk; the connection then serves its next request.
  virtual void EndStream() = 0;

  // Closes the connection at once without finishing the response (a mid-stream disconnect).
  // Bytes already accepted are handed to the kernel if it takes them without waiting (not in
  // drip mode); the rest is dropped. Does not invoke the OnClose callback.
  virtual void Abort() = 0;

  // Drip mode: from now on, write the response's bytes at most `bytes_per_write` at a time,
  // `interval_ns` apart (a slow trickling server). Call before the first byte.
  virtual void SetDrip(std::size_t bytes_per_write, int64_t interval_ns) = 0;

  // True once the peer has gone away (or Abort was called); later writes are dropped.
  virtual bool closed() const = 0;
  // Called once, on the loop thread, when the connection closes before the response ended
  // (peer gone, write error, HttpServer::Close). Registered after the close: posted to the loop.
  virtual void OnClose(std::function<void()> callback) = 0;
  // Bytes accepted by Write but not yet handed to the kernel (backpressure signal).
  virtual std::size_t pending_bytes() const = 0;
};

using HttpHandler = std::function<void(HttpRequest&& request, std::shared_ptr<HttpResponder> responder)>;

struct HttpServerOptions {
  std::string bind_address = "127.0.0.1";
  uint16_t port = 0;                       // 0: the kernel picks a free port
  std::size_t max_body_bytes = 32u << 20;  // larger bodies get 413
  std::size_t max_header_bytes = 64u << 10;
  // Body of the error responses the server itself sends (400 unparsable request, 413 body too
  // large, 431 headers too large), given the status and a message; default: plain text.
  std::function<std::string(int status, std::string_view message)> error_body;
  std::string error_content_type = "text/plain";
};

// Requests on one connection are handled one at a time, in order: the next one reaches the
// handler after the previous response ended and its bytes were written. A handler that drops its
// responder without answering gets a 500 sent for it (or, mid-stream, the connection closed).
// REQUIRES: destroyed before its EventLoop.
class HttpServer {
 public:
  HttpServer(EventLoop& loop, HttpHandler handler, HttpServerOptions options = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts accepting. Errors name the address and port.
  Status Listen();
  // The bound port (after Listen).
  uint16_t port() const;
  // Stops accepting and closes every connection. Loop thread only.
  void Close();
  // Open connections right now.
  std::size_t connection_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Raises the soft RLIMIT_NOFILE to the hard limit; returns the new soft limit.
uint64_t RaiseFileDescriptorLimit();

}  // namespace inferbench::net
