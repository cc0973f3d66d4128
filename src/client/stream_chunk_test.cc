#include "client/stream_chunk.h"

#include <gtest/gtest.h>

#include <string>

namespace inferbench::client {
namespace {

// Chunks as vLLM's OpenAI server writes them (chat.completion.chunk / text_completion).
constexpr std::string_view kRoleChunk =
    R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1718000000,"model":"m",)"
    R"("choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,)"
    R"("finish_reason":null}]})";
constexpr std::string_view kContentChunk =
    R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1718000000,"model":"m",)"
    R"("choices":[{"index":0,"delta":{"content":" Hello"},"logprobs":null,"finish_reason":null}]})";
constexpr std::string_view kReasoningChunk =
    R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m",)"
    R"("choices":[{"index":0,"delta":{"reasoning_content":"Let me think"},"logprobs":null,)"
    R"("finish_reason":null}]})";
constexpr std::string_view kToolCallChunk =
    R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m",)"
    R"("choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function",)"
    R"("function":{"name":"get_weather","arguments":"{\"city\":"}}]},"logprobs":null,)"
    R"("finish_reason":null}]})";
constexpr std::string_view kFinishChunk =
    R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m",)"
    R"("choices":[{"index":0,"delta":{"content":""},"logprobs":null,"finish_reason":"length",)"
    R"("stop_reason":null}]})";
constexpr std::string_view kUsageChunk =
    R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[],)"
    R"("usage":{"prompt_tokens":128,"total_tokens":384,"completion_tokens":256,)"
    R"("prompt_tokens_details":{"cached_tokens":64}}})";
constexpr std::string_view kContinuousUsageChunk =
    R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m",)"
    R"("choices":[{"index":0,"delta":{"content":"ab"},"logprobs":null,"finish_reason":null}],)"
    R"("usage":{"prompt_tokens":5,"total_tokens":8,"completion_tokens":3}})";
constexpr std::string_view kCompletionsChunk =
    R"({"id":"cmpl-1","object":"text_completion","created":1,"model":"m",)"
    R"("choices":[{"index":0,"text":" world","logprobs":null,"finish_reason":null,)"
    R"("stop_reason":null}],"usage":null})";

class StreamChunkTest : public ::testing::Test {
 protected:
  StreamChunk Parse(std::string_view json) {
    StreamChunk chunk;
    Status status = decoder_.ParseStreamChunk(json, &chunk);
    EXPECT_TRUE(status.ok()) << status.message() << " in " << json;
    return chunk;
  }
  ChunkDecoder decoder_;
};

TEST_F(StreamChunkTest, RoleChunkIsNotTokenCarrying) {
  StreamChunk chunk = Parse(kRoleChunk);
  ASSERT_EQ(chunk.choices.size(), 1u);
  EXPECT_FALSE(chunk.choices[0].token_carrying);
  EXPECT_FALSE(chunk.token_carrying());
  EXPECT_FALSE(chunk.choices[0].has_finish_reason);
  EXPECT_EQ(chunk.choices[0].text_bytes(), 0u);
  EXPECT_FALSE(chunk.usage.present);
  EXPECT_FALSE(chunk.is_error);
}

TEST_F(StreamChunkTest, ContentChunk) {
  StreamChunk chunk = Parse(kContentChunk);
  ASSERT_EQ(chunk.choices.size(), 1u);
  EXPECT_TRUE(chunk.choices[0].token_carrying);
  EXPECT_TRUE(chunk.token_carrying());
  EXPECT_EQ(chunk.choices[0].content, " Hello");
  EXPECT_EQ(chunk.choices[0].text_bytes(), 6u);
  EXPECT_EQ(chunk.choices[0].index, 0);
}

TEST_F(StreamChunkTest, ReasoningChunk) {
  StreamChunk chunk = Parse(kReasoningChunk);
  ASSERT_EQ(chunk.choices.size(), 1u);
  EXPECT_TRUE(chunk.choices[0].token_carrying);
  EXPECT_EQ(chunk.choices[0].reasoning, "Let me think");
  EXPECT_TRUE(chunk.choices[0].content.empty());

  // Newer vLLM names it `reasoning`; when both are sent the text is counted once.
  chunk = Parse(R"({"choices":[{"index":0,"delta":{"reasoning":"hmm"}}]})");
  EXPECT_TRUE(chunk.choices[0].token_carrying);
  EXPECT_EQ(chunk.choices[0].reasoning, "hmm");
  chunk = Parse(R"({"choices":[{"delta":{"reasoning":"abc","reasoning_content":"abc"}}]})");
  EXPECT_EQ(chunk.choices[0].text_bytes(), 3u);
}

TEST_F(StreamChunkTest, ToolCallChunk) {
  StreamChunk chunk = Parse(kToolCallChunk);
  ASSERT_EQ(chunk.choices.size(), 1u);
  EXPECT_TRUE(chunk.choices[0].token_carrying);
  EXPECT_EQ(chunk.choices[0].tool_calls, 1);
  EXPECT_EQ(chunk.choices[0].tool_call_bytes, std::string("get_weather{\"city\":").size());

  chunk = Parse(R"({"choices":[{"delta":{"tool_calls":[]}}]})");
  EXPECT_FALSE(chunk.choices[0].token_carrying);
  chunk = Parse(R"({"choices":[{"delta":{"tool_calls":null,"content":null}}]})");
  EXPECT_FALSE(chunk.choices[0].token_carrying);
}

TEST_F(StreamChunkTest, FinishOnlyChunk) {
  StreamChunk chunk = Parse(kFinishChunk);
  ASSERT_EQ(chunk.choices.size(), 1u);
  EXPECT_FALSE(chunk.choices[0].token_carrying);
  EXPECT_TRUE(chunk.choices[0].has_finish_reason);
  EXPECT_EQ(chunk.choices[0].finish_reason, "length");

  chunk = Parse(R"({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})");
  EXPECT_FALSE(chunk.choices[0].token_carrying);
  EXPECT_EQ(chunk.choices[0].finish_reason, "stop");
}

TEST_F(StreamChunkTest, UsageChunkWithNoChoices) {
  StreamChunk chunk = Parse(kUsageChunk);
  EXPECT_TRUE(chunk.choices.empty());
  EXPECT_FALSE(chunk.token_carrying());
  ASSERT_TRUE(chunk.usage.present);
  EXPECT_EQ(chunk.usage.prompt_tokens, 128);
  EXPECT_EQ(chunk.usage.completion_tokens, 256);
  EXPECT_EQ(chunk.usage.cached_tokens, 64);
}

TEST_F(StreamChunkTest, ContinuousUsageOnAContentChunk) {
  StreamChunk chunk = Parse(kContinuousUsageChunk);
  ASSERT_EQ(chunk.choices.size(), 1u);
  EXPECT_TRUE(chunk.choices[0].token_carrying);
  ASSERT_TRUE(chunk.usage.present);
  EXPECT_EQ(chunk.usage.prompt_tokens, 5);
  EXPECT_EQ(chunk.usage.completion_tokens, 3);
  EXPECT_EQ(chunk.usage.cached_tokens, -1);

  chunk = Parse(R"({"choices":[],"usage":{"prompt_tokens":1,"prompt_tokens_details":null}})");
  EXPECT_EQ(chunk.usage.completion_tokens, -1);
  EXPECT_EQ(chunk.usage.cached_tokens, -1);
}

TEST_F(StreamChunkTest, CompletionsTextChunk) {
  StreamChunk chunk = Parse(kCompletionsChunk);
  ASSERT_EQ(chunk.choices.size(), 1u);
  EXPECT_TRUE(chunk.choices[0].token_carrying);
  EXPECT_EQ(chunk.choices[0].content, " world");
  EXPECT_FALSE(chunk.usage.present);  // "usage": null

  chunk = Parse(
      R"({"object":"text_completion","choices":[{"index":0,"text":"","finish_reason":"stop"}]})");
  EXPECT_FALSE(chunk.choices[0].token_carrying);
  EXPECT_EQ(chunk.choices[0].finish_reason, "stop");
}

TEST_F(StreamChunkTest, SeveralChoicesAndEscapedText) {
  StreamChunk chunk = Parse(
      R"({"choices":[{"index":1,"delta":{"content":"a\nb\u00e9"}},)"
      R"({"index":0,"delta":{"content":""}}]})");
  ASSERT_EQ(chunk.choices.size(), 2u);
  EXPECT_EQ(chunk.choices[0].index, 1);
  EXPECT_EQ(chunk.choices[0].content, "a\nb\xC3\xA9");
  EXPECT_EQ(chunk.choices[0].text_bytes(), 5u);
  EXPECT_TRUE(chunk.choices[0].token_carrying);
  EXPECT_FALSE(chunk.choices[1].token_carrying);
  EXPECT_TRUE(chunk.token_carrying());
}

TEST_F(StreamChunkTest, ErrorFrames) {
  // vLLM (current): ErrorResponse { error: ErrorInfo { message, type, param, code:int } }.
  StreamChunk chunk =
      Parse(R"({"error":{"message":"boom","type":"BadRequestError","param":null,"code":400}})");
  EXPECT_TRUE(chunk.is_error);
  EXPECT_EQ(chunk.error_message, "boom");
  EXPECT_EQ(chunk.error_type, "BadRequestError");
  EXPECT_EQ(chunk.error_code, "400");

  // Older vLLM and SGLang: a flat object with "object": "error" (message before or after it).
  chunk = Parse(R"({"message":"too long","object":"error","type":"BadRequestError","code":400 })");
  EXPECT_TRUE(chunk.is_error);
  EXPECT_EQ(chunk.error_message, "too long");
  EXPECT_EQ(chunk.error_code, "400");

  // Older vLLM streaming: the flat object nested under "error".
  chunk = Parse(R"({"error":{"object":"error","message":"m","type":"t","param":null,"code":500}})");
  EXPECT_TRUE(chunk.is_error);
  EXPECT_EQ(chunk.error_message, "m");

  // OpenAI: string code.
  chunk = Parse(
      R"({"error":{"message":"x","type":"invalid_request_error","param":null,)"
      R"("code":"context_length_exceeded"}})");
  EXPECT_EQ(chunk.error_code, "context_length_exceeded");

  chunk = Parse(R"({"error":"plain text"})");
  EXPECT_TRUE(chunk.is_error);
  EXPECT_EQ(chunk.error_message, "plain text");

  chunk = Parse(R"({"error":null,"choices":[{"delta":{"content":"x"}}]})");
  EXPECT_FALSE(chunk.is_error);
  EXPECT_TRUE(chunk.token_carrying());
}

TEST_F(StreamChunkTest, MalformedJsonIsAStatusNotAnException) {
  const std::string_view cases[] = {
      "",
      "not json",
      "{",
      R"({"choices":[{"delta":{"content":"hi"}}])",
      R"({"choices":[{"delta":{"content":"hi"}}]}})",
      R"({"choices":[{"delta":{"content":"hi}}]})",
      R"({"a":1} trailing)",
      R"({"choices":[{"index":1x}]})",
      R"({"choices":[{"delta":{"content":"\q"}}]})",
      "[1,2,3]",
      "\"just a string\"",
      "{\"choices\":[{\"delta\":{\"content\":\"\xff\xfe\"}}]}",
  };
  for (std::string_view json : cases) {
    StreamChunk chunk;
    chunk.is_error = true;  // cleared on failure too
    Status status = decoder_.ParseStreamChunk(json, &chunk);
    EXPECT_FALSE(status.ok()) << json;
    EXPECT_TRUE(chunk.choices.empty());
    EXPECT_FALSE(chunk.is_error);
  }
  // The decoder recovers for the next event.
  EXPECT_TRUE(Parse(kContentChunk).token_carrying());
}

TEST_F(StreamChunkTest, DecoderIsReusableAcrossSizes) {
  std::string big =
      R"({"choices":[{"index":0,"delta":{"content":")" + std::string(100000, 'x') + R"("}}]})";
  StreamChunk chunk = Parse(big);
  EXPECT_EQ(chunk.choices[0].text_bytes(), 100000u);
  chunk = Parse(kContentChunk);
  EXPECT_EQ(chunk.choices[0].content, " Hello");
  // One StreamChunk reused: Clear() resets everything from the previous event.
  decoder_.ParseStreamChunk(kUsageChunk, &chunk);
  EXPECT_TRUE(chunk.choices.empty());
  EXPECT_TRUE(chunk.usage.present);
  decoder_.ParseStreamChunk(kRoleChunk, &chunk);
  EXPECT_FALSE(chunk.usage.present);
}

TEST_F(StreamChunkTest, NonStreamingChatResponse) {
  StreamChunk body;
  Status status = decoder_.ParseResponseBody(
      R"({"id":"chatcmpl-9","object":"chat.completion","created":1,"model":"m",)"
      R"("choices":[{"index":0,"message":{"role":"assistant","content":"Hello there",)"
      R"("reasoning_content":null,"tool_calls":[]},"logprobs":null,"finish_reason":"length",)"
      R"("stop_reason":null}],"usage":{"prompt_tokens":12,"total_tokens":14,)"
      R"("completion_tokens":2,"prompt_tokens_details":null},"prompt_logprobs":null})",
      &body);
  ASSERT_TRUE(status.ok()) << status.message();
  ASSERT_EQ(body.choices.size(), 1u);
  EXPECT_EQ(body.choices[0].content, "Hello there");
  EXPECT_TRUE(body.choices[0].token_carrying);
  EXPECT_EQ(body.choices[0].tool_calls, 0);
  EXPECT_EQ(body.choices[0].finish_reason, "length");
  EXPECT_EQ(body.usage.prompt_tokens, 12);
  EXPECT_EQ(body.usage.completion_tokens, 2);
}

TEST_F(StreamChunkTest, NonStreamingCompletionsResponseAndHttpErrorBody) {
  StreamChunk body;
  ASSERT_TRUE(
      decoder_
          .ParseResponseBody(
              R"({"object":"text_completion","choices":[{"index":0,"text":"abc",)"
              R"("finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1}})",
              &body)
          .ok());
  EXPECT_EQ(body.choices[0].content, "abc");
  EXPECT_EQ(body.usage.completion_tokens, 1);

  // The body of an HTTP 400 from vLLM.
  ASSERT_TRUE(decoder_
                  .ParseResponseBody(
                      R"({"error":{"message":"max_tokens is too large","type":"BadRequestError",)"
                      R"("param":null,"code":400}})",
                      &body)
                  .ok());
  EXPECT_TRUE(body.is_error);
  EXPECT_EQ(body.error_message, "max_tokens is too large");
}

}  // namespace
}  // namespace inferbench::client
