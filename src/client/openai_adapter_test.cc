#include "client/openai_adapter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace inferbench::client {
namespace {

using ::testing::HasSubstr;

RequestOptions ChatOptions() {
  RequestOptions options;
  options.endpoint = ApiEndpoint::kChat;
  options.model = "llama-3-8b";
  options.max_tokens = 128;
  options.seed = 42;
  return options;
}

RequestOptions CompletionsOptions() {
  RequestOptions options;
  options.endpoint = ApiEndpoint::kCompletions;
  options.model = "m";
  options.max_tokens = 64;
  return options;
}

net::Url MustParseUrl(std::string_view text) {
  Result<net::Url> url = net::ParseUrl(text);
  EXPECT_TRUE(url.ok()) << url.status().message();
  return url.ok() ? *url : net::Url{};
}

// --- bodies: golden bytes ------------------------------------------------------------------------

TEST(RenderRequestBodyTest, ChatStreamingGolden) {
  Prompt prompt{"Say \"hi\"\nthen stop", {}};
  EXPECT_EQ(
      RenderRequestBody(ChatOptions(), prompt),
      R"({"model":"llama-3-8b","messages":[{"role":"user","content":"Say \"hi\"\nthen stop"}],)"
      R"("max_completion_tokens":128,"max_tokens":128,"stream":true,)"
      R"("stream_options":{"include_usage":true},"seed":42,"ignore_eos":true})");
}

TEST(RenderRequestBodyTest, CompletionsTextGolden) {
  RequestOptions options = CompletionsOptions();
  options.temperature = 0.7;
  options.min_tokens = 16;
  EXPECT_EQ(RenderRequestBody(options, Prompt{"abc", {}}),
            R"({"model":"m","prompt":"abc","max_tokens":64,"stream":true,)"
            R"("stream_options":{"include_usage":true},"temperature":0.7,"min_tokens":16,)"
            R"("ignore_eos":true})");
}

TEST(RenderRequestBodyTest, CompletionsIdsNonStreamingGolden) {
  RequestOptions options = CompletionsOptions();
  options.max_tokens = 8;
  options.stream = false;
  options.ignore_eos = false;
  options.temperature = 0.0;
  EXPECT_EQ(RenderRequestBody(options, Prompt{"ignored when ids are given", {1, 2, 4294967295u}}),
            R"({"model":"m","prompt":[1,2,4294967295],"max_tokens":8,"stream":false,)"
            R"("temperature":0.0})");
}

TEST(RenderRequestBodyTest, ExtraBodyOverridesInPlaceAndAppendsNewKeys) {
  RequestOptions options = ChatOptions();
  options.seed.reset();
  options.extra_body_json =
      R"({"top_p": 0.9, "max_tokens": 10,)"
      R"( "stream_options": {"include_usage": true, "continuous_usage_stats": true}})";
  ASSERT_TRUE(ValidateRequestOptions(options, Prompt{"x", {}}).ok());
  EXPECT_EQ(RenderRequestBody(options, Prompt{"x", {}}),
            R"({"model":"llama-3-8b","messages":[{"role":"user","content":"x"}],)"
            R"("max_completion_tokens":128,"max_tokens":10,"stream":true,)"
            R"("stream_options":{"include_usage":true,"continuous_usage_stats":true},)"
            R"("ignore_eos":true,"top_p":0.9})");
}

TEST(RenderRequestBodyTest, IdenticalInputsGiveIdenticalBytes) {
  RequestOptions options = ChatOptions();
  options.temperature = 0.123456789;
  options.extra_body_json = R"({"z": 1, "a": [1, 2], "m": {"y": null, "b": "é"}})";
  const Prompt prompt{"prompt ünïcode ✓", {}};
  const std::string first = RenderRequestBody(options, prompt);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(RenderRequestBody(options, prompt), first);
  // Keys of the extra body keep their own order, not sorted order.
  EXPECT_THAT(first, HasSubstr(R"("z":1,"a":[1,2],"m":{"y":null,"b":"é"})"));
  EXPECT_THAT(first, HasSubstr(R"("temperature":0.123456789)"));
}

TEST(RenderRequestBodyTest, InvalidUtf8InThePromptIsReplacedNotThrown) {
  const std::string body = RenderRequestBody(ChatOptions(), Prompt{"a\xff" "b", {}});
  EXPECT_THAT(body, HasSubstr("\"content\":\"a\xEF\xBF\xBD" "b\""));
}

TEST(RenderRequestBodyTest, ChatMessagesAreSentAsGivenInOrder) {
  Prompt prompt;
  prompt.text = "ignored when messages are given";
  prompt.messages = {
      {"system", "Be brief."}, {"user", "Hi"}, {"assistant", "Hello."}, {"user", "And \"now\"?"}};
  EXPECT_EQ(RenderRequestBody(ChatOptions(), prompt),
            R"({"model":"llama-3-8b","messages":[{"role":"system","content":"Be brief."},)"
            R"({"role":"user","content":"Hi"},{"role":"assistant","content":"Hello."},)"
            R"({"role":"user","content":"And \"now\"?"}],)"
            R"("max_completion_tokens":128,"max_tokens":128,"stream":true,)"
            R"("stream_options":{"include_usage":true},"seed":42,"ignore_eos":true})");
}

TEST(ValidateRequestOptionsTest, MessagesNeedChatAndRoles) {
  Prompt prompt;
  prompt.messages = {{"user", "x"}};
  EXPECT_TRUE(ValidateRequestOptions(ChatOptions(), prompt).ok());
  EXPECT_THAT(ValidateRequestOptions(CompletionsOptions(), prompt).message(),
              HasSubstr("chat endpoint"));
  prompt.messages.push_back({"", "y"});
  EXPECT_THAT(ValidateRequestOptions(ChatOptions(), prompt).message(), HasSubstr("message 1"));
}

TEST(ValidateRequestOptionsTest, RejectsWhatRenderingRelies) {
  RequestOptions options = ChatOptions();
  EXPECT_TRUE(ValidateRequestOptions(options, Prompt{"x", {}}).ok());

  options.max_tokens = 0;
  EXPECT_THAT(ValidateRequestOptions(options, Prompt{"x", {}}).message(), HasSubstr("max_tokens"));

  options = ChatOptions();
  options.min_tokens = 129;
  EXPECT_THAT(ValidateRequestOptions(options, Prompt{"x", {}}).message(), HasSubstr("min_tokens"));

  options = ChatOptions();
  EXPECT_THAT(ValidateRequestOptions(options, Prompt{"", {1, 2}}).message(),
              HasSubstr("completions"));

  options.extra_body_json = "[1]";
  EXPECT_THAT(ValidateRequestOptions(options, Prompt{"x", {}}).message(),
              HasSubstr("JSON object"));
  options.extra_body_json = "{not json";
  EXPECT_FALSE(ValidateRequestOptions(options, Prompt{"x", {}}).ok());
  options.extra_body_json = R"({"stream": false})";
  EXPECT_THAT(ValidateRequestOptions(options, Prompt{"x", {}}).message(), HasSubstr("stream"));
}

// --- paths and request bytes ---------------------------------------------------------------------

TEST(EndpointUrlTest, KeepsSchemeHostAndPort) {
  EXPECT_EQ(EndpointUrl(MustParseUrl("http://127.0.0.1:8000/v1"), ApiEndpoint::kChat),
            "http://127.0.0.1:8000/v1/chat/completions");
  EXPECT_EQ(EndpointUrl(MustParseUrl("https://h/openai"), ApiEndpoint::kCompletions),
            "https://h/openai/v1/completions");
}

TEST(EndpointPathTest, RespectsTheBasePathWithoutDoublingV1) {
  struct Case {
    const char* base;
    ApiEndpoint endpoint;
    const char* path;
  };
  const Case cases[] = {
      {"http://127.0.0.1:8000", ApiEndpoint::kChat, "/v1/chat/completions"},
      {"http://127.0.0.1:8000/", ApiEndpoint::kCompletions, "/v1/completions"},
      {"http://h:9/openai", ApiEndpoint::kChat, "/openai/v1/chat/completions"},
      {"http://h:9/openai/", ApiEndpoint::kChat, "/openai/v1/chat/completions"},
      {"http://h/v1", ApiEndpoint::kChat, "/v1/chat/completions"},
      {"http://h/v1/", ApiEndpoint::kCompletions, "/v1/completions"},
      {"https://h/openai/v1", ApiEndpoint::kCompletions, "/openai/v1/completions"},
      {"http://h/openai/v1?api-version=2024-06", ApiEndpoint::kChat,
       "/openai/v1/chat/completions?api-version=2024-06"},
      {"http://h/v10", ApiEndpoint::kChat, "/v10/v1/chat/completions"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(EndpointPath(MustParseUrl(c.base), c.endpoint), c.path) << c.base;
  }
}

TEST(RenderHttpRequestTest, Golden) {
  HttpTarget target{MustParseUrl("http://127.0.0.1:8000"), {{"Authorization", "Bearer sk-test"}}};
  ASSERT_TRUE(ValidateHttpTarget(target).ok());
  EXPECT_EQ(RenderHttpRequest(target, ApiEndpoint::kChat, R"({"a":1})"),
            "POST /v1/chat/completions HTTP/1.1\r\n"
            "Host: 127.0.0.1:8000\r\n"
            "Content-Type: application/json\r\n"
            "Accept: text/event-stream\r\n"
            "Content-Length: 7\r\n"
            "Authorization: Bearer sk-test\r\n"
            "\r\n"
            R"({"a":1})");
}

TEST(RenderHttpRequestTest, NonStreamingPrefixedBaseAndHeaderOverrides) {
  HttpTarget target{MustParseUrl("https://api.example.com/openai"),
                    {{"accept", "*/*"}, {"X-Trace", "1"}, {"HOST", "front.example.com"}}};
  EXPECT_EQ(RenderHttpRequest(target, ApiEndpoint::kCompletions, "", /*streaming=*/false),
            "POST /openai/v1/completions HTTP/1.1\r\n"
            "Host: front.example.com\r\n"
            "Content-Type: application/json\r\n"
            "Accept: */*\r\n"
            "Content-Length: 0\r\n"
            "X-Trace: 1\r\n"
            "\r\n");
}

TEST(ValidateHttpTargetTest, RejectsInjectionAndFramingHeadersWithoutShowingValues) {
  HttpTarget target{MustParseUrl("http://h"), {{"Authorization", "Bearer secret\r\nX: y"}}};
  Status status = ValidateHttpTarget(target);
  EXPECT_THAT(status.message(), HasSubstr("Authorization"));
  EXPECT_THAT(status.message(), ::testing::Not(HasSubstr("secret")));

  target.headers = {{"Bad Name", "v"}};
  EXPECT_THAT(ValidateHttpTarget(target).message(), HasSubstr("Bad Name"));
  target.headers = {{"content-length", "5"}};
  EXPECT_FALSE(ValidateHttpTarget(target).ok());
  target.headers = {{"Transfer-Encoding", "chunked"}};
  EXPECT_FALSE(ValidateHttpTarget(target).ok());
  target.headers = {{"", "v"}};
  EXPECT_FALSE(ValidateHttpTarget(target).ok());
}

}  // namespace
}  // namespace inferbench::client
