// ClientConnection: one outgoing TCP (or TLS) connection driven by an EventLoop, for the load
// generator's hot path. It moves bytes only: the HTTP response parsing lives in client/. Every
// read completion hands the bytes to the caller together with ONE steady-clock timestamp taken
// when the kernel returned them (DESIGN.md §4: one timestamp per read, shared by every SSE event
// parsed from that read). Loop thread only.
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

struct Endpoint {
  std::string host;  // a name or an IP address (IPv6 without brackets)
  uint16_t port = 0;
  bool tls = false;  // https: TLS with SNI = host, peer verification against the system store
  bool tls_verify = true;
};

// All calls on the loop's thread. Callbacks run on the loop's thread too; any of them may call
// Write(), Close() or even destroy this object, and nothing of the connection is touched after
// that. Destroying the object closes the connection like Close().
//
// Reading (plain TCP): the connection waits for readability and then reads once, non-blocking,
// into a 64 KiB buffer shared by all connections of the loop's thread, so an idle or streaming
// connection holds no read buffer of its own (DESIGN.md §11: heap per in-flight request). TLS
// connections own a 16 KiB buffer (one TLS record). Reads never allocate.
class ClientConnection {
 public:
  struct Handlers {
    // Bytes read, valid only during the call; `read_ns` is the steady time taken right after the
    // read returned them (one timestamp per read).
    std::function<void(std::string_view bytes, int64_t read_ns)> on_data;
    // The connection ended: peer closed (ok Status) or an error (message names the endpoint,
    // e.g. "reading from 127.0.0.1:8000: Connection reset by peer"). No more calls after this
    // one. Not called for the owner's Close(), nor when Connect fails (`done` reports that).
    // A TLS peer that closes without close_notify counts as a clean close: the HTTP framing
    // above tells whether the response was complete.
    std::function<void(Status status)> on_closed;
  };

  virtual ~ClientConnection() = default;

  // Resolves (IP literals without DNS), connects (TCP_NODELAY) and, for TLS, handshakes; then
  // calls `done` on the loop. On success reading starts at once and goes on until Close() or
  // the peer closes. Errors name host:port and what failed ("connect to 127.0.0.1:9:
  // Connection refused", "TLS handshake with …: …"). `done` is not called after Close().
  // There is no connect timeout here: the owner closes a connection that takes too long.
  // REQUIRES: called once.
  virtual void Connect(Handlers handlers, std::function<void(Status)> done) = 0;
  // Queues bytes to send; writes go out in order, one at a time. When nothing is queued the
  // bytes are handed to the kernel at once (non-blocking), so a request leaves in the same loop
  // turn. `sent` (optional) gets the steady time taken just before the send call that carried
  // the first byte of these bytes; it may run before Write returns. May be called while
  // connecting (the bytes go out once connected). Empty writes and writes after Close() are
  // ignored. A write error closes the connection and reaches on_closed (never from inside
  // Write). TLS: `sent` gets the time the encrypted write was started.
  virtual void Write(std::string bytes, std::function<void(int64_t sent_ns)> sent = nullptr) = 0;
  // Closes at once; on_closed is NOT called for a Close() the owner asked for. Queued writes
  // are dropped. Idempotent.
  virtual void Close() = 0;
  // Connected and neither closed nor failed.
  virtual bool is_open() const = 0;
};

// REQUIRES: `loop` outlives the connection.
std::unique_ptr<ClientConnection> NewClientConnection(EventLoop& loop, Endpoint endpoint);

// A small blocking HTTP/1.1 client for control-plane calls (readiness probes, /metrics scrapes,
// /version): not for load. Runs its own private io_context on the calling thread (any thread,
// but never a loop thread: it blocks). `timeout_ns` bounds the whole exchange — connect, TLS
// handshake, request and response (name resolution can take the system resolver's own time);
// <= 0 means no limit. Follows no redirects: a 3xx is returned like any status. Any HTTP status
// is a result; errors (bad URL, refused, timeout, TLS, a malformed or cut-short response) name
// the method and URL and say what failed. `content_type` is sent when not empty; `headers` are
// added last and replace defaults of the same name (Host, User-Agent, Accept).
struct FetchResult {
  int status = 0;
  std::string content_type;
  std::string body;
};
Result<FetchResult> Fetch(std::string_view method, std::string_view url, std::string_view body,
                          std::string_view content_type, int64_t timeout_ns,
                          const std::vector<std::pair<std::string, std::string>>& headers = {});

// Parses "http://host:port/path?query" or "https://…": host a name, an IPv4 address or an IPv6
// address in brackets (stored without them); port defaults to 80/443; path + query defaults to
// "/"; a "#fragment" is dropped. No user info. Errors name the URL and the expected form.
struct Url {
  Endpoint endpoint;
  std::string path = "/";  // path + query
  // The Host header value: host, brackets for IPv6, ":port" unless the scheme's default.
  std::string HostHeader() const;
};
Result<Url> ParseUrl(std::string_view url);

// "host:port", or "[v6]:port" for IPv6 literals: how errors name an endpoint.
std::string FormatHostPort(std::string_view host, uint16_t port);

}  // namespace inferbench::net
