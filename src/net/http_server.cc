#include "net/http_server.h"

#include <sys/resource.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <chrono>
#include <limits>
#include <utility>

#include "net/http_connection.h"

namespace inferbench::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// Accepting again right after running out of descriptors would spin; wait a little instead.
constexpr std::chrono::milliseconds kAcceptBackoff{50};

bool IsResourceExhaustion(const boost::system::error_code& ec) {
  if (ec.category() != boost::system::system_category()) return false;
  const int value = ec.value();
  return value == EMFILE || value == ENFILE || value == ENOBUFS || value == ENOMEM;
}

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

// Accepts connections for one server. Shared with the pending accept and back-off handlers so
// they stay valid after the HttpServer is destroyed.
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  explicit Listener(std::shared_ptr<internal::ServerShared> shared)
      : shared_(std::move(shared)), acceptor_(shared_->io), backoff_(shared_->io) {}

  tcp::acceptor& acceptor() { return acceptor_; }

  void Accept() {
    acceptor_.async_accept(
        [self = shared_from_this()](const boost::system::error_code& ec, tcp::socket socket) {
          self->OnAccept(ec, std::move(socket));
        });
  }

  void Stop() {
    stopped_ = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    backoff_.cancel();
  }

 private:
  void OnAccept(const boost::system::error_code& ec, tcp::socket socket) {
    if (stopped_ || shared_->closed) return;
    if (ec) {
      if (ec == asio::error::operation_aborted) return;
      if (IsResourceExhaustion(ec)) {
        backoff_.expires_after(kAcceptBackoff);
        backoff_.async_wait([self = shared_from_this()](const boost::system::error_code& wait_ec) {
          if (wait_ec || self->stopped_) return;
          self->Accept();
        });
        return;
      }
      Accept();  // e.g. the peer reset before we accepted: nothing to wait for
      return;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto connection = std::make_shared<internal::HttpConnection>(shared_, std::move(socket));
    shared_->connections.insert(connection);
    connection->Start();
    Accept();
  }

  std::shared_ptr<internal::ServerShared> shared_;
  tcp::acceptor acceptor_;
  asio::steady_timer backoff_;
  bool stopped_ = false;
};

}  // namespace

std::string_view HttpRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

std::string_view HttpRequest::Path() const {
  std::string_view path = target;
  const std::size_t query = path.find('?');
  return query == std::string_view::npos ? path : path.substr(0, query);
}

struct HttpServer::Impl {
  std::shared_ptr<internal::ServerShared> shared;
  std::shared_ptr<Listener> listener;
  uint16_t port = 0;
};

HttpServer::HttpServer(EventLoop& loop, HttpHandler handler, HttpServerOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->shared =
      std::make_shared<internal::ServerShared>(loop, std::move(handler), std::move(options));
}

HttpServer::~HttpServer() { Close(); }

Status HttpServer::Listen() {
  const HttpServerOptions& options = impl_->shared->options;
  const std::string where = options.bind_address + ":" + std::to_string(options.port);
  if (impl_->listener) return Status::Error("HTTP server on " + where + " is already listening");
  if (impl_->shared->closed) return Status::Error("HTTP server on " + where + " was closed");
  boost::system::error_code ec;
  const asio::ip::address address = asio::ip::make_address(options.bind_address, ec);
  if (ec) {
    return Status::Error("invalid bind address '" + options.bind_address +
                         "': expected an IP address such as 127.0.0.1 or 0.0.0.0");
  }
  const tcp::endpoint endpoint(address, options.port);
  auto listener = std::make_shared<Listener>(impl_->shared);
  tcp::acceptor& acceptor = listener->acceptor();
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return Status::Error("opening a socket for " + where + ": " + ec.message());
  acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  acceptor.bind(endpoint, ec);
  if (ec) {
    return Status::Error("binding " + where + ": " + ec.message() +
                         " (is another process using the port? use port 0 for a free one)");
  }
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::Error("listening on " + where + ": " + ec.message());
  impl_->port = acceptor.local_endpoint(ec).port();
  if (ec) return Status::Error("reading the bound port of " + where + ": " + ec.message());
  listener->Accept();
  impl_->listener = std::move(listener);
  return Status::Ok();
}

uint16_t HttpServer::port() const { return impl_->port; }

void HttpServer::Close() {
  if (impl_->listener) impl_->listener->Stop();
  impl_->shared->closed = true;
  impl_->shared->CloseAllConnections();
}

std::size_t HttpServer::connection_count() const { return impl_->shared->connections.size(); }

uint64_t RaiseFileDescriptorLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur != limit.rlim_max) {
    rlimit wanted = limit;
    wanted.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &wanted) == 0) limit = wanted;
  }
  if (limit.rlim_cur == RLIM_INFINITY) return std::numeric_limits<uint64_t>::max();
  return static_cast<uint64_t>(limit.rlim_cur);
}

}  // namespace inferbench::net
