// Outgoing TLS (ClientConnection with Endpoint::tls, Fetch of https://) against a small blocking
// TLS server built on OpenSSL with a self-signed certificate generated for the test.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "net/client_connection.h"
#include "net/run_on_loop_for_test.h"

namespace inferbench::net {
namespace {

bool WaitFor(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return done();
}

// Serves one TLS connection on 127.0.0.1 at a time from its own thread: reads a request head,
// answers with `body` (Content-Length) and closes with close_notify. Every socket operation is
// bounded by a 10 s timeout.
class TlsTestServer {
 public:
  explicit TlsTestServer(std::string body) : body_(std::move(body)) {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509_sign(cert, key, EVP_sha256());
    context_ = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate(context_, cert);
    SSL_CTX_use_PrivateKey(context_, key);
    X509_free(cert);
    EVP_PKEY_free(key);

    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::listen(listener_, 8), 0);
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    timeval timeout{};
    timeout.tv_sec = 10;
    ::setsockopt(listener_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }

  ~TlsTestServer() {
    if (thread_.joinable()) thread_.join();
    ::close(listener_);
    SSL_CTX_free(context_);
  }

  uint16_t port() const { return port_; }

  // Serves `connections` connections, one after the other, on a thread.
  void Serve(int connections) {
    thread_ = std::thread([this, connections] {
      for (int i = 0; i < connections; ++i) ServeOne();
    });
  }

  // What the server saw, once Serve's thread has finished.
  void Join() { thread_.join(); }
  std::vector<std::string> server_names;  // SNI per handshake ("" when none)
  std::vector<std::string> requests;
  int handshake_failures = 0;

 private:
  void ServeOne() {
    const int fd = ::accept(listener_, nullptr, nullptr);
    if (fd < 0) return;
    timeval timeout{};
    timeout.tv_sec = 10;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    SSL* ssl = SSL_new(context_);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) != 1) {
      ++handshake_failures;
    } else {
      const char* server_name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
      server_names.push_back(server_name != nullptr ? server_name : "");
      std::string request;
      char buffer[4096];
      while (request.find("\r\n\r\n") == std::string::npos) {
        const int n = SSL_read(ssl, buffer, sizeof buffer);
        if (n <= 0) break;
        request.append(buffer, static_cast<std::size_t>(n));
      }
      requests.push_back(request);
      const std::string response =
          "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
          std::to_string(body_.size()) + "\r\nConnection: close\r\n\r\n" + body_;
      std::size_t offset = 0;
      while (offset < response.size()) {
        const int n =
            SSL_write(ssl, response.data() + offset, static_cast<int>(response.size() - offset));
        if (n <= 0) break;
        offset += static_cast<std::size_t>(n);
      }
      SSL_shutdown(ssl);
    }
    SSL_free(ssl);
    ::close(fd);
  }

  std::string body_;
  SSL_CTX* context_ = nullptr;
  int listener_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
};

struct TlsTrace {
  std::mutex mutex;
  std::string bytes;
  std::vector<int64_t> read_ns;
  std::vector<int64_t> sent_ns;
  std::optional<Status> connected;
  std::optional<Status> closed;
};

class TlsClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    thread_ = std::thread([this] { loop_.Run(); });
  }
  void TearDown() override {
    RunOnLoop([&] { connection_.reset(); });
    loop_.Stop();
    thread_.join();
  }

  void RunOnLoop(const std::function<void()>& fn) { RunOnLoopAndWait(loop_, fn); }


  // Connects to `endpoint` and, once connected, sends a GET.
  void Exchange(const Endpoint& endpoint, TlsTrace& trace) {
    RunOnLoop([&] {
      connection_ = NewClientConnection(loop_, endpoint);
      ClientConnection::Handlers handlers;
      handlers.on_data = [&trace](std::string_view bytes, int64_t read_ns) {
        std::lock_guard<std::mutex> lock(trace.mutex);
        trace.bytes.append(bytes);
        trace.read_ns.push_back(read_ns);
      };
      handlers.on_closed = [&trace](Status status) {
        std::lock_guard<std::mutex> lock(trace.mutex);
        trace.closed = status;
      };
      connection_->Connect(std::move(handlers), [this, &trace](Status status) {
        {
          std::lock_guard<std::mutex> lock(trace.mutex);
          trace.connected = status;
        }
        if (!status.ok()) return;
        connection_->Write("GET /secure HTTP/1.1\r\nHost: test\r\n\r\n", [&trace](int64_t sent_ns) {
          std::lock_guard<std::mutex> lock(trace.mutex);
          trace.sent_ns.push_back(sent_ns);
        });
      });
    });
  }

  static bool Connected(TlsTrace& trace) {
    std::lock_guard<std::mutex> lock(trace.mutex);
    return trace.connected.has_value();
  }
  static bool Closed(TlsTrace& trace) {
    std::lock_guard<std::mutex> lock(trace.mutex);
    return trace.closed.has_value();
  }

  EventLoop loop_;
  std::thread thread_;
  std::unique_ptr<ClientConnection> connection_;  // loop thread only
};

std::string BigBody() {
  std::string body;
  for (int i = 0; body.size() < 100 * 1024; ++i)
    body += "data: secret " + std::to_string(i) + "\n\n";
  return body;
}

TEST_F(TlsClientTest, ExchangesBytesWithoutVerification) {
  const std::string body = BigBody();
  TlsTestServer server(body);
  server.Serve(1);
  TlsTrace trace;
  Exchange(Endpoint{"127.0.0.1", server.port(), true, false}, trace);
  ASSERT_TRUE(WaitFor([&] { return Closed(trace); }));
  server.Join();
  std::lock_guard<std::mutex> lock(trace.mutex);
  ASSERT_TRUE(trace.connected->ok()) << trace.connected->message();
  EXPECT_TRUE(trace.closed->ok()) << trace.closed->message();
  EXPECT_EQ(trace.bytes.compare(0, 15, "HTTP/1.1 200 OK"), 0);
  EXPECT_EQ(trace.bytes.substr(trace.bytes.size() - body.size()), body);
  // 100 KiB of plaintext spans several TLS records, each at most one read.
  EXPECT_GE(trace.read_ns.size(), 7u);
  for (std::size_t i = 1; i < trace.read_ns.size(); ++i) {
    EXPECT_LE(trace.read_ns[i - 1], trace.read_ns[i]);
  }
  ASSERT_EQ(trace.sent_ns.size(), 1u);
  EXPECT_LE(trace.sent_ns[0], trace.read_ns[0]);
  ASSERT_EQ(server.requests.size(), 1u);
  EXPECT_EQ(server.requests[0].rfind("GET /secure HTTP/1.1\r\n", 0), 0u);
  ASSERT_EQ(server.server_names.size(), 1u);
  EXPECT_EQ(server.server_names[0], "");  // no SNI for an IP address
}

TEST_F(TlsClientTest, SendsTheHostNameAsSni) {
  TlsTestServer server("hello");
  server.Serve(1);
  TlsTrace trace;
  // "localhost" may resolve to ::1 first, where nothing listens: the next address is tried.
  Exchange(Endpoint{"localhost", server.port(), true, false}, trace);
  ASSERT_TRUE(WaitFor([&] { return Closed(trace); }));
  server.Join();
  ASSERT_EQ(server.server_names.size(), 1u);
  EXPECT_EQ(server.server_names[0], "localhost");
  std::lock_guard<std::mutex> lock(trace.mutex);
  EXPECT_EQ(trace.bytes.substr(trace.bytes.size() - 5), "hello");
}

TEST_F(TlsClientTest, VerificationRejectsASelfSignedCertificate) {
  TlsTestServer server("never");
  server.Serve(1);
  TlsTrace trace;
  Exchange(Endpoint{"127.0.0.1", server.port(), true, true}, trace);
  ASSERT_TRUE(WaitFor([&] { return Connected(trace); }));
  server.Join();
  EXPECT_EQ(server.handshake_failures, 1);
  std::lock_guard<std::mutex> lock(trace.mutex);
  ASSERT_FALSE(trace.connected->ok());
  const std::string& message = trace.connected->message();
  EXPECT_EQ(message.rfind("TLS handshake with 127.0.0.1:" + std::to_string(server.port()) +
                              ": certificate verify failed",
                          0),
            0u)
      << message;
  EXPECT_NE(message.find("self-signed certificate"), std::string::npos) << message;
}

TEST(TlsFetchTest, HttpsVerifiesPeers) {
  TlsTestServer server("never");
  server.Serve(1);
  const std::string url = "https://127.0.0.1:" + std::to_string(server.port()) + "/x";
  const Result<FetchResult> result = Fetch("GET", url, "", "", 10'000'000'000);
  server.Join();
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("GET " + url + ": TLS handshake with 127.0.0.1:"),
            std::string::npos)
      << result.status().message();
  EXPECT_NE(result.status().message().find("certificate verify failed"), std::string::npos)
      << result.status().message();
}

}  // namespace
}  // namespace inferbench::net
