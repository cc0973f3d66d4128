#include "sim/chunk_writer.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace inferbench::sim {
namespace {

using Json = nlohmann::json;
using ::testing::StartsWith;

constexpr int64_t kCreated = 1700000000;

ChunkWriter Chat() { return ChunkWriter(Endpoint::kChat, "chatcmpl-abc", "sim", kCreated); }
ChunkWriter Completions() {
  return ChunkWriter(Endpoint::kCompletions, "cmpl-abc", "sim", kCreated);
}

// Splits a buffer of SSE frames into their `data:` payloads, checking the framing.
std::vector<std::string> Frames(const std::string& buffer) {
  std::vector<std::string> frames;
  size_t pos = 0;
  while (pos < buffer.size()) {
    const size_t end = buffer.find("\n\n", pos);
    EXPECT_NE(end, std::string::npos) << "unterminated frame in " << buffer;
    if (end == std::string::npos) break;
    const std::string frame = buffer.substr(pos, end - pos);
    EXPECT_THAT(frame, StartsWith("data: "));
    EXPECT_EQ(frame.find('\n'), std::string::npos) << "a frame must be one line: " << frame;
    frames.push_back(frame.substr(6));
    pos = end + 2;
  }
  return frames;
}

Json OneFrame(const std::string& buffer) {
  const std::vector<std::string> frames = Frames(buffer);
  EXPECT_EQ(frames.size(), 1u);
  if (frames.empty()) return Json();
  return Json::parse(frames[0]);
}

void ExpectHead(const Json& chunk, const std::string& id, const std::string& object) {
  EXPECT_EQ(chunk["id"], id);
  EXPECT_EQ(chunk["object"], object);
  EXPECT_EQ(chunk["created"], kCreated);
  EXPECT_EQ(chunk["model"], "sim");
}

TEST(ChunkWriterTest, ChatRoleChunk) {
  std::string out;
  Chat().AppendRole(out, 0);
  const Json chunk = OneFrame(out);
  ExpectHead(chunk, "chatcmpl-abc", "chat.completion.chunk");
  ASSERT_EQ(chunk["choices"].size(), 1u);
  const Json& choice = chunk["choices"][0];
  EXPECT_EQ(choice["index"], 0);
  EXPECT_EQ(choice["delta"], Json::parse(R"({"role":"assistant","content":""})"));
  EXPECT_TRUE(choice["logprobs"].is_null());
  EXPECT_TRUE(choice.contains("finish_reason"));
  EXPECT_TRUE(choice["finish_reason"].is_null());
  EXPECT_FALSE(chunk.contains("usage"));
}

TEST(ChunkWriterTest, RoleIsANoOpForCompletions) {
  std::string out;
  Completions().AppendRole(out, 0);
  EXPECT_TRUE(out.empty());
}

TEST(ChunkWriterTest, ChatTokenChunk) {
  std::string out;
  Chat().AppendToken(out, 0, " hello", nullptr, nullptr);
  const Json chunk = OneFrame(out);
  ExpectHead(chunk, "chatcmpl-abc", "chat.completion.chunk");
  EXPECT_EQ(chunk.size(), 5u);  // id, object, created, model, choices
  const Json& choice = chunk["choices"][0];
  EXPECT_EQ(choice.size(), 4u);
  EXPECT_EQ(choice["index"], 0);
  EXPECT_EQ(choice["delta"], Json::parse(R"({"content":" hello"})"));
  EXPECT_TRUE(choice["logprobs"].is_null());
  EXPECT_TRUE(choice["finish_reason"].is_null());
}

TEST(ChunkWriterTest, ChatLastTokenCarriesFinishReason) {
  std::string out;
  Chat().AppendToken(out, 2, " end", "length", nullptr);
  const Json choice = OneFrame(out)["choices"][0];
  EXPECT_EQ(choice["index"], 2);
  EXPECT_EQ(choice["delta"]["content"], " end");
  EXPECT_EQ(choice["finish_reason"], "length");
}

TEST(ChunkWriterTest, CompletionsTokenChunk) {
  std::string out;
  Completions().AppendToken(out, 1, " world", "stop", nullptr);
  const Json chunk = OneFrame(out);
  ExpectHead(chunk, "cmpl-abc", "text_completion");
  EXPECT_EQ(chunk.size(), 5u);
  const Json& choice = chunk["choices"][0];
  EXPECT_EQ(choice.size(), 5u);
  EXPECT_EQ(choice["index"], 1);
  EXPECT_EQ(choice["text"], " world");
  EXPECT_TRUE(choice["logprobs"].is_null());
  EXPECT_EQ(choice["finish_reason"], "stop");
  EXPECT_TRUE(choice.contains("stop_reason"));
  EXPECT_TRUE(choice["stop_reason"].is_null());
}

TEST(ChunkWriterTest, ExactBytesOfACompletionsChunk) {
  // The wire format pinned once, in vLLM's field order, compact like pydantic's model_dump_json.
  std::string out;
  Completions().AppendToken(out, 0, " a", nullptr, nullptr);
  EXPECT_EQ(out,
            "data: {\"id\":\"cmpl-abc\",\"object\":\"text_completion\",\"created\":1700000000,"
            "\"model\":\"sim\",\"choices\":[{\"index\":0,\"text\":\" a\",\"logprobs\":null,"
            "\"finish_reason\":null,\"stop_reason\":null}]}\n\n");
}

TEST(ChunkWriterTest, ContinuousUsageOnATokenChunk) {
  std::string out;
  const Usage usage{12, 3, 8};
  Chat().AppendToken(out, 0, " x", nullptr, &usage);
  const Json chunk = OneFrame(out);
  EXPECT_EQ(chunk["usage"], Json::parse(R"({"prompt_tokens":12,"total_tokens":15,"completion_tokens":3})"));
  EXPECT_EQ(chunk["choices"][0]["delta"]["content"], " x");
}

TEST(ChunkWriterTest, FinalUsageChunk) {
  for (const ChunkWriter& writer : {Chat(), Completions()}) {
    std::string out;
    writer.AppendUsage(out, Usage{100, 20, 64});
    const Json chunk = OneFrame(out);
    EXPECT_EQ(chunk["object"], writer.endpoint() == Endpoint::kChat ? "chat.completion.chunk"
                                                                      : "text_completion");
    EXPECT_TRUE(chunk["choices"].is_array());
    EXPECT_TRUE(chunk["choices"].empty());
    EXPECT_EQ(chunk["usage"]["prompt_tokens"], 100);
    EXPECT_EQ(chunk["usage"]["completion_tokens"], 20);
    EXPECT_EQ(chunk["usage"]["total_tokens"], 120);
    EXPECT_EQ(chunk["usage"]["prompt_tokens_details"]["cached_tokens"], 64);
  }
}

TEST(ChunkWriterTest, Done) {
  std::string out;
  Chat().AppendDone(out);
  EXPECT_EQ(out, "data: [DONE]\n\n");
}

TEST(ChunkWriterTest, ErrorFrame) {
  std::string out;
  ProtocolError error;
  error.status = 500;
  error.type = "InternalServerError";
  error.message = "Internal server error";
  Completions().AppendError(out, error);
  const Json frame = OneFrame(out);
  EXPECT_EQ(frame, Json::parse(R"({"error":{"message":"Internal server error",)"
                               R"("type":"InternalServerError","param":null,"code":500}})"));
}

TEST(ChunkWriterTest, MalformedFrameIsFramedButNotJson) {
  std::string out;
  ChunkWriter::AppendMalformed(out);
  const std::vector<std::string> frames = Frames(out);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_FALSE(Json::accept(frames[0]));
}

TEST(ChunkWriterTest, TokenTextIsJsonEscaped) {
  const std::vector<std::string> texts = {
      "\"quoted\"", "back\\slash", "new\nline", "tab\there", "cr\rlf",
      std::string("nul\0byte", 8), "\x01\x1f", "\b\f", "unicode é 中 😀", "</script>", "",
  };
  for (const ChunkWriter& writer : {Chat(), Completions()}) {
    for (const std::string& text : texts) {
      std::string out;
      writer.AppendToken(out, 0, text, nullptr, nullptr);
      const Json choice = OneFrame(out)["choices"][0];
      const Json& value =
          writer.endpoint() == Endpoint::kChat ? choice["delta"]["content"] : choice["text"];
      EXPECT_EQ(value.get<std::string>(), text);
    }
  }
}

TEST(ChunkWriterTest, EscapingUsesShortFormsAndLowercaseHex) {
  std::string out;
  AppendJsonEscaped(out, std::string("a\"b\\c\nd\x01", 8));
  EXPECT_EQ(out, "a\\\"b\\\\c\\nd\\u0001");
}

TEST(ChunkWriterTest, IdAndModelAreEscapedToo) {
  ChunkWriter writer(Endpoint::kChat, "chatcmpl-\"x\"", "my\\model", kCreated);
  std::string out;
  writer.AppendToken(out, 0, "t", nullptr, nullptr);
  const Json chunk = OneFrame(out);
  EXPECT_EQ(chunk["id"], "chatcmpl-\"x\"");
  EXPECT_EQ(chunk["model"], "my\\model");
}

TEST(ChunkWriterTest, ManyFramesAppendToOneBuffer) {
  const ChunkWriter writer = Chat();
  std::string out;
  writer.AppendRole(out, 0);
  for (int i = 0; i < 5; ++i) writer.AppendToken(out, 0, " w", i == 4 ? "stop" : nullptr, nullptr);
  writer.AppendUsage(out, Usage{3, 5, 0});
  writer.AppendDone(out);
  const std::vector<std::string> frames = Frames(out);
  ASSERT_EQ(frames.size(), 8u);
  EXPECT_EQ(frames.back(), "[DONE]");
  for (size_t i = 0; i + 1 < frames.size(); ++i) EXPECT_TRUE(Json::accept(frames[i])) << frames[i];
  EXPECT_EQ(Json::parse(frames[5])["choices"][0]["finish_reason"], "stop");
}

TEST(ChunkWriterTest, ChatFullResponse) {
  const std::string body = Chat().FullResponse({" the answer"}, {"length"}, Usage{10, 2, 4});
  const Json json = Json::parse(body);
  ExpectHead(json, "chatcmpl-abc", "chat.completion");
  ASSERT_EQ(json["choices"].size(), 1u);
  const Json& choice = json["choices"][0];
  EXPECT_EQ(choice["index"], 0);
  EXPECT_EQ(choice["message"], Json::parse(R"({"role":"assistant","content":" the answer"})"));
  EXPECT_TRUE(choice["logprobs"].is_null());
  EXPECT_EQ(choice["finish_reason"], "length");
  EXPECT_TRUE(choice["stop_reason"].is_null());
  EXPECT_EQ(json["usage"], Json::parse(R"({"prompt_tokens":10,"total_tokens":12,)"
                                       R"("completion_tokens":2,)"
                                       R"("prompt_tokens_details":{"cached_tokens":4}})"));
}

TEST(ChunkWriterTest, CompletionsFullResponseWithSeveralChoices) {
  const std::string body =
      Completions().FullResponse({" a\"b", " c"}, {"stop", "length"}, Usage{6, 3, 0});
  const Json json = Json::parse(body);
  ExpectHead(json, "cmpl-abc", "text_completion");
  ASSERT_EQ(json["choices"].size(), 2u);
  EXPECT_EQ(json["choices"][0]["index"], 0);
  EXPECT_EQ(json["choices"][0]["text"], " a\"b");
  EXPECT_EQ(json["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(json["choices"][1]["index"], 1);
  EXPECT_EQ(json["choices"][1]["text"], " c");
  EXPECT_EQ(json["choices"][1]["finish_reason"], "length");
  EXPECT_EQ(json["usage"]["total_tokens"], 9);
}

}  // namespace
}  // namespace inferbench::sim
