#include "sim/openai_request.h"

#include <cmath>
#include <limits>
#include <utility>

#include <nlohmann/json.hpp>

namespace inferbench::sim {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

// vLLM's CompletionRequest.max_tokens default.
constexpr int kCompletionsDefaultMaxTokens = 16;

ProtocolError BadRequest(std::string message, std::string param) {
  ProtocolError error;
  error.status = 400;
  error.type = "BadRequestError";
  error.message = std::move(message);
  error.param = std::move(param);
  return error;
}

// A short rendering of a JSON value for error messages.
std::string Describe(const Json& value) {
  std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  constexpr size_t kMax = 60;
  if (text.size() > kMax) text = text.substr(0, kMax) + "…";
  return text;
}

const char* TypeName(const Json& value) {
  if (value.is_string()) return "a string";
  if (value.is_boolean()) return "a boolean";
  if (value.is_number()) return "a number";
  if (value.is_array()) return "an array";
  if (value.is_object()) return "an object";
  return "null";
}

ProtocolError WrongType(const std::string& field, const char* expected, const Json& value) {
  return BadRequest("`" + field + "` must be " + expected + ", got " + TypeName(value) + " " +
                        Describe(value),
                    field);
}

// The field's value, or nullptr when it is absent or JSON null (vLLM treats both as "not given").
const Json* Field(const Json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

// An integer (pydantic also accepts a float with no fractional part, e.g. 16.0).
bool AsInt64(const Json& value, int64_t* out) {
  if (value.is_number_unsigned()) {
    const auto v = value.get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
    *out = static_cast<int64_t>(v);
    return true;
  }
  if (value.is_number_integer()) {
    *out = value.get<int64_t>();
    return true;
  }
  if (value.is_number_float()) {
    const double v = value.get<double>();
    // 2^63 is the first double outside int64.
    if (!std::isfinite(v) || std::floor(v) != v || v < -9223372036854775808.0 ||
        v >= 9223372036854775808.0) {
      return false;
    }
    *out = static_cast<int64_t>(v);
    return true;
  }
  return false;
}

using MaybeError = std::optional<ProtocolError>;

MaybeError GetBool(const Json& body, const char* name, bool* out) {
  const Json* value = Field(body, name);
  if (value == nullptr) return std::nullopt;
  if (!value->is_boolean()) return WrongType(name, "a boolean", *value);
  *out = value->get<bool>();
  return std::nullopt;
}

// Sets *present and *out when the field is given; integers in [INT32_MIN, INT32_MAX] only.
MaybeError GetInt(const Json& body, const char* name, bool* present, int* out) {
  *present = false;
  const Json* value = Field(body, name);
  if (value == nullptr) return std::nullopt;
  int64_t v = 0;
  if (!AsInt64(*value, &v)) return WrongType(name, "an integer", *value);
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) {
    return BadRequest(std::string(name) + " is out of range, got " + std::to_string(v) + ".",
                      name);
  }
  *present = true;
  *out = static_cast<int>(v);
  return std::nullopt;
}

// max_tokens / max_completion_tokens: vLLM's SamplingParams rule, at least 1.
MaybeError GetMaxTokens(const Json& body, const char* name, bool* present, int* out) {
  if (MaybeError error = GetInt(body, name, present, out)) return error;
  if (*present && *out < 1) {
    return BadRequest(std::string(name) + " must be at least 1, got " + std::to_string(*out) + ".",
                      name);
  }
  return std::nullopt;
}

MaybeError ParseTokenIdList(const Json& list, const std::string& where,
                            std::vector<uint32_t>* out) {
  if (list.empty()) return BadRequest("`" + where + "` must not be an empty list", "prompt");
  out->reserve(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    int64_t id = 0;
    if (!AsInt64(list[i], &id)) {
      return BadRequest("`" + where + "[" + std::to_string(i) + "]` must be a token id (an integer), got " +
                            Describe(list[i]),
                        "prompt");
    }
    if (id < 0 || id > kMaxPromptTokenId) {
      return BadRequest("Token id " + std::to_string(id) + " in `" + where + "[" +
                            std::to_string(i) + "]` is out of range [0, " +
                            std::to_string(kMaxPromptTokenId) + "]",
                        "prompt");
    }
    out->push_back(static_cast<uint32_t>(id));
  }
  return std::nullopt;
}

constexpr const char* kPromptForms =
    "a non-empty string, a list of strings, a list of token ids or a list of token-id lists";

// Completions `prompt`: string | list of strings | list of token ids | list of token-id lists.
MaybeError ParsePrompt(const Json& body, const SimTokenizer& tokenizer,
                       std::vector<std::vector<uint32_t>>* prompts) {
  const Json* prompt = Field(body, "prompt");
  if (prompt == nullptr) {
    if (Field(body, "prompt_embeds") != nullptr) {
      return BadRequest("`prompt_embeds` is not supported by the simulator", "prompt_embeds");
    }
    return BadRequest(std::string("`prompt` is required: ") + kPromptForms, "prompt");
  }
  if (prompt->is_string()) {
    const auto& text = prompt->get_ref<const std::string&>();
    if (text.empty()) return BadRequest(std::string("`prompt` must be ") + kPromptForms, "prompt");
    prompts->push_back(tokenizer.Encode(text));
    return std::nullopt;
  }
  if (!prompt->is_array()) return WrongType("prompt", kPromptForms, *prompt);
  if (prompt->empty()) return BadRequest("`prompt` must not be an empty list", "prompt");

  const Json& first = prompt->front();
  if (first.is_string()) {
    for (size_t i = 0; i < prompt->size(); ++i) {
      const Json& item = (*prompt)[i];
      const std::string where = "prompt[" + std::to_string(i) + "]";
      if (!item.is_string()) {
        return BadRequest("`" + where + "` must be a string like the other prompts, got " +
                              Describe(item),
                          "prompt");
      }
      const auto& text = item.get_ref<const std::string&>();
      if (text.empty()) return BadRequest("`" + where + "` must not be empty", "prompt");
      prompts->push_back(tokenizer.Encode(text));
    }
    return std::nullopt;
  }
  if (first.is_array()) {
    for (size_t i = 0; i < prompt->size(); ++i) {
      const Json& item = (*prompt)[i];
      const std::string where = "prompt[" + std::to_string(i) + "]";
      if (!item.is_array()) {
        return BadRequest("`" + where + "` must be a list of token ids like the other prompts, got " +
                              Describe(item),
                          "prompt");
      }
      std::vector<uint32_t> ids;
      if (MaybeError error = ParseTokenIdList(item, where, &ids)) return error;
      prompts->push_back(std::move(ids));
    }
    return std::nullopt;
  }
  if (first.is_number()) {
    std::vector<uint32_t> ids;
    if (MaybeError error = ParseTokenIdList(*prompt, "prompt", &ids)) return error;
    prompts->push_back(std::move(ids));
    return std::nullopt;
  }
  return WrongType("prompt", kPromptForms, *prompt);
}

// Chat message content: a string, or a list of {"type":"text","text":…} parts (concatenated).
MaybeError ParseContent(const Json& message, const std::string& where, const std::string& role,
                        std::string* content) {
  const Json* value = Field(message, "content");
  if (value == nullptr) {
    // Assistant turns that only carried tool calls have no content.
    if (role == "assistant") return std::nullopt;
    return BadRequest("`" + where + ".content` is required", "messages");
  }
  if (value->is_string()) {
    *content = value->get<std::string>();
    return std::nullopt;
  }
  if (!value->is_array()) {
    return WrongType(where + ".content", "a string or a list of content parts", *value);
  }
  for (size_t i = 0; i < value->size(); ++i) {
    const Json& part = (*value)[i];
    const std::string part_where = where + ".content[" + std::to_string(i) + "]";
    if (!part.is_object()) return WrongType(part_where, "an object", part);
    const Json* type = Field(part, "type");
    if (type == nullptr || !type->is_string()) {
      return BadRequest("`" + part_where + ".type` is required and must be a string", "messages");
    }
    if (type->get_ref<const std::string&>() != "text") {
      return BadRequest("Content part type `" + type->get<std::string>() + "` in `" + part_where +
                            "` is not supported by the simulator (text parts only)",
                        "messages");
    }
    const Json* text = Field(part, "text");
    if (text == nullptr || !text->is_string()) {
      return BadRequest("`" + part_where + ".text` is required and must be a string", "messages");
    }
    *content += text->get_ref<const std::string&>();
  }
  return std::nullopt;
}

MaybeError ParseMessages(const Json& body, const SimTokenizer& tokenizer,
                         std::vector<std::vector<uint32_t>>* prompts) {
  const Json* messages = Field(body, "messages");
  if (messages == nullptr) {
    return BadRequest("`messages` is required: a non-empty list of {role, content} messages",
                      "messages");
  }
  if (!messages->is_array()) return WrongType("messages", "a list of messages", *messages);
  if (messages->empty()) {
    return BadRequest("`messages` must contain at least one message", "messages");
  }
  std::vector<ChatMessage> parsed;
  parsed.reserve(messages->size());
  for (size_t i = 0; i < messages->size(); ++i) {
    const Json& message = (*messages)[i];
    const std::string where = "messages[" + std::to_string(i) + "]";
    if (!message.is_object()) return WrongType(where, "an object", message);
    const Json* role = Field(message, "role");
    if (role == nullptr) return BadRequest("`" + where + ".role` is required", "messages");
    if (!role->is_string()) return WrongType(where + ".role", "a string", *role);
    ChatMessage chat_message;
    chat_message.role = role->get<std::string>();
    if (MaybeError error = ParseContent(message, where, chat_message.role, &chat_message.content)) {
      return error;
    }
    parsed.push_back(std::move(chat_message));
  }
  prompts->push_back(tokenizer.EncodeChat(parsed));
  return std::nullopt;
}

MaybeError ParseStreamOptions(const Json& body, SimRequest* request) {
  const auto it = body.find("stream_options");
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_object()) return WrongType("stream_options", "an object", *it);
  // vLLM: `if data.get("stream_options") and not data.get("stream")` — an empty object passes.
  if (!it->empty() && !request->stream) {
    return BadRequest("Stream options can only be defined when `stream=True`.", "stream_options");
  }
  bool include_usage = true;  // StreamOptions.include_usage defaults to true in vLLM
  const auto usage_it = it->find("include_usage");
  if (usage_it != it->end()) {
    if (usage_it->is_null()) {
      include_usage = false;
    } else if (usage_it->is_boolean()) {
      include_usage = usage_it->get<bool>();
    } else {
      return WrongType("stream_options.include_usage", "a boolean", *usage_it);
    }
  }
  bool continuous = false;
  if (const Json* value = Field(*it, "continuous_usage_stats")) {
    if (!value->is_boolean()) {
      return WrongType("stream_options.continuous_usage_stats", "a boolean", *value);
    }
    continuous = value->get<bool>();
  }
  request->include_usage = request->stream && include_usage;
  request->continuous_usage_stats = request->include_usage && continuous;
  return std::nullopt;
}

MaybeError ParseSampling(Endpoint endpoint, const Json& body, SimRequest* request) {
  bool present = false;
  int n = 1;
  if (MaybeError error = GetInt(body, "n", &present, &n)) return error;
  if (present && n != 1) {
    return BadRequest("n must be 1 in the simulator (one choice per prompt), got " +
                          std::to_string(n) + ".",
                      "n");
  }

  int max_tokens = 0;
  bool has_max_tokens = false;
  if (MaybeError error = GetMaxTokens(body, "max_tokens", &has_max_tokens, &max_tokens)) {
    return error;
  }
  if (has_max_tokens) {
    request->max_tokens = max_tokens;
  } else if (endpoint == Endpoint::kCompletions && !body.contains("max_tokens")) {
    request->max_tokens = kCompletionsDefaultMaxTokens;
  }
  if (endpoint == Endpoint::kChat) {
    int max_completion_tokens = 0;
    bool has_max_completion = false;
    if (MaybeError error = GetMaxTokens(body, "max_completion_tokens", &has_max_completion,
                                        &max_completion_tokens)) {
      return error;
    }
    if (has_max_completion) request->max_tokens = max_completion_tokens;
  }

  int min_tokens = 0;
  if (MaybeError error = GetInt(body, "min_tokens", &present, &min_tokens)) return error;
  if (present) {
    if (min_tokens < 0) {
      return BadRequest("min_tokens must be greater than or equal to 0, got " +
                            std::to_string(min_tokens) + ".",
                        "min_tokens");
    }
    if (request->max_tokens > 0 && min_tokens > request->max_tokens) {
      return BadRequest("min_tokens must be less than or equal to max_tokens=" +
                            std::to_string(request->max_tokens) + ", got " +
                            std::to_string(min_tokens) + ".",
                        "min_tokens");
    }
    request->min_tokens = min_tokens;
  }

  if (MaybeError error = GetBool(body, "ignore_eos", &request->ignore_eos)) return error;

  if (const Json* temperature = Field(body, "temperature")) {
    if (!temperature->is_number()) return WrongType("temperature", "a number", *temperature);
    const double value = temperature->get<double>();
    if (value < 0) {
      return BadRequest("temperature must be non-negative, got " + Describe(*temperature) + ".",
                        "temperature");
    }
    request->temperature = value;
  }

  if (const Json* seed = Field(body, "seed")) {
    int64_t value = 0;
    if (!AsInt64(*seed, &value)) return WrongType("seed", "a 64-bit integer", *seed);
    request->seed = value;
  }

  bool echo = false;
  if (MaybeError error = GetBool(body, "echo", &echo)) return error;
  if (echo) return BadRequest("`echo` is not supported by the simulator", "echo");
  return std::nullopt;
}

}  // namespace

std::variant<SimRequest, ProtocolError> ParseOpenAIRequest(Endpoint endpoint, std::string_view body,
                                                           const SimTokenizer& tokenizer,
                                                           std::string_view served_model_name) {
  Json json;
  try {
    json = Json::parse(body);
  } catch (const Json::parse_error& e) {
    return BadRequest(std::string("The request body is not valid JSON: ") + e.what(), "");
  }
  if (!json.is_object()) {
    return BadRequest(std::string("The request body must be a JSON object, got ") +
                          TypeName(json),
                      "");
  }

  SimRequest request;
  request.endpoint = endpoint;
  if (const Json* model = Field(json, "model")) {
    if (!model->is_string()) return WrongType("model", "a string", *model);
    request.model = model->get<std::string>();
  }
  if (MaybeError error = GetBool(json, "stream", &request.stream)) return *error;
  if (MaybeError error = ParseStreamOptions(json, &request)) return *error;
  if (MaybeError error = ParseSampling(endpoint, json, &request)) return *error;
  MaybeError prompt_error = endpoint == Endpoint::kChat
                                ? ParseMessages(json, tokenizer, &request.prompts)
                                : ParsePrompt(json, tokenizer, &request.prompts);
  if (prompt_error) return *prompt_error;

  // vLLM checks the model after validating the body.
  if (!request.model.empty() && request.model != served_model_name) {
    ProtocolError error;
    error.status = 404;
    error.type = "NotFoundError";
    error.message = "The model `" + request.model + "` does not exist.";
    error.param = "model";
    return error;
  }
  return request;
}

std::string ErrorBody(const ProtocolError& error) {
  OrderedJson info;
  info["message"] = error.message;
  info["type"] = error.type;
  info["param"] = error.param.empty() ? OrderedJson(nullptr) : OrderedJson(error.param);
  info["code"] = error.status;
  OrderedJson body;
  body["error"] = std::move(info);
  return body.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

}  // namespace inferbench::sim
