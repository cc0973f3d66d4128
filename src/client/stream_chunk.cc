#include "client/stream_chunk.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <string>

namespace inferbench::client {
namespace {

namespace dom = simdjson::dom;

// A string element; null or any other type gives an empty view and false.
bool StringOf(dom::element element, std::string_view* out) {
  return element.get_string().get(*out) == simdjson::SUCCESS;
}

// An integer element into *out; other types (and non-integral numbers) leave *out alone.
void ReadInt(dom::element element, int64_t* out) {
  int64_t n = 0;
  if (element.get_int64().get(n) == simdjson::SUCCESS) *out = n;
}

// Counts tool calls and the bytes of their function names and arguments.
void ReadToolCalls(dom::element element, ChoiceUpdate* choice) {
  dom::array calls;
  if (element.get_array().get(calls) != simdjson::SUCCESS) return;
  for (dom::element call : calls) {
    ++choice->tool_calls;
    dom::object function;
    if (call["function"].get_object().get(function) != simdjson::SUCCESS) continue;
    for (dom::key_value_pair field : function) {
      std::string_view text;
      if ((field.key == "name" || field.key == "arguments") && StringOf(field.value, &text)) {
        choice->tool_call_bytes += text.size();
      }
    }
  }
}

// A chat `delta` (streaming) or `message` (non-streaming) object.
void ReadMessage(dom::element element, ChoiceUpdate* choice) {
  dom::object message;
  if (element.get_object().get(message) != simdjson::SUCCESS) return;
  std::string_view reasoning_content;
  std::string_view reasoning;
  for (dom::key_value_pair field : message) {
    if (field.key == "content") {
      StringOf(field.value, &choice->content);
    } else if (field.key == "reasoning_content") {
      StringOf(field.value, &reasoning_content);
    } else if (field.key == "reasoning") {
      StringOf(field.value, &reasoning);
    } else if (field.key == "tool_calls") {
      ReadToolCalls(field.value, choice);
    }
  }
  // Servers that send both names carry the same text in each; count it once.
  choice->reasoning = !reasoning_content.empty() ? reasoning_content : reasoning;
}

void ReadChoice(dom::element element, ChoiceUpdate* choice) {
  dom::object object;
  if (element.get_object().get(object) != simdjson::SUCCESS) return;
  for (dom::key_value_pair field : object) {
    if (field.key == "index") {
      ReadInt(field.value, &choice->index);
    } else if (field.key == "delta" || field.key == "message") {
      ReadMessage(field.value, choice);
    } else if (field.key == "text") {
      StringOf(field.value, &choice->content);
    } else if (field.key == "finish_reason") {
      choice->has_finish_reason = StringOf(field.value, &choice->finish_reason);
    }
  }
  choice->token_carrying =
      !choice->content.empty() || !choice->reasoning.empty() || choice->tool_calls > 0;
}

void ReadUsage(dom::element element, TokenUsage* usage) {
  dom::object object;
  if (element.get_object().get(object) != simdjson::SUCCESS) return;  // "usage": null
  usage->present = true;
  for (dom::key_value_pair field : object) {
    if (field.key == "prompt_tokens") {
      ReadInt(field.value, &usage->prompt_tokens);
    } else if (field.key == "completion_tokens") {
      ReadInt(field.value, &usage->completion_tokens);
    } else if (field.key == "prompt_tokens_details") {
      dom::element cached;
      if (field.value["cached_tokens"].get(cached) == simdjson::SUCCESS) {
        ReadInt(cached, &usage->cached_tokens);
      }
    }
  }
}

}  // namespace

bool StreamChunk::token_carrying() const {
  return std::any_of(choices.begin(), choices.end(),
                     [](const ChoiceUpdate& choice) { return choice.token_carrying; });
}

void StreamChunk::Clear() {
  choices.clear();
  usage = TokenUsage();
  is_error = false;
  error_message = {};
  error_type = {};
  error_code = {};
}

class ChunkDecoder::Impl {
 public:
  Status Decode(std::string_view json, StreamChunk* out);

 private:
  void ReadErrorObject(dom::element element, StreamChunk* out);
  std::string_view ErrorCodeOf(dom::element element);
  void EnsureCapacity(size_t bytes);

  // DOM rather than On-Demand: On-Demand is compiled for the build's baseline ISA (the scalar
  // fallback kernel on plain x86-64), while DOM picks AVX2/AVX-512 kernels at run time, and it
  // validates the whole document, so malformed JSON anywhere is reported.
  dom::parser parser_;
  std::unique_ptr<char[]> padded_;
  size_t padded_capacity_ = 0;  // bytes in padded_, padding included
  char code_text_[24] = {};     // a numeric error code rendered as text
};

void ChunkDecoder::Impl::EnsureCapacity(size_t bytes) {
  size_t needed = bytes + simdjson::SIMDJSON_PADDING;
  if (needed <= padded_capacity_) return;
  size_t capacity = std::max<size_t>(needed, std::max<size_t>(4096, padded_capacity_ * 2));
  padded_ = std::make_unique<char[]>(capacity);
  padded_capacity_ = capacity;
}

// `code` is an integer in vLLM (the HTTP status) and a string or null in OpenAI.
std::string_view ChunkDecoder::Impl::ErrorCodeOf(dom::element element) {
  std::string_view text;
  if (StringOf(element, &text)) return text;
  int64_t n = 0;
  if (element.get_int64().get(n) != simdjson::SUCCESS) return {};
  auto [end, ec] = std::to_chars(code_text_, code_text_ + sizeof(code_text_), n);
  if (ec != std::errc()) return {};
  return std::string_view(code_text_, static_cast<size_t>(end - code_text_));
}

// The value of a top-level "error" field: an object with message/type/code, or a bare string.
void ChunkDecoder::Impl::ReadErrorObject(dom::element element, StreamChunk* out) {
  if (StringOf(element, &out->error_message)) {
    out->is_error = true;
    return;
  }
  dom::object object;
  if (element.get_object().get(object) != simdjson::SUCCESS) return;  // "error": null
  out->is_error = true;
  for (dom::key_value_pair field : object) {
    if (field.key == "message") {
      StringOf(field.value, &out->error_message);
    } else if (field.key == "type") {
      StringOf(field.value, &out->error_type);
    } else if (field.key == "code") {
      out->error_code = ErrorCodeOf(field.value);
    }
  }
}

Status ChunkDecoder::Impl::Decode(std::string_view json, StreamChunk* out) {
  out->Clear();
  EnsureCapacity(json.size());
  if (!json.empty()) std::memcpy(padded_.get(), json.data(), json.size());
  std::memset(padded_.get() + json.size(), 0, simdjson::SIMDJSON_PADDING);

  dom::element root;
  simdjson::error_code error =
      parser_.parse(padded_.get(), json.size(), /*realloc_if_needed=*/false).get(root);
  if (error != simdjson::SUCCESS) {
    return Status::Error(std::string("malformed response JSON: ") + simdjson::error_message(error));
  }
  dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    return Status::Error("response JSON is not an object");
  }

  // The flat error form keeps message/type/code at the top level next to "object": "error".
  std::string_view object_type;
  std::string_view top_message;
  std::string_view top_type;
  std::string_view top_code;
  for (dom::key_value_pair field : object) {
    if (field.key == "choices") {
      dom::array choices;
      if (field.value.get_array().get(choices) != simdjson::SUCCESS) continue;
      for (dom::element choice : choices) {
        out->choices.emplace_back();
        ReadChoice(choice, &out->choices.back());
      }
    } else if (field.key == "usage") {
      ReadUsage(field.value, &out->usage);
    } else if (field.key == "error") {
      ReadErrorObject(field.value, out);
    } else if (field.key == "object") {
      StringOf(field.value, &object_type);
    } else if (field.key == "message") {
      StringOf(field.value, &top_message);
    } else if (field.key == "type") {
      StringOf(field.value, &top_type);
    } else if (field.key == "code") {
      top_code = ErrorCodeOf(field.value);
    }
  }
  if (object_type == "error") {
    out->is_error = true;
    if (out->error_message.empty()) out->error_message = top_message;
    if (out->error_type.empty()) out->error_type = top_type;
    if (out->error_code.empty()) out->error_code = top_code;
  }
  return Status::Ok();
}

ChunkDecoder::ChunkDecoder() : impl_(std::make_unique<Impl>()) {}
ChunkDecoder::~ChunkDecoder() = default;

Status ChunkDecoder::ParseStreamChunk(std::string_view json, StreamChunk* out) {
  return impl_->Decode(json, out);
}

Status ChunkDecoder::ParseResponseBody(std::string_view json, StreamChunk* out) {
  return impl_->Decode(json, out);
}

}  // namespace inferbench::client
