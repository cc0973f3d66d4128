// ChunkWriter: renders one request's responses in vLLM's exact JSON shapes — the SSE frames of a
// streamed completion (`data: {…}\n\n`) and the body of a non-streamed one.
//
// This is the simulator's hot path (one AppendToken per generated token, ≥1M per second on one
// core): the constant head of every chunk is rendered once in the constructor, numbers go through
// std::to_chars, and token text is JSON-escaped in place into the caller's buffer. No allocation
// beyond the caller's string growing.
//
// Shapes (one line each in the wire format; vLLM's field order):
//   chat role   {"id","object":"chat.completion.chunk","created","model",
//                "choices":[{"index":i,"delta":{"role":"assistant","content":""},
//                            "logprobs":null,"finish_reason":null}]}
//   chat token  … "choices":[{"index":i,"delta":{"content":"…"},"logprobs":null,
//                             "finish_reason":null|"stop"|"length"}] [,"usage":{…}]}
//   completion  {"id","object":"text_completion","created","model",
//                "choices":[{"index":i,"text":"…","logprobs":null,"finish_reason":…,
//                            "stop_reason":null}] [,"usage":{…}]}
//   usage       … "choices":[],"usage":{"prompt_tokens","total_tokens","completion_tokens",
//                                      "prompt_tokens_details":{"cached_tokens"}}}
//   continuous usage on a token chunk: {"prompt_tokens","total_tokens","completion_tokens"}
//   error       data: {"error":{"message","type","param","code"}}   (then the caller sends [DONE])
//
// Thread-compatible: const methods only after construction.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/openai_request.h"

namespace inferbench::sim {

// Token accounting of one request. total_tokens = prompt_tokens + completion_tokens;
// cached_tokens are prompt tokens served from the prefix cache
// (usage.prompt_tokens_details.cached_tokens).
struct Usage {
  int prompt_tokens = 0;
  int completion_tokens = 0;
  int cached_tokens = 0;
};

// Appends `text` JSON-escaped (no surrounding quotes): `"` and `\` get a backslash, control
// characters become \n, \r, \t, \b, \f or \u00XX; other bytes (UTF-8) are copied unchanged.
void AppendJsonEscaped(std::string& out, std::string_view text);

class ChunkWriter {
 public:
  using Usage = ::inferbench::sim::Usage;

  // `request_id` as it appears in "id" ("cmpl-…" / "chatcmpl-…"), `created_unix_s` the request's
  // wall-clock second, shared by every chunk as in vLLM.
  ChunkWriter(Endpoint endpoint, std::string request_id, std::string model, int64_t created_unix_s);

  // Chat only (a no-op for completions): the first chunk vLLM sends for each choice, carrying the
  // assistant role and empty content. Not token-carrying.
  void AppendRole(std::string& out, int choice) const;
  // One token-carrying chunk. `finish_reason`: nullptr while the choice goes on, "stop" or
  // "length" on its last token. `usage`: the running counts when continuous_usage_stats was
  // asked, else nullptr.
  void AppendToken(std::string& out, int choice, std::string_view text, const char* finish_reason,
                   const Usage* usage) const;
  // The final usage chunk (choices: []), sent when stream_options.include_usage is on.
  void AppendUsage(std::string& out, const Usage& usage) const;
  // "data: [DONE]\n\n".
  void AppendDone(std::string& out) const;
  // vLLM's mid-stream error frame: data: {"error":{…}}\n\n.
  void AppendError(std::string& out, const ProtocolError& error) const;
  // A deliberately corrupt frame (truncated JSON) for the `malformed` fault.
  static void AppendMalformed(std::string& out);

  // The non-streaming body: one choice per entry of `texts` (chat: message.content; completions:
  // text) with the matching finish reason, and the usage summed over all choices.
  // REQUIRES: texts.size() == finish_reasons.size().
  std::string FullResponse(const std::vector<std::string>& texts,
                           const std::vector<std::string>& finish_reasons,
                           const Usage& usage) const;

  Endpoint endpoint() const { return endpoint_; }

 private:
  void AppendHead(std::string& out, std::string_view object) const;

  Endpoint endpoint_;
  std::string request_id_;
  std::string model_;
  int64_t created_unix_s_;
  std::string chunk_prefix_;  // data: {"id":…,"object":…,"created":…,"model":…,"choices":[{"index":
  std::string usage_prefix_;  // data: {"id":…,…,"choices":[],"usage":
};

}  // namespace inferbench::sim
