// `inferbench serve`: the dashboard and the JSON API on one HTTP server (net/HttpServer), read-only
// on the warehouse (DESIGN.md §7 "One writer": a short read-only connection per request).
//
// Loopback (127.0.0.1) by default. Binding any other address needs a bearer token (the CLI reads
// it from the environment variable --token-env names); with a token, every request must carry
// `Authorization: Bearer <token>` or gets 401. The token is never printed or logged.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "net/http_server.h"
#include "server/api.h"

namespace inferbench::server {

struct ServeOptions {
  std::string bind_address = "127.0.0.1";
  uint16_t port = 8080;      // 0: the kernel picks one (printed on the startup line)
  std::string token;         // "" = no authentication (loopback only)
  std::string token_source;  // for the startup line, e.g. "$INFERBENCH_TOKEN"
  std::string warehouse_path;
  std::string evidence_root;             // "" = each run's recorded evidence_uri
  int64_t lock_wait_ns = 1'000'000'000;  // per request, while a writer holds the warehouse
};

// 127.0.0.0/8, ::1 (also bracketed) and "localhost".
bool IsLoopbackAddress(std::string_view address);

// The bind rule: a non-loopback address without a token is an error naming --token-env.
Status CheckBindRule(std::string_view bind_address, bool has_token);

// "http://ADDR:PORT/" (IPv6 addresses in brackets).
std::string ServeUrl(std::string_view bind_address, uint16_t port);

// One request end to end: the token check (when `token` is set), then /api/… to the API and
// everything else to the dashboard. Pure apart from reading the store.
Response HandleServeRequest(RunStore& store, const net::HttpRequest& request,
                            std::string_view token);

// Serves until SIGINT or SIGTERM. Prints "serving http://ADDR:PORT/" on stdout once listening
// (the real port when 0 was asked), logs to stderr. Returns the exit code: 0 after a signal, 2
// when the bind rule fails or the address cannot be bound.
int RunServe(const ServeOptions& options);

}  // namespace inferbench::server
