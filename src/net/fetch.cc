// Fetch(), ParseUrl() and Url::HostHeader(): the blocking control-plane HTTP client.
#include <boost/asio/connect.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <optional>
#include <utility>

#include "net/client_connection.h"
#include "net/tls_client.h"

namespace inferbench::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr std::size_t kMaxResponseBodyBytes = 64u << 20;  // a big /metrics page fits easily
constexpr std::uint32_t kMaxResponseHeaderBytes = 64u << 10;

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (AsciiLower(text[i]) != prefix[i]) return false;
  }
  return true;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// RFC 9110 token characters (method and header names).
bool IsToken(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (IsDigit(c) || IsAlpha(c)) continue;
    if (std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) return false;
  }
  return true;
}

Status BadUrl(std::string_view url, std::string_view problem) {
  return Status::Error("invalid URL '" + std::string(url) + "': " + std::string(problem) +
                       " (expected http://HOST[:PORT][/PATH] or https://HOST[:PORT][/PATH], "
                       "an IPv6 host in brackets: http://[::1]:8000/)");
}

// "200 ms", "1500 ms", "0.25 ms".
std::string FormatMs(int64_t ns) {
  if (ns % 1'000'000 == 0) return std::to_string(ns / 1'000'000) + " ms";
  std::string text = std::to_string(static_cast<double>(ns) / 1e6);
  while (!text.empty() && text.back() == '0') text.pop_back();
  return text + " ms";
}

// One request/response exchange on a private io_context. Every step checks `finished_` first:
// after a failure, a timeout or the response, the socket is closed and the remaining
// completions (operation_aborted) only drain.
class FetchExchange {
 public:
  FetchExchange(asio::io_context& io, std::string label, Url url,
                http::request<http::string_body> request, int64_t timeout_ns)
      : label_(std::move(label)),
        url_(std::move(url)),
        where_(FormatHostPort(url_.endpoint.host, url_.endpoint.port)),
        request_(std::move(request)),
        timeout_ns_(timeout_ns),
        resolver_(io),
        socket_(io),
        deadline_(io) {
    parser_.header_limit(kMaxResponseHeaderBytes);
    parser_.body_limit(kMaxResponseBodyBytes);
    if (request_.method() == http::verb::head) parser_.skip(true);
  }

  // Returns once the exchange ended (all of its handlers ran).
  Result<FetchResult> Run(asio::io_context& io) {
    Start();
    io.run();
    if (error_) return *error_;
    return std::move(result_);
  }

 private:
  void Start() {
    if (timeout_ns_ > 0) {
      deadline_.expires_after(std::chrono::nanoseconds(timeout_ns_));
      deadline_.async_wait([this](const error_code& ec) {
        if (ec || finished_) return;
        Fail("timed out after " + FormatMs(timeout_ns_) + " while " + phase_);
      });
    }
    if (url_.endpoint.tls) {
      Result<ssl::context*> context = internal::ClientTlsContext(url_.endpoint.tls_verify);
      if (!context.ok()) {
        Fail(context.status().message());
        return;
      }
      tls_.emplace(socket_, **context);
    }
    error_code ec;
    const asio::ip::address address = asio::ip::make_address(url_.endpoint.host, ec);
    phase_ = "connecting to " + where_;
    if (!ec) {
      socket_.async_connect(tcp::endpoint(address, url_.endpoint.port),
                            [this](const error_code& connect_ec) { OnConnected(connect_ec); });
      return;
    }
    phase_ = "resolving host '" + url_.endpoint.host + "'";
    resolver_.async_resolve(
        url_.endpoint.host, std::to_string(url_.endpoint.port), tcp::resolver::numeric_service,
        [this](const error_code& resolve_ec, const tcp::resolver::results_type& results) {
          if (finished_) return;
          if (resolve_ec) {
            Fail("resolving host '" + url_.endpoint.host + "': " + resolve_ec.message());
            return;
          }
          phase_ = "connecting to " + where_;
          asio::async_connect(socket_, results,
                              [this](const error_code& connect_ec, const tcp::endpoint&) {
                                OnConnected(connect_ec);
                              });
        });
  }

  void OnConnected(const error_code& ec) {
    if (finished_) return;
    if (ec) {
      Fail("connect to " + where_ + ": " + ec.message());
      return;
    }
    error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    if (!tls_) {
      SendRequest();
      return;
    }
    const Status prepared = internal::PrepareTlsSession(tls_->native_handle(), url_.endpoint.host,
                                                        url_.endpoint.tls_verify);
    if (!prepared.ok()) {
      Fail(prepared.message());
      return;
    }
    phase_ = "in the TLS handshake with " + where_;
    tls_->async_handshake(ssl::stream_base::client, [this](const error_code& handshake_ec) {
      if (finished_) return;
      if (handshake_ec) {
        Fail("TLS handshake with " + where_ + ": " +
             internal::DescribeTlsError(handshake_ec, tls_->native_handle()));
        return;
      }
      SendRequest();
    });
  }

  void SendRequest() {
    phase_ = "sending the request to " + where_;
    auto on_written = [this](const error_code& ec, std::size_t) {
      if (finished_) return;
      if (ec) {
        Fail("sending the request to " + where_ + ": " + ec.message());
        return;
      }
      ReadResponse();
    };
    if (tls_) {
      http::async_write(*tls_, request_, on_written);
    } else {
      http::async_write(socket_, request_, on_written);
    }
  }

  void ReadResponse() {
    phase_ = "waiting for the response from " + where_;
    auto on_read = [this](const error_code& ec, std::size_t) {
      if (finished_) return;
      if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
          ec == asio::error::eof || ec == ssl::error::stream_truncated) {
        Fail(where_ + " closed the connection before a complete response arrived");
      } else if (ec == http::error::body_limit) {
        Fail("the response body from " + where_ + " is larger than " +
             std::to_string(kMaxResponseBodyBytes) + " bytes");
      } else if (ec) {
        Fail("reading the response from " + where_ + ": " + ec.message());
      } else {
        Succeed();
      }
    };
    if (tls_) {
      http::async_read(*tls_, buffer_, parser_, on_read);
    } else {
      http::async_read(socket_, buffer_, parser_, on_read);
    }
  }

  void Succeed() {
    http::response<http::string_body>& response = parser_.get();
    result_.status = static_cast<int>(response.result_int());
    const auto content_type = response.find(http::field::content_type);
    if (content_type != response.end()) {
      result_.content_type.assign(content_type->value().data(), content_type->value().size());
    }
    result_.body = std::move(response.body());
    finished_ = true;
    Shutdown();
  }

  void Fail(const std::string& what) {
    if (finished_) return;
    finished_ = true;
    error_ = Status::Error(label_ + ": " + what);
    Shutdown();
  }

  void Shutdown() {
    deadline_.cancel();
    resolver_.cancel();
    error_code ignored;
    socket_.close(ignored);  // no TLS close_notify: the exchange is over either way
  }

  const std::string label_;  // "GET http://…"
  const Url url_;
  const std::string where_;
  http::request<http::string_body> request_;
  const int64_t timeout_ns_;
  tcp::resolver resolver_;
  tcp::socket socket_;
  std::optional<ssl::stream<tcp::socket&>> tls_;
  asio::steady_timer deadline_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
  std::string phase_ = "starting";
  bool finished_ = false;
  std::optional<Status> error_;
  FetchResult result_;
};

}  // namespace

Result<Url> ParseUrl(std::string_view url) {
  Url result;
  std::string_view rest;
  if (StartsWithIgnoreCase(url, "http://")) {
    rest = url.substr(7);
  } else if (StartsWithIgnoreCase(url, "https://")) {
    rest = url.substr(8);
    result.endpoint.tls = true;
  } else {
    return BadUrl(url, "the scheme must be http:// or https://");
  }
  const std::size_t authority_end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, authority_end);
  std::string_view tail =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return BadUrl(url, "user info (user:password@) is not supported; send credentials in a header");
  }

  std::string_view host;
  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return BadUrl(url, "the IPv6 address lacks its ']'");
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return BadUrl(url, "unexpected text after the IPv6 address");
      has_port = true;
      port_text = after.substr(1);
    }
    error_code ec;
    asio::ip::make_address_v6(std::string(host), ec);
    if (ec) return BadUrl(url, "'" + std::string(host) + "' is not an IPv6 address");
  } else {
    const std::size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      has_port = true;
      port_text = authority.substr(colon + 1);
    }
    if (host.empty()) return BadUrl(url, "the host is missing");
    for (char c : host) {
      if (!IsAlpha(c) && !IsDigit(c) && c != '-' && c != '.' && c != '_') {
        return BadUrl(url, "the host contains '" + std::string(1, c) + "'");
      }
    }
  }
  result.endpoint.host = std::string(host);

  if (has_port) {
    if (port_text.empty()) return BadUrl(url, "the port after ':' is missing");
    uint32_t port = 0;
    for (char c : port_text) {
      if (!IsDigit(c) || port > 65535) {
        return BadUrl(url, "the port must be a number from 1 to 65535");
      }
      port = port * 10 + static_cast<uint32_t>(c - '0');
    }
    if (port == 0 || port > 65535) return BadUrl(url, "the port must be a number from 1 to 65535");
    result.endpoint.port = static_cast<uint16_t>(port);
  } else {
    result.endpoint.port = result.endpoint.tls ? 443 : 80;
  }

  tail = tail.substr(0, tail.find('#'));
  for (char c : tail) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) {
      return BadUrl(url, "the path contains a space or a control character (percent-encode it)");
    }
  }
  if (tail.empty()) {
    result.path = "/";
  } else if (tail.front() == '?') {
    result.path = "/" + std::string(tail);
  } else {
    result.path = std::string(tail);
  }
  return result;
}

std::string Url::HostHeader() const {
  std::string header;
  const bool ipv6 = endpoint.host.find(':') != std::string::npos;
  if (ipv6) header += '[';
  header += endpoint.host;
  if (ipv6) header += ']';
  const uint16_t default_port = endpoint.tls ? 443 : 80;
  if (endpoint.port != default_port) {
    header += ':';
    header += std::to_string(endpoint.port);
  }
  return header;
}

Result<FetchResult> Fetch(std::string_view method, std::string_view url, std::string_view body,
                          std::string_view content_type, int64_t timeout_ns,
                          const std::vector<std::pair<std::string, std::string>>& headers) {
  const std::string label = std::string(method) + " " + std::string(url);
  Result<Url> parsed = ParseUrl(url);
  if (!parsed.ok()) return parsed.status();
  if (!IsToken(method)) {
    return Status::Error(label + ": '" + std::string(method) + "' is not an HTTP method");
  }

  http::request<http::string_body> request;
  request.version(11);
  const http::verb verb = http::string_to_verb(method);
  if (verb != http::verb::unknown) {
    request.method(verb);
  } else {
    request.method_string(method);
  }
  request.target(parsed->path);
  request.set(http::field::host, parsed->HostHeader());
  request.set(http::field::user_agent, "inferbench");
  request.set(http::field::accept, "*/*");
  request.set(http::field::connection, "close");  // one exchange per connection
  if (!content_type.empty()) request.set(http::field::content_type, content_type);
  for (const auto& [name, value] : headers) {
    if (!IsToken(name)) {
      return Status::Error(label + ": '" + name + "' is not a valid HTTP header name");
    }
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      return Status::Error(label + ": the value of header '" + name +
                           "' contains a line break or NUL");
    }
    request.set(name, value);
  }
  request.body() = std::string(body);
  request.prepare_payload();

  asio::io_context io{1};
  FetchExchange exchange(io, label, std::move(parsed).value(), std::move(request), timeout_ns);
  return exchange.Run(io);
}

}  // namespace inferbench::net
