#include "client/http_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "client/openai_adapter.h"
#include "net/event_loop.h"
#include "net/http_server.h"
#include "net/run_on_loop_for_test.h"

namespace inferbench::client {
namespace {

using results::ErrorClass;
using results::TokenCountSource;
using ::testing::HasSubstr;

constexpr int64_t kMs = 1'000'000;
constexpr auto kWait = std::chrono::seconds(10);  // bound on every wait in these tests

const char* const kEvents[] = {
    "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":"
    "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
    "\"finish_reason\":null}]}\n\n",
    "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":"
    "[{\"index\":0,\"delta\":{\"content\":\"One\"},\"finish_reason\":null}]}\n\n",
    "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":"
    "[{\"index\":0,\"delta\":{\"content\":\" two\"},\"finish_reason\":null}]}\n\n",
    "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":"
    "[{\"index\":0,\"delta\":{\"content\":\" three\"},\"finish_reason\":\"length\"}]}\n\n",
    "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[],"
    "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":5,\"total_tokens\":17}}\n\n",
    "data: [DONE]\n\n",
};

// Answers with the recorded chat stream, one event per loop turn.
void StreamAnswer(net::EventLoop& loop, std::shared_ptr<net::HttpResponder> responder,
                  size_t next = 0) {
  if (next == 0) responder->BeginStream(200, "text/event-stream");
  if (next == std::size(kEvents)) {
    responder->EndStream();
    return;
  }
  responder->Write(kEvents[next]);
  loop.Post([&loop, responder, next] { StreamAnswer(loop, responder, next + 1); });
}

class HttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    thread_ = std::thread([this] { loop_.Run(); });
    handler_ = [this](net::HttpRequest&& request, std::shared_ptr<net::HttpResponder> responder) {
      StreamAnswer(loop_, std::move(responder));
      last_request_ = std::move(request);
    };
  }

  void TearDown() override {
    RunOnLoop([&] {
      client_.reset();
      held_.clear();
      server_.reset();
    });
    loop_.Stop();
    thread_.join();
  }

  // Starts a server whose requests go to handler_ (set it first), on `port` (0: any).
  void StartServer(uint16_t port = 0) {
    bool listening = false;
    RunOnLoop([&] {
      net::HttpServerOptions options;
      options.port = port;
      server_ = std::make_unique<net::HttpServer>(
          loop_,
          [this](net::HttpRequest&& request, std::shared_ptr<net::HttpResponder> responder) {
            ++requests_seen_;
            handler_(std::move(request), std::move(responder));
          },
          options);
      const Status status = server_->Listen();
      EXPECT_TRUE(status.ok()) << status.message();
      listening = status.ok();
      port_ = server_->port();
    });
    ASSERT_TRUE(listening);
  }

  void StartClient(ClientOptions options = {}) {
    RunOnLoop([&] {
      client_ = std::make_unique<HttpClient>(loop_, net::Endpoint{"127.0.0.1", port_}, options);
    });
  }

  std::string Request(std::vector<std::pair<std::string, std::string>> headers = {}) {
    Result<net::Url> url = net::ParseUrl("http://127.0.0.1:" + std::to_string(port_));
    EXPECT_TRUE(url.ok());
    HttpTarget target{*url, std::move(headers)};
    RequestOptions options;
    options.model = "m";
    options.max_tokens = 3;
    return RenderHttpRequest(target, ApiEndpoint::kChat,
                             RenderRequestBody(options, Prompt{"hello", {}}));
  }

  // Runs `fn` on the loop thread and waits (bounded) for it.
  void RunOnLoop(const std::function<void()>& fn) { net::RunOnLoopAndWait(loop_, fn); }


  // Sends `count` requests in one loop turn; returns futures of their outcomes.
  std::vector<std::future<HttpClient::Outcome>> SendMany(int count, const std::string& bytes) {
    std::vector<std::future<HttpClient::Outcome>> futures;
    RunOnLoop([&] {
      for (int i = 0; i < count; ++i) {
        auto promise = std::make_shared<std::promise<HttpClient::Outcome>>();
        futures.push_back(promise->get_future());
        client_->Send(bytes, [promise](HttpClient::Outcome&& outcome) {
          promise->set_value(std::move(outcome));
        });
      }
    });
    return futures;
  }

  HttpClient::Outcome Wait(std::future<HttpClient::Outcome>& future) {
    if (future.wait_for(kWait) != std::future_status::ready) {
      ADD_FAILURE() << "no outcome within 10 s";
      return {};
    }
    return future.get();
  }

  HttpClient::Outcome SendAndWait(const std::string& bytes) {
    auto futures = SendMany(1, bytes);
    return Wait(futures[0]);
  }

  // Waits (bounded) until the server has seen `count` requests.
  void WaitForRequests(int count) {
    const auto give_up = std::chrono::steady_clock::now() + kWait;
    while (requests_seen_.load() < count && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_GE(requests_seen_.load(), count);
  }

  template <typename T>
  T OnLoop(const std::function<T()>& fn) {
    T value{};
    RunOnLoop([&] { value = fn(); });
    return value;
  }

  net::EventLoop loop_;
  std::thread thread_;
  std::unique_ptr<net::HttpServer> server_;                // loop thread only
  std::unique_ptr<HttpClient> client_;                     // loop thread only
  net::HttpHandler handler_;                               // set before StartServer
  std::vector<std::shared_ptr<net::HttpResponder>> held_;  // loop thread only
  net::HttpRequest last_request_;                          // loop thread only
  std::atomic<int> requests_seen_{0};
  uint16_t port_ = 0;
};

void ExpectStreamMeasured(const HttpClient::Outcome& outcome) {
  const results::RequestRecord& r = outcome.record;
  EXPECT_TRUE(r.ok()) << r.error_message;
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(r.token_events, 3);
  EXPECT_EQ(r.output_tokens, 5);
  EXPECT_EQ(r.output_tokens_source, TokenCountSource::kUsage);
  EXPECT_EQ(r.input_tokens, 12);
  EXPECT_EQ(r.finish_reason, "length");
  EXPECT_GT(r.t_send_ns, 0);
  EXPECT_LE(r.t_send_ns, r.t_first_ns);
  EXPECT_LE(r.t_first_ns, r.t_second_ns);
  EXPECT_LE(r.t_second_ns, r.t_last_ns);
  EXPECT_LE(r.t_last_ns, r.t_done_ns);
  ASSERT_EQ(outcome.token_times.size(), 3u);
  EXPECT_EQ(outcome.token_times.front(), r.t_first_ns);
  EXPECT_EQ(outcome.token_times.back(), r.t_last_ns);
}

TEST_F(HttpClientTest, StreamingRequestIsMeasured) {
  StartServer();
  StartClient();
  const HttpClient::Outcome outcome = SendAndWait(Request({{"Authorization", "Bearer k"}}));
  ExpectStreamMeasured(outcome);
  EXPECT_EQ(outcome.record.retries, 0);
  RunOnLoop([&] {
    EXPECT_EQ(last_request_.method, "POST");
    EXPECT_EQ(last_request_.target, "/v1/chat/completions");
    EXPECT_EQ(last_request_.Header("Authorization"), "Bearer k");
    EXPECT_THAT(last_request_.body, HasSubstr("\"include_usage\":true"));
    EXPECT_EQ(client_->in_flight(), 0u);
  });
}

TEST_F(HttpClientTest, CollectTextPutsTheAnswerInTheOutcome) {
  StartServer();
  ClientOptions options;
  options.collect_text = true;
  StartClient(options);
  const HttpClient::Outcome outcome = SendAndWait(Request());
  ExpectStreamMeasured(outcome);
  EXPECT_EQ(outcome.text, "One two three");
  EXPECT_EQ(outcome.reasoning_text, "");
}

TEST_F(HttpClientTest, NoTextWithoutCollectText) {
  StartServer();
  StartClient();
  const HttpClient::Outcome outcome = SendAndWait(Request());
  EXPECT_EQ(outcome.text, "");
}

TEST_F(HttpClientTest, KeepAliveReusesOneConnectionForSequentialRequests) {
  StartServer();
  StartClient();
  const std::string bytes = Request();
  for (int i = 0; i < 10; ++i) {
    SCOPED_TRACE("request " + std::to_string(i));
    const HttpClient::Outcome outcome = SendAndWait(bytes);
    ExpectStreamMeasured(outcome);
    EXPECT_EQ(outcome.record.retries, 0);
  }
  RunOnLoop([&] {
    EXPECT_EQ(client_->connections_opened(), 1u);
    EXPECT_EQ(client_->idle_connections(), 1u);
    EXPECT_EQ(server_->connection_count(), 1u);
  });
}

TEST_F(HttpClientTest, ConcurrentRequestsOpenConnectionsThatAreThenReused) {
  StartServer();
  StartClient();
  const std::string bytes = Request();
  auto first_wave = SendMany(3, bytes);
  for (auto& future : first_wave) ExpectStreamMeasured(Wait(future));
  auto second_wave = SendMany(3, bytes);
  for (auto& future : second_wave) ExpectStreamMeasured(Wait(future));
  RunOnLoop([&] {
    EXPECT_EQ(client_->connections_opened(), 3u);
    EXPECT_EQ(client_->open_connections(), 3u);
  });
}

TEST_F(HttpClientTest, MaxConnectionsQueuesRequestsInOrder) {
  StartServer();
  ClientOptions options;
  options.max_connections = 1;
  StartClient(options);
  auto futures = SendMany(4, Request());
  int64_t previous_done = 0;
  for (auto& future : futures) {
    const HttpClient::Outcome outcome = Wait(future);
    ExpectStreamMeasured(outcome);
    EXPECT_GE(outcome.record.t_send_ns, previous_done);  // sent after the one before finished
    previous_done = outcome.record.t_done_ns;
  }
  RunOnLoop([&] { EXPECT_EQ(client_->connections_opened(), 1u); });
}

TEST_F(HttpClientTest, KeepAliveRaceIsRetriedOnceOnANewConnection) {
  // The second request meets a connection the server drops before answering, as when it closes
  // an idle connection just as the client reuses it.
  int calls = 0;
  handler_ = [&](net::HttpRequest&&, std::shared_ptr<net::HttpResponder> responder) {
    if (++calls == 2) {
      responder->Abort();
      return;
    }
    StreamAnswer(loop_, std::move(responder));
  };
  StartServer();
  StartClient();
  const std::string bytes = Request();
  ExpectStreamMeasured(SendAndWait(bytes));
  const HttpClient::Outcome outcome = SendAndWait(bytes);
  ExpectStreamMeasured(outcome);
  EXPECT_EQ(outcome.record.retries, 1);
  RunOnLoop([&] {
    EXPECT_EQ(calls, 3);
    EXPECT_EQ(client_->connections_opened(), 2u);
    EXPECT_EQ(client_->retries(), 1u);
  });
}

TEST_F(HttpClientTest, KeepAliveRaceWithAServerThatClosedTheIdleConnection) {
  StartServer();
  StartClient();
  const std::string bytes = Request();
  ExpectStreamMeasured(SendAndWait(bytes));
  std::future<HttpClient::Outcome> future;
  RunOnLoop([&] {
    // In one loop turn: the server closes every connection (and restarts on the same port);
    // the client, not having read the close yet, sends on its idle connection.
    server_->Close();
    server_.reset();
    net::HttpServerOptions options;
    options.port = port_;
    server_ = std::make_unique<net::HttpServer>(
        loop_,
        [this](net::HttpRequest&& request, std::shared_ptr<net::HttpResponder> responder) {
          ++requests_seen_;
          handler_(std::move(request), std::move(responder));
        },
        options);
    const Status status = server_->Listen();
    ASSERT_TRUE(status.ok()) << status.message();
    ASSERT_EQ(client_->idle_connections(), 1u);
    auto promise = std::make_shared<std::promise<HttpClient::Outcome>>();
    future = promise->get_future();
    client_->Send(bytes, [promise](HttpClient::Outcome&& outcome) {
      promise->set_value(std::move(outcome));
    });
  });
  ASSERT_TRUE(future.valid());
  const HttpClient::Outcome outcome = Wait(future);
  ExpectStreamMeasured(outcome);
  EXPECT_EQ(outcome.record.retries, 1);
  RunOnLoop([&] { EXPECT_EQ(client_->connections_opened(), 2u); });
}

TEST_F(HttpClientTest, FailureOnAFreshConnectionIsNotRetried) {
  handler_ = [&](net::HttpRequest&&, std::shared_ptr<net::HttpResponder> responder) {
    responder->Abort();
  };
  StartServer();
  StartClient();
  const HttpClient::Outcome outcome = SendAndWait(Request());
  EXPECT_EQ(outcome.record.error_class, ErrorClass::kDisconnect);
  EXPECT_THAT(outcome.record.error_message, HasSubstr("before any response byte"));
  EXPECT_EQ(outcome.record.retries, 0);
  EXPECT_EQ(requests_seen_.load(), 1);
  RunOnLoop([&] {
    EXPECT_EQ(client_->connections_opened(), 1u);
    EXPECT_EQ(client_->open_connections(), 0u);
  });
}

TEST_F(HttpClientTest, FailureAfterResponseBytesIsNotRetried) {
  int calls = 0;
  handler_ = [&](net::HttpRequest&&, std::shared_ptr<net::HttpResponder> responder) {
    if (++calls == 1) {
      StreamAnswer(loop_, std::move(responder));
      return;
    }
    responder->BeginStream(200, "text/event-stream");
    responder->Write(kEvents[1]);
    held_.push_back(responder);
    loop_.Post([responder] { responder->Abort(); });
  };
  StartServer();
  StartClient();
  const std::string bytes = Request();
  ExpectStreamMeasured(SendAndWait(bytes));
  const HttpClient::Outcome outcome = SendAndWait(bytes);
  EXPECT_EQ(outcome.record.error_class, ErrorClass::kDisconnect);
  EXPECT_EQ(outcome.record.retries, 0);
  RunOnLoop([&] { EXPECT_EQ(calls, 2); });
}

TEST_F(HttpClientTest, ConnectionCloseResponseIsNotReused) {
  StartServer();
  StartClient();
  const std::string bytes = Request({{"Connection", "close"}});
  ExpectStreamMeasured(SendAndWait(bytes));
  ExpectStreamMeasured(SendAndWait(bytes));
  RunOnLoop([&] {
    EXPECT_EQ(client_->connections_opened(), 2u);
    EXPECT_EQ(client_->idle_connections(), 0u);
  });
}

TEST_F(HttpClientTest, ServerErrorIsMeasuredAndTheConnectionKept) {
  handler_ = [&](net::HttpRequest&&, std::shared_ptr<net::HttpResponder> responder) {
    responder->Send(500, "application/json",
                    R"({"object":"error","message":"engine dead","type":"InternalServerError",)"
                    R"("param":null,"code":500})");
  };
  StartServer();
  StartClient();
  const HttpClient::Outcome outcome = SendAndWait(Request());
  EXPECT_EQ(outcome.record.error_class, ErrorClass::kHttp5xx);
  EXPECT_EQ(outcome.record.http_status, 500);
  EXPECT_THAT(outcome.record.error_message, HasSubstr("engine dead"));
  EXPECT_GT(outcome.record.t_send_ns, 0);
  RunOnLoop([&] { EXPECT_EQ(client_->idle_connections(), 1u); });
}

TEST_F(HttpClientTest, RequestTimeoutClosesTheConnection) {
  handler_ = [&](net::HttpRequest&&, std::shared_ptr<net::HttpResponder> responder) {
    responder->BeginStream(200, "text/event-stream");
    responder->Write(kEvents[1]);  // one token, then silence
    held_.push_back(std::move(responder));
  };
  StartServer();
  ClientOptions options;
  options.request_timeout_ns = 100 * kMs;
  StartClient(options);
  const HttpClient::Outcome outcome = SendAndWait(Request());
  EXPECT_EQ(outcome.record.error_class, ErrorClass::kTimeout);
  EXPECT_THAT(outcome.record.error_message, HasSubstr("100ms"));
  EXPECT_EQ(outcome.record.token_events, 1);  // measured before the timeout, kept
  EXPECT_NE(outcome.record.t_done_ns, results::RequestRecord::kAbsent);
  RunOnLoop([&] {
    EXPECT_EQ(client_->open_connections(), 0u);
    EXPECT_EQ(client_->in_flight(), 0u);
  });
}

TEST_F(HttpClientTest, CancelAllEndsEveryRequestInFlight) {
  handler_ = [&](net::HttpRequest&&, std::shared_ptr<net::HttpResponder> responder) {
    held_.push_back(std::move(responder));  // never answered
  };
  StartServer();
  ClientOptions options;
  options.max_connections = 2;  // the third request waits for a connection
  StartClient(options);
  auto futures = SendMany(3, Request());
  WaitForRequests(2);
  bool called_inside_cancel = false;
  RunOnLoop([&] {
    EXPECT_EQ(client_->in_flight(), 3u);
    client_->CancelAll();
    called_inside_cancel = futures[0].wait_for(std::chrono::seconds(0)) ==
                           std::future_status::ready;
  });
  EXPECT_FALSE(called_inside_cancel);  // done is posted, never run inside the call
  for (auto& future : futures) {
    const HttpClient::Outcome outcome = Wait(future);
    EXPECT_EQ(outcome.record.error_class, ErrorClass::kCancelled);
  }
  RunOnLoop([&] {
    EXPECT_EQ(client_->in_flight(), 0u);
    EXPECT_EQ(client_->open_connections(), 0u);
  });
  EXPECT_EQ(requests_seen_.load(), 2);  // the waiting one was never sent
}

TEST_F(HttpClientTest, ConnectionRefusedIsDisconnectNamingTheAddress) {
  StartServer();
  RunOnLoop([&] { server_.reset(); });  // its port is now closed
  StartClient();
  const HttpClient::Outcome outcome = SendAndWait(Request());
  EXPECT_EQ(outcome.record.error_class, ErrorClass::kDisconnect);
  EXPECT_THAT(outcome.record.error_message, HasSubstr("127.0.0.1:" + std::to_string(port_)));
  EXPECT_THAT(outcome.record.error_message, HasSubstr("refused"));
  EXPECT_EQ(outcome.record.t_send_ns, results::RequestRecord::kAbsent);
  EXPECT_EQ(outcome.record.retries, 0);
}

TEST_F(HttpClientTest, DoneIsNeverCalledFromInsideSend) {
  StartServer();
  StartClient();
  auto called = std::make_shared<bool>(false);
  std::promise<bool> after;  // posted from the loop after the done call was posted
  RunOnLoop([&] {
    client_->Send(Request(), [called](HttpClient::Outcome&&) { *called = true; });
    EXPECT_FALSE(*called);
    client_->CancelAll();
    EXPECT_FALSE(*called);
    loop_.Post([&, called] { after.set_value(*called); });
  });
  std::future<bool> seen = after.get_future();
  ASSERT_EQ(seen.wait_for(kWait), std::future_status::ready);
  EXPECT_TRUE(seen.get());  // the posted call ran, in order, before the task posted after it
}

TEST_F(HttpClientTest, SendFromInsideDoneKeepsAClosedLoopGoing) {
  StartServer();
  StartClient();
  const std::string bytes = Request();
  std::promise<int> finished;
  std::future<int> result = finished.get_future();
  auto completed = std::make_shared<int>(0);
  std::function<void(HttpClient::Outcome&&)> on_done;
  on_done = [&, completed](HttpClient::Outcome&& outcome) {
    EXPECT_TRUE(outcome.record.ok()) << outcome.record.error_message;
    if (++*completed == 5) {
      finished.set_value(*completed);
      return;
    }
    client_->Send(bytes, on_done);
  };
  RunOnLoop([&] { client_->Send(bytes, on_done); });
  ASSERT_EQ(result.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(result.get(), 5);
  RunOnLoop([&] { EXPECT_EQ(client_->connections_opened(), 1u); });
}

TEST_F(HttpClientTest, DestroyingTheClientDropsCallbacks) {
  StartServer();
  StartClient();
  auto called = std::make_shared<bool>(false);
  std::promise<bool> after;
  RunOnLoop([&] {
    client_->Send(Request(), [called](HttpClient::Outcome&&) { *called = true; });
    client_->CancelAll();  // done already posted…
    client_.reset();       // …but the client is gone before it runs
    loop_.Post([&, called] { after.set_value(*called); });
  });
  std::future<bool> seen = after.get_future();
  ASSERT_EQ(seen.wait_for(kWait), std::future_status::ready);
  EXPECT_FALSE(seen.get());
}

}  // namespace
}  // namespace inferbench::client
