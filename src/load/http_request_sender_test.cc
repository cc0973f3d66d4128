#include "load/http_request_sender.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/sha256.h"
#include "net/client_connection.h"
#include "net/event_loop.h"
#include "net/http_server.h"
#include "net/run_on_loop_for_test.h"
#include "workload/test_tokenizer.h"
#include "workload/token_text.h"

namespace inferbench::load {
namespace {

HttpSenderOptions Options(uint64_t seed, bool ids) {
  HttpSenderOptions o;
  o.target.url = net::ParseUrl("http://127.0.0.1:8000").value();
  o.request.endpoint = ids ? client::ApiEndpoint::kCompletions : client::ApiEndpoint::kChat;
  o.request.model = "sim";
  o.request.max_tokens = 64;
  o.workload.isl_mean = 32;
  o.workload.isl_stddev = 8;
  o.workload.osl_mean = 16;
  o.workload.osl_stddev = 4;
  o.workload.token_ids = ids;
  o.workload.prompt_seed = DeriveSeed(seed, "prompts");
  o.workload.length_seed = DeriveSeed(seed, "lengths");
  o.salt_seed = DeriveSeed(seed, "salt");
  return o;
}

std::string Render(HttpRequestSender& sender, int n, bool warmup = false) {
  std::string all;
  for (int i = 0; i < n; ++i) {
    std::string salt;
    all += sender.RenderRequest({static_cast<uint64_t>(i), 0, warmup}, &salt, nullptr);
  }
  return all;
}

TEST(HttpRequestSenderTest, SameFlagsGiveByteIdenticalRequests) {
  net::EventLoop loop;
  HttpRequestSender a(loop, Options(42, false), nullptr);
  HttpRequestSender b(loop, Options(42, false), nullptr);
  a.SetPoint("concurrency=4", 0);
  b.SetPoint("concurrency=4", 0);
  EXPECT_EQ(Render(a, 20), Render(b, 20));
  HttpRequestSender c(loop, Options(43, false), nullptr);
  c.SetPoint("concurrency=4", 0);
  EXPECT_NE(Render(a, 20), Render(c, 20));
}

// Golden hashes: the request bytes of a fixed configuration must be the same on every machine
// and standard library (DESIGN.md §2.7). A change here changes every recorded workload.
TEST(HttpRequestSenderTest, GoldenRequestHashes) {
  net::EventLoop loop;
  HttpRequestSender text(loop, Options(42, false), nullptr);
  text.SetPoint("concurrency=4", 1);
  HttpRequestSender ids(loop, Options(42, true), nullptr);
  ids.SetPoint("rate=2.5", 0);
  EXPECT_EQ(Sha256Hex(Render(text, 10)), "431519a24c37e68e99c8d0f75c0c205f0483544825d1854891a1e43db6e3a58d");
  EXPECT_EQ(Sha256Hex(Render(ids, 10)), "c5a30c424f459a01ce3e6a85f9c869f4597773131adc251a1f5c3167a3cd1276");
}

TEST(HttpRequestSenderTest, SaltsDifferPerReplicateAndForWarmup) {
  net::EventLoop loop;
  HttpRequestSender s(loop, Options(7, false), nullptr);
  s.SetPoint("concurrency=1", 0);
  std::string salt0, salt1, salt_w;
  s.RenderRequest({0, 0, false}, &salt0, nullptr);
  s.RenderRequest({0, 0, true}, &salt_w, nullptr);
  s.SetPoint("concurrency=1", 1);
  s.RenderRequest({0, 0, false}, &salt1, nullptr);
  EXPECT_FALSE(salt0.empty());
  EXPECT_NE(salt0, salt1);
  EXPECT_NE(salt0, salt_w);
}

TEST(HttpRequestSenderTest, NoSaltWithCacheBustNone) {
  net::EventLoop loop;
  HttpSenderOptions o = Options(7, false);
  o.cache_bust = CacheBust::kNone;
  HttpRequestSender s(loop, o, nullptr);
  s.SetPoint("concurrency=1", 0);
  std::string salt;
  std::string bytes = s.RenderRequest({3, 0, false}, &salt, nullptr);
  EXPECT_TRUE(salt.empty());
  EXPECT_EQ(bytes.find("[salt"), std::string::npos);
}

TEST(HttpRequestSenderTest, ChatTemplateOverheadShortensTextPrompts) {
  net::EventLoop loop;
  HttpSenderOptions o = Options(7, false);
  o.workload.isl_stddev = 0;
  o.cache_bust = CacheBust::kNone;
  HttpRequestSender plain(loop, o, nullptr);
  o.prompt_overhead_tokens = 5;
  HttpRequestSender trimmed(loop, o, nullptr);
  workload::WorkloadItem item;
  std::string salt;
  std::string a = plain.RenderRequest({0, 0, false}, &salt, &item);
  std::string b = trimmed.RenderRequest({0, 0, false}, &salt, nullptr);
  auto words = [](const std::string& req) {
    size_t start = req.find("\"content\":\"") + 11;
    size_t end = req.find('"', start);
    std::string content = req.substr(start, end - start);
    return 1 + static_cast<int>(std::count(content.begin(), content.end(), ' '));
  };
  EXPECT_EQ(words(a), item.input_tokens_requested);
  EXPECT_EQ(words(b), item.input_tokens_requested - 5);
}

TEST(CacheBustTest, ParsesTheThreeModes) {
  EXPECT_EQ(ParseCacheBust("none").value(), CacheBust::kNone);
  EXPECT_EQ(ParseCacheBust("per-replicate").value(), CacheBust::kPerReplicate);
  EXPECT_EQ(ParseCacheBust("per-request").value(), CacheBust::kPerRequest);
  auto bad = ParseCacheBust("sometimes");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("per-replicate"), std::string::npos);
}

}  // namespace
}  // namespace inferbench::load

namespace inferbench::load {
namespace {

using workload::ChatMessage;
using workload::Conversation;
using workload::ConversationTurn;
using workload::Dataset;
using workload::DatasetKind;
using workload::DatasetRequest;
using workload::HistoryMode;

constexpr int64_t kNoSession = -1;

ScheduledRequest Item(uint64_t index, bool warmup = false) {
  ScheduledRequest r;
  r.index = index;
  r.warmup = warmup;
  return r;
}

ScheduledRequest Turn(int64_t session, int turn, bool warmup = false) {
  ScheduledRequest r;
  r.index = static_cast<uint64_t>(std::max<int64_t>(session, 0));
  r.session = session;
  r.turn = turn;
  r.warmup = warmup;
  return r;
}

DatasetRequest TextItem(std::string text, int input, int output) {
  DatasetRequest r;
  r.prompt_text = std::move(text);
  r.input_tokens = input;
  r.output_tokens = output;
  return r;
}

DatasetRequest ChatItem(std::vector<ChatMessage> messages, int input, int output) {
  DatasetRequest r;
  r.messages = std::move(messages);
  r.input_tokens = input;
  r.output_tokens = output;
  return r;
}

std::shared_ptr<Dataset> Prompts() {
  auto d = std::make_shared<Dataset>();
  d->kind = DatasetKind::kJsonl;
  d->requests.push_back(TextItem("plain prompt text", 3, 7));
  d->requests.push_back(ChatItem({{"system", "You are terse."}, {"user", "Name a colour."}}, 9, 5));
  d->requests.push_back(ChatItem({{"assistant", "Only an assistant turn."}}, 4, 2));
  return d;
}

std::shared_ptr<Dataset> Traced() {
  auto d = std::make_shared<Dataset>();
  d->kind = DatasetKind::kTrace;
  for (int i = 0; i < 4; ++i) {
    DatasetRequest r = TextItem(workload::TextOfTokens(100 + i, 20 + i, nullptr), 20 + i, 3 + i);
    r.offset_ns = i * 1'000'000;
    d->requests.push_back(r);
  }
  return d;
}

ConversationTurn UserTurn(std::string text, int input, int output, std::string reply = "") {
  ConversationTurn t;
  t.messages = {{"user", std::move(text)}};
  t.input_tokens = input;
  t.output_tokens = output;
  t.recorded_reply = std::move(reply);
  return t;
}

std::shared_ptr<Dataset> Chats(HistoryMode history = HistoryMode::kSynthetic) {
  auto d = std::make_shared<Dataset>();
  d->kind = DatasetKind::kConversations;
  d->history = history;
  Conversation a;
  a.session_id = "alpha";
  a.turns = {UserTurn("Hello there.", 2, 6), UserTurn("Tell me more.", 3, 8),
             UserTurn("Thanks.", 1, 4)};
  a.turns[0].messages.insert(a.turns[0].messages.begin(), ChatMessage{"system", "Be kind."});
  Conversation b;
  b.session_id = "beta";
  b.turns = {UserTurn("Question one?", 2, 5, "Recorded answer one."),
             UserTurn("Question two?", 2, 5)};
  d->conversations = {a, b};
  return d;
}

HttpSenderOptions DatasetOptions(std::shared_ptr<const Dataset> dataset, uint64_t seed = 42) {
  HttpSenderOptions o = Options(seed, false);
  o.workload = {};  // not needed (nor valid) with a dataset
  o.workload.prompt_seed = DeriveSeed(seed, "prompts");
  o.dataset = std::move(dataset);
  return o;
}

// The JSON body of rendered request bytes.
nlohmann::json Body(const std::string& bytes) {
  return nlohmann::json::parse(bytes.substr(bytes.find("\r\n\r\n") + 4));
}

TEST(HttpRequestSenderDatasetTest, TextItemIsTheSaltedPromptWithTheItemsLengths) {
  net::EventLoop loop;
  HttpRequestSender s(loop, DatasetOptions(Prompts()), nullptr);
  s.SetPoint("concurrency=2", 0);
  std::string salt;
  workload::WorkloadItem item;
  const nlohmann::json body = Body(s.RenderRequest(Item(0), &salt, &item));
  ASSERT_FALSE(salt.empty());
  EXPECT_EQ(body["messages"].size(), 1u);
  EXPECT_EQ(body["messages"][0]["role"], "user");
  EXPECT_EQ(body["messages"][0]["content"], salt + "plain prompt text");
  EXPECT_EQ(body["max_tokens"], 7);
  EXPECT_EQ(item.input_tokens_requested, 3);
  EXPECT_EQ(item.output_tokens_requested, 7);
  EXPECT_EQ(item.prompt_text, "plain prompt text");
}

TEST(HttpRequestSenderDatasetTest, ChatMessagesAreSentAsGivenWithTheSaltOnTheFirstUserMessage) {
  net::EventLoop loop;
  HttpRequestSender s(loop, DatasetOptions(Prompts()), nullptr);
  s.SetPoint("concurrency=2", 0);
  std::string salt;
  const nlohmann::json body = Body(s.RenderRequest(Item(1), &salt, nullptr));
  ASSERT_EQ(body["messages"].size(), 2u);
  EXPECT_EQ(body["messages"][0],
            nlohmann::json({{"role", "system"}, {"content", "You are terse."}}));
  EXPECT_EQ(body["messages"][1]["content"], salt + "Name a colour.");
  EXPECT_EQ(body["max_tokens"], 5);
  // No user message: the first message carries the salt.
  const nlohmann::json odd = Body(s.RenderRequest(Item(2), &salt, nullptr));
  EXPECT_EQ(odd["messages"][0]["content"], salt + "Only an assistant turn.");
  // Items wrap around (the caller has checked the count).
  EXPECT_EQ(Body(s.RenderRequest(Item(4), &salt, nullptr))["max_tokens"], 5);
}

TEST(HttpRequestSenderDatasetTest, CacheBustNoneSendsTheDatasetUntouched) {
  net::EventLoop loop;
  HttpSenderOptions o = DatasetOptions(Prompts());
  o.cache_bust = CacheBust::kNone;
  o.prompt_overhead_tokens = 2;  // never trims dataset text
  HttpRequestSender s(loop, o, nullptr);
  s.SetPoint("concurrency=1", 0);
  std::string salt;
  EXPECT_EQ(Body(s.RenderRequest(Item(0), &salt, nullptr))["messages"][0]["content"],
            "plain prompt text");
  EXPECT_TRUE(salt.empty());
  // Warmup is always salted, from its own item space.
  const nlohmann::json warmup = Body(s.RenderRequest(Item(1, true), &salt, nullptr));
  EXPECT_EQ(warmup["messages"][1]["content"], salt + "Name a colour.");
  EXPECT_FALSE(salt.empty());
}

TEST(HttpRequestSenderDatasetTest, CompletionsJoinTheMessages) {
  net::EventLoop loop;
  HttpSenderOptions o = DatasetOptions(Prompts());
  o.request.endpoint = client::ApiEndpoint::kCompletions;
  o.cache_bust = CacheBust::kNone;
  HttpRequestSender s(loop, o, nullptr);
  s.SetPoint("concurrency=1", 0);
  std::string salt;
  EXPECT_EQ(Body(s.RenderRequest(Item(1), &salt, nullptr))["prompt"],
            "You are terse.\n\nName a colour.");
}

TEST(HttpRequestSenderDatasetTest, PerRequestSaltsDifferPerItem) {
  net::EventLoop loop;
  HttpSenderOptions o = DatasetOptions(Traced());
  o.cache_bust = CacheBust::kPerRequest;
  HttpRequestSender s(loop, o, nullptr);
  s.SetPoint("trace", 0);
  std::string a, b;
  s.RenderRequest(Item(0), &a, nullptr);
  s.RenderRequest(Item(1), &b, nullptr);
  EXPECT_NE(a, b);
}

// The messages of a multi-turn request, as rendered.
nlohmann::json TurnMessages(const HttpRequestSender& s, int64_t session, int turn,
                            std::string* salt = nullptr) {
  std::string ignored;
  return Body(s.RenderRequest(Turn(session, turn), salt ? salt : &ignored, nullptr))["messages"];
}

TEST(HttpRequestSenderDatasetTest, TurnsCarryTheGrowingSyntheticHistory) {
  net::EventLoop loop;
  HttpRequestSender s(loop, DatasetOptions(Chats()), nullptr);
  s.SetPoint("sessions=2", 0);
  std::string salt0, salt2;
  const nlohmann::json t0 = TurnMessages(s, 0, 0, &salt0);
  const nlohmann::json t1 = TurnMessages(s, 0, 1);
  const nlohmann::json t2 = TurnMessages(s, 0, 2, &salt2);
  ASSERT_EQ(t0.size(), 2u);  // system + user
  ASSERT_EQ(t1.size(), 4u);  // + assistant + user
  ASSERT_EQ(t2.size(), 6u);
  // Each turn's request starts with the previous turn's request: the history only grows.
  for (size_t i = 0; i < t1.size(); ++i) EXPECT_EQ(t2[i], t1[i]) << i;
  for (size_t i = 0; i < t0.size(); ++i) EXPECT_EQ(t1[i], t0[i]) << i;
  EXPECT_EQ(t0[1]["content"], salt0 + "Hello there.");
  EXPECT_EQ(salt0, salt2);  // one salt per conversation (per replicate here)
  EXPECT_EQ(t1[2]["role"], "assistant");
  EXPECT_EQ(t1[2]["content"],
            workload::TextOfTokens(
                workload::ItemSeed(
                    workload::ItemSeed(DeriveSeed(DeriveSeed(42, "prompts"), "history"), 0), 0),
                6, nullptr));
  EXPECT_EQ(t2[5]["content"], "Thanks.");
  std::string salt;
  workload::WorkloadItem item;
  const nlohmann::json body = Body(s.RenderRequest(Turn(0, 2), &salt, &item));
  EXPECT_EQ(body["max_tokens"], 4);
  EXPECT_EQ(item.input_tokens_requested, (2 + 6) + (3 + 8) + 1);
}

TEST(HttpRequestSenderDatasetTest, RecordedRepliesAreTheSyntheticHistoryWhenGiven) {
  net::EventLoop loop;
  HttpRequestSender s(loop, DatasetOptions(Chats()), nullptr);
  s.SetPoint("sessions=2", 0);
  const nlohmann::json t1 = TurnMessages(s, 1, 1);
  ASSERT_EQ(t1.size(), 3u);
  EXPECT_EQ(t1[1], nlohmann::json({{"role", "assistant"}, {"content", "Recorded answer one."}}));
  // Conversation 3 is conversation 1 again (its second pass).
  EXPECT_EQ(TurnMessages(s, 3, 1)[1], t1[1]);
}

TEST(HttpRequestSenderDatasetTest, PerRequestSaltsArePerConversation) {
  net::EventLoop loop;
  HttpSenderOptions o = DatasetOptions(Chats());
  o.cache_bust = CacheBust::kPerRequest;
  HttpRequestSender s(loop, o, nullptr);
  s.SetPoint("sessions=2", 0);
  std::string a0, a1, b0;
  TurnMessages(s, 0, 0, &a0);
  TurnMessages(s, 0, 1, &a1);
  TurnMessages(s, 1, 0, &b0);
  EXPECT_EQ(a0, a1);
  EXPECT_NE(a0, b0);
}

// Renders a grid of (index | session, turn) requests of every form into one string.
std::string RenderAll(const HttpRequestSender& s, const Dataset& d) {
  std::string all;
  std::string salt;
  if (d.multi_turn()) {
    for (int64_t session = 0; session < 4; ++session) {
      const size_t turns = d.conversations[static_cast<size_t>(session) % 2].turns.size();
      for (int turn = 0; turn < static_cast<int>(turns); ++turn) {
        all += s.RenderRequest(Turn(session, turn), &salt, nullptr);
      }
    }
    all += s.RenderRequest(Turn(1, 0, /*warmup=*/true), &salt, nullptr);
  } else {
    for (uint64_t i = 0; i < 8; ++i) all += s.RenderRequest(Item(i), &salt, nullptr);
    all += s.RenderRequest(Item(1, /*warmup=*/true), &salt, nullptr);
  }
  return all;
}

TEST(HttpRequestSenderDatasetTest, SameInputsGiveByteIdenticalRequestsForEveryKind) {
  auto shared = std::make_shared<Dataset>();
  shared->kind = DatasetKind::kSharedPrefix;
  for (int i = 0; i < 4; ++i) {
    shared->requests.push_back(TextItem(
        workload::ExtendText(workload::TextOfTokens(7, 16, nullptr), 50 + i, 24, nullptr), 24, 4));
  }
  auto sharegpt = Chats();
  sharegpt->kind = DatasetKind::kShareGpt;
  sharegpt->conversations[0].turns[0].recorded_reply = "A recorded reply.";
  const std::vector<std::shared_ptr<const Dataset>> datasets = {Prompts(), Traced(), shared,
                                                                Chats(), sharegpt};
  for (bool completions : {false, true}) {
    for (const auto& dataset : datasets) {
      net::EventLoop loop;
      HttpSenderOptions o = DatasetOptions(dataset);
      if (completions) o.request.endpoint = client::ApiEndpoint::kCompletions;
      HttpRequestSender a(loop, o, nullptr);
      HttpRequestSender b(loop, o, nullptr);
      a.SetPoint("rate=2", 1);
      b.SetPoint("rate=2", 1);
      const std::string first = RenderAll(a, *dataset);
      EXPECT_EQ(Sha256Hex(first), Sha256Hex(RenderAll(b, *dataset)))
          << workload::DatasetKindName(dataset->kind);
      // Rendering again (any order, the same sender) gives the same bytes.
      EXPECT_EQ(first, RenderAll(a, *dataset));
      // Another seed changes the salts, so the bytes.
      HttpRequestSender c(loop, DatasetOptions(dataset, 43), nullptr);
      c.SetPoint("rate=2", 1);
      EXPECT_NE(first, RenderAll(c, *dataset));
    }
  }
}

// --- sending: a local server answers with text and no usage
// ---------------------------------------

// Every byte is one token: CountTokens(text) == text.size().
std::shared_ptr<const workload::Tokenizer> ByteTokenizer() {
  auto tokenizer = workload::Tokenizer::FromJson(workload::ByteLevelTokenizerJson(), "byte tokenizer");
  EXPECT_TRUE(tokenizer.ok()) << tokenizer.status().message();
  return tokenizer.ok() ? *tokenizer : nullptr;
}

class HttpRequestSenderSendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    thread_ = std::thread([this] { loop_.Run(); });
    net::RunOnLoopAndWait(loop_, [&] {
      server_ = std::make_unique<net::HttpServer>(
          loop_, [this](net::HttpRequest&& request, std::shared_ptr<net::HttpResponder> r) {
            int n = 0;
            {
              std::lock_guard<std::mutex> lock(mutex_);
              bodies_.push_back(request.body);
              n = static_cast<int>(bodies_.size()) - 1;
            }
            r->BeginStream(200, "text/event-stream");
            const std::string answer = "answer-" + std::to_string(n);
            r->Write("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" +
                     answer.substr(0, 4) + "\"},\"finish_reason\":null}]}\n\n");
            r->Write("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" +
                     answer.substr(4) + "\"},\"finish_reason\":\"length\"}]}\n\n");
            r->Write("data: [DONE]\n\n");
            r->EndStream();
          });
      ASSERT_TRUE(server_->Listen().ok());
      port_ = server_->port();
    });
  }

  void TearDown() override {
    net::RunOnLoopAndWait(loop_, [&] {
      sender_.reset();
      server_.reset();
    });
    loop_.Stop();
    thread_.join();
  }

  void MakeSender(HttpSenderOptions o) {
    o.target.url = net::ParseUrl("http://127.0.0.1:" + std::to_string(port_)).value();
    net::RunOnLoopAndWait(loop_, [&] {
      sender_ = std::make_unique<HttpRequestSender>(loop_, o, nullptr);
      sender_->SetPoint("sessions=1", 0);
    });
  }

  results::RequestRecord SendAndWait(const ScheduledRequest& request) {
    auto promise = std::make_shared<std::promise<results::RequestRecord>>();
    std::future<results::RequestRecord> future = promise->get_future();
    net::RunOnLoopAndWait(loop_, [&] {
      sender_->Send(request, [promise](results::RequestRecord&& record) {
        promise->set_value(std::move(record));
      });
    });
    if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      ADD_FAILURE() << "no record within 10 s";
      return {};
    }
    return future.get();
  }

  std::string Body(size_t i) {
    std::lock_guard<std::mutex> lock(mutex_);
    return i < bodies_.size() ? bodies_[i] : std::string();
  }

  net::EventLoop loop_;
  std::thread thread_;
  std::unique_ptr<net::HttpServer> server_;
  std::unique_ptr<HttpRequestSender> sender_;
  uint16_t port_ = 0;
  std::mutex mutex_;
  std::vector<std::string> bodies_;
};

TEST_F(HttpRequestSenderSendTest, ResponseHistoryCarriesTheRealAnswersAndRecordsTheTurn) {
  MakeSender(DatasetOptions(Chats(HistoryMode::kResponse)));
  const results::RequestRecord t0 = SendAndWait(Turn(2, 0));
  EXPECT_TRUE(t0.ok()) << t0.error_message;
  EXPECT_EQ(t0.session, "alpha#1");  // conversation 2 = alpha's second pass
  EXPECT_EQ(t0.turn, 0);
  EXPECT_EQ(t0.request_id, "sessions=1/0/m2t0");
  EXPECT_EQ(t0.output_tokens_source, results::TokenCountSource::kChunks);
  EXPECT_EQ(t0.output_tokens, 2);
  const results::RequestRecord t1 = SendAndWait(Turn(2, 1));
  EXPECT_EQ(t1.turn, 1);
  const nlohmann::json messages = nlohmann::json::parse(Body(1))["messages"];
  ASSERT_EQ(messages.size(), 4u);
  EXPECT_EQ(messages[2], nlohmann::json({{"role", "assistant"}, {"content", "answer-0"}}));
  // The stored answers are what RenderRequest uses for the same conversation.
  std::string salt;
  std::string rendered;
  net::RunOnLoopAndWait(loop_,
                        [&] { rendered = sender_->RenderRequest(Turn(2, 2), &salt, nullptr); });
  const nlohmann::json t2 = nlohmann::json::parse(rendered.substr(rendered.find("\r\n\r\n") + 4));
  EXPECT_EQ(t2["messages"][4]["content"], "answer-1");
}

TEST_F(HttpRequestSenderSendTest, TokenizerCountsOutputTokensWithoutUsage) {
  HttpSenderOptions o = DatasetOptions(Prompts());
  o.tokenizer = ByteTokenizer();
  ASSERT_NE(o.tokenizer, nullptr);
  MakeSender(o);
  const results::RequestRecord r = SendAndWait(Item(0));
  EXPECT_TRUE(r.ok()) << r.error_message;
  EXPECT_EQ(r.output_tokens_source, results::TokenCountSource::kTokenizer);
  EXPECT_EQ(r.output_tokens, 8);  // "answer-0", one token per byte
  EXPECT_EQ(r.token_events, 2);
  EXPECT_EQ(r.session, "");
  EXPECT_EQ(r.turn, -1);
  EXPECT_EQ(r.input_tokens_requested, 3);
  EXPECT_EQ(r.output_tokens_requested, 7);
}

}  // namespace
}  // namespace inferbench::load
