#include "net/client_connection.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "net/closed_port.h"
#include "net/http_server.h"

namespace inferbench::net {
namespace {

// Polls `done` until it holds, for at most 10 s.
bool WaitFor(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return done();
}

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


std::string Request(std::string_view target, bool close) {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n" +
         (close ? "Connection: close\r\n" : "") + "\r\n";
}

// Everything one connection reported, written on the client loop, read by the test thread.
struct Trace {
  mutable std::mutex mutex;
  std::string bytes;
  std::vector<int64_t> read_ns;
  std::vector<int64_t> sent_ns;
  std::optional<Status> connected;
  std::optional<Status> closed;
  int closed_calls = 0;
  // Callbacks that got back from their hook. Touching the callback's captures after a hook
  // closed or destroyed the connection is what ASan checks.
  int hooks_returned = 0;

  std::string Bytes() const {
    std::lock_guard<std::mutex> lock(mutex);
    return bytes;
  }
  std::size_t Reads() const {
    std::lock_guard<std::mutex> lock(mutex);
    return read_ns.size();
  }
  bool HasConnected() const {
    std::lock_guard<std::mutex> lock(mutex);
    return connected.has_value();
  }
  bool HasClosed() const {
    std::lock_guard<std::mutex> lock(mutex);
    return closed.has_value();
  }
  bool EndsWith(std::string_view tail) const {
    std::lock_guard<std::mutex> lock(mutex);
    return bytes.size() >= tail.size() &&
           bytes.compare(bytes.size() - tail.size(), tail.size(), tail) == 0;
  }
};

// Test-specific reactions of one connection, run on the client loop.
struct Hooks {
  std::function<void(std::string_view)> on_data = nullptr;  // after the bytes were recorded
  std::function<void()> on_closed = nullptr;                // after the status was recorded
  std::function<void()> on_done = nullptr;                  // after the connect status was recorded
  std::string write_now = "";  // written right after Connect(), in the same loop turn
};

class ClientConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_thread_ = std::thread([this] { server_loop_.Run(); });
    client_thread_ = std::thread([this] { client_loop_.Run(); });
  }

  void TearDown() override {
    RunOn(client_loop_, [&] { connections_.clear(); });
    RunOn(server_loop_, [&] {
      responders_.clear();
      server_.reset();
    });
    DrainLoop(client_loop_);
    DrainLoop(server_loop_);
    client_loop_.Stop();
    server_loop_.Stop();
    client_thread_.join();
    server_thread_.join();
  }

  // Runs `fn` on `loop` and waits (bounded) for it.
  static void RunOn(EventLoop& loop, const std::function<void()>& fn) {
    std::promise<void> done;
    std::future<void> finished = done.get_future();
    loop.Post([&] {
      fn();
      done.set_value();
    });
    if (finished.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      ADD_FAILURE() << "event loop did not run a posted task within 10 s";
      std::abort();  // the posted task references this stack frame
    }
  }

  void StartServer(HttpHandler handler) {
    bool listening = false;
    RunOn(server_loop_, [&] {
      server_ = std::make_unique<HttpServer>(server_loop_, std::move(handler));
      const Status status = server_->Listen();
      EXPECT_TRUE(status.ok()) << status.message();
      listening = status.ok();
      port_ = server_->port();
    });
    ASSERT_TRUE(listening);
  }

  std::size_t ServerConnections() {
    std::size_t count = 0;
    RunOn(server_loop_, [&] { count = server_->connection_count(); });
    return count;
  }

  // Creates connection `id` on the client loop with handlers recording into `trace`.
  void Open(int id, Endpoint endpoint, Trace& trace, Hooks hooks = {}) {
    RunOn(client_loop_, [&, id] { OpenOnLoop(id, endpoint, trace, hooks); });
  }

  // Open() for code already on the client loop.
  void OpenOnLoop(int id, const Endpoint& endpoint, Trace& trace, const Hooks& hooks) {
    std::function<void(std::string_view)> on_data = hooks.on_data;
    std::function<void()> on_closed = hooks.on_closed;
    std::function<void()> on_done = hooks.on_done;
    {
      connections_[id] = NewClientConnection(client_loop_, endpoint);
      ClientConnection::Handlers handlers;
      handlers.on_data = [&trace, on_data](std::string_view bytes, int64_t read_ns) {
        {
          std::lock_guard<std::mutex> lock(trace.mutex);
          trace.bytes.append(bytes);
          trace.read_ns.push_back(read_ns);
        }
        if (on_data) {
          on_data(bytes);
          std::lock_guard<std::mutex> lock(trace.mutex);
          ++trace.hooks_returned;
        }
      };
      handlers.on_closed = [&trace, on_closed](Status status) {
        {
          std::lock_guard<std::mutex> lock(trace.mutex);
          trace.closed = status;
          ++trace.closed_calls;
        }
        if (on_closed) {
          on_closed();
          std::lock_guard<std::mutex> lock(trace.mutex);
          ++trace.hooks_returned;
        }
      };
      connections_[id]->Connect(std::move(handlers), [&trace, on_done](Status status) {
        {
          std::lock_guard<std::mutex> lock(trace.mutex);
          trace.connected = status;
        }
        if (on_done) {
          on_done();
          std::lock_guard<std::mutex> lock(trace.mutex);
          ++trace.hooks_returned;
        }
      });
      if (!hooks.write_now.empty()) {
        connections_[id]->Write(hooks.write_now, [&trace](int64_t sent_ns) {
          std::lock_guard<std::mutex> lock(trace.mutex);
          trace.sent_ns.push_back(sent_ns);
        });
      }
    }
  }

  // Writes on the client loop, recording the `sent` time into `trace`.
  void Write(int id, std::string bytes, Trace& trace) {
    RunOn(client_loop_, [&, id] {
      ASSERT_TRUE(connections_.count(id));
      connections_[id]->Write(std::move(bytes), [&trace](int64_t sent_ns) {
        std::lock_guard<std::mutex> lock(trace.mutex);
        trace.sent_ns.push_back(sent_ns);
      });
    });
  }

  bool IsOpen(int id) {
    bool open = false;
    RunOn(client_loop_, [&] { open = connections_.count(id) && connections_[id]->is_open(); });
    return open;
  }

  Endpoint Local() const { return Endpoint{"127.0.0.1", port_, false, true}; }

  EventLoop server_loop_;
  EventLoop client_loop_;
  std::thread server_thread_;
  std::thread client_thread_;
  std::unique_ptr<HttpServer> server_;                            // server loop only
  std::vector<std::shared_ptr<HttpResponder>> responders_;        // server loop only
  std::map<int, std::unique_ptr<ClientConnection>> connections_;  // client loop only
  uint16_t port_ = 0;
};

const std::string kBigBody = [] {
  std::string body;
  for (int i = 0; body.size() < 300 * 1024; ++i)
    body += "data: token " + std::to_string(i) + "\n\n";
  return body + "END";
}();

HttpHandler BigBodyHandler() {
  return [](HttpRequest&&, std::shared_ptr<HttpResponder> responder) {
    responder->Send(200, "text/event-stream", kBigBody);
  };
}

TEST_F(ClientConnectionTest, ReadsEveryByteWithOneMonotonicTimestampPerRead) {
  StartServer(BigBodyHandler());
  Trace trace;
  const int64_t before_ns = EventLoop::NowNs();
  Open(1, Local(), trace);
  ASSERT_TRUE(WaitFor([&] { return trace.HasConnected(); }));
  ASSERT_TRUE(trace.connected->ok()) << trace.connected->message();
  EXPECT_TRUE(IsOpen(1));
  Write(1, Request("/big", false), trace);
  ASSERT_TRUE(WaitFor([&] { return trace.EndsWith("END"); }));

  std::lock_guard<std::mutex> lock(trace.mutex);
  EXPECT_EQ(trace.bytes.compare(0, 15, "HTTP/1.1 200 OK"), 0);
  EXPECT_NE(trace.bytes.find(kBigBody), std::string::npos);
  // 300 KiB cannot arrive in one 64 KiB read.
  EXPECT_GE(trace.read_ns.size(), 5u);
  ASSERT_EQ(trace.sent_ns.size(), 1u);
  EXPECT_GE(trace.sent_ns[0], before_ns);
  EXPECT_LE(trace.sent_ns[0], trace.read_ns.front());
  for (std::size_t i = 1; i < trace.read_ns.size(); ++i) {
    EXPECT_LE(trace.read_ns[i - 1], trace.read_ns[i]) << "read " << i;
  }
  EXPECT_LE(trace.read_ns.back(), EventLoop::NowNs());
  EXPECT_FALSE(trace.closed.has_value());  // keep-alive: still open
}

TEST_F(ClientConnectionTest, PeerCloseReportsOkOnce) {
  StartServer([](HttpRequest&&, std::shared_ptr<HttpResponder> responder) {
    responder->Send(200, "text/plain", "bye");
  });
  Trace trace;
  Open(1, Local(), trace);
  Write(1, Request("/", true), trace);
  ASSERT_TRUE(WaitFor([&] { return trace.HasClosed(); }));
  EXPECT_FALSE(IsOpen(1));  // also lets any late callback run first
  std::lock_guard<std::mutex> lock(trace.mutex);
  EXPECT_TRUE(trace.closed->ok()) << trace.closed->message();
  EXPECT_EQ(trace.closed_calls, 1);
  EXPECT_NE(trace.bytes.find("\r\n\r\nbye"), std::string::npos);
}

TEST_F(ClientConnectionTest, RefusedConnectionNamesTheAddress) {
  const uint16_t port = ClosedPort();
  Trace trace;
  Open(1, Endpoint{"127.0.0.1", port, false, true}, trace);
  ASSERT_TRUE(WaitFor([&] { return trace.HasConnected(); }));
  std::lock_guard<std::mutex> lock(trace.mutex);
  ASSERT_FALSE(trace.connected->ok());
  EXPECT_EQ(trace.connected->message(),
            "connect to 127.0.0.1:" + std::to_string(port) + ": Connection refused");
  EXPECT_FALSE(trace.closed.has_value());  // a failed connect reports through `done` only
}

TEST_F(ClientConnectionTest, ResolvesHostNames) {
  StartServer([](HttpRequest&&, std::shared_ptr<HttpResponder> responder) {
    responder->Send(200, "text/plain", "named");
  });
  Trace trace;
  // "localhost" may resolve to ::1 first; the server listens on 127.0.0.1 only, so this also
  // checks that every resolved address is tried.
  Open(1, Endpoint{"localhost", port_, false, true}, trace, {.write_now = Request("/", true)});
  ASSERT_TRUE(WaitFor([&] { return trace.HasClosed(); }));
  std::lock_guard<std::mutex> lock(trace.mutex);
  ASSERT_TRUE(trace.connected.has_value());
  EXPECT_TRUE(trace.connected->ok()) << trace.connected->message();
  EXPECT_NE(trace.bytes.find("\r\n\r\nnamed"), std::string::npos);
}

TEST_F(ClientConnectionTest, WriteWhileConnectingGoesOutOnceConnected) {
  StartServer([](HttpRequest&& request, std::shared_ptr<HttpResponder> responder) {
    responder->Send(200, "text/plain", "early " + request.target);
  });
  Trace trace;
  Open(1, Local(), trace, {.write_now = Request("/first", true)});
  ASSERT_TRUE(WaitFor([&] { return trace.HasClosed(); }));
  std::lock_guard<std::mutex> lock(trace.mutex);
  EXPECT_NE(trace.bytes.find("early /first"), std::string::npos);
  ASSERT_EQ(trace.sent_ns.size(), 1u);
  ASSERT_FALSE(trace.read_ns.empty());
  EXPECT_LE(trace.sent_ns[0], trace.read_ns[0]);
}

TEST_F(ClientConnectionTest, PiecewiseWritesArriveInOrderWithOneSentTimeEach) {
  std::string seen_body;
  StartServer([&](HttpRequest&& request, std::shared_ptr<HttpResponder> responder) {
    seen_body = request.body;
    responder->Send(200, "text/plain", "got " + std::to_string(request.body.size()));
  });
  Trace trace;
  Open(1, Local(), trace);
  ASSERT_TRUE(WaitFor([&] { return trace.HasConnected(); }));
  RunOn(client_loop_, [&] {
    const std::vector<std::string> pieces = {"POST /p HTTP/1.1\r\nHost: t\r\nConnection: close\r\n",
                                             "Content-Length: 6\r\n\r\n", "abc", "def"};
    for (const std::string& piece : pieces) {
      connections_[1]->Write(piece, [&trace](int64_t sent_ns) {
        std::lock_guard<std::mutex> lock(trace.mutex);
        trace.sent_ns.push_back(sent_ns);
      });
    }
  });
  ASSERT_TRUE(WaitFor([&] { return trace.HasClosed(); }));
  RunOn(server_loop_, [&] { EXPECT_EQ(seen_body, "abcdef"); });
  std::lock_guard<std::mutex> lock(trace.mutex);
  EXPECT_NE(trace.bytes.find("got 6"), std::string::npos);
  ASSERT_EQ(trace.sent_ns.size(), 4u);
  for (std::size_t i = 1; i < trace.sent_ns.size(); ++i) {
    EXPECT_LE(trace.sent_ns[i - 1], trace.sent_ns[i]);
  }
}

TEST_F(ClientConnectionTest, LargeWriteWaitsForTheKernelAndCompletes) {
  // 16 MiB cannot go into the socket in one non-blocking send: exercises waiting for
  // writability and resuming.
  StartServer([](HttpRequest&& request, std::shared_ptr<HttpResponder> responder) {
    bool intact = true;
    for (std::size_t i = 0; i < request.body.size(); ++i) {
      if (request.body[i] != static_cast<char>('a' + i % 26)) {
        intact = false;
        break;
      }
    }
    responder->Send(200, "text/plain",
                    "size=" + std::to_string(request.body.size()) + (intact ? " intact" : " bad"));
  });
  std::string body(16u << 20, ' ');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i % 26);
  Trace trace;
  Open(1, Local(), trace,
       {.write_now = "POST /upload HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n" + body});
  ASSERT_TRUE(WaitFor([&] { return trace.HasClosed(); }));
  std::lock_guard<std::mutex> lock(trace.mutex);
  EXPECT_TRUE(trace.closed->ok()) << trace.closed->message();
  EXPECT_NE(trace.bytes.find("size=16777216 intact"), std::string::npos) << trace.bytes;
  EXPECT_EQ(trace.sent_ns.size(), 1u);
}

TEST_F(ClientConnectionTest, CloseInsideOnDataStopsAllCallbacks) {
  StartServer(BigBodyHandler());
  Trace trace;
  Open(1, Local(), trace,
       {.on_data = [this](std::string_view) { connections_[1]->Close(); },
        .write_now = Request("/big", false)});
  ASSERT_TRUE(WaitFor([&] { return trace.Reads() >= 1; }));
  // The server sees our side go away; by then nothing more can reach the client.
  ASSERT_TRUE(WaitFor([&] { return ServerConnections() == 0; }));
  RunOn(client_loop_, [&] {
    EXPECT_FALSE(connections_[1]->is_open());
    connections_[1]->Close();  // idempotent
    connections_[1]->Write("ignored");
  });
  RunOn(client_loop_, [] {});
  std::lock_guard<std::mutex> lock(trace.mutex);
  EXPECT_EQ(trace.read_ns.size(), 1u);
  EXPECT_EQ(trace.hooks_returned, 1);
  EXPECT_EQ(trace.closed_calls, 0);
}

TEST_F(ClientConnectionTest, DestroyingTheConnectionInsideOnDataIsSafe) {
  StartServer(BigBodyHandler());
  Trace trace;
  Open(1, Local(), trace,
       {.on_data = [this](std::string_view) { connections_.erase(1); },
        .write_now = Request("/big", false)});
  ASSERT_TRUE(WaitFor([&] { return trace.Reads() >= 1; }));
  ASSERT_TRUE(WaitFor([&] { return ServerConnections() == 0; }));
  RunOn(client_loop_, [&] { EXPECT_EQ(connections_.count(1), 0u); });
  std::lock_guard<std::mutex> lock(trace.mutex);
  EXPECT_EQ(trace.read_ns.size(), 1u);
  EXPECT_EQ(trace.hooks_returned, 1);
  EXPECT_EQ(trace.closed_calls, 0);
}

TEST_F(ClientConnectionTest, DestroyingTheConnectionInsideOnClosedIsSafe) {
  StartServer([](HttpRequest&&, std::shared_ptr<HttpResponder> responder) {
    responder->Send(200, "text/plain", "x");
  });
  Trace trace;
  Open(1, Local(), trace,
       {.on_closed = [this] { connections_.erase(1); }, .write_now = Request("/", true)});
  ASSERT_TRUE(WaitFor([&] { return trace.HasClosed(); }));
  RunOn(client_loop_, [&] { EXPECT_EQ(connections_.count(1), 0u); });
  std::lock_guard<std::mutex> lock(trace.mutex);
  EXPECT_TRUE(trace.closed->ok());
  EXPECT_EQ(trace.closed_calls, 1);
  EXPECT_EQ(trace.hooks_returned, 1);
}

TEST_F(ClientConnectionTest, DestroyingTheConnectionInsideConnectDoneIsSafe) {
  Trace refused;
  Open(1, Endpoint{"127.0.0.1", ClosedPort(), false, true}, refused,
       {.on_done = [this] { connections_.erase(1); }});
  ASSERT_TRUE(WaitFor([&] { return refused.HasConnected(); }));
  RunOn(client_loop_, [&] { EXPECT_EQ(connections_.count(1), 0u); });

  StartServer([](HttpRequest&&, std::shared_ptr<HttpResponder> responder) {
    responder->Send(200, "text/plain", "x");
  });
  Trace accepted;
  Open(2, Local(), accepted, {.on_done = [this] { connections_.erase(2); }});
  ASSERT_TRUE(WaitFor([&] { return accepted.HasConnected(); }));
  RunOn(client_loop_, [&] { EXPECT_EQ(connections_.count(2), 0u); });
  std::lock_guard<std::mutex> lock(accepted.mutex);
  EXPECT_TRUE(accepted.connected->ok());
  EXPECT_EQ(accepted.closed_calls, 0);
  EXPECT_EQ(accepted.hooks_returned, 1);
}

TEST_F(ClientConnectionTest, CloseWhileConnectingReportsNothing) {
  StartServer(BigBodyHandler());
  Trace trace;
  RunOn(client_loop_, [&] {
    OpenOnLoop(1, Local(), trace, {});
    connections_[1]->Close();
  });
  RunOn(client_loop_, [] {});
  RunOn(client_loop_, [] {});
  std::lock_guard<std::mutex> lock(trace.mutex);
  EXPECT_FALSE(trace.connected.has_value());
  EXPECT_FALSE(trace.closed.has_value());
}

TEST_F(ClientConnectionTest, ManyConcurrentConnectionsOnOneLoop) {
  RaiseFileDescriptorLimit();
  constexpr int kConnections = 200;
  StartServer([](HttpRequest&& request, std::shared_ptr<HttpResponder> responder) {
    responder->Send(200, "text/plain", "reply " + request.target);
  });
  std::vector<std::unique_ptr<Trace>> traces;
  for (int i = 0; i < kConnections; ++i) traces.push_back(std::make_unique<Trace>());
  RunOn(client_loop_, [&] {
    for (int i = 0; i < kConnections; ++i) {
      OpenOnLoop(i, Local(), *traces[i], {.write_now = Request("/n" + std::to_string(i), true)});
    }
  });
  ASSERT_TRUE(WaitFor([&] {
    for (const auto& trace : traces) {
      if (!trace->HasClosed()) return false;
    }
    return true;
  }));
  for (int i = 0; i < kConnections; ++i) {
    const Trace& trace = *traces[i];
    std::lock_guard<std::mutex> lock(trace.mutex);
    ASSERT_TRUE(trace.connected.has_value() && trace.connected->ok()) << i;
    EXPECT_TRUE(trace.closed->ok()) << i << ": " << trace.closed->message();
    EXPECT_NE(trace.bytes.find("\r\n\r\nreply /n" + std::to_string(i)), std::string::npos) << i;
    EXPECT_EQ(trace.sent_ns.size(), 1u) << i;
  }
}

TEST_F(ClientConnectionTest, TlsToPlainHttpServerFailsTheHandshakeCleanly) {
  StartServer([](HttpRequest&&, std::shared_ptr<HttpResponder> responder) {
    responder->Send(200, "text/plain", "plain");
  });
  for (const bool verify : {false, true}) {
    Trace trace;
    Open(verify ? 2 : 1, Endpoint{"127.0.0.1", port_, true, verify}, trace);
    ASSERT_TRUE(WaitFor([&] { return trace.HasConnected(); })) << "handshake hung";
    std::lock_guard<std::mutex> lock(trace.mutex);
    ASSERT_FALSE(trace.connected->ok());
    const std::string& message = trace.connected->message();
    EXPECT_EQ(message.rfind("TLS handshake with 127.0.0.1:" + std::to_string(port_) + ": ", 0), 0u)
        << message;
    EXPECT_FALSE(trace.closed.has_value());
  }
}

TEST(FormatHostPortTest, BracketsIpv6) {
  EXPECT_EQ(FormatHostPort("127.0.0.1", 8000), "127.0.0.1:8000");
  EXPECT_EQ(FormatHostPort("example.com", 443), "example.com:443");
  EXPECT_EQ(FormatHostPort("::1", 9), "[::1]:9");
}

}  // namespace
}  // namespace inferbench::net
