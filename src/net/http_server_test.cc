#include "net/http_server.h"
#include "net/run_on_loop_for_test.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace inferbench::net {
namespace {

constexpr int64_t kMs = 1'000'000;

// --- A tiny blocking HTTP/1.1 client over POSIX sockets; every read is bounded (5 s). ---------

struct Response {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::vector<std::size_t> chunk_sizes;  // chunked responses: the size of every data chunk
  bool complete = false;                 // the whole body arrived (terminating chunk, length, EOF)

  std::string Header(const std::string& name) const {
    for (const auto& [key, value] : headers) {
      if (key == name) return value;
    }
    return "";
  }
  bool HasHeader(const std::string& name) const {
    for (const auto& header : headers) {
      if (header.first == name) return true;
    }
    return false;
  }
};

class TestClient {
 public:
  explicit TestClient(uint16_t port, bool connect_now = true) : port_(port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval timeout{};
    timeout.tv_sec = 5;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    if (connect_now) Connect();
  }
  ~TestClient() { Close(); }
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  bool Connect() {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port_);
    ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    return connected_;
  }
  bool connected() const { return connected_; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  Response ReadResponse() {
    Response response;
    std::string line;
    if (!ReadLine(&line) || line.size() < 12 || line.compare(0, 5, "HTTP/") != 0) return response;
    response.status = std::atoi(line.c_str() + 9);
    while (true) {
      if (!ReadLine(&line)) return response;
      if (line.empty()) break;
      const std::size_t colon = line.find(':');
      if (colon == std::string::npos) return response;
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::size_t value_start = colon + 1;
      while (value_start < line.size() && line[value_start] == ' ') ++value_start;
      response.headers.emplace_back(name, line.substr(value_start));
    }
    if (response.status < 200 || response.status == 204 || response.status == 304) {
      response.complete = true;  // never a body
      return response;
    }
    if (response.Header("transfer-encoding") == "chunked") {
      while (true) {
        if (!ReadLine(&line)) return response;
        const std::size_t size = std::strtoul(line.c_str(), nullptr, 16);
        if (size == 0) {
          if (!ReadLine(&line) || !line.empty()) return response;
          response.complete = true;
          return response;
        }
        std::string chunk;
        if (!ReadExact(size, &chunk)) return response;
        response.body += chunk;
        response.chunk_sizes.push_back(size);
        if (!ReadLine(&line) || !line.empty()) return response;
      }
    }
    if (response.HasHeader("content-length")) {
      const std::size_t length =
          std::strtoul(response.Header("content-length").c_str(), nullptr, 10);
      response.complete = ReadExact(length, &response.body);
      return response;
    }
    while (Fill()) {
    }
    response.body = std::move(buffer_);
    buffer_.clear();
    response.complete = eof_;
    return response;
  }

  // Reads until the server closes the connection; true on EOF or reset, false on a timeout.
  bool WaitForEof() {
    while (Fill()) buffer_.clear();
    return eof_;
  }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  bool Fill() {
    char chunk[16384];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n > 0) {
      buffer_.append(chunk, static_cast<std::size_t>(n));
      return true;
    }
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) eof_ = true;  // EOF or reset
    return false;
  }
  bool ReadLine(std::string* line) {
    while (true) {
      const std::size_t end = buffer_.find("\r\n");
      if (end != std::string::npos) {
        *line = buffer_.substr(0, end);
        buffer_.erase(0, end + 2);
        return true;
      }
      if (!Fill()) return false;
    }
  }
  bool ReadExact(std::size_t n, std::string* out) {
    while (buffer_.size() < n) {
      if (!Fill()) return false;
    }
    out->append(buffer_, 0, n);
    buffer_.erase(0, n);
    return true;
  }

  uint16_t port_;
  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
  bool eof_ = false;
};

bool WaitFor(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return done();
}

std::string Get(std::string_view target, std::string_view extra_headers = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n" + std::string(extra_headers) +
         "\r\n";
}

// --- Fixture: a server on port 0 on a loop thread ----------------------------------------------

class HttpServerTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (!thread_.joinable()) return;
    RunOnLoop([&] {
      responders_.clear();
      server_.reset();
    });
    loop_.Stop();
    thread_.join();
  }

  void StartServer(HttpServerOptions options = {}) {
    thread_ = std::thread([this] { loop_.Run(); });
    bool listening = false;
    RunOnLoop([&] {
      server_ = std::make_unique<HttpServer>(
          loop_,
          [this](HttpRequest&& request, std::shared_ptr<HttpResponder> responder) {
            ++requests_seen_;
            handler_(std::move(request), std::move(responder));
          },
          std::move(options));
      const Status status = server_->Listen();
      EXPECT_TRUE(status.ok()) << status.message();
      listening = status.ok();
      port_ = server_->port();
    });
    ASSERT_TRUE(listening);
    ASSERT_NE(port_, 0);
  }

  // Runs `fn` on the loop thread and waits (bounded) for it.
  void RunOnLoop(const std::function<void()>& fn) { RunOnLoopAndWait(loop_, fn); }


  std::size_t ConnectionCount() {
    std::size_t count = 0;
    RunOnLoop([&] { count = server_->connection_count(); });
    return count;
  }

  EventLoop loop_;
  std::thread thread_;
  std::unique_ptr<HttpServer> server_;                      // loop thread only
  HttpHandler handler_;                                     // set before StartServer
  std::vector<std::shared_ptr<HttpResponder>> responders_;  // loop thread only
  std::atomic<int> requests_seen_{0};
  std::atomic<int> on_close_calls_{0};
  uint16_t port_ = 0;
};

TEST(HttpRequestTest, HeaderLookupIgnoresCase) {
  HttpRequest request;
  request.headers = {{"Content-Type", "application/json"}, {"X-Api-Key", "k"}};
  EXPECT_EQ(request.Header("content-type"), "application/json");
  EXPECT_EQ(request.Header("X-API-KEY"), "k");
  EXPECT_EQ(request.Header("accept"), "");
  EXPECT_EQ(request.Header("content-typ"), "");
}

TEST(HttpRequestTest, PathDropsTheQuery) {
  HttpRequest request;
  request.target = "/v1/models?limit=3&x=y";
  EXPECT_EQ(request.Path(), "/v1/models");
  request.target = "/health";
  EXPECT_EQ(request.Path(), "/health");
}

TEST_F(HttpServerTest, SendsFullResponseWithContentLength) {
  HttpRequest seen;
  handler_ = [&](HttpRequest&& request, std::shared_ptr<HttpResponder> responder) {
    seen = std::move(request);
    responder->Send(200, "text/plain", "hello world", {{"X-Test", "1"}});
  };
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Send(Get("/hello?x=1", "X-Custom: Value\r\n")));
  const Response response = client.ReadResponse();
  EXPECT_TRUE(response.complete);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "hello world");
  EXPECT_EQ(response.Header("content-length"), "11");
  EXPECT_EQ(response.Header("content-type"), "text/plain");
  EXPECT_EQ(response.Header("x-test"), "1");
  EXPECT_EQ(response.Header("connection"), "keep-alive");
  EXPECT_FALSE(response.HasHeader("transfer-encoding"));
  RunOnLoop([&] {
    EXPECT_EQ(seen.method, "GET");
    EXPECT_EQ(seen.target, "/hello?x=1");
    EXPECT_EQ(seen.Path(), "/hello");
    EXPECT_EQ(seen.Header("x-custom"), "Value");
    EXPECT_GT(seen.received_ns, 0);
    EXPECT_LE(seen.received_ns, EventLoop::NowNs());
  });
}

TEST_F(HttpServerTest, PostBodyReachesTheHandler) {
  std::string body_seen;
  handler_ = [&](HttpRequest&& request, std::shared_ptr<HttpResponder> responder) {
    body_seen = request.body;
    responder->Send(201, "application/json", "{}");
  };
  StartServer();
  TestClient client(port_);
  const std::string body = R"({"model":"sim","prompt":"hi"})";
  ASSERT_TRUE(client.Send("POST /v1/completions HTTP/1.1\r\nHost: t\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body));
  const Response response = client.ReadResponse();
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.body, "{}");
  RunOnLoop([&] { EXPECT_EQ(body_seen, body); });
}

TEST_F(HttpServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  handler_ = [](HttpRequest&& request, std::shared_ptr<HttpResponder> responder) {
    responder->Send(200, "text/plain", request.target);
  };
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.Send(Get("/one")));
  const Response first = client.ReadResponse();
  ASSERT_TRUE(client.Send(Get("/two")));
  const Response second = client.ReadResponse();
  EXPECT_EQ(first.body, "/one");
  EXPECT_EQ(second.body, "/two");
  EXPECT_EQ(requests_seen_.load(), 2);
  EXPECT_EQ(ConnectionCount(), 1u);
}

TEST_F(HttpServerTest, PipelinedRequestsAreServedOneAtATimeInOrder) {
  handler_ = [&](HttpRequest&& request, std::shared_ptr<HttpResponder> responder) {
    EXPECT_EQ(request.target, requests_seen_.load() == 1 ? "/first" : "/second");
    responders_.push_back(std::move(responder));
  };
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.Send(Get("/first") + Get("/second")));
  ASSERT_TRUE(WaitFor([&] { return requests_seen_.load() == 1; }));
  RunOnLoop([&] {
    EXPECT_EQ(requests_seen_.load(), 1);  // the second waits for the first response to end
    responders_[0]->Send(200, "text/plain", "A");
  });
  ASSERT_TRUE(WaitFor([&] { return requests_seen_.load() == 2; }));
  RunOnLoop([&] { responders_[1]->Send(200, "text/plain", "B"); });
  EXPECT_EQ(client.ReadResponse().body, "A");
  EXPECT_EQ(client.ReadResponse().body, "B");
}

TEST_F(HttpServerTest, ChunkedStreamDeliversEveryWriteAsAChunk) {
  handler_ = [](HttpRequest&&, std::shared_ptr<HttpResponder> responder) {
    responder->BeginStream(200, "text/event-stream");
    responder->Write("data: a\n\n");
    responder->Write("data: bb\n\n");
    responder->Write("");  // ignored: an empty chunk would end the stream
    responder->Write("data: ccc\n\n");
    responder->EndStream();
  };
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.Send(Get("/stream")));
  const Response response = client.ReadResponse();
  EXPECT_TRUE(response.complete);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.Header("transfer-encoding"), "chunked");
  EXPECT_EQ(response.Header("content-type"), "text/event-stream");
  EXPECT_FALSE(response.HasHeader("content-length"));
  EXPECT_EQ(response.body, "data: a\n\ndata: bb\n\ndata: ccc\n\n");
  EXPECT_EQ(response.chunk_sizes, (std::vector<std::size_t>{9, 10, 11}));
}

TEST_F(HttpServerTest, StreamWrittenAcrossLoopTurns) {
  handler_ = [&](HttpRequest&&, std::shared_ptr<HttpResponder> responder) {
    responder->BeginStream(200, "text/event-stream");
    responders_.push_back(std::move(responder));
  };
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.Send(Get("/stream")));
  ASSERT_TRUE(WaitFor([&] { return requests_seen_.load() == 1; }));
  std::string expected;
  for (int i = 0; i < 20; ++i) {
    const std::string event = "data: " + std::to_string(i) + "\n\n";
    expected += event;
    RunOnLoop([&] { responders_[0]->Write(event); });
  }
  RunOnLoop([&] { responders_[0]->EndStream(); });
  const Response response = client.ReadResponse();
  EXPECT_TRUE(response.complete);
  EXPECT_EQ(response.body, expected);
  EXPECT_EQ(response.chunk_sizes.size(), 20u);
}

TEST_F(HttpServerTest, PendingBytesCountsUnflushedOutput) {
  std::atomic<std::size_t> before_flush{0};
  std::atomic<std::size_t> after_flush{99};
  handler_ = [&](HttpRequest&&, std::shared_ptr<HttpResponder> responder) {
    responder->BeginStream(200, "text/event-stream");
    responder->Write("data: x\n\n");
    before_flush = responder->pending_bytes();  // nothing written yet this turn
    // Runs after the flush posted by the writes above.
    loop_.Post([&, responder] {
      after_flush = responder->pending_bytes();
      responder->EndStream();
    });
  };
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.Send(Get("/")));
  const Response response = client.ReadResponse();
  EXPECT_TRUE(response.complete);
  EXPECT_GT(before_flush.load(), 9u);  // headers + chunk framing + data
  EXPECT_EQ(after_flush.load(), 0u);
}

TEST_F(HttpServerTest, EndStreamThenNextRequestOnSameConnection) {
  handler_ = [](HttpRequest&& request, std::shared_ptr<HttpResponder> responder) {
    if (request.Path() == "/stream") {
      responder->BeginStream(200, "text/event-stream");
      responder->Write("data: 1\n\n");
      responder->EndStream();
    } else {
      responder->Send(200, "text/plain", "plain");
    }
  };
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.Send(Get("/stream")));
  const Response streamed = client.ReadResponse();
  ASSERT_TRUE(client.Send(Get("/plain")));
  const Response plain = client.ReadResponse();
  ASSERT_TRUE(client.Send(Get("/stream")));
  const Response streamed_again = client.ReadResponse();
  EXPECT_TRUE(streamed.complete);
  EXPECT_EQ(streamed.body, "data: 1\n\n");
  EXPECT_EQ(plain.body, "plain");
  EXPECT_TRUE(streamed_again.complete);
  EXPECT_EQ(streamed_again.body, "data: 1\n\n");
  EXPECT_EQ(ConnectionCount(), 1u);
}

TEST_F(HttpServerTest, AbortMidStreamClosesBeforeTheTerminatingChunk) {
  handler_ = [&](HttpRequest&&, std::shared_ptr<HttpResponder> responder) {
    responder->BeginStream(200, "text/event-stream");
    responder->Write("data: first\n\n");
    responder->OnClose([&] { ++on_close_calls_; });
    responders_.push_back(std::move(responder));
  };
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.Send(Get("/stream")));
  ASSERT_TRUE(WaitFor([&] { return requests_seen_.load() == 1; }));
  RunOnLoop([&] {
    responders_[0]->Abort();
    EXPECT_TRUE(responders_[0]->closed());
    responders_[0]->Write("data: dropped\n\n");
    responders_[0]->EndStream();
    EXPECT_EQ(responders_[0]->pending_bytes(), 0u);
  });
  const Response response = client.ReadResponse();
  EXPECT_EQ(response.status, 200);
  EXPECT_FALSE(response.complete);
  EXPECT_EQ(response.body.find("dropped"), std::string::npos);
  EXPECT_TRUE(client.WaitForEof());
  EXPECT_EQ(ConnectionCount(), 0u);
  EXPECT_EQ(on_close_calls_.load(), 0);  // the producer aborted; it is not told about it
}

TEST_F(HttpServerTest, ClientDisconnectMidStreamFiresOnCloseOnce) {
  handler_ = [&](HttpRequest&&, std::shared_ptr<HttpResponder> responder) {
    responder->BeginStream(200, "text/event-stream");
    responder->Write("data: x\n\n");
    responder->OnClose([&] { ++on_close_calls_; });
    responders_.push_back(std::move(responder));
  };
  StartServer();
  {
    TestClient client(port_);
    ASSERT_TRUE(client.Send(Get("/stream")));
    ASSERT_TRUE(WaitFor([&] { return requests_seen_.load() == 1; }));
  }  // the client goes away mid-stream
  ASSERT_TRUE(WaitFor([&] { return on_close_calls_.load() == 1; }));
  RunOnLoop([&] {
    EXPECT_TRUE(responders_[0]->closed());
    responders_[0]->Write("data: late\n\n");  // dropped, no crash
    responders_[0]->EndStream();
    EXPECT_EQ(responders_[0]->pending_bytes(), 0u);
    EXPECT_EQ(server_->connection_count(), 0u);
  });
  RunOnLoop([] {});
  EXPECT_EQ(on_close_calls_.load(), 1);
}

TEST_F(HttpServerTest, OnCloseRegisteredAfterDisconnectStillFires) {
  handler_ = [&](HttpRequest&&, std::shared_ptr<HttpResponder> responder) {
    responder->BeginStream(200, "text/event-stream");
    responders_.push_back(std::move(responder));
  };
  StartServer();
  {
    TestClient client(port_);
    ASSERT_TRUE(client.Send(Get("/stream")));
    ASSERT_TRUE(WaitFor([&] { return requests_seen_.load() == 1; }));
  }
  ASSERT_TRUE(WaitFor([&] { return ConnectionCount() == 0; }));
  RunOnLoop([&] { responders_[0]->OnClose([&] { ++on_close_calls_; }); });
  EXPECT_TRUE(WaitFor([&] { return on_close_calls_.load() == 1; }));
}

TEST_F(HttpServerTest, OversizeBodyGets413FromErrorBody) {
  HttpServerOptions options;
  options.max_body_bytes = 10;
  options.error_body = [](int status, std::string_view message) {
    return "{\"status\":" + std::to_string(status) + ",\"message\":\"" + std::string(message) +
           "\"}";
  };
  options.error_content_type = "application/json";
  handler_ = [](HttpRequest&&, std::shared_ptr<HttpResponder> responder) {
    responder->Send(200, "text/plain", "should not happen");
  };
  StartServer(std::move(options));
  TestClient client(port_);
  ASSERT_TRUE(
      client.Send("POST /v1/completions HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n" +
                  std::string(100, 'x')));
  const Response response = client.ReadResponse();
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(response.Header("content-type"), "application/json");
  EXPECT_EQ(response.Header("connection"), "close");
  EXPECT_EQ(response.body.rfind("{\"status\":413,", 0), 0u) << response.body;
  EXPECT_TRUE(client.WaitForEof());
  EXPECT_EQ(requests_seen_.load(), 0);
}

TEST_F(HttpServerTest, OversizeChunkedBodyGets413) {
  HttpServerOptions options;
  options.max_body_bytes = 10;
  handler_ = [](HttpRequest&&, std::shared_ptr<HttpResponder> responder) {
    responder->Send(200, "text/plain", "should not happen");
  };
  StartServer(std::move(options));
  TestClient client(port_);
  ASSERT_TRUE(client.Send(
      "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n"
      "8\r\n12345678\r\n0\r\n\r\n"));
  const Response response = client.ReadResponse();
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(response.Header("content-type"), "text/plain");
  EXPECT_TRUE(client.WaitForEof());
}

TEST_F(HttpServerTest, GarbageGets400AndClose) {
  handler_ = [](HttpRequest&&, std::shared_ptr<HttpResponder> responder) {
    responder->Send(200, "text/plain", "should not happen");
  };
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.Send("GARBAGE\r\n\r\n"));
  const Response response = client.ReadResponse();
  EXPECT_EQ(response.status, 400);
  EXPECT_TRUE(response.complete);
  EXPECT_NE(response.body.find("malformed"), std::string::npos) << response.body;
  EXPECT_TRUE(client.WaitForEof());
  EXPECT_EQ(requests_seen_.load(), 0);
}

TEST_F(HttpServerTest, HugeHeaderGets431) {
  HttpServerOptions options;
  options.max_header_bytes = 1024;
  handler_ = [](HttpRequest&&, std::shared_ptr<HttpResponder> responder) {
    responder->Send(200, "text/plain", "should not happen");
  };
  StartServer(std::move(options));
  TestClient client(port_);
  ASSERT_TRUE(client.Send(Get("/", "X-Big: " + std::string(4096, 'a') + "\r\n")));
  const Response response = client.ReadResponse();
  EXPECT_EQ(response.status, 431);
  EXPECT_TRUE(client.WaitForEof());
}

TEST_F(HttpServerTest, ValidRequestBeforeGarbageIsStillAnswered) {
  handler_ = [](HttpRequest&&, std::shared_ptr<HttpResponder> responder) {
    responder->Send(200, "text/plain", "ok");
  };
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.Send(Get("/") + "GARBAGE\r\n\r\n"));
  EXPECT_EQ(client.ReadResponse().status, 200);
  EXPECT_EQ(client.ReadResponse().status, 400);
  EXPECT_TRUE(client.WaitForEof());
}

TEST_F(HttpServerTest, DripModeDeliversIdenticalBytes) {
  std::atomic<std::size_t> pending_after_first_write{0};
  const std::vector<std::string> events = {"data: {\"a\":1}\n\n", "data: {\"b\":22}\n\n",
                                           "data: [DONE]\n\n"};
  handler_ = [&](HttpRequest&& request, std::shared_ptr<HttpResponder> responder) {
    if (request.Path() == "/drip") responder->SetDrip(4, 2 * kMs);
    responder->BeginStream(200, "text/event-stream");
    for (const std::string& event : events) responder->Write(event);
    responder->EndStream();
    if (request.Path() == "/drip") {
      // Runs after the first (4-byte) write: the rest is still waiting for its turn.
      loop_.Post([&, responder] { pending_after_first_write = responder->pending_bytes(); });
    }
  };
  StartServer();
  TestClient plain_client(port_);
  ASSERT_TRUE(plain_client.Send(Get("/plain")));
  const Response plain = plain_client.ReadResponse();
  TestClient drip_client(port_);
  ASSERT_TRUE(drip_client.Send(Get("/drip")));
  const Response dripped = drip_client.ReadResponse();
  EXPECT_TRUE(plain.complete);
  EXPECT_TRUE(dripped.complete);
  EXPECT_EQ(dripped.body, plain.body);
  EXPECT_EQ(dripped.chunk_sizes, plain.chunk_sizes);
  EXPECT_GT(pending_after_first_write.load(), 40u);
  // Drip ends with its response: the next request on the connection is not dripped.
  ASSERT_TRUE(drip_client.Send(Get("/plain")));
  EXPECT_EQ(drip_client.ReadResponse().body, plain.body);
}

TEST_F(HttpServerTest, ConnectionCloseRequestClosesAfterResponse) {
  handler_ = [](HttpRequest&&, std::shared_ptr<HttpResponder> responder) {
    responder->Send(200, "text/plain", "bye");
  };
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.Send(Get("/", "Connection: close\r\n")));
  const Response response = client.ReadResponse();
  EXPECT_EQ(response.body, "bye");
  EXPECT_EQ(response.Header("connection"), "close");
  EXPECT_TRUE(client.WaitForEof());
}

TEST_F(HttpServerTest, Http10StreamEndsWithTheConnection) {
  handler_ = [](HttpRequest&&, std::shared_ptr<HttpResponder> responder) {
    responder->BeginStream(200, "text/event-stream");
    responder->Write("data: a\n\n");
    responder->Write("data: b\n\n");
    responder->EndStream();
  };
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.Send("GET / HTTP/1.0\r\n\r\n"));
  const Response response = client.ReadResponse();
  EXPECT_FALSE(response.HasHeader("transfer-encoding"));
  EXPECT_EQ(response.body, "data: a\n\ndata: b\n\n");
  EXPECT_TRUE(response.complete);  // by EOF
}

TEST_F(HttpServerTest, ExpectContinueGets100BeforeTheBody) {
  handler_ = [](HttpRequest&& request, std::shared_ptr<HttpResponder> responder) {
    responder->Send(200, "text/plain", request.body);
  };
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.Send(
      "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  const Response interim = client.ReadResponse();
  EXPECT_EQ(interim.status, 100);
  ASSERT_TRUE(client.Send("hello"));
  const Response response = client.ReadResponse();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "hello");
}

TEST_F(HttpServerTest, DroppedResponderAnswers500) {
  handler_ = [](HttpRequest&&, std::shared_ptr<HttpResponder>) {};
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.Send(Get("/")));
  const Response response = client.ReadResponse();
  EXPECT_EQ(response.status, 500);
  EXPECT_TRUE(client.WaitForEof());
}

TEST_F(HttpServerTest, CloseEndsOpenConnectionsAndNotifiesStreams) {
  handler_ = [&](HttpRequest&&, std::shared_ptr<HttpResponder> responder) {
    responder->BeginStream(200, "text/event-stream");
    responder->OnClose([&] { ++on_close_calls_; });
    responders_.push_back(std::move(responder));
  };
  StartServer();
  TestClient streaming(port_);
  TestClient idle(port_);
  ASSERT_TRUE(streaming.Send(Get("/stream")));
  ASSERT_TRUE(WaitFor([&] { return requests_seen_.load() == 1; }));
  ASSERT_TRUE(WaitFor([&] { return ConnectionCount() == 2; }));
  RunOnLoop([&] {
    server_->Close();
    EXPECT_EQ(server_->connection_count(), 0u);
  });
  EXPECT_TRUE(streaming.WaitForEof());
  EXPECT_TRUE(idle.WaitForEof());
  EXPECT_EQ(on_close_calls_.load(), 1);
  TestClient late(port_);
  EXPECT_FALSE(late.connected());  // no longer accepting
}

TEST_F(HttpServerTest, DestroyingServerWithBusyConnectionsIsSafe) {
  handler_ = [&](HttpRequest&&, std::shared_ptr<HttpResponder> responder) {
    responder->BeginStream(200, "text/event-stream");
    responder->Write(std::string(1 << 20, 'x'));  // more than the socket takes at once
    responders_.push_back(std::move(responder));
  };
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.Send(Get("/")));
  ASSERT_TRUE(WaitFor([&] { return requests_seen_.load() == 1; }));
  RunOnLoop([&] { server_.reset(); });  // responders_ still hold their connections
  RunOnLoop([&] {
    EXPECT_TRUE(responders_[0]->closed());
    responders_[0]->Write("late");
    responders_.clear();
  });
  EXPECT_TRUE(client.WaitForEof());
}

TEST_F(HttpServerTest, LargeStreamCompletesThroughBackpressure) {
  constexpr std::size_t kChunk = 64 * 1024;
  constexpr int kChunks = 64;  // 4 MiB: far more than the socket buffers take at once
  handler_ = [&](HttpRequest&& request, std::shared_ptr<HttpResponder> responder) {
    if (request.Path() == "/small") {
      responder->Send(200, "text/plain", "small");
      return;
    }
    responder->BeginStream(200, "application/octet-stream");
    for (int i = 0; i < kChunks; ++i) {
      responder->Write(std::string(kChunk, static_cast<char>('a' + i % 26)));
    }
    responder->EndStream();
  };
  StartServer();
  TestClient client(port_);
  ASSERT_TRUE(client.Send(Get("/big")));
  const Response big = client.ReadResponse();
  ASSERT_TRUE(big.complete);
  ASSERT_EQ(big.body.size(), kChunk * kChunks);
  for (int i = 0; i < kChunks; ++i) {
    ASSERT_EQ(big.body[static_cast<std::size_t>(i) * kChunk], static_cast<char>('a' + i % 26));
  }
  ASSERT_TRUE(client.Send(Get("/small")));
  EXPECT_EQ(client.ReadResponse().body, "small");
}

TEST_F(HttpServerTest, ManyConcurrentStreamsEachGetTheirOwnBytes) {
  constexpr int kClients = 16;
  constexpr int kEvents = 50;
  handler_ = [&](HttpRequest&& request, std::shared_ptr<HttpResponder> responder) {
    responder->BeginStream(200, "text/event-stream");
    responder->Write("data: " + request.target + "\n\n");
    responders_.push_back(std::move(responder));
  };
  StartServer();
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.push_back(std::make_unique<TestClient>(port_));
    ASSERT_TRUE(clients.back()->Send(Get("/c" + std::to_string(c))));
  }
  ASSERT_TRUE(WaitFor([&] { return requests_seen_.load() == kClients; }));
  RunOnLoop([&] {
    // Interleaved writes in one loop turn, as a batched engine step would make them.
    for (int e = 0; e < kEvents; ++e) {
      for (auto& responder : responders_) responder->Write("data: " + std::to_string(e) + "\n\n");
    }
    for (auto& responder : responders_) responder->EndStream();
  });
  std::string events;
  for (int e = 0; e < kEvents; ++e) events += "data: " + std::to_string(e) + "\n\n";
  for (int c = 0; c < kClients; ++c) {
    const Response response = clients[static_cast<std::size_t>(c)]->ReadResponse();
    EXPECT_TRUE(response.complete);
    EXPECT_EQ(response.body, "data: /c" + std::to_string(c) + "\n\n" + events);
    EXPECT_EQ(response.chunk_sizes.size(), static_cast<std::size_t>(kEvents + 1));
  }
}

TEST_F(HttpServerTest, ListenErrorNamesTheAddress) {
  StartServer();
  HttpServerOptions options;
  options.port = port_;  // taken by the fixture's server
  RunOnLoop([&] {
    HttpServer second(
        loop_, [](HttpRequest&&, std::shared_ptr<HttpResponder>) {}, options);
    const Status status = second.Listen();
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.message().find("127.0.0.1:" + std::to_string(port_)), std::string::npos)
        << status.message();
  });
  HttpServerOptions bad;
  bad.bind_address = "not-an-address";
  RunOnLoop([&] {
    HttpServer third(
        loop_, [](HttpRequest&&, std::shared_ptr<HttpResponder>) {}, bad);
    const Status status = third.Listen();
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.message().find("not-an-address"), std::string::npos) << status.message();
  });
}

// The process runs out of descriptors while a client waits in the accept queue: the server must
// back off and accept it once descriptors are available again, not stop accepting.
TEST_F(HttpServerTest, KeepsAcceptingAfterRunningOutOfDescriptors) {
  handler_ = [](HttpRequest&&, std::shared_ptr<HttpResponder> responder) {
    responder->Send(200, "text/plain", "accepted");
  };
  StartServer();
  TestClient client(port_, /*connect_now=*/false);  // its descriptor exists before the limit
  rlimit original{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &original), 0);
  const int lowest_free = ::dup(0);
  ASSERT_GE(lowest_free, 0);
  ::close(lowest_free);
  rlimit exhausted = original;
  exhausted.rlim_cur = static_cast<rlim_t>(lowest_free);  // no new descriptor can be made
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &exhausted), 0);
  const bool connected = client.Connect() && client.Send(Get("/"));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // accept fails with EMFILE
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &original), 0);
  ASSERT_TRUE(connected);
  const Response response = client.ReadResponse();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "accepted");
}

// Another module's teardown order: stop the loop, destroy the server off-loop, then the loop
// (which destroys the handlers still queued, some owning connections).
TEST(HttpServerTeardownTest, ServerDestroyedAfterLoopStoppedIsSafe) {
  auto loop = std::make_unique<EventLoop>();
  std::shared_ptr<HttpResponder> held;
  auto server = std::make_unique<HttpServer>(
      *loop, [&](HttpRequest&&, std::shared_ptr<HttpResponder> responder) {
        responder->BeginStream(200, "text/event-stream");
        responder->Write("data: x\n\n");
        held = std::move(responder);
      });
  ASSERT_TRUE(server->Listen().ok());
  std::thread runner([&] { loop->Run(); });
  TestClient client(server->port());
  ASSERT_TRUE(client.Send(Get("/")));
  ASSERT_TRUE(WaitFor([&] {
    std::promise<bool> seen;
    std::future<bool> answer = seen.get_future();
    loop->Post([&] { seen.set_value(held != nullptr); });
    return answer.get();
  }));
  loop->Stop();
  runner.join();
  server.reset();
  held.reset();
  loop.reset();
  EXPECT_TRUE(client.WaitForEof());
}

TEST(RaiseFileDescriptorLimitTest, SoftLimitReachesHardLimit) {
  const uint64_t soft = RaiseFileDescriptorLimit();
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  EXPECT_EQ(limit.rlim_cur, limit.rlim_max);
  EXPECT_GT(soft, 0u);
}

}  // namespace
}  // namespace inferbench::net
