// Parsing and validating the bodies of POST /v1/completions and POST /v1/chat/completions the way
// vLLM's OpenAI-compatible server does, and vLLM's error body.
//
// Field names and defaults follow vLLM (vllm/entrypoints/openai/*/protocol.py): `max_tokens`
// (completions default 16, chat default none), chat's `max_completion_tokens` (wins over
// `max_tokens`), `min_tokens`, `ignore_eos`, `stream_options.include_usage` (true when
// stream_options is given without it) and `stream_options.continuous_usage_stats` (only with
// include_usage). A non-empty `stream_options` without `stream: true` is a 400, as in vLLM.
// Validation errors come before the model check, as in vLLM: a bad field is a 400 even when the
// model is also wrong; an unknown model is a 404 "The model `X` does not exist.".
//
// Not the hot path (one call per request); uses nlohmann::json. Thread-safe: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sim/sim_tokenizer.h"

namespace inferbench::sim {

enum class Endpoint { kCompletions, kChat };

// An error answered with vLLM's body {"error":{"message","type","param","code"}}.
struct ProtocolError {
  int status = 400;
  std::string message;
  std::string type = "BadRequestError";
  std::string param;  // empty: JSON null
};

struct SimRequest {
  Endpoint endpoint = Endpoint::kCompletions;
  std::string model;  // as sent; empty when the request named none (vLLM serves the default)
  // Prompt token ids. Completions may carry several prompts (a list of strings or a list of
  // token-id lists), each answered as its own choice; chat has exactly one (the chat template
  // applied to the messages).
  std::vector<std::vector<uint32_t>> prompts;
  bool stream = false;
  bool include_usage = false;           // stream_options.include_usage (streaming only)
  bool continuous_usage_stats = false;  // usage on every chunk (streaming, with include_usage)
  // -1: not given (or null) -> the caller uses max_model_len - prompt length. Completions
  // without the field get vLLM's default 16.
  int max_tokens = -1;
  int min_tokens = 0;
  bool ignore_eos = false;
  double temperature = 1.0;
  std::optional<int64_t> seed;
  bool echo = false;  // always false: echo=true is refused with a 400
};

// Largest token id accepted in a token-id prompt (ids are uint32 inside the simulator).
inline constexpr int64_t kMaxPromptTokenId = 0xFFFFFFFFLL;

// Parses and validates one request body. `served_model_name` is the only model name accepted.
std::variant<SimRequest, ProtocolError> ParseOpenAIRequest(Endpoint endpoint, std::string_view body,
                                                           const SimTokenizer& tokenizer,
                                                           std::string_view served_model_name);

// vLLM's error body: {"error":{"message":…,"type":…,"param":…|null,"code":status}}.
std::string ErrorBody(const ProtocolError& error);

}  // namespace inferbench::sim
