#include "net/tls_client.h"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <utility>

namespace inferbench::net::internal {

namespace asio = boost::asio;
namespace ssl = asio::ssl;

namespace {

struct SharedContext {
  ssl::context context{ssl::context::tls_client};
  Status status;
};

SharedContext MakeContext(bool verify) {
  SharedContext shared;
  SSL_CTX_set_min_proto_version(shared.context.native_handle(), TLS1_2_VERSION);
  if (verify) {
    boost::system::error_code ec;
    shared.context.set_default_verify_paths(ec);
    if (ec) {
      shared.status =
          Status::Error("loading the system's trusted CA certificates for TLS peer verification: " +
                        ec.message());
    }
    shared.context.set_verify_mode(ssl::verify_peer);
  } else {
    shared.context.set_verify_mode(ssl::verify_none);
  }
  return shared;
}

bool IsIpLiteral(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

Result<ssl::context*> ClientTlsContext(bool verify) {
  // Function-local statics: initialised once, thread-safe.
  static SharedContext verifying = MakeContext(true);
  static SharedContext trusting = MakeContext(false);
  SharedContext& shared = verify ? verifying : trusting;
  if (!shared.status.ok()) return shared.status;
  return &shared.context;
}

Status PrepareTlsSession(SSL* ssl, const std::string& host, bool verify) {
  const bool ip_literal = IsIpLiteral(host);
  if (!ip_literal && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) {
    return Status::Error("setting the TLS server name (SNI) to '" + host + "' failed");
  }
  if (!verify) return Status::Ok();
  // OpenSSL checks the name during chain verification, so a mismatch is reported by
  // SSL_get_verify_result like every other certificate problem.
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  const int set = ip_literal ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                             : X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  if (set != 1) return Status::Error("cannot check TLS certificates against host '" + host + "'");
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  return Status::Ok();
}

std::string DescribeTlsError(const boost::system::error_code& ec, SSL* ssl) {
  std::string message = ec.message();
  const bool openssl_error = ec.category() == asio::error::get_ssl_category();
  const int reason = openssl_error ? ERR_GET_REASON(static_cast<unsigned long>(ec.value())) : 0;
  if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED && ssl != nullptr) {
    const long verify_result = SSL_get_verify_result(ssl);
    if (verify_result != X509_V_OK) {
      message += ": ";
      message += X509_verify_cert_error_string(verify_result);
    }
    message += " (the peer's certificate was rejected; peer verification can be turned off)";
  } else if (reason == SSL_R_WRONG_VERSION_NUMBER) {
    message += " (the peer does not seem to speak TLS: is it a plain http:// endpoint?)";
  } else if (ec == ssl::error::stream_truncated || ec == asio::error::eof) {
    message = "the peer closed the connection during the TLS handshake";
  }
  return message;
}

}  // namespace inferbench::net::internal
