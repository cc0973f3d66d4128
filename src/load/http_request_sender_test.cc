#include "load/http_request_sender.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/sha256.h"
#include "net/client_connection.h"
#include "net/event_loop.h"

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
