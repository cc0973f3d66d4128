#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "net/client_connection.h"
#include "net/closed_port.h"
#include "net/http_server.h"
#include "net/run_on_loop_for_test.h"

namespace inferbench::net {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kGenerousTimeoutNs = 10'000 * kMs;


// Returns once every task already queued on `loop` has run, including tasks the loop thread
// posted to itself: those can reach the queue after a task posted from here, so the loop posts
// the final marker itself, behind them.
void DrainLoop(EventLoop& loop) {
  std::promise<void> drained;
  std::future<void> done = drained.get_future();
  loop.Post([&] { loop.Post([&] { drained.set_value(); }); });
  if (done.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    ADD_FAILURE() << "event loop did not drain within 10 s";
    std::abort();
  }
}

bool Contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

class FetchTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (!thread_.joinable()) return;
    RunOnLoop([&] {
      timers_.clear();
      responders_.clear();
      server_.reset();
    });
    DrainLoop(loop_);
    loop_.Stop();
    thread_.join();
  }

  void StartServer(HttpHandler handler) {
    thread_ = std::thread([this] { loop_.Run(); });
    bool listening = false;
    RunOnLoop([&] {
      server_ = std::make_unique<HttpServer>(
          loop_, [this, handler](HttpRequest&& request, std::shared_ptr<HttpResponder> responder) {
            seen_ = request;
            handler(std::move(request), std::move(responder));
          });
      const Status status = server_->Listen();
      EXPECT_TRUE(status.ok()) << status.message();
      listening = status.ok();
      port_ = server_->port();
    });
    ASSERT_TRUE(listening);
  }

  void RunOnLoop(const std::function<void()>& fn) { RunOnLoopAndWait(loop_, fn); }


  // The last request the server saw (copied on the loop thread).
  HttpRequest Seen() {
    HttpRequest copy;
    RunOnLoop([&] { copy = seen_; });
    return copy;
  }

  std::string Url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

  EventLoop loop_;
  std::thread thread_;
  std::unique_ptr<HttpServer> server_;                      // loop thread only
  std::vector<std::shared_ptr<HttpResponder>> responders_;  // loop thread only
  std::vector<std::unique_ptr<Timer>> timers_;              // loop thread only
  HttpRequest seen_;                                        // loop thread only
  uint16_t port_ = 0;
};

TEST_F(FetchTest, GetReturnsStatusContentTypeAndBody) {
  StartServer([](HttpRequest&&, std::shared_ptr<HttpResponder> responder) {
    responder->Send(200, "application/json", R"({"ok":true})");
  });
  const Result<FetchResult> result =
      Fetch("GET", Url("/v1/models?x=1"), "", "", kGenerousTimeoutNs);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->content_type, "application/json");
  EXPECT_EQ(result->body, R"({"ok":true})");
  const HttpRequest seen = Seen();
  EXPECT_EQ(seen.method, "GET");
  EXPECT_EQ(seen.target, "/v1/models?x=1");
  EXPECT_EQ(seen.Header("host"), "127.0.0.1:" + std::to_string(port_));
  EXPECT_EQ(seen.Header("user-agent"), "inferbench");
  EXPECT_EQ(seen.body, "");
}

TEST_F(FetchTest, PostSendsBodyContentTypeAndHeaders) {
  StartServer([](HttpRequest&& request, std::shared_ptr<HttpResponder> responder) {
    responder->Send(201, "text/plain", "echo:" + request.body);
  });
  const Result<FetchResult> result =
      Fetch("POST", Url("/tokenize"), R"({"prompt":"hi"})", "application/json", kGenerousTimeoutNs,
            {{"Authorization", "Bearer k"}, {"User-Agent", "custom"}});
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->status, 201);
  EXPECT_EQ(result->body, R"(echo:{"prompt":"hi"})");
  const HttpRequest seen = Seen();
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.Path(), "/tokenize");
  EXPECT_EQ(seen.Header("content-type"), "application/json");
  EXPECT_EQ(seen.Header("content-length"), "15");
  EXPECT_EQ(seen.Header("authorization"), "Bearer k");
  EXPECT_EQ(seen.Header("user-agent"), "custom");  // caller's headers replace defaults
}

TEST_F(FetchTest, ErrorStatusesAreResultsNotErrors) {
  StartServer([](HttpRequest&&, std::shared_ptr<HttpResponder> responder) {
    responder->Send(404, "application/json", R"({"error":"no"})");
  });
  const Result<FetchResult> result = Fetch("GET", Url("/missing"), "", "", kGenerousTimeoutNs);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->status, 404);
  EXPECT_EQ(result->body, R"({"error":"no"})");
}

TEST_F(FetchTest, ChunkedStreamingBodyIsAssembled) {
  StartServer([this](HttpRequest&&, std::shared_ptr<HttpResponder> responder) {
    responder->BeginStream(200, "text/event-stream");
    responder->Write("data: one\n\n");
    // The next pieces go out on later loop turns, as separate chunks.
    auto timer = std::make_unique<Timer>(loop_);
    Timer* first = timer.get();
    timers_.push_back(std::move(timer));
    first->ExpireAfter(2 * kMs, [this, responder] {
      responder->Write("data: two\n\n");
      auto second = std::make_unique<Timer>(loop_);
      second->ExpireAfter(2 * kMs, [responder] {
        responder->Write("data: [DONE]\n\n");
        responder->EndStream();
      });
      timers_.push_back(std::move(second));
    });
  });
  const Result<FetchResult> result = Fetch("GET", Url("/stream"), "", "", kGenerousTimeoutNs);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->content_type, "text/event-stream");
  EXPECT_EQ(result->body, "data: one\n\ndata: two\n\ndata: [DONE]\n\n");
}

TEST_F(FetchTest, TimesOutWhenTheServerNeverAnswers) {
  StartServer([this](HttpRequest&&, std::shared_ptr<HttpResponder> responder) {
    responders_.push_back(std::move(responder));  // kept, never answered
  });
  const std::string url = Url("/slow");
  const auto start = std::chrono::steady_clock::now();
  const Result<FetchResult> result = Fetch("GET", url, "", "", 200 * kMs);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(),
            "GET " + url + ": timed out after 200 ms while waiting " +
                "for the response from 127.0.0.1:" + std::to_string(port_));
  EXPECT_GE(elapsed, std::chrono::milliseconds(200));
  EXPECT_LT(elapsed, std::chrono::seconds(10));  // no hang; generous for a loaded machine
}

TEST_F(FetchTest, ServerClosingWithoutAResponseIsAnError) {
  StartServer([](HttpRequest&&, std::shared_ptr<HttpResponder> responder) { responder->Abort(); });
  const std::string url = Url("/abort");
  const Result<FetchResult> result = Fetch("GET", url, "", "", kGenerousTimeoutNs);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(Contains(result.status().message(), "GET " + url + ": "))
      << result.status().message();
  EXPECT_TRUE(Contains(result.status().message(), "closed the connection before a complete"))
      << result.status().message();
}

TEST_F(FetchTest, HttpsToAPlainServerFailsTheHandshake) {
  StartServer([](HttpRequest&&, std::shared_ptr<HttpResponder> responder) {
    responder->Send(200, "text/plain", "plain");
  });
  const std::string url = "https://127.0.0.1:" + std::to_string(port_) + "/";
  const Result<FetchResult> result = Fetch("GET", url, "", "", kGenerousTimeoutNs);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(Contains(result.status().message(),
                       "GET " + url + ": TLS handshake with 127.0.0.1:" + std::to_string(port_)))
      << result.status().message();
}

TEST(FetchErrorsTest, RefusedConnectionNamesTheUrl) {
  const uint16_t port = ClosedPort();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/health";
  const Result<FetchResult> result = Fetch("GET", url, "", "", kGenerousTimeoutNs);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(), "GET " + url + ": connect to 127.0.0.1:" +
                                           std::to_string(port) + ": Connection refused");
}

TEST(FetchErrorsTest, BadInputIsRejectedBeforeConnecting) {
  Result<FetchResult> result = Fetch("GET", "ftp://host/x", "", "", kGenerousTimeoutNs);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(Contains(result.status().message(), "invalid URL 'ftp://host/x'"));

  result = Fetch("GE T", "http://127.0.0.1:1/", "", "", kGenerousTimeoutNs);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(Contains(result.status().message(), "is not an HTTP method"));

  result = Fetch("GET", "http://127.0.0.1:1/", "", "", kGenerousTimeoutNs,
                 {{"X-Evil", "a\r\nInjected: yes"}});
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(Contains(result.status().message(), "line break"));

  result = Fetch("GET", "http://127.0.0.1:1/", "", "", kGenerousTimeoutNs, {{"Bad Name", "v"}});
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(Contains(result.status().message(), "not a valid HTTP header name"));
}

// --- ParseUrl ----------------------------------------------------------------------------------

struct UrlCase {
  std::string url;
  std::string host;
  uint16_t port;
  bool tls;
  std::string path;
  std::string host_header;
};

TEST(ParseUrlTest, AcceptsTheSupportedForms) {
  const std::vector<UrlCase> cases = {
      {"http://127.0.0.1:8000/v1/chat/completions", "127.0.0.1", 8000, false,
       "/v1/chat/completions", "127.0.0.1:8000"},
      {"https://api.example.com", "api.example.com", 443, true, "/", "api.example.com"},
      {"http://localhost", "localhost", 80, false, "/", "localhost"},
      {"http://localhost/", "localhost", 80, false, "/", "localhost"},
      {"HTTP://Example.COM:80/x?y=1#frag", "Example.COM", 80, false, "/x?y=1", "Example.COM"},
      {"http://host:8080?x=1", "host", 8080, false, "/?x=1", "host:8080"},
      {"http://host#top", "host", 80, false, "/", "host"},
      {"https://h:443/p", "h", 443, true, "/p", "h"},
      {"https://h:80/p", "h", 80, true, "/p", "h:80"},
      {"http://h:443/p", "h", 443, false, "/p", "h:443"},
      {"http://[::1]:9000/metrics", "::1", 9000, false, "/metrics", "[::1]:9000"},
      {"https://[2001:db8::1]/", "2001:db8::1", 443, true, "/", "[2001:db8::1]"},
      {"http://my_host-1.internal:65535/a/b%20c", "my_host-1.internal", 65535, false, "/a/b%20c",
       "my_host-1.internal:65535"},
  };
  for (const UrlCase& c : cases) {
    SCOPED_TRACE(c.url);
    const Result<Url> url = ParseUrl(c.url);
    ASSERT_TRUE(url.ok()) << url.status().message();
    EXPECT_EQ(url->endpoint.host, c.host);
    EXPECT_EQ(url->endpoint.port, c.port);
    EXPECT_EQ(url->endpoint.tls, c.tls);
    EXPECT_TRUE(url->endpoint.tls_verify);
    EXPECT_EQ(url->path, c.path);
    EXPECT_EQ(url->HostHeader(), c.host_header);
  }
}

TEST(ParseUrlTest, RejectsOtherFormsNamingTheUrlAndTheExpectedForm) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "scheme must be http:// or https://"},
      {"localhost:8000", "scheme must be http:// or https://"},
      {"ftp://h/", "scheme must be http:// or https://"},
      {"http:/h/", "scheme must be http:// or https://"},
      {"http://", "host is missing"},
      {"http:///path", "host is missing"},
      {"http://:80/", "host is missing"},
      {"http://h:/", "port after ':' is missing"},
      {"http://h:0/", "port must be a number from 1 to 65535"},
      {"http://h:65536/", "port must be a number from 1 to 65535"},
      {"http://h:99999999999/", "port must be a number from 1 to 65535"},
      {"http://h:12ab/", "port must be a number from 1 to 65535"},
      {"http://h:-1/", "port must be a number from 1 to 65535"},
      {"http://[::1/", "lacks its ']'"},
      {"http://[zz]/", "'zz' is not an IPv6 address"},
      {"http://[::1]x/", "unexpected text after the IPv6 address"},
      {"http://user:pw@h/", "user info"},
      {"http://h h/", "host contains ' '"},
      {"http://h/a b", "path contains a space"},
      {"http://::1/", "host is missing"},
  };
  for (const auto& [url, problem] : cases) {
    SCOPED_TRACE(url);
    const Result<Url> parsed = ParseUrl(url);
    ASSERT_FALSE(parsed.ok());
    const Status status = parsed.status();
    const std::string& message = status.message();
    EXPECT_TRUE(Contains(message, "invalid URL '" + url + "'")) << message;
    EXPECT_TRUE(Contains(message, problem)) << message;
    EXPECT_TRUE(Contains(message, "expected http://HOST[:PORT][/PATH]")) << message;
  }
}

}  // namespace
}  // namespace inferbench::net
