#include "sim/openai_request.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace inferbench::sim {
namespace {

using ::testing::HasSubstr;

constexpr const char* kModel = "sim";

std::variant<SimRequest, ProtocolError> Parse(Endpoint endpoint, const std::string& body) {
  SimTokenizer tokenizer;
  return ParseOpenAIRequest(endpoint, body, tokenizer, kModel);
}

SimRequest ParseOk(Endpoint endpoint, const std::string& body) {
  auto result = Parse(endpoint, body);
  if (auto* error = std::get_if<ProtocolError>(&result)) {
    ADD_FAILURE() << "unexpected error for " << body << ": " << error->message;
    return SimRequest{};
  }
  return std::get<SimRequest>(result);
}

ProtocolError ParseError(Endpoint endpoint, const std::string& body) {
  auto result = Parse(endpoint, body);
  if (std::holds_alternative<SimRequest>(result)) {
    ADD_FAILURE() << "expected an error for " << body;
    return ProtocolError{};
  }
  return std::get<ProtocolError>(result);
}

// A 400 whose message mentions `needle` and whose param is `param`.
void ExpectBadRequest(Endpoint endpoint, const std::string& body, const std::string& needle,
                      const std::string& param) {
  const ProtocolError error = ParseError(endpoint, body);
  EXPECT_EQ(error.status, 400) << body;
  EXPECT_EQ(error.type, "BadRequestError") << body;
  EXPECT_THAT(error.message, HasSubstr(needle)) << body;
  EXPECT_EQ(error.param, param) << body;
}

// ---- completions prompts ----

TEST(OpenAIRequestTest, CompletionsStringPrompt) {
  const SimRequest request =
      ParseOk(Endpoint::kCompletions, R"({"model":"sim","prompt":"Hello, world!","max_tokens":5})");
  EXPECT_EQ(request.endpoint, Endpoint::kCompletions);
  EXPECT_EQ(request.model, "sim");
  ASSERT_EQ(request.prompts.size(), 1u);
  EXPECT_EQ(request.prompts[0], SimTokenizer().Encode("Hello, world!"));
  EXPECT_EQ(request.max_tokens, 5);
  EXPECT_FALSE(request.stream);
  EXPECT_FALSE(request.include_usage);
  EXPECT_EQ(request.min_tokens, 0);
  EXPECT_FALSE(request.ignore_eos);
  EXPECT_DOUBLE_EQ(request.temperature, 1.0);
  EXPECT_FALSE(request.seed.has_value());
  EXPECT_FALSE(request.echo);
}

TEST(OpenAIRequestTest, CompletionsListOfStrings) {
  const SimRequest request =
      ParseOk(Endpoint::kCompletions, R"({"prompt":["one two","three"],"max_tokens":3})");
  ASSERT_EQ(request.prompts.size(), 2u);
  EXPECT_EQ(request.prompts[0].size(), 2u);
  EXPECT_EQ(request.prompts[1].size(), 1u);
}

TEST(OpenAIRequestTest, CompletionsTokenIds) {
  const SimRequest request =
      ParseOk(Endpoint::kCompletions, R"({"prompt":[1,2,3,4294967295],"max_tokens":3})");
  ASSERT_EQ(request.prompts.size(), 1u);
  EXPECT_EQ(request.prompts[0], (std::vector<uint32_t>{1, 2, 3, 4294967295u}));
}

TEST(OpenAIRequestTest, CompletionsListOfTokenIdLists) {
  const SimRequest request =
      ParseOk(Endpoint::kCompletions, R"({"prompt":[[10,11],[12],[13,14,15]],"max_tokens":3})");
  ASSERT_EQ(request.prompts.size(), 3u);
  EXPECT_EQ(request.prompts[0], (std::vector<uint32_t>{10, 11}));
  EXPECT_EQ(request.prompts[1], (std::vector<uint32_t>{12}));
  EXPECT_EQ(request.prompts[2], (std::vector<uint32_t>{13, 14, 15}));
}

TEST(OpenAIRequestTest, CompletionsMaxTokensDefaultsTo16LikeVllm) {
  EXPECT_EQ(ParseOk(Endpoint::kCompletions, R"({"prompt":"x"})").max_tokens, 16);
  // An explicit null means "no limit given": the caller uses the model's remaining context.
  EXPECT_EQ(ParseOk(Endpoint::kCompletions, R"({"prompt":"x","max_tokens":null})").max_tokens, -1);
}

TEST(OpenAIRequestTest, PromptErrors) {
  const Endpoint c = Endpoint::kCompletions;
  ExpectBadRequest(c, R"({"max_tokens":3})", "`prompt` is required", "prompt");
  ExpectBadRequest(c, R"({"prompt":null})", "`prompt` is required", "prompt");
  ExpectBadRequest(c, R"({"prompt":""})", "`prompt` must be", "prompt");
  ExpectBadRequest(c, R"({"prompt":[]})", "must not be an empty list", "prompt");
  ExpectBadRequest(c, R"({"prompt":42})", "`prompt` must be", "prompt");
  ExpectBadRequest(c, R"({"prompt":{"text":"x"}})", "`prompt` must be", "prompt");
  ExpectBadRequest(c, R"({"prompt":["a",""]})", "`prompt[1]` must not be empty", "prompt");
  ExpectBadRequest(c, R"({"prompt":["a",1]})", "`prompt[1]` must be a string", "prompt");
  ExpectBadRequest(c, R"({"prompt":[1,"a"]})", "`prompt[1]` must be a token id", "prompt");
  ExpectBadRequest(c, R"({"prompt":[1,2.5]})", "`prompt[1]` must be a token id", "prompt");
  ExpectBadRequest(c, R"({"prompt":[1,-1]})", "Token id -1", "prompt");
  ExpectBadRequest(c, R"({"prompt":[4294967296]})", "out of range", "prompt");
  ExpectBadRequest(c, R"({"prompt":[[1],[]]})", "`prompt[1]` must not be an empty list", "prompt");
  ExpectBadRequest(c, R"({"prompt":[[1],2]})", "`prompt[1]` must be a list of token ids",
                   "prompt");
  ExpectBadRequest(c, R"({"prompt":[[1,"x"]]})", "`prompt[0][1]` must be a token id", "prompt");
  ExpectBadRequest(c, R"({"prompt":[null]})", "`prompt` must be", "prompt");
  ExpectBadRequest(c, R"({"prompt_embeds":"abc"})", "not supported", "prompt_embeds");
}

// ---- chat ----

TEST(OpenAIRequestTest, ChatMessages) {
  const SimRequest request = ParseOk(
      Endpoint::kChat,
      R"({"model":"sim","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi there"}],"max_tokens":7})");
  EXPECT_EQ(request.endpoint, Endpoint::kChat);
  ASSERT_EQ(request.prompts.size(), 1u);
  SimTokenizer tokenizer;
  EXPECT_EQ(request.prompts[0],
            tokenizer.EncodeChat({{"system", "Be brief."}, {"user", "Hi there"}}));
  EXPECT_EQ(request.prompts[0].size(),
            (tokenizer.Count("Be brief.") + 4) + (tokenizer.Count("Hi there") + 4) + 3);
  EXPECT_EQ(request.max_tokens, 7);
}

TEST(OpenAIRequestTest, ChatContentPartsAreConcatenated) {
  const SimRequest parts = ParseOk(
      Endpoint::kChat,
      R"({"messages":[{"role":"user","content":[{"type":"text","text":"Hello, "},{"type":"text","text":"world"}]}]})");
  const SimRequest plain =
      ParseOk(Endpoint::kChat, R"({"messages":[{"role":"user","content":"Hello, world"}]})");
  EXPECT_EQ(parts.prompts, plain.prompts);
}

TEST(OpenAIRequestTest, ChatAssistantMayHaveNoContent) {
  const SimRequest request = ParseOk(
      Endpoint::kChat,
      R"({"messages":[{"role":"user","content":"q"},{"role":"assistant","content":null,"tool_calls":[]},{"role":"user","content":"again"}]})");
  ASSERT_EQ(request.prompts.size(), 1u);
}

TEST(OpenAIRequestTest, ChatMaxTokensDefaultsToUnset) {
  EXPECT_EQ(ParseOk(Endpoint::kChat, R"({"messages":[{"role":"user","content":"x"}]})").max_tokens,
            -1);
}

TEST(OpenAIRequestTest, ChatMaxCompletionTokensWinsOverMaxTokens) {
  EXPECT_EQ(ParseOk(Endpoint::kChat,
                    R"({"messages":[{"role":"user","content":"x"}],"max_tokens":10,"max_completion_tokens":20})")
                .max_tokens,
            20);
  EXPECT_EQ(ParseOk(Endpoint::kChat,
                    R"({"messages":[{"role":"user","content":"x"}],"max_completion_tokens":30})")
                .max_tokens,
            30);
  // Completions has no max_completion_tokens: the field is ignored there.
  EXPECT_EQ(ParseOk(Endpoint::kCompletions,
                    R"({"prompt":"x","max_tokens":10,"max_completion_tokens":20})")
                .max_tokens,
            10);
}

TEST(OpenAIRequestTest, MessagesErrors) {
  const Endpoint c = Endpoint::kChat;
  ExpectBadRequest(c, R"({"model":"sim"})", "`messages` is required", "messages");
  ExpectBadRequest(c, R"({"messages":null})", "`messages` is required", "messages");
  ExpectBadRequest(c, R"({"messages":[]})", "at least one message", "messages");
  ExpectBadRequest(c, R"({"messages":"hi"})", "`messages` must be a list", "messages");
  ExpectBadRequest(c, R"({"messages":["hi"]})", "`messages[0]` must be an object", "messages[0]");
  ExpectBadRequest(c, R"({"messages":[{"content":"hi"}]})", "`messages[0].role` is required",
                   "messages");
  ExpectBadRequest(c, R"({"messages":[{"role":1,"content":"hi"}]})",
                   "`messages[0].role` must be a string", "messages[0].role");
  ExpectBadRequest(c, R"({"messages":[{"role":"user"}]})", "`messages[0].content` is required",
                   "messages");
  ExpectBadRequest(c, R"({"messages":[{"role":"user","content":5}]})",
                   "`messages[0].content` must be a string or a list", "messages[0].content");
  ExpectBadRequest(
      c,
      R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]})",
      "Content part type `image_url`", "messages");
  ExpectBadRequest(c, R"({"messages":[{"role":"user","content":[{"text":"x"}]}]})",
                   "`messages[0].content[0].type` is required", "messages");
  ExpectBadRequest(c, R"({"messages":[{"role":"user","content":[{"type":"text"}]}]})",
                   "`messages[0].content[0].text` is required", "messages");
  ExpectBadRequest(c, R"({"messages":[{"role":"user","content":["x"]}]})",
                   "`messages[0].content[0]` must be an object", "messages[0].content[0]");
}

// ---- body-level errors ----

TEST(OpenAIRequestTest, InvalidJson) {
  const ProtocolError error = ParseError(Endpoint::kCompletions, R"({"prompt": "x",)");
  EXPECT_EQ(error.status, 400);
  EXPECT_THAT(error.message, HasSubstr("not valid JSON"));
  EXPECT_EQ(error.param, "");
  EXPECT_THAT(ParseError(Endpoint::kCompletions, "").message, HasSubstr("not valid JSON"));
}

TEST(OpenAIRequestTest, BodyMustBeAnObject) {
  ExpectBadRequest(Endpoint::kCompletions, R"(["prompt"])", "must be a JSON object", "");
  ExpectBadRequest(Endpoint::kChat, R"("hello")", "must be a JSON object", "");
}

// ---- field types and values ----

TEST(OpenAIRequestTest, WrongTypes) {
  const Endpoint c = Endpoint::kCompletions;
  ExpectBadRequest(c, R"({"prompt":"x","max_tokens":"5"})", "`max_tokens` must be an integer",
                   "max_tokens");
  ExpectBadRequest(c, R"({"prompt":"x","max_tokens":2.5})", "`max_tokens` must be an integer",
                   "max_tokens");
  ExpectBadRequest(c, R"({"prompt":"x","max_tokens":true})", "`max_tokens` must be an integer",
                   "max_tokens");
  ExpectBadRequest(c, R"({"prompt":"x","temperature":"hot"})", "`temperature` must be a number",
                   "temperature");
  ExpectBadRequest(c, R"({"prompt":"x","stream":"yes"})", "`stream` must be a boolean", "stream");
  ExpectBadRequest(c, R"({"prompt":"x","stream":1})", "`stream` must be a boolean", "stream");
  ExpectBadRequest(c, R"({"prompt":"x","ignore_eos":"true"})", "`ignore_eos` must be a boolean",
                   "ignore_eos");
  ExpectBadRequest(c, R"({"prompt":"x","min_tokens":[1]})", "`min_tokens` must be an integer",
                   "min_tokens");
  ExpectBadRequest(c, R"({"prompt":"x","seed":"7"})", "`seed` must be a 64-bit integer", "seed");
  ExpectBadRequest(c, R"({"prompt":"x","model":7})", "`model` must be a string", "model");
  ExpectBadRequest(c, R"({"prompt":"x","n":"2"})", "`n` must be an integer", "n");
  ExpectBadRequest(c, R"({"prompt":"x","echo":"no"})", "`echo` must be a boolean", "echo");
  ExpectBadRequest(Endpoint::kChat,
                   R"({"messages":[{"role":"user","content":"x"}],"max_completion_tokens":"9"})",
                   "`max_completion_tokens` must be an integer", "max_completion_tokens");
}

TEST(OpenAIRequestTest, IntegralFloatsAreIntegersLikePydantic) {
  EXPECT_EQ(ParseOk(Endpoint::kCompletions, R"({"prompt":"x","max_tokens":8.0})").max_tokens, 8);
}

TEST(OpenAIRequestTest, MaxTokensMustBePositive) {
  ExpectBadRequest(Endpoint::kCompletions, R"({"prompt":"x","max_tokens":0})",
                   "max_tokens must be at least 1, got 0.", "max_tokens");
  ExpectBadRequest(Endpoint::kCompletions, R"({"prompt":"x","max_tokens":-5})",
                   "max_tokens must be at least 1, got -5.", "max_tokens");
  ExpectBadRequest(Endpoint::kChat,
                   R"({"messages":[{"role":"user","content":"x"}],"max_completion_tokens":0})",
                   "max_completion_tokens must be at least 1", "max_completion_tokens");
  ExpectBadRequest(Endpoint::kCompletions, R"({"prompt":"x","max_tokens":99999999999})",
                   "out of range", "max_tokens");
}

TEST(OpenAIRequestTest, MinTokens) {
  const SimRequest request =
      ParseOk(Endpoint::kCompletions, R"({"prompt":"x","max_tokens":10,"min_tokens":10})");
  EXPECT_EQ(request.min_tokens, 10);
  ExpectBadRequest(Endpoint::kCompletions, R"({"prompt":"x","max_tokens":10,"min_tokens":11})",
                   "min_tokens must be less than or equal to max_tokens=10, got 11.",
                   "min_tokens");
  ExpectBadRequest(Endpoint::kCompletions, R"({"prompt":"x","min_tokens":-1})",
                   "min_tokens must be greater than or equal to 0, got -1.", "min_tokens");
  // Against max_completion_tokens when that is the effective limit.
  ExpectBadRequest(
      Endpoint::kChat,
      R"({"messages":[{"role":"user","content":"x"}],"max_tokens":100,"max_completion_tokens":5,"min_tokens":6})",
      "max_tokens=5", "min_tokens");
  // No max given on chat: any min_tokens is fine here (the caller checks against the context).
  EXPECT_EQ(
      ParseOk(Endpoint::kChat, R"({"messages":[{"role":"user","content":"x"}],"min_tokens":500})")
          .min_tokens,
      500);
}

TEST(OpenAIRequestTest, NMustBeOne) {
  EXPECT_EQ(ParseOk(Endpoint::kCompletions, R"({"prompt":"x","n":1})").prompts.size(), 1u);
  ExpectBadRequest(Endpoint::kCompletions, R"({"prompt":"x","n":2})", "n must be 1", "n");
  ExpectBadRequest(Endpoint::kChat, R"({"messages":[{"role":"user","content":"x"}],"n":0})",
                   "n must be 1", "n");
}

TEST(OpenAIRequestTest, TemperatureAndSeed) {
  const SimRequest request = ParseOk(
      Endpoint::kCompletions, R"({"prompt":"x","temperature":0,"seed":-12345678901234})");
  EXPECT_DOUBLE_EQ(request.temperature, 0.0);
  ASSERT_TRUE(request.seed.has_value());
  EXPECT_EQ(*request.seed, -12345678901234);
  EXPECT_DOUBLE_EQ(
      ParseOk(Endpoint::kCompletions, R"({"prompt":"x","temperature":0.7})").temperature, 0.7);
  ExpectBadRequest(Endpoint::kCompletions, R"({"prompt":"x","temperature":-0.5})",
                   "temperature must be non-negative", "temperature");
  ExpectBadRequest(Endpoint::kCompletions, R"({"prompt":"x","seed":18446744073709551615})",
                   "`seed` must be a 64-bit integer", "seed");
}

TEST(OpenAIRequestTest, IgnoreEos) {
  EXPECT_TRUE(ParseOk(Endpoint::kCompletions, R"({"prompt":"x","ignore_eos":true})").ignore_eos);
}

TEST(OpenAIRequestTest, EchoIsRefused) {
  EXPECT_FALSE(ParseOk(Endpoint::kCompletions, R"({"prompt":"x","echo":false})").echo);
  ExpectBadRequest(Endpoint::kCompletions, R"({"prompt":"x","echo":true})",
                   "not supported by the simulator", "echo");
}

TEST(OpenAIRequestTest, UnknownFieldsAreIgnoredLikeVllm) {
  EXPECT_EQ(ParseOk(Endpoint::kCompletions, R"({"prompt":"x","top_p":0.9,"user":"u","stop":["\n"]})")
                .prompts.size(),
            1u);
}

// ---- streaming options ----

TEST(OpenAIRequestTest, StreamWithUsage) {
  const SimRequest request = ParseOk(
      Endpoint::kCompletions,
      R"({"prompt":"x","stream":true,"stream_options":{"include_usage":true,"continuous_usage_stats":true}})");
  EXPECT_TRUE(request.stream);
  EXPECT_TRUE(request.include_usage);
  EXPECT_TRUE(request.continuous_usage_stats);
}

TEST(OpenAIRequestTest, StreamWithoutOptionsHasNoUsage) {
  const SimRequest request = ParseOk(Endpoint::kChat,
                                     R"({"messages":[{"role":"user","content":"x"}],"stream":true})");
  EXPECT_TRUE(request.stream);
  EXPECT_FALSE(request.include_usage);
  EXPECT_FALSE(request.continuous_usage_stats);
}

TEST(OpenAIRequestTest, IncludeUsageDefaultsToTrueWhenStreamOptionsAreGiven) {
  // vLLM's StreamOptions.include_usage defaults to true.
  const SimRequest request = ParseOk(
      Endpoint::kCompletions,
      R"({"prompt":"x","stream":true,"stream_options":{"continuous_usage_stats":true}})");
  EXPECT_TRUE(request.include_usage);
  EXPECT_TRUE(request.continuous_usage_stats);
  const SimRequest empty =
      ParseOk(Endpoint::kCompletions, R"({"prompt":"x","stream":true,"stream_options":{}})");
  EXPECT_TRUE(empty.include_usage);
  EXPECT_FALSE(empty.continuous_usage_stats);
}

TEST(OpenAIRequestTest, ContinuousUsageNeedsIncludeUsage) {
  const SimRequest request = ParseOk(
      Endpoint::kCompletions,
      R"({"prompt":"x","stream":true,"stream_options":{"include_usage":false,"continuous_usage_stats":true}})");
  EXPECT_FALSE(request.include_usage);
  EXPECT_FALSE(request.continuous_usage_stats);
}

TEST(OpenAIRequestTest, StreamOptionsWithoutStreamAreRefused) {
  ExpectBadRequest(Endpoint::kCompletions,
                   R"({"prompt":"x","stream_options":{"include_usage":true}})",
                   "Stream options can only be defined when `stream=True`.", "stream_options");
  ExpectBadRequest(Endpoint::kChat,
                   R"({"messages":[{"role":"user","content":"x"}],"stream":false,"stream_options":{"include_usage":true}})",
                   "Stream options can only be defined when `stream=True`.", "stream_options");
  // Like vLLM, an empty or null stream_options is not "defined".
  EXPECT_FALSE(
      ParseOk(Endpoint::kCompletions, R"({"prompt":"x","stream_options":{}})").include_usage);
  EXPECT_FALSE(
      ParseOk(Endpoint::kCompletions, R"({"prompt":"x","stream_options":null})").include_usage);
}

TEST(OpenAIRequestTest, StreamOptionsTypes) {
  ExpectBadRequest(Endpoint::kCompletions, R"({"prompt":"x","stream":true,"stream_options":true})",
                   "`stream_options` must be an object", "stream_options");
  ExpectBadRequest(Endpoint::kCompletions,
                   R"({"prompt":"x","stream":true,"stream_options":{"include_usage":"yes"}})",
                   "`stream_options.include_usage` must be a boolean",
                   "stream_options.include_usage");
  ExpectBadRequest(
      Endpoint::kCompletions,
      R"({"prompt":"x","stream":true,"stream_options":{"continuous_usage_stats":1}})",
      "`stream_options.continuous_usage_stats` must be a boolean",
      "stream_options.continuous_usage_stats");
}

// ---- model ----

TEST(OpenAIRequestTest, UnknownModelIs404WithVllmWording) {
  const ProtocolError error =
      ParseError(Endpoint::kCompletions, R"({"model":"gpt-4","prompt":"x"})");
  EXPECT_EQ(error.status, 404);
  EXPECT_EQ(error.type, "NotFoundError");
  EXPECT_EQ(error.message, "The model `gpt-4` does not exist.");
  EXPECT_EQ(error.param, "model");
  EXPECT_EQ(ParseError(Endpoint::kChat,
                       R"({"model":"other","messages":[{"role":"user","content":"x"}]})")
                .status,
            404);
}

TEST(OpenAIRequestTest, MissingModelUsesTheServedOne) {
  EXPECT_EQ(ParseOk(Endpoint::kCompletions, R"({"prompt":"x"})").model, "");
  EXPECT_EQ(ParseOk(Endpoint::kCompletions, R"({"prompt":"x","model":null})").model, "");
}

TEST(OpenAIRequestTest, ValidationComesBeforeTheModelCheck) {
  // As in vLLM: the body is validated first, so a bad field is a 400 even with a wrong model.
  EXPECT_EQ(ParseError(Endpoint::kCompletions, R"({"model":"nope","prompt":"x","max_tokens":0})")
                .status,
            400);
}

// ---- error body ----

TEST(OpenAIRequestTest, ErrorBodyHasVllmShape) {
  ProtocolError error;
  error.status = 404;
  error.type = "NotFoundError";
  error.message = "The model `x` does not exist.";
  error.param = "model";
  const std::string body = ErrorBody(error);
  EXPECT_EQ(body,
            R"({"error":{"message":"The model `x` does not exist.","type":"NotFoundError",)"
            R"("param":"model","code":404}})");
}

TEST(OpenAIRequestTest, ErrorBodyWithoutParamHasNull) {
  ProtocolError error;
  error.message = "bad \"quote\"\nnewline";
  const nlohmann::json json = nlohmann::json::parse(ErrorBody(error));
  EXPECT_EQ(json["error"]["message"], "bad \"quote\"\nnewline");
  EXPECT_EQ(json["error"]["type"], "BadRequestError");
  EXPECT_TRUE(json["error"]["param"].is_null());
  EXPECT_EQ(json["error"]["code"], 400);
  EXPECT_EQ(json.size(), 1u);
  EXPECT_EQ(json["error"].size(), 4u);
}

TEST(OpenAIRequestTest, ErrorBodySurvivesInvalidUtf8) {
  ProtocolError error;
  error.message = "The model `\xff` does not exist.";
  EXPECT_TRUE(nlohmann::json::accept(ErrorBody(error)));
}

}  // namespace
}  // namespace inferbench::sim
