// Internal to net/ (includes Asio's SSL layer): what ClientConnection and Fetch share for
// outgoing TLS — one client context per verification mode for the whole process (the system's
// CA store is loaded once, not per connection), per-session set-up (SNI, host check) and
// readable handshake errors. Nothing outside src/net includes this.
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <string>

#include "core/status.h"

namespace inferbench::net::internal {

// The process-wide TLS client context. With `verify`, peers must present a chain that leads to
// the system's default CA paths; without, any certificate is accepted. Thread-safe; lives until
// the process exits. Fails only when the CA store cannot be loaded.
Result<boost::asio::ssl::context*> ClientTlsContext(bool verify);

// Prepares one client session for `host` (a name or an IP literal without brackets): SNI for
// names (RFC 6066 forbids IP literals there) and, with `verify`, the certificate must name
// `host` (DNS name or IP address). Call before the handshake.
Status PrepareTlsSession(SSL* ssl, const std::string& host, bool verify);

// The handshake error as text: OpenSSL's reason, the certificate problem when verification
// failed, and a hint when the peer does not seem to speak TLS at all.
std::string DescribeTlsError(const boost::system::error_code& ec, SSL* ssl);

}  // namespace inferbench::net::internal
