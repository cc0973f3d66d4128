#include "net/client_connection.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <optional>
#include <utility>

#include "net/tls_client.h"

namespace inferbench::net {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr std::size_t kSharedReadBufferBytes = 64 * 1024;
constexpr std::size_t kTlsReadBufferBytes = 16 * 1024;  // one TLS record of plaintext

// Plain connections read into one buffer per thread. Safe because a connection reads only
// inside its own readiness handler, on its loop's thread, and hands the bytes over (on_data)
// before that handler returns; no other read can run on this thread in between.
char* SharedReadBuffer() {
  thread_local std::unique_ptr<char[]> buffer = std::make_unique<char[]>(kSharedReadBufferBytes);
  return buffer.get();
}

bool WouldBlock(const error_code& ec) {
  return ec == asio::error::would_block || ec == asio::error::try_again;
}

// The state of one connection, shared with the completion handlers Asio holds: a handler that
// runs after the owner closed or destroyed the connection finds `closed_` set and does nothing.
// Callbacks into the owner are counted (`callback_depth_`) so that a Close() or destruction
// from inside one never destroys the std::function that is running; the callbacks are released
// once the outermost one has returned.
class ConnectionCore : public std::enable_shared_from_this<ConnectionCore> {
 public:
  ConnectionCore(EventLoop& loop, Endpoint endpoint)
      : io_(*static_cast<asio::io_context*>(loop.native_handle())),
        endpoint_(std::move(endpoint)),
        where_(FormatHostPort(endpoint_.host, endpoint_.port)),
        socket_(io_) {}

  void Connect(ClientConnection::Handlers handlers, std::function<void(Status)> done);
  void Write(std::string bytes, std::function<void(int64_t)> sent);
  void Close();
  bool is_open() const { return connected_ && !closed_ && !write_failed_; }

 private:
  struct PendingWrite {
    std::string bytes;
    std::size_t offset = 0;  // plain TCP: bytes already handed to the kernel
    std::function<void(int64_t)> sent;
  };

  void OnResolved(const error_code& ec, const tcp::resolver::results_type& results);
  void OnConnected(const error_code& ec);
  void OnHandshake(const error_code& ec);
  void OnEstablished();

  void StartRead();
  void OnReadable(const error_code& ec);
  void StartTlsRead();
  void OnTlsRead(const error_code& ec, std::size_t bytes, int64_t read_ns);
  void Deliver(std::string_view bytes, int64_t read_ns);

  void Pump();
  void PumpPlain();
  void OnWritable(const error_code& ec);
  void PumpTls();
  void OnTlsWritten(const error_code& ec);

  // Reports the end once: on_closed when connected, else Connect's `done`.
  void Finish(Status status);
  // Finish() from a fresh loop turn, for failures found inside the owner's own call.
  void FinishLater(Status status);
  void CloseSocket();
  void ReleaseCallbacksIfClosed();

  template <typename Fn, typename... Args>
  void Invoke(Fn& fn, Args&&... args) {
    ++callback_depth_;
    fn(std::forward<Args>(args)...);
    --callback_depth_;
  }

  asio::io_context& io_;
  const Endpoint endpoint_;
  const std::string where_;  // "host:port" for messages
  std::optional<tcp::resolver> resolver_;
  tcp::socket socket_;
  ssl::context* tls_context_ = nullptr;
  std::optional<ssl::stream<tcp::socket&>> tls_;
  std::unique_ptr<char[]> tls_read_buffer_;

  ClientConnection::Handlers handlers_;
  std::function<void(Status)> connect_done_;
  std::vector<PendingWrite> writes_;
  std::string tls_in_flight_;  // the bytes an async TLS write is sending

  bool connect_started_ = false;
  bool connected_ = false;
  bool closed_ = false;
  bool reading_ = false;        // a read (or wait for readability) is pending
  bool write_waiting_ = false;  // a wait for writability, or a TLS write, is pending
  bool pumping_ = false;
  bool write_failed_ = false;
  int callback_depth_ = 0;
};

// --- connecting ---------------------------------------------------------------------------------

void ConnectionCore::Connect(ClientConnection::Handlers handlers,
                             std::function<void(Status)> done) {
  if (closed_ || connect_started_) return;
  connect_started_ = true;
  handlers_ = std::move(handlers);
  connect_done_ = std::move(done);
  if (endpoint_.tls) {
    Result<ssl::context*> context = internal::ClientTlsContext(endpoint_.tls_verify);
    if (!context.ok()) {
      FinishLater(context.status().WithContext("TLS with " + where_));
      return;
    }
    tls_context_ = *context;
  }
  error_code ec;
  const asio::ip::address address = asio::ip::make_address(endpoint_.host, ec);
  if (!ec) {  // an IP literal: no DNS
    socket_.async_connect(tcp::endpoint(address, endpoint_.port),
                          [self = shared_from_this()](const error_code& connect_ec) {
                            self->OnConnected(connect_ec);
                          });
    return;
  }
  resolver_.emplace(io_);
  resolver_->async_resolve(endpoint_.host, std::to_string(endpoint_.port),
                           tcp::resolver::numeric_service,
                           [self = shared_from_this()](const error_code& resolve_ec,
                                                       const tcp::resolver::results_type& results) {
                             self->OnResolved(resolve_ec, results);
                           });
}

void ConnectionCore::OnResolved(const error_code& ec, const tcp::resolver::results_type& results) {
  if (closed_) return;
  if (ec) {
    Finish(Status::Error("resolving host '" + endpoint_.host + "' (for " + where_ +
                         "): " + ec.message()));
    return;
  }
  // Tries every address in turn; the error is the last one's.
  asio::async_connect(
      socket_, results,
      [self = shared_from_this()](const error_code& connect_ec, const tcp::endpoint&) {
        self->OnConnected(connect_ec);
      });
}

void ConnectionCore::OnConnected(const error_code& ec) {
  if (closed_) return;
  if (ec) {
    Finish(Status::Error("connect to " + where_ + ": " + ec.message()));
    return;
  }
  error_code option_ec;
  socket_.set_option(tcp::no_delay(true), option_ec);
  // Plain TCP reads and writes are non-blocking calls made when Asio reports readiness.
  if (!option_ec && !endpoint_.tls) socket_.non_blocking(true, option_ec);
  if (option_ec) {
    Finish(Status::Error("setting up the socket to " + where_ + ": " + option_ec.message()));
    return;
  }
  if (!endpoint_.tls) {
    OnEstablished();
    return;
  }
  tls_.emplace(socket_, *tls_context_);
  const Status prepared =
      internal::PrepareTlsSession(tls_->native_handle(), endpoint_.host, endpoint_.tls_verify);
  if (!prepared.ok()) {
    Finish(prepared.WithContext("TLS with " + where_));
    return;
  }
  tls_->async_handshake(ssl::stream_base::client,
                        [self = shared_from_this()](const error_code& handshake_ec) {
                          self->OnHandshake(handshake_ec);
                        });
}

void ConnectionCore::OnHandshake(const error_code& ec) {
  if (closed_) return;
  if (ec) {
    Finish(Status::Error("TLS handshake with " + where_ + ": " +
                         internal::DescribeTlsError(ec, tls_->native_handle())));
    return;
  }
  OnEstablished();
}

void ConnectionCore::OnEstablished() {
  connected_ = true;
  if (tls_) {
    tls_read_buffer_ = std::make_unique<char[]>(kTlsReadBufferBytes);
    StartTlsRead();
  } else {
    StartRead();
  }
  std::function<void(Status)> done;
  std::swap(done, connect_done_);
  if (done) Invoke(done, Status::Ok());
  if (closed_) {
    ReleaseCallbacksIfClosed();
    return;
  }
  Pump();  // bytes written while connecting
}

// --- reading ------------------------------------------------------------------------------------

void ConnectionCore::StartRead() {
  if (closed_ || reading_) return;
  reading_ = true;
  socket_.async_wait(tcp::socket::wait_read,
                     [self = shared_from_this()](const error_code& ec) { self->OnReadable(ec); });
}

void ConnectionCore::OnReadable(const error_code& ec) {
  reading_ = false;
  if (closed_) return;
  if (ec) {
    Finish(Status::Error("reading from " + where_ + ": " + ec.message()));
    return;
  }
  char* buffer = SharedReadBuffer();
  error_code read_ec;
  const std::size_t bytes =
      socket_.read_some(asio::buffer(buffer, kSharedReadBufferBytes), read_ec);
  const int64_t read_ns = EventLoop::NowNs();
  if (bytes > 0) {
    Deliver(std::string_view(buffer, bytes), read_ns);
    if (closed_) return;
  }
  if (!read_ec || WouldBlock(read_ec)) {
    StartRead();
  } else if (read_ec == asio::error::eof) {
    Finish(Status::Ok());
  } else {
    Finish(Status::Error("reading from " + where_ + ": " + read_ec.message()));
  }
}

void ConnectionCore::StartTlsRead() {
  if (closed_ || reading_) return;
  reading_ = true;
  tls_->async_read_some(asio::buffer(tls_read_buffer_.get(), kTlsReadBufferBytes),
                        [self = shared_from_this()](const error_code& ec, std::size_t bytes) {
                          const int64_t read_ns = EventLoop::NowNs();
                          self->OnTlsRead(ec, bytes, read_ns);
                        });
}

void ConnectionCore::OnTlsRead(const error_code& ec, std::size_t bytes, int64_t read_ns) {
  reading_ = false;
  if (closed_) return;
  if (bytes > 0) {
    Deliver(std::string_view(tls_read_buffer_.get(), bytes), read_ns);
    if (closed_) return;
  }
  if (!ec) {
    StartTlsRead();
  } else if (ec == asio::error::eof || ec == ssl::error::stream_truncated) {
    Finish(Status::Ok());  // without close_notify too: HTTP framing tells a cut-short response
  } else {
    Finish(Status::Error("reading from " + where_ + ": " + ec.message()));
  }
}

void ConnectionCore::Deliver(std::string_view bytes, int64_t read_ns) {
  if (handlers_.on_data) Invoke(handlers_.on_data, bytes, read_ns);
  ReleaseCallbacksIfClosed();
}

// --- writing ------------------------------------------------------------------------------------

void ConnectionCore::Write(std::string bytes, std::function<void(int64_t)> sent) {
  if (closed_ || write_failed_ || bytes.empty()) return;
  writes_.push_back(PendingWrite{std::move(bytes), 0, std::move(sent)});
  Pump();
}

void ConnectionCore::Pump() {
  if (!connected_ || closed_ || write_failed_ || write_waiting_ || pumping_) return;
  if (tls_) {
    PumpTls();
  } else {
    PumpPlain();
  }
}

void ConnectionCore::PumpPlain() {
  // A `sent` callback may destroy the owner; keep this object alive until the loop is done.
  std::shared_ptr<ConnectionCore> self = shared_from_this();
  pumping_ = true;
  while (!closed_ && !write_failed_ && !writes_.empty()) {
    PendingWrite& front = writes_.front();
    const int64_t before_ns = EventLoop::NowNs();
    error_code ec;
    const std::size_t written = socket_.write_some(
        asio::buffer(front.bytes.data() + front.offset, front.bytes.size() - front.offset), ec);
    if (WouldBlock(ec) || (!ec && written == 0)) {
      write_waiting_ = true;
      socket_.async_wait(tcp::socket::wait_write,
                         [self](const error_code& wait_ec) { self->OnWritable(wait_ec); });
      break;
    }
    if (ec) {
      write_failed_ = true;
      FinishLater(Status::Error("writing to " + where_ + ": " + ec.message()));
      break;
    }
    std::function<void(int64_t)> sent;
    if (front.offset == 0) std::swap(sent, front.sent);
    front.offset += written;
    if (front.offset == front.bytes.size()) writes_.erase(writes_.begin());
    if (sent) Invoke(sent, before_ns);  // may Write (queued behind), Close or destroy the owner
  }
  pumping_ = false;
  ReleaseCallbacksIfClosed();
}

void ConnectionCore::OnWritable(const error_code& ec) {
  write_waiting_ = false;
  if (closed_) return;
  if (ec) {
    Finish(Status::Error("writing to " + where_ + ": " + ec.message()));
    return;
  }
  Pump();
}

void ConnectionCore::PumpTls() {
  if (writes_.empty()) return;
  std::shared_ptr<ConnectionCore> self = shared_from_this();
  PendingWrite front = std::move(writes_.front());
  writes_.erase(writes_.begin());
  tls_in_flight_ = std::move(front.bytes);
  write_waiting_ = true;
  const int64_t start_ns = EventLoop::NowNs();
  asio::async_write(*tls_, asio::buffer(tls_in_flight_),
                    [self](const error_code& ec, std::size_t) { self->OnTlsWritten(ec); });
  if (front.sent) Invoke(front.sent, start_ns);
  ReleaseCallbacksIfClosed();
}

void ConnectionCore::OnTlsWritten(const error_code& ec) {
  write_waiting_ = false;
  tls_in_flight_.clear();
  if (closed_) return;
  if (ec) {
    Finish(Status::Error("writing to " + where_ + ": " + ec.message()));
    return;
  }
  Pump();
}

// --- closing ------------------------------------------------------------------------------------

void ConnectionCore::Finish(Status status) {
  if (closed_) return;
  closed_ = true;
  CloseSocket();
  if (connected_) {
    std::function<void(Status)> on_closed;
    std::swap(on_closed, handlers_.on_closed);
    if (on_closed) Invoke(on_closed, std::move(status));
  } else {
    std::function<void(Status)> done;
    std::swap(done, connect_done_);
    if (done) Invoke(done, std::move(status));
  }
  ReleaseCallbacksIfClosed();
}

void ConnectionCore::FinishLater(Status status) {
  asio::post(io_, [self = shared_from_this(), status = std::move(status)]() mutable {
    self->Finish(std::move(status));
  });
}

void ConnectionCore::Close() {
  if (closed_) return;
  closed_ = true;
  CloseSocket();
  ReleaseCallbacksIfClosed();
}

void ConnectionCore::CloseSocket() {
  // Pending operations complete with operation_aborted and find `closed_` set.
  if (resolver_) resolver_->cancel();
  error_code ignored;
  socket_.close(ignored);
}

void ConnectionCore::ReleaseCallbacksIfClosed() {
  if (!closed_ || callback_depth_ > 0) return;
  // Destroyed at the end of this scope, after the members are cleared: the owner's captures
  // may hold resources, and their destructors may reach back into this connection.
  ClientConnection::Handlers handlers;
  std::swap(handlers, handlers_);
  std::function<void(Status)> done;
  std::swap(done, connect_done_);
  std::vector<PendingWrite> writes;
  writes.swap(writes_);
}

class TcpClientConnection final : public ClientConnection {
 public:
  TcpClientConnection(EventLoop& loop, Endpoint endpoint)
      : core_(std::make_shared<ConnectionCore>(loop, std::move(endpoint))) {}
  ~TcpClientConnection() override { core_->Close(); }
  TcpClientConnection(const TcpClientConnection&) = delete;
  TcpClientConnection& operator=(const TcpClientConnection&) = delete;

  void Connect(Handlers handlers, std::function<void(Status)> done) override {
    core_->Connect(std::move(handlers), std::move(done));
  }
  void Write(std::string bytes, std::function<void(int64_t)> sent) override {
    core_->Write(std::move(bytes), std::move(sent));
  }
  void Close() override { core_->Close(); }
  bool is_open() const override { return core_->is_open(); }

 private:
  std::shared_ptr<ConnectionCore> core_;
};

}  // namespace

std::unique_ptr<ClientConnection> NewClientConnection(EventLoop& loop, Endpoint endpoint) {
  return std::make_unique<TcpClientConnection>(loop, std::move(endpoint));
}

std::string FormatHostPort(std::string_view host, uint16_t port) {
  std::string text;
  const bool ipv6 = host.find(':') != std::string_view::npos;
  if (ipv6) text += '[';
  text += host;
  if (ipv6) text += ']';
  text += ':';
  text += std::to_string(port);
  return text;
}

}  // namespace inferbench::net
