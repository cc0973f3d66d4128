// The OpenAI-compatible request side: JSON bodies for /v1/chat/completions and /v1/completions,
// and the HTTP/1.1 request bytes that carry them.
//
// Bodies are deterministic: identical inputs give byte-identical output on every machine (keys
// in a fixed order, no hash-map iteration, our own number formatting via nlohmann's), so golden
// hashes of generated requests can be checked (DESIGN.md §2.7). Streaming bodies always ask for
// `stream_options.include_usage`, so the output-token count comes from the server's usage
// (DESIGN.md §4).
//
// Pure functions; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "net/client_connection.h"

namespace inferbench::client {

enum class ApiEndpoint { kChat, kCompletions };

// "chat" or "completions".
std::string_view ApiEndpointName(ApiEndpoint endpoint);

// One chat message as a dataset gives it ("system", "user", "assistant", …; sent as written).
struct ChatMessage {
  std::string role;
  std::string content;
};

struct Prompt {
  std::string text;
  // Token ids (--prompt-format ids): completions only, sent as `prompt: [ids]` instead of text.
  std::vector<uint32_t> ids;
  // Chat only: when non-empty, the body's `messages` are these, in order and as given (text is
  // then ignored); when empty, chat sends text as one user message.
  std::vector<ChatMessage> messages = {};  // (initialised: Prompt{text, ids} stays warning-free)
};

struct RequestOptions {
  ApiEndpoint endpoint = ApiEndpoint::kChat;
  std::string model;
  bool stream = true;
  int max_tokens = 0;
  std::optional<int> min_tokens;  // vLLM extension
  bool ignore_eos = true;         // vLLM extension; sent only when true
  std::optional<double> temperature;
  std::optional<int64_t> seed;
  // A JSON object merged into the body last: its keys replace ours of the same name in place,
  // new keys follow ours in their own order (a shallow merge). Empty: nothing merged.
  std::string extra_body_json;
};

// Checks what RenderRequestBody relies on: max_tokens >= 1, 0 <= min_tokens <= max_tokens,
// extra_body_json empty or a JSON object that does not set `stream` (streaming is
// RequestOptions::stream: the response reader must know it), ids only with completions,
// messages only with chat (each with a non-empty role).
// Messages name the option and say what to do.
Status ValidateRequestOptions(const RequestOptions& options, const Prompt& prompt);

// The JSON body. Chat: {"model", "messages": [{"role": "user", "content": text}] (or
// prompt.messages as given, each {"role", "content"}),
// "max_completion_tokens", "max_tokens", "stream", "stream_options", "temperature", "seed",
// "min_tokens", "ignore_eos"} — both max fields carry max_tokens, so servers that know only
// one of them still stop there. Completions: {"model", "prompt": text or [ids], "max_tokens",
// …}. Optional fields appear only when set; `stream_options: {"include_usage": true}` only
// when streaming. Invalid UTF-8 in the prompt is replaced by U+FFFD.
// REQUIRES: ValidateRequestOptions(options, prompt).ok().
std::string RenderRequestBody(const RequestOptions& options, const Prompt& prompt);

struct HttpTarget {
  net::Url url;  // base URL, e.g. http://127.0.0.1:8000 or https://host/openai/v1
  // Sent with every request after ours (e.g. Authorization: Bearer …). A header named Host,
  // Content-Type or Accept replaces our default. Secrets: never log these.
  std::vector<std::pair<std::string, std::string>> headers;
};

// Header names must be HTTP tokens, values free of CR, LF and NUL; Content-Length and
// Transfer-Encoding are ours to set. Messages name the header but never show its value.
Status ValidateHttpTarget(const HttpTarget& target);

// The request target for an endpoint under a base URL: the base path (trailing '/' removed, a
// final "/v1" not doubled) + "/v1/chat/completions" or "/v1/completions", then the base's
// query if it has one. "http://h/openai" → "/openai/v1/chat/completions".
std::string EndpointPath(const net::Url& base, ApiEndpoint endpoint);
// The absolute URL of an endpoint (scheme, host and port of the base, then EndpointPath), for
// one-off requests through net::Fetch (readiness and chat-template probes).
std::string EndpointUrl(const net::Url& base, ApiEndpoint endpoint);

// One complete HTTP/1.1 request, ready for a single write:
//   POST <EndpointPath> HTTP/1.1\r\nHost: …\r\nContent-Type: application/json\r\n
//   Accept: text/event-stream\r\nContent-Length: N\r\n<target headers>\r\n<body>
// `streaming` false asks for Accept: application/json instead.
// REQUIRES: ValidateHttpTarget(target).ok().
std::string RenderHttpRequest(const HttpTarget& target, ApiEndpoint endpoint, std::string_view body,
                              bool streaming = true);

}  // namespace inferbench::client
