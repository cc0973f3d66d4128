#include "server/serve.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <memory>
#include <utility>

#include <fmt/format.h>

#include "core/log.h"
#include "net/event_loop.h"
#include "net/signal_watcher.h"
#include "server/dashboard.h"

namespace inferbench::server {
namespace {

std::string_view Unbracket(std::string_view address) {
  if (address.size() >= 2 && address.front() == '[' && address.back() == ']') {
    return address.substr(1, address.size() - 2);
  }
  return address;
}

}  // namespace

bool IsLoopbackAddress(std::string_view address) {
  address = Unbracket(address);
  if (address == "localhost") return true;
  const std::string text(address);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    static const in6_addr loopback = IN6ADDR_LOOPBACK_INIT;
    return std::equal(std::begin(v6.s6_addr), std::end(v6.s6_addr), std::begin(loopback.s6_addr));
  }
  return false;
}

Status CheckBindRule(std::string_view bind_address, bool has_token) {
  if (has_token || IsLoopbackAddress(bind_address)) return Status::Ok();
  return Status::Error(
      "--bind " + std::string(bind_address) +
      " is not a loopback address, so anyone who can reach it could read the warehouse: put a "
      "secret in an environment variable and pass --token-env VAR (clients then send "
      "`Authorization: Bearer <secret>`), or bind 127.0.0.1");
}

std::string ServeUrl(std::string_view bind_address, uint16_t port) {
  std::string_view host = Unbracket(bind_address);
  if (host.find(':') != std::string_view::npos) {
    return fmt::format("http://[{}]:{}/", host, port);
  }
  return fmt::format("http://{}:{}/", host, port);
}

Response HandleServeRequest(RunStore& store, const net::HttpRequest& request,
                            std::string_view token) {
  if (!token.empty() && !BearerTokenMatches(request.Header("Authorization"), token)) {
    return ErrorResponse(ApiError{401, "unauthorized",
                                  "this server needs `Authorization: Bearer <token>` (the token "
                                  "its operator set with --token-env)"});
  }
  const std::string_view target = request.target;
  if (target.empty() || target.front() != '/') {
    return ErrorResponse(BadRequest("request target must be a path starting with /"));
  }
  const std::string_view path = request.Path();
  if (path == "/api" || path.substr(0, 5) == "/api/") {
    return HandleApiRequest(store, request.method, target);
  }
  return HandleDashboardRequest(store, request.method, target);
}

int RunServe(const ServeOptions& options) {
  if (Status rule = CheckBindRule(options.bind_address, !options.token.empty()); !rule.ok()) {
    std::fprintf(stderr, "inferbench serve: %s\n", rule.message().c_str());
    return 2;
  }
  WarehouseFileStore store(options.warehouse_path, options.evidence_root, options.lock_wait_ns);
  net::EventLoop loop;
  net::HttpServerOptions http;
  http.bind_address = std::string(Unbracket(options.bind_address));
  http.port = options.port;
  http.max_body_bytes = 64u << 10;  // GET only: bodies are never read
  http.error_content_type = "application/json";
  http.error_body = [](int status, std::string_view message) {
    return ErrorResponse(ApiError{status, "bad_request", std::string(message)}).body;
  };
  const std::string token = options.token;
  net::HttpServer server(
      loop,
      [&store, &token](net::HttpRequest&& request, std::shared_ptr<net::HttpResponder> responder) {
        Response response = HandleServeRequest(store, request, token);
        if (response.status >= 500) {
          LogWarn("serve: {} {} → {}: {}", request.method, request.Path(), response.status,
                  response.body.substr(0, 300));
        } else {
          LogDebug("serve: {} {} → {}", request.method, request.Path(), response.status);
        }
        responder->Send(response.status, response.content_type, std::move(response.body),
                        response.headers);
      },
      http);
  // Watching before listening: a signal that arrives once clients can connect stops cleanly.
  net::SignalWatcher signals(loop, [&](int) {
    server.Close();
    loop.Stop();
  });
  if (Status listening = server.Listen(); !listening.ok()) {
    std::fprintf(stderr, "inferbench serve: %s\n", listening.message().c_str());
    return 2;
  }
  std::printf("serving %s", ServeUrl(options.bind_address, server.port()).c_str());
  if (!options.token.empty()) {
    std::printf(" (bearer token required: send `Authorization: Bearer <token from %s>`)",
                options.token_source.empty() ? "--token-env" : options.token_source.c_str());
  }
  std::printf("\n");
  std::fflush(stdout);
  LogInfo("serve: warehouse {} (read-only, one short connection per request); Ctrl-C stops",
          options.warehouse_path);
  loop.Run();
  return 0;
}

}  // namespace inferbench::server
