// Decoding of OpenAI-compatible response JSON: the `data:` payload of one streaming event
// (chat.completion.chunk or text_completion) and, for --no-stream, a whole response body.
//
// Only what measurement needs is extracted (DESIGN.md §4): per choice whether it carries
// generated output, the generated text, finish_reason; the usage object; error frames. Other
// fields are validated as JSON but not examined. Malformed JSON yields an error Status, never
// an exception.
//
// ChunkDecoder owns a simdjson parser and a padded copy buffer that are reused, so decoding
// allocates nothing per event once the buffers have grown to the largest event seen.
// simdjson itself stays inside stream_chunk.cc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace inferbench::client {

// One entry of `choices`. String views point into the ChunkDecoder that filled them.
struct ChoiceUpdate {
  int64_t index = 0;
  // Carries generated output (DESIGN.md §4): non-empty content / completions text, non-empty
  // reasoning_content or reasoning, or a non-empty tool_calls array.
  bool token_carrying = false;
  std::string_view content;        // chat delta.content / message.content, or completions text
  std::string_view reasoning;      // reasoning_content, else reasoning
  int tool_calls = 0;              // elements of tool_calls
  size_t tool_call_bytes = 0;      // bytes of the tool calls' function names and arguments
  bool has_finish_reason = false;  // finish_reason was a string (null or absent: false)
  std::string_view finish_reason;

  // Generated text bytes in this update (content + reasoning + tool call names/arguments).
  size_t text_bytes() const { return content.size() + reasoning.size() + tool_call_bytes; }
};

struct TokenUsage {
  bool present = false;        // a non-null `usage` object was seen
  int64_t prompt_tokens = -1;  // -1: field absent
  int64_t completion_tokens = -1;
  int64_t cached_tokens = -1;  // usage.prompt_tokens_details.cached_tokens
};

// The decoded content of one streaming event (or one non-streaming response body).
// Reuse one instance per stream: Clear() keeps the choices' capacity.
struct StreamChunk {
  std::vector<ChoiceUpdate> choices;  // empty for the final usage chunk (`choices: []`)
  TokenUsage usage;
  // An error frame: {"error": {...}} (OpenAI, vLLM), {"error": "text"}, or a top-level
  // {"object": "error", "message": ...} (older vLLM, SGLang).
  bool is_error = false;
  std::string_view error_message;
  std::string_view error_type;
  std::string_view error_code;  // as sent: "400" (vLLM, a number) or "context_length_exceeded"

  bool token_carrying() const;  // any choice carries output
  void Clear();
};

class ChunkDecoder {
 public:
  ChunkDecoder();
  ~ChunkDecoder();
  ChunkDecoder(const ChunkDecoder&) = delete;
  ChunkDecoder& operator=(const ChunkDecoder&) = delete;

  // Decodes one SSE `data:` payload (not "[DONE]"). On success `out` is overwritten; its views
  // stay valid until the next call on this decoder. Choices are read from `delta` (chat) or
  // `text` (completions). An error frame is a success with out->is_error set.
  Status ParseStreamChunk(std::string_view json, StreamChunk* out);

  // Decodes a complete non-streaming response body (chat.completion or text_completion):
  // choices are read from `message` (chat) or `text` (completions). Same contract as above.
  Status ParseResponseBody(std::string_view json, StreamChunk* out);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace inferbench::client
