#include "client/openai_adapter.h"

#include <cassert>
#include <nlohmann/json.hpp>
#include <string>

namespace inferbench::client {
namespace {

using OrderedJson = nlohmann::ordered_json;

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

// RFC 9110 §5.6.2 tchar.
bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return c != '\0' && std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Parses extra_body_json; discarded (not an object) when it is not a JSON object.
OrderedJson ParseExtraBody(std::string_view text) {
  return OrderedJson::parse(text.begin(), text.end(), /*cb=*/nullptr, /*allow_exceptions=*/false);
}

// The value of a caller header named `name`, or null.
const std::string* FindHeader(const HttpTarget& target, std::string_view name) {
  for (const auto& [key, value] : target.headers) {
    if (EqualsIgnoreCase(key, name)) return &value;
  }
  return nullptr;
}

}  // namespace

std::string_view ApiEndpointName(ApiEndpoint endpoint) {
  return endpoint == ApiEndpoint::kChat ? "chat" : "completions";
}

Status ValidateRequestOptions(const RequestOptions& options, const Prompt& prompt) {
  if (options.max_tokens < 1) {
    return Status::Error("max_tokens is " + std::to_string(options.max_tokens) +
                         "; it must be at least 1");
  }
  if (options.min_tokens && (*options.min_tokens < 0 || *options.min_tokens > options.max_tokens)) {
    return Status::Error("min_tokens is " + std::to_string(*options.min_tokens) +
                         "; it must be between 0 and max_tokens (" +
                         std::to_string(options.max_tokens) + ")");
  }
  if (!prompt.ids.empty() && options.endpoint != ApiEndpoint::kCompletions) {
    return Status::Error(
        "prompts given as token ids need the completions endpoint; chat takes text only");
  }
  if (!prompt.messages.empty()) {
    if (options.endpoint != ApiEndpoint::kChat) {
      return Status::Error(
          "prompts given as chat messages need the chat endpoint; for completions join them "
          "into one text prompt");
    }
    for (size_t i = 0; i < prompt.messages.size(); ++i) {
      if (prompt.messages[i].role.empty()) {
        return Status::Error("chat message " + std::to_string(i) +
                             " has an empty role; use system, user or assistant");
      }
    }
  }
  if (!options.extra_body_json.empty()) {
    OrderedJson extra = ParseExtraBody(options.extra_body_json);
    if (!extra.is_object()) {
      return Status::Error("extra body must be a JSON object, e.g. {\"top_p\": 0.9}; got: " +
                           options.extra_body_json);
    }
    if (extra.contains("stream")) {
      return Status::Error(
          "extra body sets \"stream\"; choose streaming with the stream option (--no-stream) "
          "instead, so responses are read the way they are sent");
    }
  }
  return Status::Ok();
}

std::string RenderRequestBody(const RequestOptions& options, const Prompt& prompt) {
  OrderedJson body = OrderedJson::object();
  body["model"] = options.model;
  if (options.endpoint == ApiEndpoint::kChat) {
    OrderedJson messages = OrderedJson::array();
    if (prompt.messages.empty()) {
      OrderedJson message = OrderedJson::object();
      message["role"] = "user";
      message["content"] = prompt.text;
      messages.push_back(std::move(message));
    } else {
      for (const ChatMessage& given : prompt.messages) {
        OrderedJson message = OrderedJson::object();
        message["role"] = given.role;
        message["content"] = given.content;
        messages.push_back(std::move(message));
      }
    }
    body["messages"] = std::move(messages);
    body["max_completion_tokens"] = options.max_tokens;
  } else if (!prompt.ids.empty()) {
    body["prompt"] = prompt.ids;
  } else {
    body["prompt"] = prompt.text;
  }
  body["max_tokens"] = options.max_tokens;
  body["stream"] = options.stream;
  if (options.stream) body["stream_options"] = {{"include_usage", true}};
  if (options.temperature) body["temperature"] = *options.temperature;
  if (options.seed) body["seed"] = *options.seed;
  if (options.min_tokens) body["min_tokens"] = *options.min_tokens;
  if (options.ignore_eos) body["ignore_eos"] = true;
  if (!options.extra_body_json.empty()) {
    OrderedJson extra = ParseExtraBody(options.extra_body_json);
    assert(extra.is_object() && "REQUIRES: ValidateRequestOptions");
    if (extra.is_object()) {
      for (auto it = extra.begin(); it != extra.end(); ++it) body[it.key()] = std::move(it.value());
    }
  }
  return body.dump(-1, ' ', /*ensure_ascii=*/false, OrderedJson::error_handler_t::replace);
}

Status ValidateHttpTarget(const HttpTarget& target) {
  for (const auto& [name, value] : target.headers) {
    if (name.empty()) return Status::Error("a request header has an empty name");
    for (char c : name) {
      if (!IsTokenChar(c)) {
        return Status::Error("request header name '" + name +
                             "' has a character not allowed in HTTP header names");
      }
    }
    if (EqualsIgnoreCase(name, "content-length") || EqualsIgnoreCase(name, "transfer-encoding")) {
      return Status::Error("request header '" + name +
                           "' cannot be set: inferbench frames the request body itself");
    }
    for (char c : value) {
      if (c == '\r' || c == '\n' || c == '\0') {
        return Status::Error("the value of request header '" + name +
                             "' contains a line break or NUL byte");
      }
    }
  }
  return Status::Ok();
}

std::string EndpointPath(const net::Url& base, ApiEndpoint endpoint) {
  std::string_view full = base.path;
  std::string_view path = full.substr(0, full.find('?'));
  std::string_view query = full.substr(path.size());
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  constexpr std::string_view kVersion = "/v1";
  if (path.size() >= kVersion.size() && path.substr(path.size() - kVersion.size()) == kVersion) {
    path.remove_suffix(kVersion.size());
  }
  std::string result(path);
  result += endpoint == ApiEndpoint::kChat ? "/v1/chat/completions" : "/v1/completions";
  result += query;
  return result;
}

std::string EndpointUrl(const net::Url& base, ApiEndpoint endpoint) {
  return std::string(base.endpoint.tls ? "https://" : "http://") + base.HostHeader() +
         EndpointPath(base, endpoint);
}

std::string RenderHttpRequest(const HttpTarget& target, ApiEndpoint endpoint, std::string_view body,
                              bool streaming) {
  const std::string path = EndpointPath(target.url, endpoint);
  const std::string host = target.url.HostHeader();
  const std::string length = std::to_string(body.size());
  struct Default {
    std::string_view name;
    std::string_view value;
  };
  const Default defaults[] = {
      {"Host", host},
      {"Content-Type", "application/json"},
      {"Accept", streaming ? "text/event-stream" : "application/json"},
  };

  size_t size = path.size() + body.size() + length.size() + 128;
  for (const auto& [name, value] : target.headers) size += name.size() + value.size() + 4;
  std::string request;
  request.reserve(size);
  request += "POST ";
  request += path;
  request += " HTTP/1.1\r\n";
  for (const Default& header : defaults) {
    const std::string* replaced = FindHeader(target, header.name);
    request += header.name;
    request += ": ";
    request += replaced != nullptr ? std::string_view(*replaced) : header.value;
    request += "\r\n";
  }
  request += "Content-Length: ";
  request += length;
  request += "\r\n";
  for (const auto& [name, value] : target.headers) {
    bool is_default = false;
    for (const Default& header : defaults) is_default |= EqualsIgnoreCase(name, header.name);
    if (is_default) continue;
    request += name;
    request += ": ";
    request += value;
    request += "\r\n";
  }
  request += "\r\n";
  request += body;
  return request;
}

}  // namespace inferbench::client
