#include "net/http_connection.h"

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <charconv>
#include <limits>
#include <utility>

namespace inferbench::net::internal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kReadChunkBytes = 16 * 1024;
// Pipelined requests buffered beyond this pause reading until the queue drains.
constexpr std::size_t kMaxQueuedRequests = 64;
// After our last response on a closing connection: how long we wait for the peer's EOF.
constexpr int64_t kLingerNs = 2'000'000'000;

void AppendDecimal(std::string& out, uint64_t value) {
  char digits[24];
  auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, result.ptr);
}

std::string ToString(beast::string_view view) { return std::string(view.data(), view.size()); }

}  // namespace

void AppendStatusLine(std::string& out, int status, std::string_view content_type) {
  const http::status code = http::int_to_status(static_cast<unsigned>(status));
  const beast::string_view reason =
      code == http::status::unknown ? beast::string_view("Unknown") : http::obsolete_reason(code);
  out += "HTTP/1.1 ";
  AppendDecimal(out, static_cast<uint64_t>(status));
  out += ' ';
  out.append(reason.data(), reason.size());
  out += "\r\n";
  if (!content_type.empty()) {
    out += "Content-Type: ";
    out += content_type;
    out += "\r\n";
  }
}

// --- ServerShared ------------------------------------------------------------------------------

ServerShared::ServerShared(EventLoop& event_loop, HttpHandler request_handler,
                           HttpServerOptions server_options)
    : loop(event_loop),
      io(*static_cast<asio::io_context*>(event_loop.native_handle())),
      handler(std::move(request_handler)),
      options(std::move(server_options)) {}

void ServerShared::QueueFlush(std::shared_ptr<HttpConnection> connection) {
  flush_queue_.push_back(std::move(connection));
  if (flush_posted_) return;
  flush_posted_ = true;
  asio::post(io, [self = shared_from_this()] { self->FlushQueued(); });
}

void ServerShared::FlushQueued() {
  flush_posted_ = false;
  // Connections queued while we flush (a handler answering the next request) go into the
  // fresh `flush_queue_` and get their own posted flush.
  flush_spare_.swap(flush_queue_);
  for (const std::shared_ptr<HttpConnection>& connection : flush_spare_) connection->FlushNow();
  flush_spare_.clear();
}

void ServerShared::CloseAllConnections() {
  std::vector<std::shared_ptr<HttpConnection>> snapshot(connections.begin(), connections.end());
  for (const std::shared_ptr<HttpConnection>& connection : snapshot) connection->CloseNow(true);
  // A flush queued but not yet run holds connections that hold us: break the cycle, or a loop
  // stopped right after Close() would leak them.
  flush_queue_.clear();
  flush_spare_.clear();
}

std::string ServerShared::ErrorBody(int status, std::string_view message) const {
  if (options.error_body) return options.error_body(status, message);
  std::string body(message);
  body += '\n';
  return body;
}

// --- HttpConnection: reading ---------------------------------------------------------------------

HttpConnection::HttpConnection(std::shared_ptr<ServerShared> server, tcp::socket socket)
    : server_(std::move(server)),
      socket_(std::move(socket)),
      drip_timer_(server_->loop),
      linger_timer_(server_->loop) {}

HttpConnection::~HttpConnection() = default;

void HttpConnection::Start() {
  // Our own writes are non-blocking sends that fall back to async_write on EAGAIN.
  boost::system::error_code ec;
  socket_.non_blocking(true, ec);
  if (ec) {
    CloseNow(false);
    return;
  }
  StartRead();
}

void HttpConnection::StartRead() {
  if (closed_ || reading_) return;
  if (!draining_ && queue_.size() >= kMaxQueuedRequests) return;  // DispatchNext resumes
  reading_ = true;
  socket_.async_read_some(
      read_buffer_.prepare(kReadChunkBytes),
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t bytes) {
        self->OnRead(ec, bytes);
      });
}

void HttpConnection::OnRead(const boost::system::error_code& ec, std::size_t bytes) {
  reading_ = false;
  if (closed_) return;
  if (ec) {  // EOF or reset: the peer is gone
    CloseNow(true);
    return;
  }
  const int64_t now_ns = EventLoop::NowNs();
  read_buffer_.commit(bytes);
  if (draining_ || stop_parsing_) {
    read_buffer_.consume(read_buffer_.size());
  } else {
    ParseBuffered(now_ns);
  }
  DispatchNext();
  StartRead();
}

void HttpConnection::ParseBuffered(int64_t now_ns) {
  const HttpServerOptions& options = server_->options;
  while (read_buffer_.size() > 0 && !stop_parsing_) {
    if (!parser_) {
      parser_.emplace();
      parser_->header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(
          options.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
      parser_->body_limit(static_cast<std::uint64_t>(options.max_body_bytes));
      parser_->eager(true);
      continue_sent_ = false;
    }
    beast::error_code ec;
    const std::size_t used = parser_->put(read_buffer_.data(), ec);
    read_buffer_.consume(used);
    if (ec == http::error::need_more) {
      MaybeSendContinue();
      return;
    }
    if (ec) {
      PendingRequest failed;
      failed.keep_alive = false;
      if (ec == http::error::body_limit) {
        failed.error_status = 413;
        failed.error_message =
            "request body is larger than " + std::to_string(options.max_body_bytes) + " bytes";
      } else if (ec == http::error::header_limit) {
        failed.error_status = 431;
        failed.error_message =
            "request header is larger than " + std::to_string(options.max_header_bytes) + " bytes";
      } else {
        failed.error_status = 400;
        failed.error_message = "malformed HTTP request: " + ec.message();
      }
      queue_.push_back(std::move(failed));
      stop_parsing_ = true;
      parser_.reset();
      read_buffer_.consume(read_buffer_.size());
      return;
    }
    if (parser_->is_done()) {
      http::request<http::string_body> message = parser_->release();
      parser_.reset();
      PendingRequest pending;
      pending.request.method = ToString(message.method_string());
      pending.request.target = ToString(message.target());
      for (const auto& field : message) {
        pending.request.headers.emplace_back(ToString(field.name_string()),
                                             ToString(field.value()));
      }
      pending.request.body = std::move(message.body());
      pending.request.received_ns = now_ns;
      pending.keep_alive = message.keep_alive();
      pending.http11 = message.version() >= 11;
      pending.head = message.method() == http::verb::head;
      queue_.push_back(std::move(pending));
      continue;
    }
    MaybeSendContinue();
    if (used == 0) return;
  }
}

void HttpConnection::MaybeSendContinue() {
  if (!parser_ || continue_sent_ || !parser_->is_header_done() || parser_->is_done()) return;
  const auto& header = parser_->get();
  auto expect = header.find(http::field::expect);
  if (expect == header.end() || !beast::iequals(expect->value(), "100-continue")) return;
  continue_sent_ = true;
  // While an earlier response is still going out, the client's own Expect timeout applies.
  if (busy_) return;
  out_ += "HTTP/1.1 100 Continue\r\n\r\n";
  RequestFlush();
}

void HttpConnection::DispatchNext() {
  if (closed_ || busy_ || queue_.empty() || server_->closed) return;
  PendingRequest pending = std::move(queue_.front());
  queue_.pop_front();
  busy_ = true;
  response_done_ = false;
  close_after_ = false;
  drip_bytes_ = 0;
  StartRead();  // reading may have paused on a full queue
  if (pending.error_status != 0) {
    WriteErrorResponse(pending.error_status, pending.error_message);
    return;
  }
  auto responder = std::make_shared<ConnectionResponder>(shared_from_this(), pending.keep_alive,
                                                         pending.http11, pending.head);
  active_ = responder.get();
  server_->handler(std::move(pending.request), std::move(responder));
}

void HttpConnection::WriteErrorResponse(int status, std::string_view message) {
  const std::string body = server_->ErrorBody(status, message);
  AppendStatusLine(out_, status, server_->options.error_content_type);
  out_ += "Content-Length: ";
  AppendDecimal(out_, body.size());
  out_ += "\r\nConnection: close\r\n\r\n";
  out_ += body;
  FinishResponse(false);
}

// --- HttpConnection: writing ---------------------------------------------------------------------

std::size_t HttpConnection::pending_bytes() const {
  if (closed_) return 0;
  return out_.size() + (write_buffer_.size() - write_offset_);
}

void HttpConnection::RequestFlush() {
  // A write in flight or a drip pause picks up new bytes when it completes.
  if (closed_ || flush_queued_ || writing_ || drip_timer_.pending()) return;
  flush_queued_ = true;
  server_->QueueFlush(shared_from_this());
}

void HttpConnection::FinishResponse(bool keep_alive) {
  active_ = nullptr;
  response_done_ = true;
  if (!keep_alive) close_after_ = true;
  RequestFlush();
}

void HttpConnection::SetDrip(std::size_t bytes_per_write, int64_t interval_ns) {
  drip_bytes_ = bytes_per_write;
  drip_interval_ns_ = std::max<int64_t>(0, interval_ns);
}

void HttpConnection::FlushNow() {
  flush_queued_ = false;
  StartWrite();
}

void HttpConnection::StartWrite() {
  if (closed_ || writing_ || drip_timer_.pending()) return;
  if (write_offset_ == write_buffer_.size()) {
    write_buffer_.clear();
    write_offset_ = 0;
    if (out_.empty()) {
      OnDrained();
      return;
    }
    if (drip_bytes_ > 0 && out_.size() > drip_bytes_) {
      write_buffer_.assign(out_, 0, drip_bytes_);
      out_.erase(0, drip_bytes_);
    } else {
      write_buffer_.swap(out_);  // both keep their capacity: no allocation in steady state
    }
  }
  // Try the kernel directly; only what it does not take at once goes through async_write.
  boost::system::error_code ec;
  const std::size_t written = socket_.write_some(
      asio::buffer(write_buffer_.data() + write_offset_, write_buffer_.size() - write_offset_), ec);
  if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
    CloseNow(true);
    return;
  }
  write_offset_ += written;
  if (write_offset_ < write_buffer_.size()) {
    writing_ = true;
    asio::async_write(
        socket_,
        asio::buffer(write_buffer_.data() + write_offset_, write_buffer_.size() - write_offset_),
        [self = shared_from_this()](const boost::system::error_code& write_ec, std::size_t) {
          self->OnWriteDone(write_ec);
        });
    return;
  }
  AfterWriteComplete();
}

void HttpConnection::OnWriteDone(const boost::system::error_code& ec) {
  writing_ = false;
  if (closed_) return;
  if (ec) {
    CloseNow(true);
    return;
  }
  AfterWriteComplete();
}

void HttpConnection::AfterWriteComplete() {
  write_buffer_.clear();
  write_offset_ = 0;
  if (out_.empty()) {
    OnDrained();
  } else if (drip_bytes_ > 0) {
    ArmDrip();
  } else {
    StartWrite();  // bytes that accumulated while the write was in flight
  }
}

void HttpConnection::ArmDrip() {
  // The timer is a member, so it never fires after this connection is gone.
  drip_timer_.ExpireAfter(drip_interval_ns_, [this] {
    std::shared_ptr<HttpConnection> self = shared_from_this();
    StartWrite();
  });
}

void HttpConnection::OnDrained() {
  if (!busy_ || !response_done_) return;  // a stream still going, or nothing was in progress
  busy_ = false;
  if (close_after_) {
    BeginGracefulClose();
    return;
  }
  DispatchNext();
}

// --- HttpConnection: closing ---------------------------------------------------------------------

void HttpConnection::BeginGracefulClose() {
  // Half-close and wait for the peer's EOF: closing with unread input would send a reset that
  // can destroy our last response before the peer reads it.
  draining_ = true;
  boost::system::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  if (ec) {
    CloseNow(false);
    return;
  }
  linger_timer_.ExpireAfter(kLingerNs, [this] {
    std::shared_ptr<HttpConnection> self = shared_from_this();
    CloseNow(false);
  });
  StartRead();
}

void HttpConnection::AbortResponse() {
  if (!writing_ && drip_bytes_ == 0) {
    if (write_offset_ == write_buffer_.size()) {
      write_buffer_.clear();
      write_offset_ = 0;
      write_buffer_.swap(out_);
    }
    boost::system::error_code ignored;
    socket_.write_some(
        asio::buffer(write_buffer_.data() + write_offset_, write_buffer_.size() - write_offset_),
        ignored);
  }
  CloseNow(false);
}

void HttpConnection::CloseNow(bool notify) {
  if (closed_) return;
  closed_ = true;
  std::shared_ptr<HttpConnection> self = shared_from_this();
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  drip_timer_.Cancel();
  linger_timer_.Cancel();
  // A responder may keep this object alive for a while: release the buffers now.
  out_ = std::string();
  write_buffer_ = std::string();
  write_offset_ = 0;
  queue_.clear();
  parser_.reset();
  server_->connections.erase(self);
  ConnectionResponder* responder = active_;
  active_ = nullptr;
  if (notify && responder != nullptr) responder->NotifyClosed();
}

// --- ConnectionResponder -------------------------------------------------------------------------

ConnectionResponder::ConnectionResponder(std::shared_ptr<HttpConnection> connection,
                                         bool keep_alive, bool http11, bool head)
    : connection_(std::move(connection)), keep_alive_(keep_alive), chunked_(http11), head_(head) {}

ConnectionResponder::~ConnectionResponder() {
  if (!connection_->IsActive(this)) return;
  if (state_ == State::kNotStarted) {
    // The handler dropped the request without answering it.
    connection_->WriteErrorResponse(500, "the server dropped the request without a response");
  } else {
    connection_->CloseNow(false);  // a half-written stream cannot be completed
  }
}

void ConnectionResponder::Send(
    int status, std::string_view content_type, std::string body,
    const std::vector<std::pair<std::string, std::string>>& extra_headers) {
  if (state_ != State::kNotStarted || !connection_->IsActive(this)) return;
  state_ = State::kDone;
  std::string& out = connection_->out();
  AppendStatusLine(out, status, content_type);
  const bool bodiless = status < 200 || status == 204 || status == 304;
  if (!bodiless) {
    out += "Content-Length: ";
    AppendDecimal(out, body.size());
    out += "\r\n";
  }
  out += keep_alive_ ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  for (const auto& [name, value] : extra_headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  out += "\r\n";
  if (!head_ && !bodiless) out += body;
  connection_->FinishResponse(keep_alive_);
}

void ConnectionResponder::BeginStream(int status, std::string_view content_type) {
  if (state_ != State::kNotStarted || !connection_->IsActive(this)) return;
  state_ = State::kStreaming;
  if (!chunked_) keep_alive_ = false;  // HTTP/1.0: the body ends when the connection closes
  std::string& out = connection_->out();
  AppendStatusLine(out, status, content_type);
  if (chunked_) out += "Transfer-Encoding: chunked\r\n";
  out += keep_alive_ ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  connection_->RequestFlush();
}

void ConnectionResponder::Write(std::string_view bytes) {
  if (state_ != State::kStreaming || bytes.empty() || head_ || !connection_->IsActive(this)) {
    return;
  }
  std::string& out = connection_->out();
  if (chunked_) {
    char size_hex[2 * sizeof(std::size_t) + 1];
    auto result = std::to_chars(size_hex, size_hex + sizeof size_hex, bytes.size(), 16);
    out.append(size_hex, result.ptr);
    out += "\r\n";
    out += bytes;
    out += "\r\n";
  } else {
    out += bytes;
  }
  connection_->RequestFlush();
}

void ConnectionResponder::EndStream() {
  if (state_ != State::kStreaming || !connection_->IsActive(this)) return;
  state_ = State::kDone;
  if (chunked_ && !head_) connection_->out() += "0\r\n\r\n";
  connection_->FinishResponse(keep_alive_);
}

void ConnectionResponder::Abort() {
  if (aborted_ || state_ == State::kDone) return;
  aborted_ = true;
  if (connection_->IsActive(this)) connection_->AbortResponse();
}

void ConnectionResponder::SetDrip(std::size_t bytes_per_write, int64_t interval_ns) {
  if (!connection_->IsActive(this)) return;
  connection_->SetDrip(bytes_per_write, interval_ns);
}

bool ConnectionResponder::closed() const { return aborted_ || connection_->closed(); }

void ConnectionResponder::OnClose(std::function<void()> callback) {
  if (close_fired_ || aborted_ || state_ == State::kDone) return;
  if (connection_->closed()) {
    // Already gone: report it, but never from inside the caller's own call.
    close_fired_ = true;
    connection_->loop().Post(std::move(callback));
    return;
  }
  on_close_ = std::move(callback);
}

std::size_t ConnectionResponder::pending_bytes() const { return connection_->pending_bytes(); }

void ConnectionResponder::NotifyClosed() {
  if (close_fired_ || aborted_ || state_ == State::kDone || !on_close_) return;
  close_fired_ = true;
  std::function<void()> callback = std::move(on_close_);
  on_close_ = nullptr;
  callback();
}

}  // namespace inferbench::net::internal
